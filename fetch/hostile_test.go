package fetch_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/store"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// counted serves h and counts the requests that reach it.
type counted struct {
	*httptest.Server
	n atomic.Int64
}

func serve(t *testing.T, h http.HandlerFunc) *counted {
	t.Helper()
	c := &counted{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		h(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

// harness is a store, a clock and a fetcher over them, with one good source
// to show that a hostile one leaves the others alone.
type harness struct {
	t     *testing.T
	path  string
	db    *store.DB
	clock *testClock
	opts  fetch.Options
	f     *fetch.Fetcher
	good  fetch.Source
}

func newHarness(t *testing.T, opts fetch.Options) *harness {
	t.Helper()
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "libyawire.db"), clock: &testClock{t: now}}
	h.open()
	t.Cleanup(func() { h.db.Close() })
	opts.Now = h.clock.Now
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	h.opts = opts
	h.f = fetch.New(h.db, opts)
	good := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(readFile(t, "atom.xml"))
	})
	h.good = fetch.Source{Name: "good", URL: good.URL, Schedule: "@every 15m"}
	return h
}

func (h *harness) open() {
	db, err := store.Open(h.path, &store.Options{Now: func() time.Time { return h.clock.Now() }, NoSync: true})
	if err != nil {
		h.t.Fatal(err)
	}
	h.db = db
}

// restart closes and reopens the database, as a daemon restart does.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.db.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open()
	h.f = fetch.New(h.db, h.opts)
}

func (h *harness) fetch(src fetch.Source) (fetch.Outcome, error) {
	return h.f.Fetch(context.Background(), src)
}

