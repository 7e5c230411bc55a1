package publish

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/libyawire/libyawire/internal/i18n"
	"github.com/libyawire/libyawire/store"
)

// tagPage is what templates/tag.html renders: one tag's chart, top
// stories, company and sources.
type tagPage struct {
	L      *i18n.Locale
	Switch []langLink
	HL     string

	SiteTitle string
	Slug      string
	Title     string
	Count     int
	Chart     template.HTML
	Tops      []tagTop
	Related   []tagCount
	Looked    int // how many stories Related and Sources count over
	Sources   []tagCount

	Atom, RSS, JSON, AtomURL string
}

type tagTop struct {
	Heading string
	Stories []homeStory
}

type tagCount struct {
	Title, Page string
	Count       int
}

// The tag page's reach: its chart's days, how many stories it counts the
// company and the sources over, and how many top stories it lists.
const (
	tagChartDays = 90
	tagProfile   = 500
	tagTops      = 10
)

// serveTagPage answers /tags/{slug}: the tag's page, in the language hl
// or Accept-Language chooses.
func (s *server) serveTagPage(w http.ResponseWriter, r *http.Request, slug string) {
	loc, hlSet, ok := answerLanguage(w, r)
	if !ok {
		return
	}
	group, err := slugList("tag", slug, s.maxSlug)
	if err != nil || len(group) != 1 {
		if err == nil {
			err = i18n.Errorf("error.tag_page")
		}
		http.Error(w, loc.Error(err), http.StatusBadRequest)
		return
	}
	flt := filter{}.withLanguage(loc, hlSet)
	now := s.opts.Now().UTC().Truncate(time.Minute)
	key := "/tags/" + group[0] + "?" + flt.encode() + " " + now.Format(time.RFC3339)
	gen := s.db.Generation()
	resp := s.cache.feed(gen, key)
	if resp == nil {
		var body []byte
		p, err := s.tagPage(gen, group[0], flt, now)
		if err == nil {
			var buf bytes.Buffer
			err = pageTemplates.ExecuteTemplate(&buf, "tag.html", p)
			body = buf.Bytes()
		}
		if err != nil {
			s.logger.Error("render tag page", "tag", group[0], "err", err)
			http.Error(w, loc.T("page.render_failed"), http.StatusInternalServerError)
			return
		}
		resp = newRendered(body, time.Time{})
		s.cache.putFeed(gen, key, resp)
	}
	w.Header().Set("Content-Security-Policy", homeCSP)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	serveRendered(w, r, homeContentType, resp)
}

// tagPage gathers the page of tag slug in flt's language, as seen at now.
func (s *server) tagPage(gen uint64, slug string, flt filter, now time.Time) (*tagPage, error) {
	loc := flt.locale()
	siteTitle, _ := s.siteTitle(loc)
	hl := flt.hlParam()
	path := url.PathEscape(slug)
	p := &tagPage{
		L: loc, HL: flt.hlValue(), SiteTitle: siteTitle, Slug: slug, Title: s.tagTitleIn(loc, slug),
		Atom: withHL(path+".atom", hl), RSS: withHL(path+".rss", hl), JSON: withHL(path+".json", hl),
		AtomURL: withHL(s.base+"/tags/"+path+".atom", hl),
	}
	p.Switch = switchLinks(loc, func(other *i18n.Locale) string { return "./" + path + "?hl=" + other.Code })
	counts, err := s.tagCounts(gen)
	if err != nil {
		return nil, err
	}
	for _, tc := range counts {
		if tc.Slug == slug {
			p.Count = tc.Count
		}
	}
	days, err := s.db.Trend(slug, tagChartDays, now)
	if err != nil {
		return nil, fmt.Errorf("read trend: %w", err)
	}
	p.Chart = barChart(loc, p.Title, days)

	sources, err := s.sourceInfo(gen)
	if err != nil {
		return nil, err
	}
	d := &homePage{L: loc, sources: sources, hl: hl}
	for _, top := range []struct {
		key    string
		window time.Duration
	}{{"tag.top_day", 24 * time.Hour}, {"tag.top_week", store.MaxWindow}} {
		items, err := s.db.Items(store.Query{Tags: [][]string{{slug}}, Top: true, Window: top.window, Limit: tagTops})
		if err != nil {
			return nil, fmt.Errorf("read top stories: %w", err)
		}
		t := tagTop{Heading: loc.T(top.key)}
		for i := range items {
			st := s.homeStory(d, &items[i], now)
			st.Page = "../" + st.Page
			t.Stories = append(t.Stories, st)
		}
		p.Tops = append(p.Tops, t)
	}

	related, srcs, looked, err := s.db.TagProfile(slug, now.AddDate(0, 0, -tagChartDays), tagProfile)
	if err != nil {
		return nil, fmt.Errorf("read the tag's company: %w", err)
	}
	p.Looked = looked
	for _, r := range related[:min(len(related), 20)] {
		p.Related = append(p.Related, tagCount{Title: s.tagTitleIn(loc, r.Name), Page: withHL("./"+url.PathEscape(r.Name), hl), Count: r.Count})
	}
	for _, src := range srcs[:min(len(srcs), 20)] {
		title := src.Name
		if si, ok := sources[src.Name]; ok {
			title = si.title
		}
		p.Sources = append(p.Sources, tagCount{Title: title, Count: src.Count})
	}
	return p, nil
}
