package publish

import (
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/libyawire/libyawire/internal/i18n"
	"github.com/libyawire/libyawire/store"
)

// The page at / lists the newest stories for the same query parameters as
// the feeds, and helps a person build a feed URL without reading the docs.
//
// Paging is ?page=N, homePageSize stories a page (or ?limit= of them). The
// store has no cursor to page backwards with, so page N reads the newest
// N*size+1 stories and shows the last size of them: the pages reach back
// through the newest store.MaxLimit stories of a filter, and the last one
// says so when older stories exist.
//
// The page is cached like the feeds, under the store's generation and the
// canonical query, and also under the current minute: its "2 hours ago"
// words are computed from a clock rounded down to the minute, so a cached
// page is at most a minute behind, and so is its source health, which the
// generation does not follow.

// homePageSize is the number of stories on one page without ?limit=.
const homePageSize = 50

// homeTagsPage is the most tags the page lists; ?tagpage=N shows the Nth
// such list, and each links to the next.
const homeTagsPage = 200

// homeContentType is the page's media type.
const homeContentType = "text/html; charset=utf-8"

// homeCSP allows the page its one inline style block and nothing else: no
// script, no outside resource. A story's link is followed, not loaded.
const homeCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

//go:embed templates/*.html
var templateFiles embed.FS

// pageTemplates are the HTML pages, which share their style.
var pageTemplates = template.Must(template.ParseFS(templateFiles, "templates/*.html"))

// handleHome serves the HTML page: a bad query parameter gets the page with
// the sentence that says what is wrong, and status 400.
func handleHome(s *server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := formValues(r.URL.Query())
		now := s.opts.Now().UTC().Truncate(time.Minute)
		w.Header().Set("Content-Security-Policy", homeCSP)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		loc, hlSet, err := interfaceLanguage(v, r.Header.Get("Accept-Language"))
		if err != nil {
			// The sentence is in every language; the page in English.
			s.serveHomeError(w, v, now, filter{Limit: homePageSize}, err, s.private != nil && fromThisMachine(r))
			return
		}
		if !hlSet {
			w.Header().Set("Vary", "Accept-Language") // serveRendered adds Accept-Encoding
		}
		flt, err := parseFilter(v, homePageSize, s.maxSlug)
		flt = s.withTagNames(flt).withLanguage(loc, hlSet)
		page, tagPage := 1, 1
		if err == nil {
			page, err = parsePage(v, flt.Limit)
		}
		if err == nil {
			tagPage, err = parsePageNumber(v, "tagpage")
		}
		if err != nil {
			s.serveHomeError(w, v, now, filter{Limit: homePageSize}.withLanguage(loc, hlSet), err, s.private != nil && fromThisMachine(r))
			return
		}

		key := "/?" + flt.encode()
		if page > 1 {
			key += "&page=" + strconv.Itoa(page)
		}
		if tagPage > 1 {
			key += "&tagpage=" + strconv.Itoa(tagPage)
		}
		key += " " + now.Format(time.RFC3339) // no query holds a space: encode escapes it
		// The details of sources on private addresses are for this machine.
		local := s.private != nil && fromThisMachine(r)
		if local {
			key += " local"
		}

		// As in serveFeed, the generation is read before the stories.
		gen := s.db.Generation()
		resp := s.cache.feed(gen, key)
		if resp == nil {
			data, err := s.homeData(gen, now, flt, tagPage, local)
			if err == nil {
				err = s.addStories(data, flt, page, now)
			}
			var body []byte
			if err == nil {
				body, err = renderHome(data)
			}
			if err != nil {
				s.logger.Error("render page", "url", key, "err", err)
				http.Error(w, loc.T("page.render_failed"), http.StatusInternalServerError)
				return
			}
			// The words change with the clock while the stories do not:
			// no Last-Modified.
			resp = newRendered(body, time.Time{})
			s.cache.putFeed(gen, key, resp)
		}
		serveRendered(w, r, homeContentType, resp)
	})
}

// serveHomeError answers a request whose query is wrong: the page in
// empty's language, with the form as the person filled it, the error and
// no stories.
func (s *server) serveHomeError(w http.ResponseWriter, v url.Values, now time.Time, empty filter, qerr error, local bool) {
	data, err := s.homeData(s.db.Generation(), now, empty, 1, local)
	if err == nil {
		data.Error = data.L.Error(qerr)
		data.Form = rawForm(data.L, v, data.Form.Sources)
		var body []byte
		if body, err = renderHome(data); err == nil {
			w.Header().Set("Content-Type", homeContentType)
			w.Header().Set("Cache-Control", "no-cache")
			w.WriteHeader(http.StatusBadRequest)
			w.Write(body)
			return
		}
	}
	s.logger.Error("render page", "err", err)
	http.Error(w, qerr.Error(), http.StatusBadRequest)
}

