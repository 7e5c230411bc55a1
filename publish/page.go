package publish

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/feeds"

	"github.com/libyawire/libyawire/internal/i18n"
	"github.com/libyawire/libyawire/sanitize"
	"github.com/libyawire/libyawire/store"
)

// page is one feed response before it takes a format: a gorilla feed
// carrying what all three formats share, and per item what gorilla's
// types have no room for.
type page struct {
	feed         *feeds.Feed
	self         string    // this document's URL
	home         string    // the HTML page's URL
	lang         string    // the lang filter, if any
	generator    string    // "libyawire VERSION"
	hub          string    // the WebSub hub, if any
	tagScheme    string    // the IRI under which tag slugs live
	lastModified time.Time // when the stories last changed; zero when unknown
	entries      []entry   // parallel to feed.Items
}

// entry is what a feed item carries beyond gorilla's feeds.Item.
type entry struct {
	summary  string     // HTML, cleaned; may be empty
	content  string     // HTML, cleaned; may be empty
	author   string     // may be empty
	language string     // may be empty
	tags     []category // sorted by slug
	copies   []copyRef  // first the outlet that stored the story

	outlets    int  // how many distinct outlets carried it
	developing bool // whether it is still growing (Options.Developing)
	first      firstRef
}

// firstRef is who reported a story first, and when.
type firstRef struct {
	source, outlet string
	at             time.Time
}

type category struct{ slug, title string }

// copyRef is one outlet's copy of a story, with what is known about the
// outlet.
type copyRef struct {
	source string // the source's name
	link   string // the story at this outlet
	sourceInfo
}

// sourceInfo is what the feeds say about a source.
type sourceInfo struct {
	title string // configured title, else the feed's own, else the name
	url   string // the feed's URL; empty for a source no longer configured
	home  string // the feed's own link to its site, when known
}

// sourceInfo returns the sources' details, cleaned for XML, from the
// configuration and the store's source states. They are cached with the
// feeds; the store's generation moves with stories, not with source state,
// so a feed's changed title shows with its next new story.
func (s *server) sourceInfo(gen uint64) (map[string]sourceInfo, error) {
	if m := s.cache.sourceInfo(gen); m != nil {
		return m, nil
	}
	states, err := s.db.States()
	if err != nil {
		return nil, fmt.Errorf("read source states: %w", err)
	}
	m := make(map[string]sourceInfo, len(states)+len(s.opts.Sources))
	for _, st := range states {
		m[st.Name] = sourceInfo{title: st.FeedTitle, home: st.FeedLink}
	}
	for _, src := range s.opts.Sources {
		si := m[src.Name]
		si.url = src.URL
		if src.Title != "" {
			si.title = src.Title
		}
		m[src.Name] = si
	}
	for name, si := range m {
		if si.title == "" {
			si.title = name
		}
		m[name] = sourceInfo{title: xmlText(si.title), url: xmlText(webLink(si.url)), home: xmlText(webLink(si.home))}
	}
	s.cache.putSourceInfo(gen, m)
	return m, nil
}

