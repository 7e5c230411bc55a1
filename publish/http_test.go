package publish

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

func TestContentTypeAndHeaders(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		target string
		want   string
	}{
		{"/feed.rss", "application/rss+xml; charset=utf-8"},
		{"/feed.atom", "application/atom+xml; charset=utf-8"},
		{"/feed.json", "application/feed+json; charset=utf-8"},
		{"/tags/sirte.rss", "application/rss+xml; charset=utf-8"},
		{"/tags/sirte.atom", "application/atom+xml; charset=utf-8"},
		{"/tags/sirte.json", "application/feed+json; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			resp := f.get(t, http.MethodGet, tt.target)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, h := range []struct{ name, want string }{
				{"Content-Type", tt.want},
				// Without hl the answer's own words follow Accept-Language.
				{"Vary", "Accept-Language, Accept-Encoding"},
				{"Cache-Control", "max-age=60"},
				// The Sirte story's second copy, stored at 09:02, is the newest change.
				{"Last-Modified", "Mon, 02 Mar 2026 09:02:00 GMT"},
				{"Content-Length", strconv.Itoa(len(body))},
			} {
				if got := strings.Join(resp.Header.Values(h.name), ", "); got != h.want {
					t.Errorf("%s: got %q, want %q", h.name, got, h.want)
				}
			}
			if etag := resp.Header.Get("ETag"); len(etag) != 18 || etag[0] != '"' || etag[17] != '"' {
				t.Errorf("ETag: got %q, want 16 hex digits, quoted", etag)
			}
		})
	}
}

func TestLastModifiedOfResponse(t *testing.T) {
	f := newFixture(t)
	// The Arabic stories were stored at 09:01 and never changed.
	resp := f.get(t, http.MethodGet, "/feed.rss?lang=ar")
	if got, want := resp.Header.Get("Last-Modified"), "Mon, 02 Mar 2026 09:01:00 GMT"; got != want {
		t.Errorf("Last-Modified: got %q, want %q", got, want)
	}
	// An empty response changed when the store last did.
	resp = f.get(t, http.MethodGet, "/feed.rss?tag=nowhere")
	if got, want := resp.Header.Get("Last-Modified"), "Mon, 02 Mar 2026 09:02:00 GMT"; got != want {
		t.Errorf("Last-Modified of an empty feed: got %q, want %q", got, want)
	}
}

func TestConditional(t *testing.T) {
	f := newFixture(t)
	first := f.get(t, http.MethodGet, "/feed.atom")
	etag := first.Header.Get("ETag")
	lastMod := first.Header.Get("Last-Modified")
	gzETag := etag[:len(etag)-1] + `-gz"`
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"no validators", nil, 200},
		{"If-None-Match", []string{"If-None-Match", etag}, 304},
		{"weak If-None-Match", []string{"If-None-Match", "W/" + etag}, 304},
		{"list", []string{"If-None-Match", `"0000000000000000", ` + etag}, 304},
		{"two fields", []string{"If-None-Match", `"0000000000000000"`, "If-None-Match", etag}, 304},
		{"star", []string{"If-None-Match", "*"}, 304},
		{"gzip variant's ETag", []string{"If-None-Match", gzETag}, 304},
		{"gzip variant's ETag, gzip asked", []string{"If-None-Match", gzETag, "Accept-Encoding", "gzip"}, 304},
		{"identity ETag, gzip asked", []string{"If-None-Match", etag, "Accept-Encoding", "gzip"}, 304},
		{"stale ETag", []string{"If-None-Match", `"0000000000000000"`}, 200},
		{"If-Modified-Since equal", []string{"If-Modified-Since", lastMod}, 304},
		{"If-Modified-Since later", []string{"If-Modified-Since", "Tue, 03 Mar 2026 00:00:00 GMT"}, 304},
		{"If-Modified-Since earlier", []string{"If-Modified-Since", "Mon, 02 Mar 2026 09:01:59 GMT"}, 200},
		{"If-Modified-Since garbage", []string{"If-Modified-Since", "last week"}, 200},
		// If-None-Match decides when both are sent.
		{"stale ETag, current date", []string{"If-None-Match", `"0000000000000000"`, "If-Modified-Since", lastMod}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				resp := f.get(t, method, "/feed.atom", tt.header...)
				body := readBody(t, resp)
				if resp.StatusCode != tt.want {
					t.Errorf("%s: status: got %d, want %d", method, resp.StatusCode, tt.want)
				}
				if resp.StatusCode == http.StatusNotModified {
					if body != "" {
						t.Errorf("%s: 304 with a body", method)
					}
					if resp.Header.Get("ETag") == "" || resp.Header.Get("Last-Modified") == "" {
						t.Errorf("%s: 304 without validators: %v", method, resp.Header)
					}
				}
			}
		})
	}
}

