package publish

import (
	"time"

	"github.com/gorilla/feeds"
)

// atomDoc adds to gorilla's <feed> the links RFC 4287 asks for (self and
// alternate; gorilla holds one), the generator and the language.
type atomDoc struct {
	*feeds.AtomFeed
	Lang      string           `xml:"xml:lang,attr,omitempty"`
	Links     []feeds.AtomLink `xml:"link"`
	Generator *atomGenerator   `xml:"generator"`
	Entries   []*atomEntry     `xml:"entry"`
}

// FeedXml implements feeds.XmlFeed.
func (d *atomDoc) FeedXml() any { return d }

type atomGenerator struct {
	Name string `xml:",chardata"`
}

// atomEntry adds to gorilla's <entry> its language, one category per tag
// (gorilla has a single string) and a structured source (gorilla has a
// string, which RFC 4287 does not allow). Summary and content are written
// as CDATA.
type atomEntry struct {
	*feeds.AtomEntry
	Lang       string         `xml:"xml:lang,attr,omitempty"`
	Summary    *atomHTML      `xml:"summary"`
	Content    *atomHTML      `xml:"content"`
	Categories []atomCategory `xml:"category"`
	Source     *atomSource    `xml:"source"`
}

// atomHTML is a text construct of type html written as CDATA: the same
// text to a parser as gorilla's escaped form, but about a third smaller
// for markup-heavy content, and quicker to write.
type atomHTML struct {
	Type string `xml:"type,attr"`
	Text string `xml:",cdata"`
}

func newAtomHTML(text string) *atomHTML {
	if text == "" {
		return nil
	}
	return &atomHTML{Type: "html", Text: text}
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

// atomSource names the feed an entry was copied from (RFC 4287 4.2.11):
// that feed's metadata, which may be any child of atom:feed but entries.
// The store does not keep the source feed's own atom:id, so its URL
// stands in.
type atomSource struct {
	ID    string           `xml:"id,omitempty"`
	Title string           `xml:"title"`
	Links []feeds.AtomLink `xml:"link"`
}

func renderAtom(p *page) ([]byte, error) {
	af := (&feeds.Atom{Feed: p.feed}).AtomFeed()
	af.Id = p.self
	// The feed's author applies to every entry that names none, which
	// keeps such entries valid.
	af.Author = &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: p.feed.Title}}
	doc := &atomDoc{
		AtomFeed: af,
		Lang:     p.lang,
		Links: []feeds.AtomLink{
			{Href: p.self, Rel: "self", Type: "application/atom+xml"},
			{Href: p.home, Rel: "alternate", Type: "text/html"},
		},
		Generator: &atomGenerator{Name: p.generator},
		Entries:   make([]*atomEntry, len(af.Entries)),
	}
	if p.hub != "" {
		doc.Links = append(doc.Links, feeds.AtomLink{Href: p.hub, Rel: "hub"})
	}
	for i, ae := range af.Entries {
		e := &p.entries[i]
		ae.Published = p.feed.Items[i].Created.Format(time.RFC3339)
		if len(ae.Links) > 0 && ae.Links[0].Href == "" {
			ae.Links = ae.Links[:0]
		}
		entry := &atomEntry{
			AtomEntry:  ae,
			Lang:       e.language,
			Summary:    newAtomHTML(e.summary),
			Content:    newAtomHTML(e.content),
			Categories: make([]atomCategory, len(e.tags)),
		}
		// An entry without content must have an alternate link.
		if entry.Content == nil && len(ae.Links) == 0 {
			entry.Content = &atomHTML{Type: "html", Text: e.summary}
		}
		for j, c := range e.tags {
			entry.Categories[j] = atomCategory{Term: c.slug, Scheme: p.tagScheme, Label: c.title}
		}
		if len(e.copies) > 0 {
			first := e.copies[0]
			src := &atomSource{ID: first.url, Title: first.title}
			if first.url != "" {
				src.Links = append(src.Links, feeds.AtomLink{Href: first.url, Rel: "self"})
			}
			if first.home != "" {
				src.Links = append(src.Links, feeds.AtomLink{Href: first.home, Rel: "alternate", Type: "text/html"})
			}
			entry.Source = src
		}
		for _, c := range e.copies[min(1, len(e.copies)):] {
			if c.link != "" {
				ae.Links = append(ae.Links, feeds.AtomLink{Href: c.link, Rel: "related"})
			}
		}
		doc.Entries[i] = entry
	}
	return toXML(doc)
}
