package fetch_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/libyawire/libyawire/fetch"
)

// recorder is a FetchFunc that counts calls per source and the most calls in
// flight at once, in all and per host.
type recorder struct {
	mu          sync.Mutex
	calls       map[string]int
	inFlight    int
	maxInFlight int
	perHost     map[string]int
	maxPerHost  int
	work        time.Duration // how long each fetch takes, in the bubble's time
	lastURL     map[string]string
}

func (r *recorder) fetch(ctx context.Context, src fetch.Source) (fetch.Outcome, error) {
	host := src.URL[:len("http://a")]
	r.mu.Lock()
	r.calls[src.Name]++
	if r.lastURL != nil {
		r.lastURL[src.Name] = src.URL
	}
	r.inFlight++
	r.perHost[host]++
	r.maxInFlight = max(r.maxInFlight, r.inFlight)
	r.maxPerHost = max(r.maxPerHost, r.perHost[host])
	r.mu.Unlock()
	select {
	case <-time.After(r.work):
	case <-ctx.Done():
	}
	r.mu.Lock()
	r.inFlight--
	r.perHost[host]--
	r.mu.Unlock()
	return fetch.Outcome{Status: 200}, ctx.Err()
}

func (r *recorder) count(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[name]
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func sources() []fetch.Source {
	return []fetch.Source{
		{Name: "a1", URL: "http://a/1", Schedule: "@every 10m"},
		{Name: "a2", URL: "http://a/2", Schedule: "@every 10m"},
		{Name: "a3", URL: "http://a/3", Schedule: "@every 10m"},
		{Name: "b1", URL: "http://b/1", Schedule: "@every 30m"},
		{Name: "c1", URL: "http://c/1", Schedule: "@every 30m"},
	}
}

func TestSchedulerRunsAtStartAndOnSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{calls: map[string]int{}, perHost: map[string]int{}, work: time.Second}
		s, err := fetch.NewScheduler(r.fetch, sources(), fetch.Limits{Concurrency: 3, PerHost: 2}, nil, quiet)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		time.Sleep(time.Minute) // in the bubble: the start-up round is done
		synctest.Wait()
		for _, src := range sources() {
			if got := r.count(src.Name); got != 1 {
				t.Errorf("%s: %d fetches after start, want 1", src.Name, got)
			}
		}
		// Each source's schedule is moved by up to a quarter of its
		// interval (at most 5m), so by 36m: a1 ran at start and 3 times
		// more, b1 at start and once more.
		time.Sleep(35 * time.Minute)
		synctest.Wait()
		if got := r.count("a1"); got != 4 {
			t.Errorf("a1 (@every 10m): %d fetches after 36m, want 4", got)
		}
		if got := r.count("b1"); got != 2 {
			t.Errorf("b1 (@every 30m): %d fetches after 36m, want 2", got)
		}
		if r.maxInFlight > 3 || r.maxPerHost > 2 {
			t.Errorf("in flight at most %d (limit 3), per host %d (limit 2)", r.maxInFlight, r.maxPerHost)
		}
		if r.maxInFlight < 2 {
			t.Errorf("at most %d in flight: fetches did not run side by side", r.maxInFlight)
		}
		s.Stop(context.Background())
		if s.Running() {
			t.Error("running after Stop")
		}
	})
}

func TestSchedulerStopWaitsThenCancels(t *testing.T) {
	tests := []struct {
		name     string
		work     time.Duration
		grace    time.Duration
		wantTook time.Duration
	}{
		{"fetch finishes within grace", 5 * time.Second, 10 * time.Second, 5 * time.Second},
		{"fetch outlasts grace", time.Hour, 2 * time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := &recorder{calls: map[string]int{}, perHost: map[string]int{}, work: tt.work}
				srcs := sources()[:1]
				s, err := fetch.NewScheduler(r.fetch, srcs, fetch.Limits{Concurrency: 1}, nil, quiet)
				if err != nil {
					t.Fatal(err)
				}
				s.Start()
				synctest.Wait() // the fetch is in flight
				start := time.Now()
				ctx, cancel := context.WithTimeout(context.Background(), tt.grace)
				defer cancel()
				s.Stop(ctx)
				if took := time.Since(start); took != tt.wantTook {
					t.Errorf("Stop took %v, want %v", took, tt.wantTook)
				}
				if r.inFlight != 0 {
					t.Errorf("%d fetches still in flight after Stop", r.inFlight)
				}
			})
		})
	}
}

func TestSchedulerRejectsBadSpec(t *testing.T) {
	_, err := fetch.NewScheduler(nil, []fetch.Source{{Name: "x", URL: "http://x", Schedule: "@evry 5m"}}, fetch.Limits{}, nil, quiet)
	if err == nil {
		t.Fatal("a bad cron spec was accepted")
	}
}

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		spec string
		want time.Duration
		ok   bool
	}{
		{"@every 15m", 15 * time.Minute, true},
		{"@hourly", time.Hour, true},
		{"*/5 * * * *", 5 * time.Minute, true},
		{"@every 30s", 0, false},
		{"@evry 5m", 0, false},
		{"* * *", 0, false},
	}
	for _, tt := range tests {
		got, err := fetch.ParseSchedule(tt.spec)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSchedule(%q) = %v, %v; want %v, ok=%v", tt.spec, got, err, tt.want, tt.ok)
		}
	}
}