func TestETagChangesWithStories(t *testing.T) {
	f := newFixture(t)
	before := f.get(t, http.MethodGet, "/feed.rss")
	etag := before.Header.Get("ETag")

	// Another format, another filter: other ETags.
	for _, target := range []string{"/feed.atom", "/feed.rss?tag=sirte"} {
		if got := f.get(t, http.MethodGet, target).Header.Get("ETag"); got == etag {
			t.Errorf("%s has the ETag of /feed.rss", target)
		}
	}

	f.clock.Advance(time.Hour)
	mustIngest(t, f.db, "libya-herald", []store.Item{{
		GUID:      "herald-1005",
		Link:      "https://libya-herald.example/2026/03/02/ghadames-solar/",
		Title:     "Ghadames connects its first solar farm",
		Language:  "en",
		Published: f.clock.Now().Add(-10 * time.Minute),
		Tags:      []string{"libya"},
	}}, store.SourceState{LastFetch: f.clock.Now(), Status: 200})

	after := f.get(t, http.MethodGet, "/feed.rss", "If-None-Match", etag)
	body := readBody(t, after)
	if after.StatusCode != http.StatusOK {
		t.Fatalf("conditional request after a new story: status %d, want 200", after.StatusCode)
	}
	if after.Header.Get("ETag") == etag {
		t.Errorf("ETag unchanged after a new story")
	}
	if !strings.Contains(body, "Ghadames connects its first solar farm") {
		t.Errorf("the new story is missing from the feed")
	}
	if got, want := after.Header.Get("Last-Modified"), "Mon, 02 Mar 2026 10:03:00 GMT"; got != want {
		t.Errorf("Last-Modified: got %q, want %q", got, want)
	}
}

func TestGzip(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"/feed.rss", "/feed.atom", "/feed.json?tag=sirte"} {
		t.Run(target, func(t *testing.T) {
			plain := f.get(t, http.MethodGet, target)
			plainBody := readBody(t, plain)
			if got := plain.Header.Get("Content-Encoding"); got != "" {
				t.Errorf("Content-Encoding without Accept-Encoding: %q", got)
			}

			gz := f.get(t, http.MethodGet, target, "Accept-Encoding", "br;q=1.0, gzip;q=0.8, *;q=0.1")
			if got := gz.Header.Get("Content-Encoding"); got != "gzip" {
				t.Fatalf("Content-Encoding: got %q, want gzip", got)
			}
			raw := readBody(t, gz)
			if got := gz.Header.Get("Content-Length"); got != strconv.Itoa(len(raw)) {
				t.Errorf("Content-Length: got %s, want %d", got, len(raw))
			}
			zr, err := gzip.NewReader(strings.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if string(unzipped) != plainBody {
				t.Errorf("gunzipped body differs from the identity body")
			}
			if got, want := gz.Header.Get("ETag"), strings.TrimSuffix(plain.Header.Get("ETag"), `"`)+`-gz"`; got != want {
				t.Errorf("gzip ETag: got %s, want %s", got, want)
			}
			if len(raw) >= len(plainBody) {
				t.Errorf("gzip did not shrink the body: %d >= %d", len(raw), len(plainBody))
			}
		})
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip, deflate, br"}, true},
		{[]string{"deflate", "gzip"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"gzip;q=0.5"}, true},
		{[]string{"gzip;q=bogus"}, false},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"identity"}, false},
		{[]string{"br"}, false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q): got %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestHead(t *testing.T) {
	f := newFixture(t)
	for _, enc := range []string{"", "gzip"} {
		get := f.get(t, http.MethodGet, "/feed.json", "Accept-Encoding", enc)
		getBody := readBody(t, get)
		head := f.get(t, http.MethodHead, "/feed.json", "Accept-Encoding", enc)
		if body := readBody(t, head); head.StatusCode != http.StatusOK || body != "" {
			t.Errorf("HEAD (Accept-Encoding %q): status %d, %d bytes of body", enc, head.StatusCode, len(body))
		}
		for _, name := range []string{"Content-Type", "Content-Length", "Content-Encoding", "ETag", "Last-Modified"} {
			if got, want := head.Header.Get(name), get.Header.Get(name); got != want {
				t.Errorf("HEAD (Accept-Encoding %q): %s: got %q, GET has %q", enc, name, got, want)
			}
		}
		if got := head.Header.Get("Content-Length"); got != strconv.Itoa(len(getBody)) {
			t.Errorf("HEAD Content-Length %s, GET body %d bytes", got, len(getBody))
		}
	}
}

