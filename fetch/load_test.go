package fetch_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/store"
)

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(entries)
}

// TestNoLeaks makes thousands of fetches of every kind and checks that no
// goroutine or file descriptor outlives them.
func TestNoLeaks(t *testing.T) {
	db := openDB(t)
	feed := readFile(t, "rss2.xml")
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Write(feed)
		case "/304":
			w.WriteHeader(http.StatusNotModified)
		case "/404":
			http.NotFound(w, r)
		case "/html":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html></html>"))
		case "/redirect":
			http.Redirect(w, r, "/ok", http.StatusMovedPermanently)
		case "/hang":
			<-r.Context().Done()
		}
	})
	f := fetch.New(db, fetch.Options{Now: clock, Timeout: 100 * time.Millisecond})
	paths := []string{"/ok", "/304", "/404", "/html", "/redirect", "/ok", "/304", "/404", "/html", "/redirect"}
	run := func(from, n int) {
		var wg sync.WaitGroup
		work := make(chan int)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					path := paths[i%len(paths)]
					if i%250 == 0 {
						path = "/hang"
					}
					f.Fetch(context.Background(), fetch.Source{Name: fmt.Sprintf("s%d", i), URL: srv.URL + path})
				}
			}()
		}
		for i := from; i < from+n; i++ {
			work <- i
		}
		close(work)
		wg.Wait()
	}
	run(0, 50) // warm up: the server's and the client's connections
	f.Close()
	srv.CloseClientConnections()
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)

	run(50, 2000)
	f.Close()
	srv.CloseClientConnections()
	// Closed connections' goroutines end on their own; wait for that
	// without sleeping: yield until the count settles, within a bound.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutines+2 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if g := runtime.NumGoroutine(); g > goroutines+2 {
		t.Errorf("%d goroutines after 2,000 fetches, %d before", g, goroutines)
	}
	if n := openFDs(t); n > fds+2 {
		t.Errorf("%d open files after 2,000 fetches, %d before", n, fds)
	}
}

// TestHundredSources is a day in the life: 100 sources, 20 of them hostile,
// fetched through the scheduler. The 80 good ones are all fetched, none
// waiting on a hostile one; each hostile one is reported precisely; and a
// second round sends nothing a source asked not to be sent.
func TestHundredSources(t *testing.T) {
	path := t.TempDir() + "/libyawire.db"
	db, err := store.Open(path, &store.Options{Now: clock, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const hangFor = 2 * time.Second
	f := fetch.New(db, fetch.Options{Now: clock, Timeout: hangFor, MaxBody: 1 << 20})
	defer f.Close()

	var srcs []fetch.Source
	servers := map[string]*counted{}
	add := func(name string, h http.HandlerFunc) {
		s := serve(t, h)
		servers[name] = s
		srcs = append(srcs, fetch.Source{Name: name, URL: s.URL + "/feed", Schedule: "@every 15m"})
	}
	for i := range 80 {
		add(fmt.Sprintf("good-%02d", i), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `"g"`)
			if r.Header.Get("If-None-Match") == `"g"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			fmt.Fprint(w, strings.ReplaceAll(rssWith(""), "polite.example", fmt.Sprintf("outlet%d.example", i)))
		})
	}
	hostile := map[string]string{} // name -> the error it must record
	for i := range 4 {
		add(fmt.Sprintf("hang-%d", i), func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		hostile[fmt.Sprintf("hang-%d", i)] = "timed out after 2s"
		add(fmt.Sprintf("limited-%d", i), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		hostile[fmt.Sprintf("limited-%d", i)] = "HTTP 429 Too Many Requests"
		add(fmt.Sprintf("loop-%d", i), func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.Path, http.StatusFound) })
		hostile[fmt.Sprintf("loop-%d", i)] = "redirect loop"
		add(fmt.Sprintf("html-%d", i), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<!doctype html><p>Gone fishing</p>")
		})
		hostile[fmt.Sprintf("html-%d", i)] = "not a feed (text/html)"
		add(fmt.Sprintf("huge-%d", i), func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>`)
			w.Write(make([]byte, 4<<20))
		})
		hostile[fmt.Sprintf("huge-%d", i)] = "body larger than 1 MiB"
	}

	s, err := fetch.NewScheduler(f.Fetch, srcs, fetch.Limits{Concurrency: 8, PerHost: 2}, db, quiet)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	done := map[string]time.Duration{}
	reports := map[string]fetch.Report{}
	err = s.FetchNow(context.Background(), nil, func(r fetch.Report) {
		done[r.Source] = time.Since(start)
		reports[r.Source] = r
	})
	if err != nil {
		t.Fatal(err)
	}
	firstHangEnd := time.Duration(1<<63 - 1)
	for name := range hostile {
		if strings.HasPrefix(name, "hang") {
			firstHangEnd = min(firstHangEnd, done[name])
		}
	}
	for _, src := range srcs {
		r := reports[src.Name]
		want, isHostile := hostile[src.Name]
		switch {
		case !isHostile && (r.Err != nil || r.Outcome.New != 1):
			t.Errorf("%s: %+v", src.Name, r)
		case !isHostile && done[src.Name] >= firstHangEnd:
			t.Errorf("%s finished at %v, after a hanging source's timeout", src.Name, done[src.Name])
		case isHostile && (r.Err == nil || !strings.Contains(r.Err.Error(), want)):
			t.Errorf("%s: got %v, want an error containing %q", src.Name, r.Err, want)
		}
	}

	// A second round: the good ones answer 304; nothing goes to a source
	// that asked for a pause.
	before := map[string]int64{}
	for name, srv := range servers {
		before[name] = srv.n.Load()
	}
	if err := s.FetchNow(context.Background(), nil, func(r fetch.Report) { reports[r.Source] = r }); err != nil {
		t.Fatal(err)
	}
	for name, srv := range servers {
		sent := srv.n.Load() - before[name]
		switch {
		case strings.HasPrefix(name, "limited"):
			if sent != 0 || reports[name].Outcome.Skipped == "" {
				t.Errorf("%s asked for an hour's pause and got %d requests", name, sent)
			}
		case strings.HasPrefix(name, "good"):
			if !reports[name].Outcome.NotModified {
				t.Errorf("%s second round: %+v", name, reports[name])
			}
		}
	}
}