// newPage converts stories to a page. Every text is cleaned for XML here,
// once, so that no format can emit a character XML 1.0 forbids.
func (s *server) newPage(flt filter, items []store.Item, sources map[string]sourceInfo, self string) *page {
	title, desc := s.describe(flt, sources)
	loc := flt.locale()
	home := s.base + "/" // the page, in the feed's language
	if hl := flt.hlValue(); hl != "" {
		home += "?hl=" + hl
	}
	p := &page{
		feed: &feeds.Feed{
			Title:       xmlText(title),
			Description: xmlText(desc),
			Link:        &feeds.Link{Href: xmlText(home)},
		},
		self:      xmlText(self),
		home:      xmlText(home),
		lang:      flt.Lang,
		generator: xmlText("libyawire " + s.opts.Version),
		hub:       xmlText(s.opts.Hub),
		tagScheme: xmlText(s.base + "/tags/"),
		entries:   make([]entry, 0, len(items)),
	}
	instance := xmlText(s.db.Instance())
	now := s.opts.Now()

	for i := range items {
		it := &items[i]
		published := it.Published
		if published.IsZero() {
			published = it.FirstSeen
		}
		published = published.UTC()
		// A story's updated time is when the store last changed it (its
		// text, or a further outlet's copy with its tags), not the time its
		// feed claims: that is when what this feed says about it changed.
		modified := it.Modified.UTC()
		if modified.Before(published) {
			modified = published
		}
		if modified.After(p.lastModified) {
			p.lastModified = modified
		}

		clean := s.clean.clean(it)
		e := entry{
			summary:  xmlText(clean.summary),
			content:  xmlText(clean.content),
			author:   xmlText(it.Author),
			language: xmlText(it.Language),
			tags:     make([]category, len(it.Tags)),
			copies:   make([]copyRef, len(it.Copies)),
		}
		for j, slug := range it.Tags {
			e.tags[j] = category{slug: xmlText(slug), title: xmlText(s.tagTitleIn(loc, slug))}
		}
		for j, c := range it.Copies {
			si := sources[c.Source]
			si.title = xmlText(outletTitle(c, sources))
			e.copies[j] = copyRef{source: xmlText(c.Source), link: xmlText(webLink(c.Link)), sourceInfo: si}
		}
		outlets := it.Outlets()
		e.outlets = len(outlets)
		e.developing = s.opts.Developing.Holds(outlets, now)
		if len(outlets) > 0 {
			o := outlets[0]
			e.first = firstRef{source: xmlText(o.Source), outlet: xmlText(outletTitle(store.Copy{Source: o.Source, Outlet: o.Outlet}, sources)), at: o.At.UTC()}
		}
		if also := alsoReported(loc, e.copies, e.outlets); also != "" {
			// Readers show content, and few show RSS or Atom's further
			// links: the list of further outlets ends the content.
			if e.content == "" {
				e.content = e.summary
			}
			e.content += also
		}

		fi := &feeds.Item{
			Title:       xmlText(it.Title),
			Link:        &feeds.Link{Href: xmlText(webLink(it.Link))},
			Description: e.summary,
			Content:     e.content,
			Id:          storyID(instance, it.ID),
			IsPermaLink: "false",
			Created:     published,
			Updated:     modified,
		}
		if e.author != "" {
			fi.Author = &feeds.Author{Name: e.author}
		}
		p.feed.Add(fi)
		p.entries = append(p.entries, e)
	}

	// An empty response changed when the store last did.
	if p.lastModified.IsZero() {
		p.lastModified = s.db.Changed().UTC()
	}
	p.feed.Updated = p.lastModified
	if p.feed.Updated.IsZero() {
		p.feed.Updated = s.opts.Now().UTC()
	}
	return p
}

// outletTitle names who reported a copy: the publisher a source passed on
// (Google News's), else the source's title, else its name.
func outletTitle(c store.Copy, sources map[string]sourceInfo) string {
	if c.Outlet != "" {
		return c.Outlet
	}
	if si, ok := sources[c.Source]; ok {
		return si.title
	}
	return c.Source
}

// alsoReported is the HTML list of the outlets after the first that
// carried a story, each linking to its copy where the link is a web
// page's; "" when only one outlet did.
func alsoReported(loc *i18n.Locale, copies []copyRef, outlets int) string {
	if len(copies) < 2 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<p class="also" lang="%s" dir="%s">%s`, loc.Code, loc.Dir, html.EscapeString(loc.T("feed.also")))
	for i, c := range copies[1:] {
		if i > 0 {
			b.WriteString(html.EscapeString(loc.T("list.comma")))
		}
		// Each outlet's name in its own direction: an English name in an
		// Arabic line, or an Arabic one in an English line.
		title := "<bdi>" + html.EscapeString(c.title) + "</bdi>"
		if link := webLink(c.link); link != "" {
			fmt.Fprintf(&b, `<a href="%s">%s</a>`, html.EscapeString(link), title)
		} else {
			b.WriteString(title)
		}
	}
	if outlets > 1 {
		// The count, in words readers show: RSS and Atom have no field
		// for it, and the JSON Feed's _libyawire.outlets is for programs.
		b.WriteString(" · " + html.EscapeString(loc.T("feed.outlets", outlets)))
	}
	b.WriteString("</p>")
	return b.String()
}

// webLink returns a stored link as the feeds, the page and the API may
// carry it: itself when it is an http or https URL, else "". The fetcher
// keeps no other links, but stories stored before it checked them may hold
// javascript: or data: links, which must not be republished.
func webLink(link string) string {
	return sanitize.Link("", link)
}

// storyID is a story's id in every format: stable for the life of the
// database, never reused, and an IRI as Atom requires.
func storyID(instance string, id uint64) string {
	return "urn:libyawire:" + instance + ":" + strconv.FormatUint(id, 10)
}

// tagTitleIn returns the tag's name in loc's language: its Arabic name
// on the Arabic side, where its rule gives one, else its title.
func (s *server) tagTitleIn(loc *i18n.Locale, slug string) string {
	if loc.Code == "ar" {
		return s.tagTitleAr(slug)
	}
	return s.tagTitle(slug)
}

// tagTitle returns the tag's title, or its slug when no rule names it.
func (s *server) tagTitle(slug string) string {
	if t := s.opts.TagTitles[slug]; t != "" {
		return t
	}
	return slug
}

// tagTitleAr returns the tag's Arabic name, or its title when its rule
// gives none.
func (s *server) tagTitleAr(slug string) string {
	if t := s.opts.TagTitlesAr[slug]; t != "" {
		return t
	}
	return s.tagTitle(slug)
}
