// Package daemon is libyawire running: Run opens the store, starts the
// scheduler and the HTTP server, and stops them in reverse order
// (service.go); it reloads the configuration on SIGHUP or a save
// (reload.go), prunes, re-tags and regroups beside its work (upkeep.go),
// and talks to systemd (systemd.go). wire.go converts the configuration
// for fetch, store and publish, for the daemon and the commands alike.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/publish"
	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
)

const (
	// reloadSettle is how long the config file must stay unchanged after
	// an edit before it is read: an editor's save is several events.
	reloadSettle = 300 * time.Millisecond
	// pruneEvery is how often retention runs, after once at start.
	pruneEvery = time.Hour
)

// service is the running daemon: what Run starts, and what a reload of
// the configuration changes. Reloads are serialised by mu; the fetcher,
// the handler and the configuration are read without it.
type service struct {
	logger  *slog.Logger
	getenv  func(string) string
	db      *store.DB
	dbPath  string
	metrics *publish.Metrics
	sched   *fetch.Scheduler

	fetcher  atomic.Pointer[fetch.Fetcher] // with the current rules and limits
	handler  atomic.Pointer[handlerBox]    // the current publish server
	cfg      atomic.Pointer[config.Config]
	served   chan error    // a server that stopped on its own
	pruneNow chan struct{} // a reload may have changed retention

	mu        sync.Mutex
	srv       *http.Server
	addr      string // where srv listens
	loaded    time.Time
	failure   *publish.ReloadFailure
	lastFile  []byte // the config file as last loaded or refused
	tagger    *tag.Tagger
	pinger    *publish.Pinger
	stopPing  func()         // stops the pinger and waits for it
	servers   sync.WaitGroup // each http.Server's Serve, and the Shutdown of one a reload replaced
	stopRetag func()         // cancels the re-tagging under way and waits for it
	stopGroup func()         // likewise for regrouping
}

type handlerBox struct{ http.Handler }

// Run runs the daemon until ctx is done: it opens the database (making
// a new one of an empty file only with initDB), serves
// HTTP, fetches on schedule, prunes, re-tags when the rules change, and
// reloads the configuration on SIGHUP or when its file is saved. Under
// systemd it reports its state (READY, RELOADING, STOPPING) and pings the
// watchdog while the scheduler and the database are healthy.
func Run(ctx context.Context, cfg *config.Config, getenv func(string) string, initDB bool, stderr io.Writer) error {
	logger, err := newLogger(getenv("LIBYAWIRE_LOG"), stderr)
	if err != nil {
		return err
	}
	s := &service{logger: logger, getenv: getenv, served: make(chan error, 1), pruneNow: make(chan struct{}, 1)}
	s.dbPath = DatabasePath(cfg, getenv)
	s.db, err = store.Open(s.dbPath, &store.Options{Logger: logger, Init: initDB})
	if err != nil {
		return err
	}
	defer func() {
		if err := s.db.Close(); err != nil {
			logger.Error("closing the database", "err", err)
		}
	}()
	if s.tagger, err = NewTagger(cfg); err != nil {
		return err
	}
	s.lastFile, _ = os.ReadFile(cfg.Path)
	s.cfg.Store(cfg)
	s.loaded = time.Now()
	s.metrics = publish.NewMetrics()
	s.fetcher.Store(newFetcher(cfg, s.db, s.tagger))
	if err := s.db.SetGrouping(groupConfig(cfg)); err != nil {
		return err
	}
	s.startPinger(ctx, cfg.WebSubHub)
	defer func() { s.stopPing() }()

	s.sched, err = fetch.NewScheduler(s.fetch, fetchSources(cfg), fetchLimits(cfg), s.db, logger)
	if err != nil {
		return err
	}
	s.setHandler(ctx)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	s.startServer(ln)
	logger.Info("listening", "addr", s.addr, "database", s.dbPath, "sources", len(cfg.Sources), "version", config.Version)
	s.sched.Start()
	s.startRetag(cfg, s.tagger)
	s.startRegroup(cfg)

	var bg sync.WaitGroup
	bgCtx, stopBackground := context.WithCancel(context.Background())
	bg.Go(func() { s.pruneLoop(bgCtx) })
	bg.Go(func() { s.watchdog(bgCtx) })
	reloads := s.watchConfig(bgCtx, &bg)
	notify(logger, sd.SdNotifyReady)

	// A reload reads and checks the file beside this loop, which stays
	// free to stop the daemon however long that takes; another reload
	// asked for meanwhile runs after it.
	var loading <-chan *loaded // nil: no reload in progress
	again := false
	for err == nil {
		select {
		case <-ctx.Done():
			logger.Info("shutting down")
			err = ctx.Err()
		case err = <-s.served:
			err = fmt.Errorf("http server: %w", err)
		case <-reloads:
			if loading != nil {
				again = true
				continue
			}
			loading = s.load()
		case l := <-loading:
			loading = nil
			s.reload(ctx, l)
			if again {
				again = false
				loading = s.load()
			}
		}
	}
	if errors.Is(err, ctx.Err()) {
		err = nil
	}
	notify(logger, sd.SdNotifyStopping)
	stopBackground()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), serverGrace)
	defer cancel()
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if serr := srv.Shutdown(shutdownCtx); serr != nil {
		logger.Warn("requests still in flight at shutdown", "err", serr)
	}
	s.servers.Wait()
	s.mu.Lock()
	s.stopRetag()
	s.stopGroup()
	s.mu.Unlock()
	fetchCtx, cancelFetch := context.WithTimeout(context.Background(), fetchGrace)
	defer cancelFetch()
	s.sched.Stop(fetchCtx)
	bg.Wait()
	return err
}

