package publish

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/gorilla/feeds"

	"github.com/libyawire/libyawire/tag"
)

// jsonDoc adds to gorilla's JSON Feed the feed_url it leaves empty and
// items with the fields below; "items" is present even when empty, as
// JSON Feed requires.
type jsonDoc struct {
	*feeds.JSONFeed
	Items []*jsonItem `json:"items"`
}

// jsonItem adds JSON Feed 1.1's item language, and the outlets that carried
// the story in an extension (JSON Feed extensions start with "_").
type jsonItem struct {
	*feeds.JSONItem
	Language  string         `json:"language,omitempty"`
	Libyawire *jsonExtension `json:"_libyawire,omitempty"`
}

type jsonExtension struct {
	Sources    []jsonSource `json:"sources"`
	Outlets    int          `json:"outlets"`
	Developing bool         `json:"developing"`
	First      *jsonFirst   `json:"first,omitempty"`
}

// jsonFirst is who reported a story first: the source, the outlet's name
// and when it joined.
type jsonFirst struct {
	Source string    `json:"source"`
	Outlet string    `json:"outlet"`
	At     time.Time `json:"at"`
}

type jsonSource struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	URL   string `json:"url,omitempty"`  // the source's feed
	Link  string `json:"link,omitempty"` // the story at this source
}

func renderJSON(p *page) ([]byte, error) {
	jf := (&feeds.JSON{Feed: p.feed}).JSONFeed()
	jf.FeedUrl = p.self
	jf.Language = p.lang
	if p.hub != "" {
		jf.Hubs = []*feeds.JSONHub{{Type: "WebSub", Url: p.hub}}
	}
	doc := &jsonDoc{JSONFeed: jf, Items: make([]*jsonItem, len(jf.Items))}
	for i, ji := range jf.Items {
		e := &p.entries[i]
		// JSON Feed's summary is plain text; one of content_html and
		// content_text must be present.
		ji.Summary = tag.Text(e.summary)
		switch {
		case e.content != "":
			ji.ContentHTML = e.content
		case e.summary != "":
			ji.ContentHTML = e.summary
		case ji.Title != "":
			ji.ContentText = ji.Title
		default:
			ji.ContentText = ji.Url
		}
		ji.Tags = make([]string, len(e.tags))
		for j, c := range e.tags {
			ji.Tags[j] = c.slug
		}
		item := &jsonItem{JSONItem: ji, Language: e.language}
		if len(e.copies) > 0 {
			ext := &jsonExtension{Sources: make([]jsonSource, len(e.copies)), Outlets: e.outlets, Developing: e.developing}
			if e.first.source != "" {
				ext.First = &jsonFirst{Source: e.first.source, Outlet: e.first.outlet, At: e.first.at}
			}
			for j, c := range e.copies {
				ext.Sources[j] = jsonSource{Name: c.source, Title: c.title, URL: c.url, Link: c.link}
			}
			item.Libyawire = ext
		}
		doc.Items[i] = item
	}
	// Compact: indenting would double the cost of encoding, and no feed
	// reader needs it.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