func (h *harness) state(name string) store.SourceState {
	h.t.Helper()
	st, err := h.db.State(name)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// goodStillWorks fetches the good source and checks it stored its story.
func (h *harness) goodStillWorks() {
	h.t.Helper()
	if _, err := h.fetch(h.good); err != nil {
		h.t.Errorf("the good source after a hostile one: %v", err)
	}
	if st := h.state("good"); st.Error != "" || st.Items != 1 {
		h.t.Errorf("the good source's state: %+v", st)
	}
}

// allocated runs fn and returns the bytes it allocated.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// zeros is an endless reader of 'x'.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestHostileSources(t *testing.T) {
	bomb := func() []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		io.WriteString(zw, `<?xml version="1.0"?><rss version="2.0"><channel><title>`)
		io.CopyN(zw, endless{}, 64<<20) // 64 MiB of title, about 64 KiB sent
		zw.Close()
		return b.Bytes()
	}()
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		status   int
		errText  string
		maxAlloc uint64 // bytes one fetch may allocate; 0: not measured
	}{
		{"hang before headers", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, 0, "timed out after 300ms", 0},
		{"hang inside the body", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>slow</title>`))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, 200, "timed out after 300ms", 0},
		{"huge body", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>`))
			io.CopyN(w, endless{}, 60<<20)
		}, 200, "body larger than 1 MiB", 16 << 20},
		{"gzip bomb", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		}, 200, "body larger than 1 MiB", 16 << 20},
		{"html page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!doctype html><html><body><h1>Welcome</h1></body></html>")
		}, 200, "not a feed (text/html)", 0},
		{"truncated xml", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			b := readFile(t, "rss2.xml")
			w.Write(b[:len(b)*2/3])
		}, 200, "line", 0},
		{"empty body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
		}, 200, "empty body", 0},
		{"unknown charset label", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `<?xml version="1.0" encoding="x-no-such-charset"?><rss version="2.0"><channel><title>t</title></channel></rss>`)
		}, 200, "parse", 0},
		{"wrong charset label", func(w http.ResponseWriter, r *http.Request) {
			body, _ := charmap.Windows1256.NewEncoder().String(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><item><title>خبر من سرت</title><guid>m-1</guid></item></channel></rss>`)
			io.WriteString(w, body)
		}, 200, "invalid UTF-8", 0},
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, 404, "HTTP 404 Not Found", 0},
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }, 500, "HTTP 500 Internal Server Error", 0},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			next := map[string]string{"/": "/a", "/a": "/b", "/b": "/a"}[r.URL.Path]
			http.Redirect(w, r, next, http.StatusFound)
		}, 0, "redirect loop", 0},
		{"too many redirects", func(w http.ResponseWriter, r *http.Request) {
			var n int
			fmt.Sscanf(r.URL.Path, "/%d", &n)
			http.Redirect(w, r, fmt.Sprintf("/%d", n+1), http.StatusFound)
		}, 0, "more than 10 redirects", 0},
		{"dns", nil, 0, "DNS: no such host", 0},
		{"tls", nil, 0, "TLS: ", 0},
		{"connection refused", nil, 0, "connection refused", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Only the hanging sources wait for the timeout; the others get
			// time enough for a slow machine under the race detector.
			timeout := 10 * time.Second
			if strings.HasPrefix(tt.name, "hang") {
				timeout = 300 * time.Millisecond
			}
			h := newHarness(t, fetch.Options{Timeout: timeout, MaxBody: 1 << 20})
			src := fetch.Source{Name: "hostile", Schedule: "@every 15m"}
			switch tt.name {
			case "dns":
				src.URL = "http://no-such-host.invalid/feed"
			case "tls":
				// A certificate no authority this machine trusts signed.
				srv := httptest.NewTLSServer(http.NotFoundHandler())
				t.Cleanup(srv.Close)
				src.URL = srv.URL
			case "connection refused":
				srv := httptest.NewServer(http.NotFoundHandler())
				src.URL = srv.URL
				srv.Close()
			default:
				src.URL = serve(t, tt.handler).URL
			}
			var err error
			alloc := allocated(func() { _, err = h.fetch(src) })
			if err == nil || !strings.Contains(err.Error(), tt.errText) {
				t.Fatalf("got error %v, want one containing %q", err, tt.errText)
			}
			st := h.state("hostile")
			if st.Status != tt.status || st.Failures != 1 || !strings.Contains(st.Error, tt.errText) || !st.LastFetch.Equal(now) {
				t.Errorf("state: %+v", st)
			}
			if tt.maxAlloc > 0 && alloc > tt.maxAlloc {
				t.Errorf("the fetch allocated %d MiB, more than %d MiB", alloc>>20, tt.maxAlloc>>20)
			}
			if n, _ := h.db.Items(store.Query{Sources: []string{"hostile"}}); len(n) != 0 {
				t.Errorf("stored %d stories from a failed fetch", len(n))
			}
			h.goodStillWorks()
		})
	}
}

// A body a little under the limit is read whole; one byte over is refused.
func TestMaxBodyEdge(t *testing.T) {
	feed := readFile(t, "rss2.xml")
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write(feed) })
	for _, tt := range []struct {
		max int64
		ok  bool
	}{{int64(len(feed)), true}, {int64(len(feed)) - 1, false}} {
		h := newHarness(t, fetch.Options{MaxBody: tt.max})
		_, err := h.fetch(fetch.Source{Name: "s", URL: srv.URL})
		if (err == nil) != tt.ok {
			t.Errorf("max_body %d for a %d-byte feed: got %v", tt.max, len(feed), err)
		}
	}
}

// Feeds that are odd but fine: they store their stories.
func TestOddButFine(t *testing.T) {
	var err error
	var big strings.Builder
	big.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>`)
	for i := range 50_000 {
		fmt.Fprintf(&big, `<item><title>Item %d</title><guid>big-%d</guid></item>`, i, i)
	}
	big.WriteString(`</channel></rss>`)
	tests := []struct {
		name  string
		body  string
		items int
	}{
		{"utf-8 byte-order mark", "\uFEFF" + rssWith(""), 1},
		{"utf-16 with a byte-order mark", utf16LE(strings.Replace(rssWith(""), `encoding="UTF-8"`, `encoding="UTF-16"`, 1)), 1},
		{"entries with text only", `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><description>Only words here.</description></item><item><description>And here.</description></item></channel></rss>`, 2},
		{"50,000 items", big.String(), 50_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, fetch.Options{MaxBody: 8 << 20})
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, tt.body) })
			var out fetch.Outcome
			alloc := allocated(func() { out, err = h.fetch(fetch.Source{Name: "odd", URL: srv.URL}) })
			if err != nil || out.New != tt.items {
				t.Fatalf("got %+v, %v; want %d new", out, err, tt.items)
			}
			// Allocations grow with the feed (about 110 bytes per byte of a
			// 50,000-item feed, parsing, checking links, keys and
			// categories, and storing; 130 under the race detector), never
			// with more.
			if limit := uint64(160*len(tt.body)) + 16<<20; alloc > limit {
				t.Errorf("allocated %d MiB for a %d KiB feed (at most %d MiB)", alloc>>20, len(tt.body)>>10, limit>>20)
			}
			for _, it := range mustItems(t, h.db, store.Query{Limit: 5}) {
				if !utf8.ValidString(it.Title) {
					t.Errorf("stored title %q is not valid UTF-8", it.Title)
				}
			}
			h.goodStillWorks()
		})
	}
}

func mustItems(t *testing.T, db *store.DB, q store.Query) []store.Item {
	t.Helper()
	items, err := db.Items(q)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// utf16LE encodes s as UTF-16, little-endian, with a byte-order mark.
func utf16LE(s string) string {
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return b
}
