package publish

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The fixture stories by a short name, newest first.
var storyNames = map[string]string{
	"Fishermen's crews help rescue boat off Zuwara":     "zuwara",
	"Tripoli port handles record fuel shipments":        "port",
	"بلدية سرت تعيد فتح الطريق الساحلي":                 "sirte-ar",
	"Sirte council reopens the coastal road to Misrata": "sirte-en",
	"ارتفاع إنتاج النفط في الحقول الجنوبية":             "oil-ar",
	"UN envoy briefs Security Council on Libya talks":   "un",
	"Benghazi club wins the league on goal difference":  "benghazi",
	"مصراتة تستضيف معرض الكتاب السنوي":                  "misrata-ar",
}

// storiesOf serves target (a JSON feed) and names the stories it returns.
func storiesOf(t *testing.T, f *fixture, target string) []string {
	t.Helper()
	resp := f.get(t, http.MethodGet, target)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", target, resp.StatusCode, body)
	}
	var doc struct {
		Items []struct{ Title string }
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	names := []string{}
	for _, it := range doc.Items {
		name, ok := storyNames[it.Title]
		if !ok {
			t.Fatalf("GET %s: unexpected story %q", target, it.Title)
		}
		names = append(names, name)
	}
	return names
}

func TestFeedQuery(t *testing.T) {
	f := newFixture(t)
	all := []string{"zuwara", "port", "sirte-ar", "sirte-en", "oil-ar", "un", "benghazi", "misrata-ar"}
	tests := []struct {
		query string
		want  []string
	}{
		{"", all},
		{"utm_source=reader&foo=bar", all}, // unknown parameters are ignored
		{"tag=sirte", []string{"sirte-ar", "sirte-en"}},
		{"tag=+Sirte+", []string{"sirte-ar", "sirte-en"}},
		{"tag=sirte,oil", []string{"port", "sirte-ar", "sirte-en", "oil-ar"}},
		{"tag=sirte&tag=misrata", []string{"sirte-en"}},
		{"tag=misrata&tag=sirte,un", []string{"sirte-en"}},
		{"tag=libya&tag=oil", []string{"port", "oil-ar"}},
		{"tag=nowhere", []string{}},
		{"tag=sirte&tag=nowhere", []string{}},
		{"notag=sport", []string{"zuwara", "port", "sirte-ar", "sirte-en", "oil-ar", "un", "misrata-ar"}},
		{"notag=oil,sport", []string{"zuwara", "sirte-ar", "sirte-en", "un", "misrata-ar"}},
		{"notag=oil&notag=sport", []string{"zuwara", "sirte-ar", "sirte-en", "un", "misrata-ar"}},
		{"source=alwasat", []string{"sirte-ar", "oil-ar", "misrata-ar"}},
		{"source=un-news", []string{"sirte-en", "un"}}, // the Sirte story through its second copy
		{"source=alwasat,un-news", []string{"sirte-ar", "sirte-en", "oil-ar", "un", "misrata-ar"}},
		{"source=alwasat&source=un-news", []string{"sirte-ar", "sirte-en", "oil-ar", "un", "misrata-ar"}},
		{"source=nobody", []string{}},
		{"lang=ar", []string{"sirte-ar", "oil-ar", "misrata-ar"}},
		{"lang=EN", []string{"zuwara", "port", "sirte-en", "un", "benghazi"}},
		{"tag=oil&lang=ar", []string{"oil-ar"}},
		{"limit=3", []string{"zuwara", "port", "sirte-ar"}},
		{"limit=1&tag=sirte", []string{"sirte-ar"}},
		{"since=2026-03-01T00:00:00Z", []string{"zuwara", "port", "sirte-ar", "sirte-en"}},
		{"since=" + url.QueryEscape("2026-03-01T02:00:00+02:00"), []string{"zuwara", "port", "sirte-ar", "sirte-en"}},
		{"since=2026-03-01T02:00:00+02:00", []string{"zuwara", "port", "sirte-ar", "sirte-en"}}, // + arrives as a space
		{"since=2026-03-01T09:00:00Z", []string{"zuwara", "port", "sirte-ar"}},                  // at or after
		{"q=sirte", []string{"sirte-en"}},
		{"q=SIRTE+council", []string{"sirte-en"}},
		{"q=" + url.QueryEscape(`"coastal road"`), []string{"sirte-en"}},
		{"q=" + url.QueryEscape(`"road coastal"`), []string{}},
		{"q=fishermen", []string{"zuwara"}}, // possessive
		{"q=sirt", []string{}},              // whole words only
		{"q=" + url.QueryEscape("سرت"), []string{"sirte-ar"}},
		{"q=" + url.QueryEscape("طريق"), []string{"sirte-ar"}},     // behind ال
		{"q=" + url.QueryEscape("انتاج"), []string{"oil-ar"}},      // إنتاج folded
		{"q=" + url.QueryEscape("المقبل"), []string{"misrata-ar"}}, // in the summary
		{"q=tankers&tag=oil", []string{"port"}},
		{"q=", all},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := storiesOf(t, f, "/feed.json?"+tt.query)
			if !slices.Equal(got, tt.want) {
				t.Errorf("?%s: got %v, want %v", tt.query, got, tt.want)
			}
		})
	}
}

