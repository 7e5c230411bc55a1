package fetch_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/store"
)

// A control character written as a reference costs a feed that character,
// in every format, not the whole feed.
func TestControlReferences(t *testing.T) {
	tests := []struct {
		name, contentType, body string
	}{
		{"RSS, hex escape in the title", "application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Benghazi&#x1b;[0m port reopens</title><guid>r-1</guid><description>Ships&#0; dock again.</description></item></channel></rss>`},
		{"RSS, references in an attribute and CDATA", "application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire&#x0007;</title>
<item><title><![CDATA[Benghazi&#x1b;[0m port reopens]]></title><guid isPermaLink="false">r&#1;-1</guid><description>Ships dock again.</description></item></channel></rss>`},
		{"Atom, zeros and noncharacters", "application/atom+xml", `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><id>urn:w</id><updated>2026-11-20T10:00:00Z</updated>
<entry><id>urn:w:1</id><title>Benghazi&#x000000001B;[0m port &#xFFFF;reopens</title><updated>2026-11-20T10:00:00Z</updated><summary>Ships&#00; dock again.</summary></entry></feed>`},
		{"JSON Feed, escapes and references", "application/feed+json", `{"version":"https://jsonfeed.org/version/1.1","title":"Wire","items":[
{"id":"j-1","title":"Benghazi\u001b[0m port reopens","content_text":"Ships\u0000&#0; dock again."}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, fetch.Options{})
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Write([]byte(tt.body))
			})
			src := fetch.Source{Name: "wire", URL: srv.URL, Schedule: "@every 15m"}
			if _, err := h.fetch(src); err != nil {
				t.Fatalf("fetch: %v", err)
			}
			items, err := h.db.Items(store.Query{Sources: []string{"wire"}})
			if err != nil || len(items) != 1 {
				t.Fatalf("stored %d items, %v; want 1", len(items), err)
			}
			it := items[0]
			if it.Title != "Benghazi[0m port reopens" {
				t.Errorf("title %q", it.Title)
			}
			for _, s := range []string{it.Title, it.Summary, it.Content} {
				if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' && r != '\r' }) {
					t.Errorf("a control character was stored: %q", s)
				}
			}
		})
	}
}