func TestMethods(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"/feed.rss", "/tags/sirte.atom", "/api/sources", "/healthz"} {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			resp := f.get(t, method, target)
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: got %d, want 405", method, target, resp.StatusCode)
			}
		}
	}
}

// TestCacheServesWithoutDatabase shows that a poll for an unchanged feed is
// a map look-up: it is answered after the database has been closed.
func TestCacheServesWithoutDatabase(t *testing.T) {
	f := newFixture(t)
	first := f.get(t, http.MethodGet, "/feed.rss?tag=sirte&limit=10", "Accept-Encoding", "gzip")
	want := readBody(t, first)
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	// The same query written differently has the same canonical form.
	again := f.get(t, http.MethodGet, "/feed.rss?limit=10&tag=SIRTE&utm_medium=feed", "Accept-Encoding", "gzip")
	if got := readBody(t, again); again.StatusCode != http.StatusOK || got != want {
		t.Errorf("cached response: status %d, same body %v", again.StatusCode, got == want)
	}
	// A query not in the cache needs the database, which is gone.
	miss := f.get(t, http.MethodGet, "/feed.rss?tag=oil")
	if miss.StatusCode != http.StatusInternalServerError {
		t.Errorf("uncached response from a closed database: status %d, want 500", miss.StatusCode)
	}
}

func TestCacheBound(t *testing.T) {
	c := newCache(3, maxCacheBytes)
	c.feed(1, "")
	for _, key := range []string{"a", "b", "c", "d", "e"} {
		c.putFeed(1, key, newRendered([]byte(key), time.Time{}))
	}
	if n := len(c.feeds); n != 3 {
		t.Errorf("entries: got %d, want 3", n)
	}
	if c.feed(1, "e") == nil {
		t.Errorf("the newest entry was evicted")
	}
	// A response rendered for a past generation is not kept.
	c.feed(2, "")
	c.putFeed(1, "old", newRendered([]byte("old"), time.Time{}))
	if n := len(c.feeds); n != 0 {
		t.Errorf("entries after a generation change: got %d, want 0", n)
	}
}