func TestTagPath(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		target string
		want   []string
	}{
		{"/tags/sirte.json", []string{"sirte-ar", "sirte-en"}},
		{"/tags/Sirte.json", []string{"sirte-ar", "sirte-en"}},
		{"/tags/sirte.json?tag=misrata", []string{"sirte-en"}},
		{"/tags/sirte.json?lang=ar", []string{"sirte-ar"}},
		{"/tags/sirte,oil.json", []string{"port", "sirte-ar", "sirte-en", "oil-ar"}},
		{"/tags/nowhere.json", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			if got := storiesOf(t, f, tt.target); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	for _, target := range []string{"/tags/sirte.xml", "/tags/.rss", "/tags/a/b.rss", "/feed.xml", "/tags/"} {
		if resp := f.get(t, http.MethodGet, target); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got status %d, want 404", target, resp.StatusCode)
		}
	}
}

func TestBadQuery(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		target string
		want   string // the body, less its newline
	}{
		{"/feed.rss?limit=0", `limit must be a whole number from 1 to 500, got "0"`},
		{"/feed.rss?limit=501", `limit must be a whole number from 1 to 500, got "501"`},
		{"/feed.atom?limit=abc", `limit must be a whole number from 1 to 500, got "abc"`},
		{"/feed.json?limit=2.5", `limit must be a whole number from 1 to 500, got "2.5"`},
		{"/feed.rss?limit=1&limit=2", `limit is given 2 times; send it once`},
		{"/feed.rss?since=yesterday", `since must be a time in RFC 3339 form such as 2026-01-02T15:04:05Z, got "yesterday"`},
		{"/feed.rss?since=2026-03-01", `since must be a time in RFC 3339 form such as 2026-01-02T15:04:05Z, got "2026-03-01"`},
		{"/feed.rss?tag=", `tag has an empty value in ""; send one or more names separated by commas, such as tag=sirte or tag=sirte,misrata`},
		{"/feed.rss?tag=a,,b", `tag has an empty value in "a,,b"; send one or more names separated by commas, such as tag=sirte or tag=sirte,misrata`},
		{"/feed.rss?notag=sport,", `notag has an empty value in "sport,"; send one or more names separated by commas, such as notag=sirte or notag=sirte,misrata`},
		{"/feed.rss?source=", `source has an empty value in ""; send one or more names separated by commas, such as source=sirte or source=sirte,misrata`},
		{"/feed.rss?lang=en,ar", `lang must be one language code such as en or ar, got "en,ar"`},
		{"/feed.rss?lang=english", `lang must be one language code such as en or ar, got "english"`},
		{"/tags/sirte,,oil.rss", `tag has an empty value in "sirte,,oil"; send one or more names separated by commas, such as tag=sirte or tag=sirte,misrata`},
		{"/feed.rss?q=" + strings.Repeat("x", 257), `q must be at most 256 bytes (256 Latin or 128 Arabic letters), got 257; search for fewer or shorter words`},
		{"/feed.rss?q=" + url.QueryEscape(strings.Repeat("سرت ", 52)), `q must be at most 256 bytes (256 Latin or 128 Arabic letters), got 363; search for fewer or shorter words`},
		{"/feed.json?q=" + strings.Repeat("%FFa", 100), `q must be at most 256 bytes (256 Latin or 128 Arabic letters), got 400; search for fewer or shorter words`},
		{"/feed.rss?tag=sirte," + strings.Repeat("a", 65), `tag names "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"…, 65 characters long, but no tag or source has a name longer than 64; check the URL`},
		{"/feed.atom?notag=" + url.QueryEscape(strings.Repeat("ليبيا", 13)), `notag names "ليبياليبياليبياليبياليبياليبياليبياليبيا"…, 65 characters long, but no tag or source has a name longer than 64; check the URL`},
		{"/feed.json?source=" + strings.Repeat("herald-", 100), `source names "herald-herald-herald-herald-herald-heral"…, 700 characters long, but no tag or source has a name longer than 64; check the URL`},
		{"/tags/" + strings.Repeat("oil-", 17) + ".rss", `tag names "oil-oil-oil-oil-oil-oil-oil-oil-oil-oil-"…, 68 characters long, but no tag or source has a name longer than 64; check the URL`},
		{"/feed.rss?tag=" + strings.Repeat(",", 1000), `a query may name at most 64 tags, notags and sources in all, got 1001 in one tag`},
		{"/feed.rss?since=" + strings.Repeat("9", 5000), `since must be a time in RFC 3339 form such as 2026-01-02T15:04:05Z, got "9999999999999999999999999999999999999999"…`},
		{"/feed.rss?tag=" + manyNames(60) + "&source=" + manyNames(5), `a query may name at most 64 tags, notags and sources in all, got 65`},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			resp := f.get(t, http.MethodGet, tt.target)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status: got %d, want 400", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type: got %q", got)
			}
			if got := strings.TrimSuffix(body, "\n"); got != tt.want {
				t.Errorf("body:\ngot  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// manyNames returns "n0,n1,...".
func manyNames(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = "n" + strconv.Itoa(i)
	}
	return strings.Join(names, ",")
}

func TestFeedTitle(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		query     string
		wantTitle string
		wantDesc  string
	}{
		{"", "Libya news", "Stories about Libya from many outlets, merged."},
		{"tag=sirte", "Libya news: Sirte", "Stories about Libya from many outlets, merged. This feed: stories tagged Sirte."},
		{"tag=sirte,tripoli", "Libya news: Sirte or Tripoli", ""},
		{"tag=sirte&tag=oil", "Libya news: Oil and gas + Sirte", ""},
		{"tag=sirte&tag=misrata,tripoli", "Libya news: (Misrata or Tripoli) + Sirte", ""},
		{"tag=sirte&tag=misrata,tripoli&tag=oil", "Libya news: (Misrata or Tripoli) + Oil and gas + Sirte", ""},
		{"tag=unknown", "Libya news: unknown", ""},
		{"notag=sport&source=alwasat,un-news&lang=ar", "Libya news: not Sport, from بوابة الوسط or UN News: Libya, in Arabic",
			"Stories about Libya from many outlets, merged. This feed: stories not tagged Sport, from بوابة الوسط or UN News: Libya, in Arabic."},
		{"since=2026-03-01T00:00:00Z&q=road", "Libya news: matching “road”",
			"Stories about Libya from many outlets, merged. This feed: stories matching “road”, published since 2026-03-01T00:00:00Z."},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp := f.get(t, http.MethodGet, "/feed.json?"+tt.query)
			var doc struct{ Title, Description string }
			if err := json.Unmarshal([]byte(readBody(t, resp)), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Title != tt.wantTitle {
				t.Errorf("title: got %q, want %q", doc.Title, tt.wantTitle)
			}
			if tt.wantDesc != "" && doc.Description != tt.wantDesc {
				t.Errorf("description: got %q, want %q", doc.Description, tt.wantDesc)
			}
		})
	}
}
