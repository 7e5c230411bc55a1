package fetch_test

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/libyawire/libyawire/fetch"
)

// TestCancelledFetch: a fetch stopped by whoever asked for it (an
// operator's Ctrl-C, a shutdown) is no failure of the source: nothing is
// recorded, and the next fetch goes ahead at once.
func TestCancelledFetch(t *testing.T) {
	h := newHarness(t, fetch.Options{})
	arrived := make(chan struct{}, 1)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("fast") == "" {
			arrived <- struct{}{}
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(readFile(t, "atom.xml"))
	})
	slow := fetch.Source{Name: "slow", URL: srv.URL + "/feed", Schedule: "@every 15m"}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err := h.f.Fetch(ctx, slow)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want it cancelled", err)
	}
	if _, err := h.db.State("slow"); err == nil {
		st := h.state("slow")
		if st.Failures != 0 || st.Error != "" || !st.NotBefore.IsZero() || st.BackingOff {
			t.Errorf("a cancelled fetch was recorded: %+v", st)
		}
	}
	slow.URL = srv.URL + "/feed?fast=1"
	out, err := h.fetch(slow)
	if err != nil || out.Skipped != "" || out.New != 1 {
		t.Errorf("the fetch after: %+v, %v; want it made at once", out, err)
	}
}

// TestCancelledFetchNow: cancelling one FetchNow ends its own fetches, as
// cancelled, and leaves another caller's fetch of another source alone.
func TestCancelledFetchNow(t *testing.T) {
	h := newHarness(t, fetch.Options{})
	arrived := make(chan string, 2)
	release := make(chan struct{})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- r.URL.Path
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(readFile(t, "atom.xml"))
	})
	srcs := []fetch.Source{
		{Name: "mine", URL: srv.URL + "/mine", Schedule: "@every 15m"},
		{Name: "theirs", URL: srv.URL + "/theirs", Schedule: "@every 15m"},
	}
	sched, err := fetch.NewScheduler(h.f.Fetch, srcs, fetch.Limits{}, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mine, theirs []fetch.Report
	var mineErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		mineErr = sched.FetchNow(ctx, []string{"mine"}, func(r fetch.Report) { mine = append(mine, r) })
	}()
	go func() {
		defer wg.Done()
		sched.FetchNow(context.Background(), []string{"theirs"}, func(r fetch.Report) { theirs = append(theirs, r) })
	}()
	<-arrived
	<-arrived
	cancel()
	close(release)
	wg.Wait()
	if !errors.Is(mineErr, context.Canceled) || len(mine) != 1 || !errors.Is(mine[0].Err, context.Canceled) {
		t.Errorf("the cancelled FetchNow: %v, %+v", mineErr, mine)
	}
	if len(theirs) != 1 || theirs[0].Err != nil || theirs[0].Outcome.New != 1 {
		t.Errorf("the other FetchNow: %+v", theirs)
	}
	if st := h.state("theirs"); st.Error != "" || st.Items != 1 {
		t.Errorf("the other source's state: %+v", st)
	}
	if st, err := h.db.State("mine"); err == nil && (st.Failures != 0 || st.BackingOff) {
		t.Errorf("the cancelled source's state: %+v", st)
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"HTTP 500 Internal Server Error", "HTTP 500 Internal Server Error"},
		{strings.Repeat("a", 200), strings.Repeat("a", 200)},
		{strings.Repeat("a", 201), strings.Repeat("a", 200) + "…"},
		{strings.Repeat("ليبيا ", 100), strings.Repeat("ليبيا ", 33) + "لي…"},
		{strings.Repeat("\xff", 300), strings.Repeat("\xff", 200) + "…"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := fetch.Clip(tt.in); got != tt.want {
			t.Errorf("Clip(%.20q...) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFeedTextInErrorsIsBounded: whatever text a server or feed puts in a
// fetch's error, the error, the recorded state and the log hold at most
// MaxText characters of it.
func TestFeedTextInErrorsIsBounded(t *testing.T) {
	long := strings.Repeat("ﻻ", 5000)
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"status line", func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 502 " + long + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			buf.Flush()
		}},
		{"media type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/x"+strings.Repeat("y", 5000))
			w.Write([]byte("<html><body>no feed here</body></html>"))
		}},
		{"XML declaration", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`<?xml version="1.0" encoding="` + strings.Repeat("q", 900) + `"?><rss/>`))
		}},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			next := "/" + strings.Repeat("z", 3000)
			if r.URL.Path == next {
				next = "/loop"
			}
			http.Redirect(w, r, next, http.StatusFound)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, fetch.Options{})
			srv := serve(t, tt.handler)
			src := fetch.Source{Name: "wordy", URL: srv.URL + "/loop", Schedule: "@every 15m"}
			var log strings.Builder
			sched, err := fetch.NewScheduler(h.f.Fetch, []fetch.Source{src}, fetch.Limits{}, nil, slog.New(slog.NewTextHandler(&log, nil)))
			if err != nil {
				t.Fatal(err)
			}
			var got error
			sched.FetchNow(context.Background(), nil, func(r fetch.Report) { got = r.Err })
			if got == nil {
				t.Fatal("the fetch did not fail")
			}
			var fe *fetch.Error
			if !errors.As(got, &fe) {
				t.Fatalf("the error is not a *fetch.Error: %v", got)
			}
			why := fe.Err.Error()
			if n := utf8.RuneCountInString(why); n > fetch.MaxText+1 {
				t.Errorf("the error holds %d characters: %.80q", n, why)
			}
			if n := utf8.RuneCountInString(h.state("wordy").Error); n > fetch.MaxText+1 {
				t.Errorf("the state's error holds %d characters", n)
			}
			sc := bufio.NewScanner(strings.NewReader(log.String()))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if n := utf8.RuneCountInString(sc.Text()); n > fetch.MaxText+200 {
					t.Errorf("a log line of %d characters: %.120q", n, sc.Text())
				}
			}
		})
	}
}
