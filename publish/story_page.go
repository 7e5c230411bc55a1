package publish

import (
	"bytes"
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/libyawire/libyawire/internal/i18n"
	"github.com/libyawire/libyawire/store"
)

// storyPage is what templates/story.html renders: one story, and every
// report of it in the order they came.
type storyPage struct {
	L      *i18n.Locale
	Switch []langLink
	HL     string // the hl the page's links carry, or ""

	SiteTitle, Version string

	Number           uint64
	Title, Link      string
	Lang             string
	Outlets          int
	First            string // who reported it first
	Published, Exact string
	Ago              string
	Developing       bool
	Tags             []homeTagLink
	Reports          []storyReport
}

type storyReport struct {
	Outlet, Title, Link string
	Lang                string
	Joined, Exact, Ago  string // when it joined the story
	Grouped             bool
}

// handleStoryPage serves /stories/{id}: the story whose number, or whole
// id, is id, in the language hl or Accept-Language chooses.
func handleStoryPage(s *server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loc, hlSet, ok := answerLanguage(w, r)
		if !ok {
			return
		}
		raw := r.PathValue("id")
		n, err := strconv.ParseUint(raw[strings.LastIndexByte(raw, ':')+1:], 10, 64)
		if err != nil || n == 0 {
			http.Error(w, loc.T("story.bad_id", quoteShort(raw)), http.StatusBadRequest)
			return
		}
		it, err := s.db.Item(n)
		if errors.Is(err, store.ErrNotFound) {
			http.Error(w, loc.T("story.not_found", strconv.FormatUint(n, 10)), http.StatusNotFound)
			return
		}
		var sources map[string]sourceInfo
		if err == nil {
			sources, err = s.sourceInfo(s.db.Generation())
		}
		var body []byte
		if err == nil {
			flt := filter{}.withLanguage(loc, hlSet)
			body, err = renderStory(s.storyPage(&it, sources, flt, s.opts.Now().UTC().Truncate(time.Minute)))
		}
		if err != nil {
			s.logger.Error("render story", "id", n, "err", err)
			http.Error(w, loc.T("page.render_failed"), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Security-Policy", homeCSP)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		serveRendered(w, r, homeContentType, newRendered(body, time.Time{}))
	})
}

// storyPage gathers the page of story it in flt's language, times in
// words as seen at now.
func (s *server) storyPage(it *store.Item, sources map[string]sourceInfo, flt filter, now time.Time) *storyPage {
	loc := flt.locale()
	siteTitle, _ := s.siteTitle(loc)
	published := cmp.Or(it.Published, it.FirstSeen).UTC()
	p := &storyPage{
		L: loc, HL: flt.hlValue(), SiteTitle: siteTitle, Version: s.opts.Version,
		Number: it.ID, Title: cmp.Or(it.Title, webLink(it.Link)), Link: webLink(it.Link),
		Published: published.Format(time.RFC3339), Exact: published.Format("2006-01-02 15:04 UTC"),
		Ago: loc.Ago(published, now),
	}
	if lang := strings.ToLower(it.Language); isLanguageCode(lang) {
		p.Lang = lang
	}
	hl := flt.hlParam()
	p.Switch = switchLinks(loc, func(other *i18n.Locale) string { return "./" + strconv.FormatUint(it.ID, 10) + "?hl=" + other.Code })
	outlets := it.Outlets()
	p.Outlets = len(outlets)
	p.Developing = s.opts.Developing.Holds(outlets, now)
	if len(outlets) > 0 {
		p.First = outletTitle(store.Copy{Source: outlets[0].Source, Outlet: outlets[0].Outlet}, sources)
	}
	for _, slug := range it.Tags {
		p.Tags = append(p.Tags, homeTagLink{Title: s.tagTitleIn(loc, slug), Page: withHL("../?tag="+url.QueryEscape(slug), hl)})
	}
	// Every report, in the order it joined; the story's own first among
	// those that joined at once.
	copies := slices.Clone(it.Copies)
	joined := func(c store.Copy) time.Time { return cmp.Or(c.Joined, it.FirstSeen) }
	slices.SortStableFunc(copies, func(a, b store.Copy) int { return joined(a).Compare(joined(b)) })
	for _, c := range copies {
		at := joined(c).UTC()
		rep := storyReport{
			Outlet: outletTitle(c, sources), Title: cmp.Or(c.Title, it.Title), Link: webLink(c.Link),
			Joined: at.Format(time.RFC3339), Exact: at.Format("2006-01-02 15:04 UTC"), Ago: loc.Ago(at, now),
			Grouped: c.Grouped,
		}
		if lang := strings.ToLower(cmp.Or(c.Language, it.Language)); isLanguageCode(lang) {
			rep.Lang = lang
		}
		p.Reports = append(p.Reports, rep)
	}
	return p
}

func renderStory(p *storyPage) ([]byte, error) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, "story.html", p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
