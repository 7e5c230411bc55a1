package publish

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/libyawire/libyawire/internal/i18n"
)

// addTags puts on d the page-th page of the tags that some story carries,
// most stories first, homeTagsPage a page, with links to the pages before
// and after it.
func (s *server) addTags(d *homePage, page int) error {
	counts, err := s.tagCounts(s.db.Generation())
	if err != nil {
		return fmt.Errorf("read tag counts: %w", err)
	}
	// The rules' tags that no story carries come last; the page leaves
	// them out.
	for len(counts) > 0 && counts[len(counts)-1].Count == 0 {
		counts = counts[:len(counts)-1]
	}
	d.TagsTotal = len(counts)
	start := min((page-1)*homeTagsPage, len(counts))
	end := min(start+homeTagsPage, len(counts))
	if page > 1 {
		d.TagsPrev = tagPageLink(d.query, min(page-1, lastPage(len(counts), homeTagsPage)))
	}
	if end < len(counts) {
		d.TagsNext = tagPageLink(d.query, page+1)
	}
	counts = counts[start:end]
	tags := make([]homeTag, len(counts))
	for i, tc := range counts {
		path := "tags/" + url.PathEscape(tc.Slug)
		tags[i] = homeTag{
			Slug:    tc.Slug,
			Title:   s.tagTitleIn(d.L, tc.Slug),
			Count:   tc.Count,
			Page:    withHL("./?tag="+url.QueryEscape(tc.Slug), d.hl),
			RSS:     withHL(path+".rss", d.hl),
			Atom:    withHL(path+".atom", d.hl),
			JSON:    withHL(path+".json", d.hl),
			AtomURL: withHL(s.base+"/"+path+".atom", d.hl),
			TagPage: withHL(path, d.hl),
		}
	}
	slugs := make([]string, len(tags))
	for i, t := range tags {
		slugs[i] = t.Slug
	}
	trends, err := s.db.Trends(slugs, sparkDays, s.opts.Now())
	if err != nil {
		return fmt.Errorf("read trends: %w", err)
	}
	for i := range tags {
		tags[i].Spark = sparkline(d.L, tags[i].Title, trends[tags[i].Slug])
	}
	d.Tags = tags
	return nil
}

// sparkDays is how many days a tag's sparkline on the page shows.
const sparkDays = 30

// tagPageLink is the relative link to the nth page of tags, beside the
// first page of the filter in query.
func tagPageLink(query string, n int) string {
	if n <= 1 {
		return "./" + query + "#tags"
	}
	sep := "?"
	if query != "" {
		sep = "&"
	}
	return "./" + query + sep + "tagpage=" + strconv.Itoa(n) + "#tags"
}

// homeSources lists the configured sources, failing ones first, then those
// not fetched yet, each group in config order; the details of those on
// private addresses only when local.
func (s *server) homeSources(loc *i18n.Locale, now time.Time, local bool) ([]homeSource, error) {
	list, err := sourceStatuses(s.db, s.opts.Sources)
	if err != nil {
		return nil, err
	}
	if !local {
		redactInternal(list, s.private)
	}
	out := make([]homeSource, len(list))
	for i, st := range list {
		hs := homeSource{
			Title:   cmp.Or(st.Title, st.Name),
			URL:     webLink(st.URL),
			Name:    st.Name,
			State:   loc.T("source.ok"),
			rank:    2,
			Status:  st.Status,
			Error:   st.Error,
			MovedTo: st.MovedTo,
			Waiting: st.Waiting,
			Items:   st.Items,
		}
		switch {
		case st.Error != "":
			hs.State, hs.Failing, hs.rank = loc.T("source.failing"), true, 0
		case st.LastFetch.IsZero():
			hs.State, hs.rank = loc.T("source.not_fetched"), 1
		}
		if !st.LastSuccess.IsZero() {
			t := st.LastSuccess.UTC()
			hs.LastSuccess = t.Format(time.RFC3339)
			hs.Exact = t.Format("2006-01-02 15:04 UTC")
			hs.Ago = loc.Ago(t, now)
		}
		out[i] = hs
	}
	slices.SortStableFunc(out, func(a, b homeSource) int { return cmp.Compare(a.rank, b.rank) })
	return out, nil
}
