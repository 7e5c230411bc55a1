package publish

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/store"
)

// TestStoredLinksNotRepublished stores stories as an older libyawire did,
// with the feed's links unchecked, and renders them everywhere: no feed,
// page or API answer may carry a link that is not http or https, as an
// item's link (RSS <link>, Atom href, JSON url), a source's (RSS and Atom
// <source>, JSON _libyawire), the page's or /api/stories'; nor may content
// resolve its relative links against such a link. The story itself stays.
func TestStoredLinksNotRepublished(t *testing.T) {
	tests := []struct {
		name   string
		link   string // the item's link, its source's site link and its feed URL
		marker string // what of it must appear in no answer
	}{
		{"javascript", "javascript:alert(document.domain)", "alert(document.domain)"},
		{"mixed case behind spaces", "  JaVaScRiPt:confirm(7)", "confirm(7)"},
		{"control byte first", "\x01javascript:prompt(8)", "prompt(8)"}, // XML cleaning would leave javascript:
		{"tab inside", "java\tscript:print(9)", "print(9)"},             // a browser drops the tab
		{"vbscript", "VBScript:MsgBox(\"Sabratha\")", "MsgBox"},
		{"data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg"},
		{"relative", "/2026/03/zawiya-clinic", "zawiya-clinic"},
	}
	c := newClock()
	db := mustOpenDB(t, c)
	var sources []Source
	for i, tt := range tests {
		name := fmt.Sprintf("hostile-%d", i)
		sources = append(sources, Source{Name: name, URL: tt.link})
		mustIngest(t, db, name, []store.Item{{
			GUID:      name + "-story",
			Link:      tt.link,
			Title:     fmt.Sprintf("Story %d from Gharyan", i),
			Content:   `<p>Read <a href="x%0Aalert(1)">more</a> and <a href="/sec/report">the report</a>.</p><img src="map.png">`,
			Published: day(1, 10),
		}}, store.SourceState{Status: 200, FeedTitle: "Hostile " + name, FeedLink: tt.link})
	}
	srv := newServer(db, Options{BaseURL: "http://libyawire.test/", Title: "Libya news", Items: 50, Sources: sources, Version: "1.0-test", Now: c.Now}, nil)
	h := srv.routes()
	get := func(target string) string {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}

	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("hostile-%d", i)
			answers := map[string]string{}
			for _, path := range []string{"/feed.rss", "/feed.atom", "/feed.json", "/"} {
				answers[path] = get(path + "?source=" + name)
			}
			var feed struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			if err := json.Unmarshal([]byte(answers["/feed.json"]), &feed); err != nil || len(feed.Items) != 1 {
				t.Fatalf("JSON feed: %v, %d items, want 1 (a story without a link stays)", err, len(feed.Items))
			}
			answers["/api/stories"] = get("/api/stories/" + feed.Items[0].ID)
			for path, body := range answers {
				if strings.Contains(body, tt.marker) {
					t.Errorf("%s carries the link %q:\n%s", path, tt.link, body)
				}
				if strings.Contains(body, "alert(1)") || strings.Contains(body, "x%0Aalert") || strings.Contains(body, "sec/report") || strings.Contains(body, "map.png") {
					t.Errorf("%s keeps content's relative links, resolved against %q or not:\n%s", path, tt.link, body)
				}
				if !strings.Contains(body, fmt.Sprintf("Story %d from Gharyan", i)) {
					t.Errorf("%s lost the story", path)
				}
			}
		})
	}
}