// fetch is the scheduler's FetchFunc: the current fetcher's fetch, counted
// in the metrics and told to the WebSub hub when it changed the feeds.
func (s *service) fetch(ctx context.Context, src fetch.Source) (fetch.Outcome, error) {
	out, err := s.fetcher.Load().Fetch(ctx, src)
	countFetch(s.metrics, src, out, err)
	if out.New+out.Updated+out.Merged > 0 { // a joined copy moves sort=top and developing feeds
		s.mu.Lock()
		p := s.pinger
		s.mu.Unlock()
		if p != nil {
			p.Changed()
		}
	}
	return out, err
}

// setHandler builds the publish server for the current configuration and
// reload state. Its caches start empty. A fetch it starts for POST
// /api/fetch is cancelled when stopping is done.
func (s *service) setHandler(stopping context.Context) {
	cfg := s.cfg.Load()
	opts := publishOptions(cfg, s.healthy)
	opts.Metrics = s.metrics
	opts.Hub = cfg.WebSubHub
	opts.FetchNow = daemonFetchNow(stopping, s.sched) // `libyawire fetch` asks over POST /api/fetch
	opts.ConfigLoaded = s.loaded
	opts.ReloadFailed = s.failure
	s.handler.Store(&handlerBox{publish.NewServer(s.db, opts, s.logger)})
}

// startServer serves HTTP on ln with whatever handler is current.
func (s *service) startServer(ln net.Listener) {
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.handler.Load().ServeHTTP(w, r) }),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      publish.WriteTimeout, // streamed answers set their own
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	s.srv, s.addr = srv, ln.Addr().String()
	s.servers.Go(func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			select {
			case s.served <- err:
			default:
			}
		}
	})
}

// startPinger starts telling hub, if any, when the feeds change, until
// stopping is done or s.stopPing is called. Called with s.mu held, or
// before the service is shared.
func (s *service) startPinger(stopping context.Context, hub string) {
	s.pinger, s.stopPing = nil, func() {}
	if hub == "" {
		return
	}
	ctx, cancel := context.WithCancel(stopping)
	s.pinger = publish.NewPinger(hub, s.cfg.Load().BaseURL, nil, s.logger)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.pinger.Run(ctx)
	}()
	s.stopPing = func() {
		cancel()
		<-done
	}
}
