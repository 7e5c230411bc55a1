package publish

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// hubRecorder is a WebSub hub, as an http.RoundTripper, that keeps the
// forms it is sent.
type hubRecorder struct {
	mu    sync.Mutex
	forms []url.Values
}

func (h *hubRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	h.mu.Lock()
	h.forms = append(h.forms, form)
	h.mu.Unlock()
	return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: r}, nil
}

func (h *hubRecorder) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.forms)
}

func TestPinger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := &hubRecorder{}
		p := NewPinger("https://hub.example/", "http://libyawire.test/", &http.Client{Transport: hub}, slog.New(slog.DiscardHandler))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { p.Run(ctx); close(done) }()

		synctest.Wait()
		if hub.count() != 0 {
			t.Fatal("pinged before anything changed")
		}
		// A burst of changes is one ping, then one more after the interval.
		for range 5 {
			p.Changed()
		}
		synctest.Wait()
		if hub.count() != 1 {
			t.Fatalf("%d pings after a burst, want 1", hub.count())
		}
		p.Changed()
		synctest.Wait()
		if hub.count() != 1 {
			t.Fatalf("pinged again within the interval")
		}
		time.Sleep(p.interval)
		synctest.Wait()
		if hub.count() != 2 {
			t.Fatalf("%d pings after the interval, want 2", hub.count())
		}
		form := hub.forms[0]
		if form.Get("hub.mode") != "publish" || !slices.Contains(form["hub.url"], "http://libyawire.test/feed.atom") || !slices.Contains(form["hub.url"], "http://libyawire.test/feed.json?hl=ar") {
			t.Errorf("ping form: %v", form)
		}
		cancel()
		<-done
	})
}

// The feeds name the hub when one is configured.
func TestFeedsNameTheHub(t *testing.T) {
	f := newFixture(t)
	f.srv.opts.Hub = "https://hub.example/"
	for path, want := range map[string]string{
		"/feed.rss":  `<atom:link href="https://hub.example/" rel="hub"></atom:link>`,
		"/feed.atom": `<link href="https://hub.example/" rel="hub"></link>`,
		"/feed.json": `"hubs":[{"type":"WebSub","url":"https://hub.example/"}]`,
	} {
		body := readBody(t, f.get(t, http.MethodGet, path))
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %s", path, want)
		}
	}
}
