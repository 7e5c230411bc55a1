package fetch_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/store"
)

// rssWith returns a one-item RSS feed with extra channel elements.
func rssWith(channelExtra string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>Polite</title><link>https://polite.example/</link><description>d</description>` +
		channelExtra + `<item><title>A story</title><guid>p-1</guid><link>https://polite.example/1</link></item></channel></rss>`
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header func(now time.Time) string
		pause  time.Duration
	}{
		{"429 seconds", 429, func(time.Time) string { return "120" }, 120 * time.Second},
		{"429 http date", 429, func(now time.Time) string { return now.Add(90 * time.Minute).Format(http.TimeFormat) }, 90 * time.Minute},
		{"503 seconds", 503, func(time.Time) string { return "600" }, 10 * time.Minute},
		{"capped at a day", 429, func(time.Time) string { return "999999" }, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, fetch.Options{})
			limited := true
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if limited {
					w.Header().Set("Retry-After", tt.header(now))
					w.WriteHeader(tt.status)
					return
				}
				fmt.Fprint(w, rssWith(""))
			})
			src := fetch.Source{Name: "busy", URL: srv.URL, Schedule: "@every 5m"}
			_, err := h.fetch(src)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("HTTP %d", tt.status)) {
				t.Fatalf("got %v", err)
			}
			if st := h.state("busy"); !st.NotBefore.Equal(now.Add(tt.pause)) {
				t.Errorf("not before %v, want %v", st.NotBefore, now.Add(tt.pause))
			}
			h.goodStillWorks()
			// The pause survives a restart, and no request is sent in it.
			h.restart()
			limited = false
			h.clock.Advance(tt.pause - time.Second)
			out, err := h.fetch(src)
			if err != nil || out.Skipped == "" || srv.n.Load() != 1 {
				t.Errorf("inside the pause: %+v, %v, %d requests", out, err, srv.n.Load())
			}
			// Not even an operator's fetch goes through a pause the source asked for.
			if out, _ := h.f.Fetch(fetch.Manual(context.Background()), src); out.Skipped == "" || srv.n.Load() != 1 {
				t.Errorf("a manual fetch inside the pause: %+v, %d requests", out, srv.n.Load())
			}
			h.clock.Advance(time.Second)
			if out, err := h.fetch(src); err != nil || out.New != 1 || srv.n.Load() != 2 {
				t.Errorf("after the pause: %+v, %v, %d requests", out, err, srv.n.Load())
			}
			if st := h.state("busy"); st.Failures != 0 || st.Error != "" || !st.NotBefore.IsZero() {
				t.Errorf("a success did not reset: %+v", st)
			}
		})
	}
}

// Other failures wait 1, 2, 4, then 8 times the interval, give or take a
// tenth, less half an interval so that the tick at the end of the wait runs.
func TestBackoff(t *testing.T) {
	h := newHarness(t, fetch.Options{})
	failing := true
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if failing {
			http.Error(w, "down", 500)
			return
		}
		fmt.Fprint(w, rssWith(""))
	})
	const interval = 10 * time.Minute
	src := fetch.Source{Name: "flaky", URL: srv.URL, Schedule: "@every 10m"}
	for i, factor := range []float64{1, 2, 4, 8, 8, 8} {
		before := srv.n.Load()
		if _, err := h.fetch(src); err == nil {
			t.Fatalf("failure %d: the fetch succeeded", i+1)
		}
		if srv.n.Load() != before+1 {
			t.Fatalf("failure %d: no request sent", i+1)
		}
		st := h.state("flaky")
		wait := st.NotBefore.Sub(h.clock.Now())
		lo := time.Duration((0.9*factor - 0.5) * float64(interval))
		hi := time.Duration((1.1*factor - 0.5) * float64(interval))
		if st.Failures != i+1 || wait < lo || wait > hi {
			t.Errorf("failure %d: waits %v (want %v to %v), failures %d", i+1, wait, lo, hi, st.Failures)
		}
		// A tick inside the wait sends nothing; the one after it does.
		if out, _ := h.fetch(src); out.Skipped == "" {
			t.Errorf("failure %d: a fetch inside the wait was not skipped", i+1)
		}
		h.clock.Advance(wait)
	}
	// An operator's fetch does not wait out the back-off.
	before := srv.n.Load()
	if out, _ := h.f.Fetch(fetch.Manual(context.Background()), src); out.Skipped != "" || srv.n.Load() != before+1 {
		t.Errorf("a manual fetch in the back-off: %+v, %d requests", out, srv.n.Load()-before)
	}
	failing = false
	h.clock.Advance(8 * 11 * interval / 10)
	if _, err := h.fetch(src); err != nil {
		t.Fatal(err)
	}
	if st := h.state("flaky"); st.Failures != 0 || !st.NotBefore.IsZero() {
		t.Errorf("the first success did not reset the back-off: %+v", st)
	}
}