// A hundred sources on one schedule are spread over minutes, not fired in
// one second; each keeps its own steady interval.
func TestSchedulerSpreadsSources(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		times := map[string][]time.Time{}
		record := func(ctx context.Context, src fetch.Source) (fetch.Outcome, error) {
			mu.Lock()
			defer mu.Unlock()
			times[src.Name] = append(times[src.Name], time.Now())
			return fetch.Outcome{}, nil
		}
		var srcs []fetch.Source
		for i := range 100 {
			srcs = append(srcs, fetch.Source{Name: fmt.Sprintf("s%d", i), URL: fmt.Sprintf("http://h%d/", i), Schedule: "@every 15m"})
		}
		s, err := fetch.NewScheduler(record, srcs, fetch.Limits{Concurrency: 100, PerHost: 2}, nil, quiet)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		s.Start()
		time.Sleep(50 * time.Minute)
		synctest.Wait()
		s.Stop(context.Background())
		perSecond := map[time.Duration]int{}
		for name, ts := range times {
			if len(ts) != 4 { // at start, then three times in 50 minutes
				t.Errorf("%s ran %d times in 50m, want 4", name, len(ts))
				continue
			}
			perSecond[ts[1].Sub(start).Truncate(time.Second)]++
			for i := 2; i < len(ts); i++ {
				if d := ts[i].Sub(ts[i-1]); d != 15*time.Minute {
					t.Errorf("%s: %v between runs, want 15m", name, d)
				}
			}
		}
		busiest := 0
		for _, n := range perSecond {
			busiest = max(busiest, n)
		}
		if len(perSecond) < 60 || busiest > 4 {
			t.Errorf("second runs fell in %d distinct seconds, at most %d in one", len(perSecond), busiest)
		}
	})
}

// TestSchedulerUpdate: a reload's Update fetches a new source at once,
// stops a removed one, reschedules a changed schedule, fetches a changed
// source as it now is without moving its timing, and leaves the rest
// alone; a bad schedule changes nothing.
func TestSchedulerUpdate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{calls: map[string]int{}, perHost: map[string]int{}, work: time.Second, lastURL: map[string]string{}}
		s, err := fetch.NewScheduler(r.fetch, sources(), fetch.Limits{Concurrency: 3, PerHost: 2}, nil, quiet)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		defer s.Stop(context.Background())
		time.Sleep(time.Minute)
		synctest.Wait()

		next := sources()[1:]            // a1 removed
		next[0].Schedule = "@every 5m"   // a2
		next[1].URL = "http://a/3-moved" // a3
		next = append(next, fetch.Source{Name: "d1", URL: "http://d/1", Schedule: "@every 30m"})

		bad := append(sources(), fetch.Source{Name: "e1", URL: "http://e/1", Schedule: "@every often"})
		if _, err := s.Update(bad, fetch.Limits{Concurrency: 3, PerHost: 2}); err == nil {
			t.Fatal("a bad schedule was accepted")
		}
		if got := len(s.Sources()); got != 5 {
			t.Fatalf("a refused update changed the sources: %d", got)
		}

		ch, err := s.Update(next, fetch.Limits{Concurrency: 3, PerHost: 2})
		if err != nil {
			t.Fatal(err)
		}
		want := fetch.Changes{Added: []string{"d1"}, Removed: []string{"a1"}, Rescheduled: []string{"a2"}, Changed: []string{"a3"}}
		if fmt.Sprint(ch) != fmt.Sprint(want) {
			t.Errorf("changes %+v, want %+v", ch, want)
		}
		synctest.Wait()
		if got := r.count("d1"); got != 1 {
			t.Errorf("new source d1: %d fetches right after the update, want 1", got)
		}
		for _, name := range []string{"a1", "a2", "a3", "b1", "c1"} {
			if got := r.count(name); got != 1 {
				t.Errorf("%s: %d fetches right after the update, want 1 (from the start)", name, got)
			}
		}

		// 35 minutes on (36m from the start): as in
		// TestSchedulerRunsAtStartAndOnSchedule, a3 kept its timing and b1
		// its; a1 ran no more; a2 runs every 5m from the update.
		time.Sleep(35 * time.Minute)
		synctest.Wait()
		for name, want := range map[string]int{"a1": 1, "a3": 4, "b1": 2, "d1": 2} {
			if got := r.count(name); got != want {
				t.Errorf("%s: %d fetches after 36m, want %d", name, got, want)
			}
		}
		if got := r.count("a2"); got < 7 || got > 8 {
			t.Errorf("a2 (now @every 5m): %d fetches after 36m, want 7 or 8", got)
		}
		if got := r.lastURL["a3"]; got != "http://a/3-moved" {
			t.Errorf("a3 fetched at %s after the update", got)
		}
	})
}
