package fetch

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
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
	sources []Source
	log     *slog.Logger
	flusher Flusher

	cron  *cron.Cron
	slots chan struct{}

	mu      sync.Mutex
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
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{
		fetch:   fetch,
		sources: sources,
		log:     logger,
		flusher: flusher,
		cron:    cron.New(cron.WithParser(scheduleParser), cron.WithLogger(cron.DiscardLogger)),
		slots:   make(chan struct{}, limits.Concurrency),
		hosts:   map[string]chan struct{}{},
		busy:    map[string]bool{},
		ctx:     ctx,
		cancel:  cancel,
		quit:    make(chan struct{}),
		perHost: limits.PerHost,
	}
	var errs []error
	for _, src := range sources {
		if _, err := s.cron.AddFunc(src.Schedule, func() { s.run(src) }); err != nil {
			errs = append(errs, err)
		}
	}
	if flusher != nil {
		s.cron.Schedule(cron.Every(flushEvery), cron.FuncJob(s.flush))
	}
	if err := errors.Join(errs...); err != nil {
		cancel()
		return nil, err
	}
	return s, nil
}

// flushEvery is how often held-back source state is written.
const flushEvery = 30 * time.Second

// Start fetches every source now and starts the schedule. It returns at once.
func (s *Scheduler) Start() {
	s.mu.Lock()
	s.running = true
	s.mu.Unlock()
	for _, src := range s.sources {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.run(src)
		}()
	}
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

// run fetches one source when a slot is free, unless it is already being
// fetched or the scheduler is stopping.
func (s *Scheduler) run(src Source) {
	if !s.claim(src.Name) {
		s.log.Debug("fetch skipped: previous still running", "source", src.Name)
		return
	}
	defer s.release(src.Name)

	host := s.hostSlots(src.URL)
	select {
	case host <- struct{}{}:
	case <-s.quit:
		return
	}
	defer func() { <-host }()
	select {
	case s.slots <- struct{}{}:
	case <-s.quit:
		return
	}
	defer func() { <-s.slots }()

	out, err := s.fetch(s.ctx, src)
	switch {
	case err != nil:
		s.log.Warn("fetch failed", "source", src.Name, "status", out.Status, "took", out.Took.Round(time.Millisecond), "err", err)
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