// TestCacheBytes: the cache never holds more than its byte budget, whatever
// the mix of response sizes, and a response larger than the budget is not
// kept at all.
func TestCacheBytes(t *testing.T) {
	const budget = 100_000
	tests := []struct {
		name  string
		sizes []int // the bodies put, in order
		keep  int   // the most entries that can be left
	}{
		{"many small", slices.Repeat([]int{1_000}, 200), 44},
		{"a few large", []int{30_000, 30_000, 30_000, 30_000}, 1},
		{"one over the budget", []int{10_000, 60_000}, 1},
		{"growing", []int{1_000, 5_000, 10_000, 20_000, 40_000}, 3},
		{"the same key again and again", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache(maxCacheEntries, budget)
			c.feed(1, "")
			put := func(key string, n int) {
				c.putFeed(1, key, newRendered(bytes.Repeat([]byte("ل"), n/2), time.Time{}))
				sum := 0
				for k, r := range c.feeds {
					sum += r.size(len(k))
				}
				if sum != c.bytes || sum > budget {
					t.Fatalf("after a body of %d bytes: holds %d bytes, counts %d, budget %d", n, sum, c.bytes, budget)
				}
			}
			for i, n := range tt.sizes {
				put("/feed.rss?q=k"+strconv.Itoa(i), n)
			}
			if tt.sizes == nil {
				for range 300 {
					put("/feed.rss", 20_000)
				}
			}
			if len(c.feeds) > tt.keep || len(c.feeds) == 0 {
				t.Errorf("entries: %d, want 1 to %d", len(c.feeds), tt.keep)
			}
		})
	}
	c := newCache(maxCacheEntries, budget)
	c.feed(1, "")
	c.putFeed(1, "huge", newRendered(make([]byte, budget), time.Time{}))
	if len(c.feeds) != 0 || c.bytes != 0 {
		t.Errorf("a response over the budget was kept: %d entries, %d bytes", len(c.feeds), c.bytes)
	}
}

func TestSources(t *testing.T) {
	f := newFixture(t)
	resp := f.get(t, http.MethodGet, "/api/sources")
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type: got %q", got)
	}
	body := readBody(t, resp)
	var got []map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"name": "libya-herald", "title": "Libya Herald", "url": "https://libya-herald.example/feed/",
			"last_fetch": "2026-03-02T09:00:00Z", "last_success": "2026-03-02T09:00:00Z", "status": 200.0,
			"items": 4.0, "failures": 0.0, "new": 4.0, "dropped": 0.0, "categories_dropped": 0.0},
		{"name": "alwasat", "title": "بوابة الوسط", "url": "https://alwasat.example/rss",
			"last_fetch": "2026-03-02T09:01:00Z", "last_success": "2026-03-02T09:01:00Z", "status": 200.0,
			"items": 3.0, "failures": 0.0, "new": 3.0, "dropped": 0.0, "categories_dropped": 0.0},
		{"name": "un-news", "title": "UN News: Libya", "url": "https://news.un.example/feed/libya",
			"last_fetch": "2026-03-02T09:02:00Z", "last_success": "2026-03-02T08:02:00Z", "status": 503.0,
			"error": "503 Service Unavailable", "items": 2.0, "failures": 1.0, "new": 1.0, "dropped": 0.0, "categories_dropped": 7.0},
		// Configured, never fetched.
		{"name": "relief", "title": "Relief updates", "url": "https://relief.example/libya.rss",
			"items": 0.0, "failures": 0.0, "new": 0.0, "dropped": 0.0, "categories_dropped": 0.0},
	}
	gotJSON, _ := json.MarshalIndent(got, "", " ")
	wantJSON, _ := json.MarshalIndent(want, "", " ")
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("got:\n%s\nwant:\n%s", gotJSON, wantJSON)
	}
}

