package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// FetchFunc fetches one source; (*Fetcher).Fetch is one.
type FetchFunc func(ctx context.Context, src Source) (Outcome, error)

// Limits bounds how many fetches run at once.
type Limits struct {
	Concurrency int // in all [8]
	PerHost     int // to one host [2]
}

// Flusher writes held-back state; *store.DB is one.
type Flusher interface{ Flush() error }

// Scheduler runs a FetchFunc for every source once at Start and then on the
// source's cron schedule, within Limits. A source is never fetched twice at
// once: a run that comes due while the last is still going is skipped.
type Scheduler struct {
	fetch   FetchFunc
	log     *slog.Logger
	flusher Flusher
	cron    *cron.Cron

	mu      sync.Mutex
	sources []Source                // in config order
	entries map[string]cron.EntryID // by source name
	slots   chan struct{}           // one per fetch in flight
	hosts   map[string]chan struct{}
	busy    map[string]bool
	running bool

	ctx     context.Context // cancelled to abort fetches in flight
	cancel  context.CancelFunc
	quit    chan struct{} // closed by Stop: queued runs give up
	wg      sync.WaitGroup
	perHost int
}

// NewScheduler checks every source's schedule and returns a Scheduler that
// is not yet started. flusher, if not nil, is flushed every flushEvery
// so that state held back from fetches that stored nothing reaches disk.
func NewScheduler(fetch FetchFunc, sources []Source, limits Limits, flusher Flusher, logger *slog.Logger) (*Scheduler, error) {
	if limits.Concurrency <= 0 {
		limits.Concurrency = 8
	}
	if limits.PerHost <= 0 {
		limits.PerHost = 2
	}
	scheds, err := parseSchedules(sources)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{
		fetch:   fetch,
		log:     logger,
		flusher: flusher,
		cron:    cron.New(cron.WithParser(scheduleParser), cron.WithLogger(cron.DiscardLogger)),
		sources: sources,
		entries: map[string]cron.EntryID{},
		slots:   make(chan struct{}, limits.Concurrency),
		hosts:   map[string]chan struct{}{},
		busy:    map[string]bool{},
		ctx:     ctx,
		cancel:  cancel,
		quit:    make(chan struct{}),
		perHost: limits.PerHost,
	}
	for _, src := range sources {
		s.schedule(src.Name, scheds[src.Name])
	}
	if flusher != nil {
		s.cron.Schedule(cron.Every(flushEvery), cron.FuncJob(s.flush))
	}
	return s, nil
}

// schedule adds a source's cron entry. The entry fetches the source as
// the configuration says when it fires, so an Update that changes a
// source but not its schedule leaves its entry, and its timing, alone.
// Called with s.mu held, or before the scheduler is shared.
func (s *Scheduler) schedule(name string, sched cron.Schedule) {
	s.entries[name] = s.cron.Schedule(spread(sched, name), cron.FuncJob(func() {
		if src, ok := s.source(name); ok {
			s.run(src)
		}
	}))
}

// source returns the configured source of that name.
func (s *Scheduler) source(name string) (Source, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.sources, func(src Source) bool { return src.Name == name })
	if i < 0 {
		return Source{}, false
	}
	return s.sources[i], true
}

// flushEvery is how often held-back source state is written.
const flushEvery = 30 * time.Second

// Start fetches every source now and starts the schedule. It returns at once.
func (s *Scheduler) Start() {
	s.mu.Lock()
	s.running = true
	s.mu.Unlock()
	// The first round starts a few fetches more than can run at once, not
	// one goroutine for each of a thousand sources.
	s.mu.Lock()
	sources, slots := s.sources, cap(s.slots)
	s.mu.Unlock()
	starting := make(chan struct{}, 4*slots)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for _, src := range sources {
			select {
			case starting <- struct{}{}:
			case <-s.quit:
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer func() { <-starting }()
				s.run(src)
			}()
		}
	}()
	s.cron.Start()
}

// Running reports whether the scheduler has started and not stopped.
func (s *Scheduler) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// Stop stops the schedule and waits for fetches in flight until ctx is done;
// then it cancels those still going and waits for them to return. Runs still
// waiting for a slot do not start.
func (s *Scheduler) Stop(ctx context.Context) {
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return
	}
	s.running = false
	s.mu.Unlock()
	close(s.quit)
	cronDone := s.cron.Stop()
	done := make(chan struct{})
	go func() {
		<-cronDone.Done()
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.cancel()
		<-done
	}
	s.cancel()
	s.flush()
}

// run fetches one source for the schedule when a slot is free, unless it
// is already being fetched or the scheduler is stopping, and logs how it went.
func (s *Scheduler) run(src Source) {
	out, ran, err := s.do(s.ctx, src)
	if !ran {
		s.log.Debug("fetch skipped: previous still running", "source", src.Name)
		return
	}
	s.logOutcome(src, out, err)
}