// A feed that asks to be fetched less often is asked less often.
func TestFeedAskedInterval(t *testing.T) {
	tests := []struct {
		name   string
		header string
		extra  string
		pause  time.Duration
	}{
		{"max-age", "public, max-age=3600", "", time.Hour},
		{"rss ttl", "", "<ttl>120</ttl>", 2 * time.Hour},
		{"sy:updatePeriod", "", "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>", 30 * time.Minute},
		{"the longest wins", "max-age=600", "<ttl>30</ttl>", 30 * time.Minute},
		{"at least a minute", "max-age=5", "", time.Minute},
		{"at most six hours", "max-age=864000", "", 6 * time.Hour},
		{"no-cache asks nothing", "no-cache, max-age=3600", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, fetch.Options{})
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Cache-Control", tt.header)
				}
				w.Header().Set("ETag", `"p"`)
				if r.Header.Get("If-None-Match") == `"p"` {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				fmt.Fprint(w, rssWith(tt.extra))
			})
			src := fetch.Source{Name: "polite", URL: srv.URL, Schedule: "@every 1m"}
			if _, err := h.fetch(src); err != nil {
				t.Fatal(err)
			}
			if tt.pause == 0 {
				if st := h.state("polite"); !st.NotBefore.IsZero() {
					t.Errorf("paused until %v", st.NotBefore)
				}
				return
			}
			h.clock.Advance(tt.pause - time.Minute/2)
			if out, _ := h.fetch(src); out.Skipped == "" || srv.n.Load() != 1 {
				t.Errorf("a fetch before the feed's interval: %+v, %d requests", out, srv.n.Load())
			}
			h.clock.Advance(time.Minute / 2)
			if out, err := h.fetch(src); err != nil || !out.NotModified || srv.n.Load() != 2 {
				t.Errorf("a fetch at the feed's interval: %+v, %v, %d requests", out, err, srv.n.Load())
			}
		})
	}
}

func TestPermanentRedirect(t *testing.T) {
	for _, code := range []int{http.StatusMovedPermanently, http.StatusPermanentRedirect, http.StatusFound} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			h := newHarness(t, fetch.Options{})
			var srv *counted
			srv = serve(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/old" {
					http.Redirect(w, r, srv.URL+"/new", code)
					return
				}
				fmt.Fprint(w, rssWith(""))
			})
			src := fetch.Source{Name: "moving", URL: srv.URL + "/old"}
			out, err := h.fetch(src)
			if err != nil || out.New != 1 {
				t.Fatalf("following the redirect: %+v, %v", out, err)
			}
			permanent := code != http.StatusFound
			wantMoved := ""
			if permanent {
				wantMoved = srv.URL + "/new"
			}
			if st := h.state("moving"); st.MovedTo != wantMoved || out.Moved != permanent {
				t.Errorf("moved_to %q (reported %v), want %q", st.MovedTo, out.Moved, wantMoved)
			}
			// Reported once: the next fetch still knows, but it is no news.
			out, _ = h.fetch(src)
			if out.Moved || out.MovedTo != wantMoved {
				t.Errorf("second fetch: moved %v to %q", out.Moved, out.MovedTo)
			}
			// The configured URL is the one fetched.
			if srv.n.Load() != 4 {
				t.Errorf("%d requests, want 4 (old and new, twice)", srv.n.Load())
			}
		})
	}
}

func TestDates(t *testing.T) {
	h := newHarness(t, fetch.Options{MaxAge: 30 * 24 * time.Hour})
	feed := `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Dates</title><id>urn:d</id><updated>2026-11-20T10:00:00Z</updated>
<entry><title>Local time, no zone</title><id>urn:d:1</id><published>2026-11-20T10:00:00</published><updated>2026-11-20T10:00:00</updated></entry>
<entry><title>With a zone</title><id>urn:d:2</id><published>2026-11-20T10:00:00+01:00</published><updated>2026-11-20T10:00:00+01:00</updated></entry>
<entry><title>In the future</title><id>urn:d:3</id><published>2026-11-20T15:00:00Z</published><updated>2026-11-20T15:00:00Z</updated></entry>
<entry><title>Too old</title><id>urn:d:4</id><published>2026-09-01T10:00:00Z</published><updated>2026-09-01T10:00:00Z</updated></entry>
</feed>`
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, feed) })
	tripoli, err := time.LoadLocation("Africa/Tripoli")
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.fetch(fetch.Source{Name: "dates", URL: srv.URL, Location: tripoli})
	if err != nil {
		t.Fatal(err)
	}
	if out.Old != 1 || out.New != 3 {
		t.Errorf("got %+v, want 3 new and 1 too old", out)
	}
	want := map[string]time.Time{
		"Local time, no zone": time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), // Tripoli is UTC+2
		"With a zone":         time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
		"In the future":       now, // clamped to first-seen
	}
	items, _ := h.db.Items(store.Query{})
	for _, it := range items {
		if !it.Published.Equal(want[it.Title]) {
			t.Errorf("%q: published %v, want %v", it.Title, it.Published, want[it.Title])
		}
	}
}
