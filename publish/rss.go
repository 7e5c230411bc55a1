package publish

import (
	"encoding/xml"
	"fmt"

	"github.com/gorilla/feeds"
)

const (
	nsAtom = "http://www.w3.org/2005/Atom"
	nsDC   = "http://purl.org/dc/elements/1.1/"
)

// rssDoc is gorilla's <rss> element with the namespaces of the extensions
// below. (gorilla writes prefixed names literally, "content:encoded", and
// so do these types.)
type rssDoc struct {
	*feeds.RssFeedXml
	AtomNS  string      `xml:"xmlns:atom,attr"`
	DCNS    string      `xml:"xmlns:dc,attr"`
	Channel *rssChannel `xml:"channel"`
}

// FeedXml implements feeds.XmlFeed.
func (d *rssDoc) FeedXml() any { return d }

// rssChannel adds the self link that RSS best practice asks for, and the
// WebSub hub's link when there is one.
type rssChannel struct {
	*feeds.RssFeed
	Links []rssAtomLink `xml:"atom:link"`
	Items []*rssItem    `xml:"item"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// rssItem adds what gorilla's item cannot hold: several categories, a
// source with its url attribute, the author's name (RSS's <author> must be
// an e-mail address) and the language.
type rssItem struct {
	*feeds.RssItem
	Link       string        `xml:"link,omitempty"` // gorilla's is never omitted
	Categories []string      `xml:"category"`
	Creator    string        `xml:"dc:creator,omitempty"`
	Language   string        `xml:"dc:language,omitempty"`
	Source     *rssSource    `xml:"source"`
	Related    []rssAtomLink `xml:"atom:link"` // the further outlets' copies
}

type rssSource struct {
	URL   string `xml:"url,attr"`
	Title string `xml:",chardata"`
}

func renderRSS(p *page) ([]byte, error) {
	rss := (&feeds.Rss{Feed: p.feed}).RssFeed()
	rss.Language = p.lang
	rss.Generator = p.generator
	ch := &rssChannel{
		RssFeed: rss,
		Links:   []rssAtomLink{{Href: p.self, Rel: "self", Type: "application/rss+xml"}},
		Items:   make([]*rssItem, len(rss.Items)),
	}
	if p.hub != "" {
		ch.Links = append(ch.Links, rssAtomLink{Href: p.hub, Rel: "hub"})
	}
	for i, ri := range rss.Items {
		e := &p.entries[i]
		ri.Author = "" // RSS's <author> must be an e-mail address; dc:creator names
		if ri.Description == "" {
			ri.Description = e.content
		}
		item := &rssItem{
			RssItem:    ri,
			Link:       ri.Link,
			Categories: make([]string, len(e.tags)),
			Creator:    e.author,
			Language:   e.language,
		}
		for j, c := range e.tags {
			item.Categories[j] = c.slug
		}
		// RSS's <source> needs the source feed's URL; a source no longer
		// configured has none to give.
		if len(e.copies) > 0 && e.copies[0].url != "" {
			item.Source = &rssSource{URL: e.copies[0].url, Title: e.copies[0].title}
		}
		// RSS has one <source>; the further outlets' copies are Atom's
		// related links, as in the Atom feed.
		for _, c := range e.copies[min(1, len(e.copies)):] {
			if c.link != "" {
				item.Related = append(item.Related, rssAtomLink{Href: c.link, Rel: "related"})
			}
		}
		ch.Items[i] = item
	}
	root, ok := rss.FeedXml().(*feeds.RssFeedXml)
	if !ok {
		return nil, fmt.Errorf("gorilla/feeds returned %T for RSS", rss.FeedXml())
	}
	return toXML(&rssDoc{RssFeedXml: root, AtomNS: nsAtom, DCNS: nsDC, Channel: ch})
}

// toXML renders a document with feeds.ToXML, putting a line break after
// the XML declaration.
func toXML(doc feeds.XmlFeed) ([]byte, error) {
	s, err := feeds.ToXML(doc)
	if err != nil {
		return nil, err
	}
	decl := len(xml.Header) - 1 // gorilla drops the header's newline
	b := make([]byte, 0, len(s)+2)
	b = append(b, s[:decl]...)
	b = append(b, '\n')
	b = append(b, s[decl:]...)
	b = append(b, '\n')
	return b, nil
}