// formValues returns v without the empty tag, notag and source values that
// the page's form sends for the fields a person left empty. (A feed URL
// with tag= is refused: there it comes from a broken link, not a form.)
func formValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for name, values := range v {
		if name == "tag" || name == "notag" || name == "source" {
			values = slices.DeleteFunc(slices.Clone(values), func(s string) bool { return strings.TrimSpace(s) == "" })
		}
		if len(values) > 0 {
			out[name] = values
		}
	}
	return out
}

// parsePage reads ?page=, which counts from 1; empty means 1. Pages reach
// back through the newest store.MaxLimit stories.
func parsePage(v url.Values, size int) (int, error) {
	if n := len(v["page"]); n > 1 {
		return 0, i18n.Errorf("error.repeated", "page", strconv.Itoa(n))
	}
	raw := strings.TrimSpace(v.Get("page"))
	if raw == "" {
		return 1, nil
	}
	last := max(1, store.MaxLimit/size)
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > last {
		return 0, i18n.Errorf("error.page", strconv.Itoa(last), quoteShort(v.Get("page")), strconv.Itoa(last*size))
	}
	return n, nil
}

// homeData gathers the page for flt, with the tagPage-th page of tags, but
// for its stories (addStories), with times in words as seen at now, and
// the details of sources on private addresses only when local.
func (s *server) homeData(gen uint64, now time.Time, flt filter, tagPage int, local bool) (*homePage, error) {
	sources, err := s.sourceInfo(gen)
	if err != nil {
		return nil, err
	}
	title, desc := s.describe(flt, sources)
	loc := flt.locale()
	siteTitle, siteDesc := s.siteTitle(loc)
	d := &homePage{
		L:               loc,
		Title:           title,
		SiteTitle:       siteTitle,
		SiteDescription: siteDesc,
		Description:     desc,
		Filtered:        flt.withLanguage(nil, false).encode() != "",
		Page:            1,
		SearchScope:     searchScan,
		Version:         s.opts.Version,
		ReloadFailed:    s.opts.ReloadFailed,
	}
	query := readableQuery(flt)
	d.Feeds = feedLinks{
		Title: title,
		RSS:   s.base + "/feed.rss" + query,
		Atom:  s.base + "/feed.atom" + query,
		JSON:  s.base + "/feed.json" + query,
	}
	d.Form = s.filterForm(flt, sources)
	d.sources = sources
	d.query = query
	d.hl = flt.hlParam()
	d.Switch = switchLinks(loc, func(other *i18n.Locale) string { return "./" + readableQuery(flt.withLanguage(other, true)) })

	if err = s.addTags(d, tagPage); err != nil {
		return nil, err
	}
	if tagPage == 1 {
		rising, err := s.db.Rising(now, risingStories, risingRatio)
		if err != nil {
			return nil, fmt.Errorf("read rising tags: %w", err)
		}
		for _, r := range rising[:min(len(rising), homeRising)] {
			d.Rising = append(d.Rising, homeRisingTag{Title: s.tagTitleIn(loc, r.Slug), Page: withHL("tags/"+url.PathEscape(r.Slug), d.hl), Last24h: r.Last24h})
		}
	}
	if d.Sources, err = s.homeSources(loc, now, local); err != nil {
		return nil, err
	}
	return d, nil
}

// addStories puts flt's page-th page of stories on d.
func (s *server) addStories(d *homePage, flt filter, page int, now time.Time) error {
	// The store query and search of render (feed.go), for the newest
	// page*size+1, so that the page knows whether older ones exist.
	d.Page = page
	size := flt.Limit
	want := page*size + 1
	q := flt.query(s.opts.Developing)
	q.Limit = want
	if flt.Q != "" {
		q.Limit = searchScan
	}
	items, err := s.db.Items(q)
	if err != nil {
		return fmt.Errorf("read stories: %w", err)
	}
	if flt.Q != "" {
		items = search(items, flt.Q, want, flt.Sort == "relevance")
	}
	if page == 1 && !flt.ranked() && flt.Q == "" {
		if err := s.addRanked(d, flt, now); err != nil {
			return err
		}
	}
	start := min((page-1)*size, len(items))
	end := min(start+size, len(items))
	for i := range items[start:end] {
		d.Stories = append(d.Stories, s.homeStory(d, &items[start+i], now))
	}
	if page > 1 {
		d.Newer = pageLink(d.query, page-1)
	}
	if len(items) > end {
		d.Older = pageLink(d.query, page+1)
	}
	// A full store query that did not reach want: older stories may exist
	// that no page reaches.
	d.Truncated = d.Older == "" && want > store.MaxLimit && len(items) >= store.MaxLimit
	return nil
}