func TestHealthz(t *testing.T) {
	tests := []struct {
		name       string
		healthy    func() error
		closeDB    bool
		wantStatus int
		want       map[string]any // the JSON body; generation is checked apart
	}{
		// The fixture's sources contributed 4, 3 and 2 stories, one of the
		// last two a copy of a Herald story: 8 stories held.
		{"no check", nil, false, 200, map[string]any{"status": "ok", "stories": 8.0, "sources": 4.0}},
		{"healthy", func() error { return nil }, false, 200, map[string]any{"status": "ok", "stories": 8.0, "sources": 4.0}},
		{"unhealthy", func() error { return errors.New("the scheduler is not running") }, false, 503,
			map[string]any{"status": "unhealthy", "reason": "the scheduler is not running"}},
		{"database closed", nil, true, 503, map[string]any{"status": "unhealthy", "reason": "database not open"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.srv.opts.Healthy = tt.healthy
			f.handler = f.srv.routes()
			if tt.closeDB {
				f.db.Close()
			}
			resp := f.get(t, http.MethodGet, "/healthz")
			body := readBody(t, resp)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got, want := resp.Header.Get("Content-Type"), "application/json"; got != want {
				t.Errorf("Content-Type %q, want %q", got, want)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if tt.wantStatus == http.StatusOK {
				if gen, ok := got["generation"].(float64); !ok || uint64(gen) != f.db.Generation() {
					t.Errorf("generation %v, want %d", got["generation"], f.db.Generation())
				}
				delete(got, "generation")
			}
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(tt.want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("got %s, want %s", gotJSON, wantJSON)
			}
		})
	}
}

// TestReloadFailedShown: a refused reload shows on /healthz, which stays
// 200 (the daemon runs on its previous configuration), and on the page.
func TestReloadFailedShown(t *testing.T) {
	f := newFixture(t)
	f.srv.opts.ConfigLoaded = day(1, 7)
	f.srv.opts.ReloadFailed = &ReloadFailure{
		At:       day(2, 8),
		Problems: []string{"/etc/libyawire/config.yaml:14: sources[2].url: \"htp:/x\" is not an http or https URL"},
	}
	f.handler = f.srv.routes()
	resp := f.get(t, http.MethodGet, "/healthz")
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, want 200", resp.StatusCode)
	}
	var got struct {
		ConfigLoaded string `json:"config_loaded"`
		ReloadFailed struct {
			At       string   `json:"at"`
			Problems []string `json:"problems"`
		} `json:"reload_failed"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.ConfigLoaded != "2026-03-01T07:00:00Z" || got.ReloadFailed.At != "2026-03-02T08:00:00Z" ||
		len(got.ReloadFailed.Problems) != 1 || !strings.Contains(got.ReloadFailed.Problems[0], "config.yaml:14:") {
		t.Errorf("/healthz: %s", body)
	}
	page := readBody(t, f.get(t, http.MethodGet, "/"))
	for _, want := range []string{`id="reload-failed"`, "2026-03-02 08:00 UTC", "config.yaml:14: sources[2].url: &#34;htp:/x&#34;"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	f.srv.opts.ReloadFailed = nil
	f.handler = f.srv.routes()
	if body := readBody(t, f.get(t, http.MethodGet, "/healthz")); strings.Contains(body, "reload_failed") {
		t.Errorf("/healthz after a good reload: %s", body)
	}
}

// TestStoryAPI: /api/stories/{id} gives a story with every report of it,
// by number or by the id the feeds give; bad and unknown ids say so.
func TestStoryAPI(t *testing.T) {
	f := newFixture(t)
	stories := fixtureStories(t, f)
	sirte := stories["Sirte council reopens the coastal road to Misrata"]
	for _, id := range []string{strconv.FormatUint(sirte.ID, 10), storyID(f.db.Instance(), sirte.ID)} {
		resp := f.get(t, http.MethodGet, "/api/stories/"+id)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s %s", id, resp.Status, body)
		}
		var got storyInfo
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		if got.Number != sirte.ID || got.Title != sirte.Title || len(got.Reports) != 2 {
			t.Fatalf("%s: %+v", id, got)
		}
		if r := got.Reports[1]; r.Source != "un-news" || r.Outlet != "UN News: Libya" || r.Title != "Coastal road reopens near Sirte" || r.Grouped {
			t.Errorf("second report: %+v", r)
		}
		if r := got.Reports[0]; r.Outlet != "Libya Herald" || r.Link != sirte.Link {
			t.Errorf("first report: %+v", r)
		}
	}
	for target, want := range map[string]int{"/api/stories/abc": 400, "/api/stories/0": 400, "/api/stories/999999": 404} {
		if resp := f.get(t, http.MethodGet, target); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", target, resp.StatusCode, want)
		}
	}
	if page := readBody(t, f.get(t, http.MethodGet, "/")); !strings.Contains(page, `">2 outlets:</a>`) || !strings.Contains(page, `<a class="outlets" href="stories/`) {
		t.Error(`the page does not say "2 outlets" on the story two outlets carried`)
	}
}
