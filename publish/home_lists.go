package publish

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"
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
			Title:   s.tagTitle(tc.Slug),
			Count:   tc.Count,
			Page:    "./?tag=" + url.QueryEscape(tc.Slug),
			RSS:     path + ".rss",
			Atom:    path + ".atom",
			JSON:    path + ".json",
			AtomURL: s.base + "/" + path + ".atom",
		}
	}
	d.Tags = tags
	return nil
}

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
func (s *server) homeSources(now time.Time, local bool) ([]homeSource, error) {
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
			State:   "ok",
			Status:  st.Status,
			Error:   st.Error,
			MovedTo: st.MovedTo,
			Waiting: st.Waiting,
			Items:   st.Items,
		}
		switch {
		case st.Error != "":
			hs.State, hs.Failing = "failing", true
		case st.LastFetch.IsZero():
			hs.State = "not fetched yet"
		}
		if !st.LastSuccess.IsZero() {
			t := st.LastSuccess.UTC()
			hs.LastSuccess = t.Format(time.RFC3339)
			hs.Exact = t.Format("2006-01-02 15:04 UTC")
			hs.Ago = timeAgo(t, now)
		}
		out[i] = hs
	}
	rank := func(h homeSource) int {
		switch h.State {
		case "failing":
			return 0
		case "not fetched yet":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(out, func(a, b homeSource) int { return cmp.Compare(rank(a), rank(b)) })
	return out, nil
}