func (s *server) homeStory(d *homePage, it *store.Item, now time.Time) homeStory {
	sources := d.sources
	published := it.Published
	if published.IsZero() {
		published = it.FirstSeen
	}
	published = published.UTC()
	st := homeStory{
		Title:     it.Title,
		Link:      webLink(it.Link),
		Published: published.Format(time.RFC3339),
		Exact:     published.Format("2006-01-02 15:04 UTC"),
		Ago:       d.L.Ago(published, now),
	}
	if st.Title == "" {
		st.Title = st.Link
	}
	// A feed's language field may hold anything; lang= takes a code.
	if lang := strings.ToLower(it.Language); isLanguageCode(lang) {
		st.Lang = lang
	}
	for i, c := range it.Copies {
		if i == 0 {
			st.Outlet = outletTitle(c, sources)
			continue
		}
		st.Also = append(st.Also, outletLink{Title: outletTitle(c, sources), Link: webLink(c.Link)})
	}
	st.Outlets = len(it.Outlets())
	st.Page = withHL("stories/"+strconv.FormatUint(it.ID, 10), d.hl)
	for _, slug := range it.Tags {
		st.Tags = append(st.Tags, homeTagLink{Title: s.tagTitleIn(d.L, slug), Page: withHL("./?tag="+url.QueryEscape(slug), d.hl)})
	}
	return st
}

// homeRanked is how many top and developing stories the first page
// shows, and homeRising how many rising tags.
const (
	homeRanked = 5
	homeRising = 8
)

// addRanked puts on d the filter's top stories of the last 24 hours that
// more than one outlet carried, and its developing stories.
func (s *server) addRanked(d *homePage, flt filter, now time.Time) error {
	q := flt.query(s.opts.Developing)
	q.Top, q.Limit = true, homeRanked
	top, err := s.db.Items(q)
	if err != nil {
		return fmt.Errorf("read top stories: %w", err)
	}
	for i := range top {
		if len(top[i].Outlets()) > 1 {
			d.Top = append(d.Top, s.homeStory(d, &top[i], now))
		}
	}
	q = flt.query(s.opts.Developing)
	q.Developing, q.Limit = &s.opts.Developing, homeRanked
	developing, err := s.db.Items(q)
	if err != nil {
		return fmt.Errorf("read developing stories: %w", err)
	}
	for i := range developing {
		d.Developing = append(d.Developing, s.homeStory(d, &developing[i], now))
	}
	ranked := func(param string) string {
		f := flt
		if param == "top" {
			f.Sort = "top"
		} else {
			f.Developing = true
		}
		return "./" + readableQuery(f)
	}
	d.TopLink, d.DevelopingLink = ranked("top"), ranked("developing")
	return nil
}

// readableQuery returns "?" and flt's canonical query in the order a person
// reads a filter (tag, notag, source, lang, q, since, limit, hl), or "" for no
// filter. The feeds cache both orders under one key.
func readableQuery(flt filter) string {
	q := flt.encode()
	if q == "" {
		return ""
	}
	order := []string{"tag", "notag", "source", "lang", "q", "since", "limit", "hl"}
	rank := func(param string) int {
		name, _, _ := strings.Cut(param, "=")
		return slices.Index(order, name)
	}
	params := strings.Split(q, "&")
	slices.SortStableFunc(params, func(a, b string) int { return cmp.Compare(rank(a), rank(b)) })
	return "?" + strings.Join(params, "&")
}

// pageLink is the relative link to page n of the filter in query.
func pageLink(query string, n int) string {
	if n <= 1 {
		return "./" + query
	}
	if query == "" {
		return "./?page=" + strconv.Itoa(n)
	}
	return "./" + query + "&page=" + strconv.Itoa(n)
}

// withHL returns link with hl, the page's "hl=ar" or "", added to its
// query.
func withHL(link, hl string) string {
	switch {
	case hl == "":
		return link
	case strings.Contains(link, "?"):
		return link + "&" + hl
	}
	return link + "?" + hl
}