// Report is how one fetch that FetchNow made went.
type Report struct {
	Source  string
	Outcome Outcome
	Err     error // the fetch failed; Outcome says what came back
	Busy    bool  // the source was being fetched already, so it was not fetched again
}

// FetchNow fetches the named sources, or every source when names is empty,
// now (as Manual fetches), within the limits, and calls report (from one goroutine at a time)
// as each one ends. It returns when all have, or when ctx is done. An
// unknown name is an error, and then nothing is fetched.
func (s *Scheduler) FetchNow(ctx context.Context, names []string, report func(Report)) error {
	ctx = Manual(ctx)
	srcs := s.Sources()
	if len(names) > 0 {
		all := srcs
		srcs = nil
		for _, name := range names {
			i := slices.IndexFunc(all, func(src Source) bool { return src.Name == name })
			if i < 0 {
				return fmt.Errorf("no source is named %q", name)
			}
			srcs = append(srcs, all[i])
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, src := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, ran, err := s.do(ctx, src)
			if ran {
				s.logOutcome(src, out, err)
			}
			mu.Lock()
			defer mu.Unlock()
			report(Report{Source: src.Name, Outcome: out, Err: err, Busy: !ran})
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// do fetches src when a slot for it is free. It reports false, without
// fetching, when src is being fetched already or the scheduler stops or
// ctx ends while it waits.
func (s *Scheduler) do(ctx context.Context, src Source) (out Outcome, ran bool, err error) {
	if !s.claim(src.Name) {
		return Outcome{}, false, nil
	}
	defer s.release(src.Name)

	host := s.hostSlots(src.URL)
	select {
	case host <- struct{}{}:
	case <-s.quit:
		return Outcome{}, false, nil
	case <-ctx.Done():
		return Outcome{}, false, ctx.Err()
	}
	defer func() { <-host }()
	s.mu.Lock()
	slots := s.slots
	s.mu.Unlock()
	select {
	case slots <- struct{}{}:
	case <-s.quit:
		return Outcome{}, false, nil
	case <-ctx.Done():
		return Outcome{}, false, ctx.Err()
	}
	defer func() { <-slots }()
	out, err = s.fetch(ctx, src)
	return out, true, err
}

// logOutcome writes the one log line of a fetch, and a warning the first
// time a source is found to have moved for good.
func (s *Scheduler) logOutcome(src Source, out Outcome, err error) {
	if out.Moved {
		s.log.Warn("source moved permanently: put the new URL in config.yaml", "source", src.Name, "url", src.URL, "moved_to", Clip(out.MovedTo))
	}
	if out.CategoryCapReached {
		s.log.Warn("a feed gives more category tags than libyawire keeps: the rest are dropped and counted (categories_dropped)",
			"source", src.Name, "per_item", maxItemCategoryTags, "per_source", maxSourceCategoryTags, "dropped", out.CategoriesDropped)
	}
	switch {
	case errors.Is(err, context.Canceled):
		s.log.Info("fetch cancelled", "source", src.Name, "took", out.Took.Round(time.Millisecond))
	case err != nil:
		s.log.Warn("fetch failed", "source", src.Name, "status", out.Status, "failures", out.Failures,
			"last_success", since(out.LastSuccess), "took", out.Took.Round(time.Millisecond), "err", err)
	case out.Skipped != "":
		s.log.Debug("fetch skipped", "source", src.Name, "why", out.Skipped)
	case out.NotModified:
		s.log.Debug("not modified", "source", src.Name, "status", out.Status, "took", out.Took.Round(time.Millisecond))
	default:
		s.log.Info("fetched", "source", src.Name, "status", out.Status, "items", out.Items, "new", out.New,
			"updated", out.Updated, "dropped", out.Dropped, "took", out.Took.Round(time.Millisecond))
	}
}

func (s *Scheduler) claim(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy[name] {
		return false
	}
	s.busy[name] = true
	return true
}

func (s *Scheduler) release(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.busy, name)
}

// hostSlots returns the semaphore for the host of a URL.
func (s *Scheduler) hostSlots(rawURL string) chan struct{} {
	host := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		host = u.Host
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.hosts[host]
	if !ok {
		c = make(chan struct{}, s.perHost)
		s.hosts[host] = c
	}
	return c
}

func (s *Scheduler) flush() {
	if s.flusher == nil {
		return
	}
	if err := s.flusher.Flush(); err != nil {
		s.log.Error("writing source state failed", "err", err)
	}
}

// since says when a time was, for a log line: "never" for the zero time.
func since(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}
