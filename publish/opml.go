package publish

import (
	"encoding/xml"
	"net/http"
	"strings"
	"time"
)

// OPML is an OPML 2.0 document (http://opml.org/spec2.opml), as far as a
// list of feed subscriptions needs one. NewOPML makes the one that
// /sources.opml serves and `libyawire opml` prints; `libyawire
// import-opml` reads other programs' lists into it.
type OPML struct {
	XMLName xml.Name  `xml:"opml"`
	Version string    `xml:"version,attr"`
	Head    OPMLHead  `xml:"head"`
	Body    []Outline `xml:"body>outline"`
}

// OPMLHead is an OPML document's head.
type OPMLHead struct {
	Title       string `xml:"title"`
	DateCreated string `xml:"dateCreated,omitempty"` // RFC 822, as http.TimeFormat writes it
	Docs        string `xml:"docs,omitempty"`
}

// Outline is one outline element: a feed when XMLURL is set, else
// usually a folder of further outlines.
type Outline struct {
	Type     string    `xml:"type,attr,omitempty"` // "rss" for a feed of any format
	Text     string    `xml:"text,attr"`
	Title    string    `xml:"title,attr,omitempty"`
	XMLURL   string    `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string    `xml:"htmlUrl,attr,omitempty"`
	Category string    `xml:"category,attr,omitempty"` // comma-separated slash paths: "/libya,/sirte"
	Outlines []Outline `xml:"outline"`
}

// Categories returns the outline's category paths, such as "/libya".
func (o Outline) Categories() []string {
	var out []string
	for c := range strings.SplitSeq(o.Category, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// opmlDocs is where the format is described, as the spec asks a document
// to say.
const opmlDocs = "http://opml.org/spec2.opml"

// NewOPML returns the OPML document of sources, headed with the merged
// feed's title (the server's default when title is empty) and, unless
// created is zero, created as its dateCreated. Each source is an outline of
// type rss, its title (else its name) as text and title, and its tags as
// categories.
func NewOPML(title string, created time.Time, sources []Source) *OPML {
	if title == "" {
		title = defaultTitle
	}
	doc := &OPML{
		Version: "2.0",
		Head:    OPMLHead{Title: title + ": sources", Docs: opmlDocs},
		Body:    make([]Outline, len(sources)),
	}
	if !created.IsZero() {
		doc.Head.DateCreated = created.UTC().Format(http.TimeFormat)
	}
	for i, src := range sources {
		text := src.Title
		if text == "" {
			text = src.Name
		}
		cats := make([]string, len(src.Tags))
		for j, t := range src.Tags {
			cats[j] = "/" + t
		}
		doc.Body[i] = Outline{Type: "rss", Text: text, Title: text, XMLURL: src.URL, Category: strings.Join(cats, ",")}
	}
	return doc
}

// Render returns the document as indented XML with its declaration.
func (o *OPML) Render() ([]byte, error) {
	body, err := xml.MarshalIndent(o, "", "  ")
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(xml.Header)+len(body)+1)
	out = append(out, xml.Header...)
	out = append(out, body...)
	return append(out, '\n'), nil
}

// opmlContentType is what feed readers expect OPML to be served as.
const opmlContentType = "text/x-opml; charset=utf-8"

// handleOPML serves the configured sources as OPML. The document changes
// only with the configuration, so it is rendered once.
func handleOPML(s *server) http.Handler {
	body, err := NewOPML(s.opts.Title, s.opts.ConfigModified, s.opts.Sources).Render()
	if err != nil {
		s.logger.Error("render sources.opml", "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "The source list could not be rendered; the server log says why.", http.StatusInternalServerError)
		})
	}
	resp := newRendered(body, s.opts.ConfigModified)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serveRendered(w, r, opmlContentType, resp)
	})
}
