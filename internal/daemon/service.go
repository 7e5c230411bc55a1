package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
	"github.com/fsnotify/fsnotify"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/group"
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

// service is the running daemon: what serve starts, and what a reload of
// the configuration changes. Reloads are serialised by mu; the fetcher,
// the handler and the configuration are read without it.
type service struct {
	logger   *slog.Logger
	getenv   func(string) string
	stopping context.Context // serve's: done when the daemon stops
	db       *store.DB
	dbPath   string
	metrics  *publish.Metrics
	sched    *fetch.Scheduler

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
	stopPing  context.CancelFunc
	stopRetag func() // cancels the re-tagging under way and waits for it
	stopGroup func() // likewise for regrouping
}

type handlerBox struct{ http.Handler }

// Run runs the daemon until ctx is done: it opens the database (making
// a new one of an empty file only with initDB), serves
// HTTP, fetches on schedule, prunes, re-tags when the rules change, and
// reloads the configuration on SIGHUP or when its file is saved. Under
// systemd it reports its state (READY, RELOADING, STOPPING) and pings the
// watchdog while the scheduler and the database are healthy.
func Run(ctx context.Context, cfg *config.Config, getenv func(string) string, initDB bool, stderr io.Writer) error {
	logger, err := NewLogger(getenv("LIBYAWIRE_LOG"), stderr)
	if err != nil {
		return err
	}
	s := &service{logger: logger, getenv: getenv, stopping: ctx, served: make(chan error, 1), pruneNow: make(chan struct{}, 1)}
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
	s.startPinger(cfg.WebSubHub)
	defer func() { s.stopPing() }()

	s.sched, err = fetch.NewScheduler(s.fetch, fetchSources(cfg), fetchLimits(cfg), s.db, logger)
	if err != nil {
		return err
	}
	s.setHandler()
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
			s.reload(l)
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
	if out.New+out.Updated > 0 {
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
// reload state. Its caches start empty.
func (s *service) setHandler() {
	cfg := s.cfg.Load()
	opts := publishOptions(cfg, s.db, s.sched)
	opts.Metrics = s.metrics
	opts.Hub = cfg.WebSubHub
	opts.FetchNow = daemonFetchNow(s.stopping, s.sched) // `libyawire fetch` asks over POST /api/fetch
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
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			select {
			case s.served <- err:
			default:
			}
		}
	}()
}

// startPinger starts telling hub, if any, when the feeds change. Called
// with s.mu held, or before the service is shared.
func (s *service) startPinger(hub string) {
	s.pinger, s.stopPing = nil, func() {}
	if hub == "" {
		return
	}
	ctx, cancel := context.WithCancel(s.stopping)
	s.pinger = publish.NewPinger(hub, s.cfg.Load().BaseURL, nil, s.logger)
	s.stopPing = cancel
	go s.pinger.Run(ctx)
}

// startRetag re-tags the stored stories under tagger's rules in the
// background, if they were tagged under others. Called with s.mu held, or
// before the service is shared.
func (s *service) startRetag(cfg *config.Config, tagger *tag.Tagger) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		retag(ctx, s.db, tagger, cfg, s.logger)
	}()
	s.stopRetag = func() {
		cancel()
		<-done
	}
}

// startRegroup regroups the stored stories in the background, if they
// were grouped under other settings. Called with s.mu held, or before the
// service is shared.
func (s *service) startRegroup(cfg *config.Config) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		regroup(ctx, s.db, cfg, s.logger)
	}()
	s.stopGroup = func() {
		cancel()
		<-done
	}
}

// loaded is a configuration file read and checked for a reload.
type loaded struct {
	raw    []byte
	cfg    *config.Config
	tagger *tag.Tagger
	err    error
}

// load reads and checks the configuration file again, beside the caller
// and without the service's lock: a file that takes long to read or
// check holds up neither requests nor a shutdown. The channel receives
// the result.
func (s *service) load() <-chan *loaded {
	path := s.cfg.Load().Path
	s.mu.Lock()
	last := s.lastFile
	s.mu.Unlock()
	out := make(chan *loaded, 1) // never blocks: the loop may have stopped
	go func() {
		l := &loaded{}
		l.raw, _ = os.ReadFile(path)
		if l.raw == nil || !bytes.Equal(l.raw, last) { // else reload leaves it
			l.cfg, l.err = config.Load(path)
			if l.err == nil {
				l.tagger, l.err = NewTagger(l.cfg) // validation keeps this from failing
			}
		}
		out <- l
	}()
	return out
}

// reload applies the configuration that load read, or refuses it.
// A file that fails validation, or a listen address that cannot be bound,
// changes nothing: every problem is logged, and /healthz and the page say
// so until a good reload.
func (s *service) reload(l *loaded) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cfg.Load()
	if l.raw != nil && bytes.Equal(l.raw, s.lastFile) {
		s.logger.Debug("configuration unchanged", "file", old.Path)
		return
	}
	s.lastFile = l.raw
	notify(s.logger, sd.SdNotifyReloading)
	defer notify(s.logger, sd.SdNotifyReady)

	cfg, err := l.cfg, l.err
	var ln net.Listener
	// A listen address that names where the daemon listens already (the
	// port it was given for ":0", say) needs no new socket.
	if err == nil && cfg.Listen != old.Listen && cfg.Listen != s.addr {
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			err = fmt.Errorf("%s: listen %s: %w", cfg.Path, cfg.Listen, err)
		}
	}
	if err != nil {
		s.refuse(err)
		return
	}
	if DatabasePath(cfg, s.getenv) != s.dbPath {
		s.logger.Warn("a new database path takes effect at the next start", "database", s.dbPath, "configured", cfg.Database)
	}

	tagger := l.tagger
	// The version names what tags a story: a changed title re-tags nothing.
	rulesChanged := tagger.Version() != s.tagger.Version()
	changes, err := s.sched.Update(fetchSources(cfg), fetchLimits(cfg))
	if err != nil {
		s.refuse(err) // likewise
		return
	}
	// From here on the new configuration is the running one.
	s.cfg.Store(cfg)
	s.fetcher.Store(newFetcher(cfg, s.db, tagger))
	if rulesChanged {
		s.tagger = tagger
		s.stopRetag()
		s.startRetag(cfg, tagger)
	}
	if cfg.Stories != old.Stories {
		s.stopGroup()
		if err := s.db.SetGrouping(groupConfig(cfg)); err != nil {
			s.logger.Error("building the grouping index", "err", err)
		}
		s.startRegroup(cfg)
	}
	if cfg.WebSubHub != old.WebSubHub || cfg.BaseURL != old.BaseURL {
		s.stopPing()
		s.startPinger(cfg.WebSubHub)
	}
	s.loaded, s.failure = time.Now(), nil
	s.setHandler()
	select {
	case s.pruneNow <- struct{}{}:
	default:
	}
	if ln != nil {
		oldSrv, oldAddr := s.srv, s.addr
		s.startServer(ln)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), serverGrace)
			defer cancel()
			if err := oldSrv.Shutdown(ctx); err != nil {
				s.logger.Warn("requests still in flight on the old address", "addr", oldAddr, "err", err)
			}
			s.logger.Info("stopped listening", "addr", oldAddr)
		}()
	}
	s.logger.Info("configuration reloaded", "file", cfg.Path,
		"added", changes.Added, "removed", changes.Removed, "rescheduled", changes.Rescheduled,
		"changed", changes.Changed, "rules_changed", rulesChanged, "addr", s.addr)
}

// refuse records a reload that failed: the running configuration stays.
// Called with s.mu held.
func (s *service) refuse(err error) {
	var problems []string
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			problems = append(problems, e.Error())
		}
	} else {
		problems = []string{err.Error()}
	}
	// /healthz and the page say so before the log does.
	s.failure = &publish.ReloadFailure{At: time.Now(), Problems: problems}
	s.setHandler()
	for _, p := range problems {
		s.logger.Error("configuration not reloaded", "problem", p)
	}
	s.logger.Warn("running on the previous configuration", "loaded", s.loaded.UTC().Format(time.RFC3339))
}

// watchConfig returns a channel that receives when the configuration
// should be reloaded: on SIGHUP, and when the config file is written,
// created or renamed into place and then left alone for reloadSettle.
// The file's folder is watched, not the file, so that an editor's save
// through a new file and a rename is seen.
func (s *service) watchConfig(ctx context.Context, bg *sync.WaitGroup) <-chan struct{} {
	reloads := make(chan struct{}, 1)
	poke := func() {
		select {
		case reloads <- struct{}{}:
		default:
		}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	bg.Go(func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-hup:
				s.logger.Info("SIGHUP: reloading the configuration")
				poke()
			case <-ctx.Done():
				return
			}
		}
	})

	path := s.cfg.Load().Path
	w, err := fsnotify.NewWatcher()
	if err == nil {
		err = w.Add(filepath.Dir(path))
	}
	if err != nil {
		s.logger.Warn("not watching the configuration file; reload with SIGHUP", "file", path, "err", err)
		if w != nil {
			w.Close()
		}
		return reloads
	}
	name := filepath.Clean(path)
	bg.Go(func() {
		defer w.Close()
		settle := time.NewTimer(time.Hour)
		settle.Stop()
		for {
			select {
			case ev := <-w.Events:
				if filepath.Clean(ev.Name) == name && ev.Has(fsnotify.Write|fsnotify.Create|fsnotify.Rename) {
					settle.Reset(reloadSettle)
				}
			case err := <-w.Errors:
				s.logger.Warn("watching the configuration file", "err", err)
			case <-settle.C:
				poke()
			case <-ctx.Done():
				return
			}
		}
	})
	return reloads
}

// pruneLoop applies the retention settings at start, after a reload and
// every pruneEvery, in small transactions beside fetching and serving.
func (s *service) pruneLoop(ctx context.Context) {
	tick := time.NewTicker(pruneEvery)
	defer tick.Stop()
	for {
		s.prune(ctx)
		select {
		case <-tick.C:
		case <-s.pruneNow:
		case <-ctx.Done():
			return
		}
	}
}

func (s *service) prune(ctx context.Context) {
	cfg := s.cfg.Load()
	r := retention(cfg)
	s.db.ExpireGroups()
	start := time.Now()
	deleted, err := s.db.Prune(ctx, r, 0)
	switch {
	case errors.Is(err, context.Canceled):
	case err != nil:
		s.logger.Error("pruning old stories failed; the next round tries again", "deleted", deleted, "err", err)
	case deleted > 0:
		s.logger.Info("pruned old stories", "deleted", deleted, "took", time.Since(start).Round(time.Millisecond))
	}
}

// groupConfig converts the config's stories section for the store: nil
// when grouping is off.
func groupConfig(cfg *config.Config) *group.Config {
	if !cfg.Stories.Group {
		return nil
	}
	return &group.Config{Window: cfg.Stories.Window, Threshold: cfg.Stories.Threshold, CrossLanguage: cfg.Stories.CrossLanguage}
}

// groupVersion names grouping settings, for the store to know when the
// stories were grouped under others.
func groupVersion(cfg *config.Config) string {
	g := groupConfig(cfg)
	if g == nil {
		return "off"
	}
	return fmt.Sprintf("window=%s threshold=%g cross_language=%t", g.Window, g.Threshold, g.CrossLanguage)
}

// regroup brings the stored stories' groups up to the config's settings,
// if they were grouped under others, like retag.
func regroup(ctx context.Context, db *store.DB, cfg *config.Config, logger *slog.Logger) {
	have, err := db.GroupVersion()
	if err != nil {
		logger.Error("reading the grouping version", "err", err)
		return
	}
	want := groupVersion(cfg)
	if have == want {
		return
	}
	if have == "" && db.Changed().IsZero() {
		if err := db.SetGroupVersion(want); err != nil {
			logger.Error("recording the grouping version", "err", err)
		}
		return
	}
	start := time.Now()
	logger.Info("regrouping stored stories under changed settings", "from", have, "to", want)
	split, merged, err := db.Regroup(ctx, groupConfig(cfg), want)
	switch {
	case errors.Is(err, context.Canceled):
		logger.Info("regrouping stopped; it runs again at the next start", "split", split, "merged", merged)
	case err != nil:
		logger.Error("regrouping failed", "split", split, "merged", merged, "err", err)
	default:
		logger.Info("regrouped", "split", split, "merged", merged, "took", time.Since(start).Round(time.Millisecond))
	}
}

// retention converts the config's retention settings for the store.
func retention(cfg *config.Config) store.Retention {
	r := store.Retention{MaxAge: cfg.Retention.MaxAge}
	for _, src := range cfg.Sources {
		if src.MaxItems > 0 {
			if r.MaxItems == nil {
				r.MaxItems = map[string]int{}
			}
			r.MaxItems[src.Name] = src.MaxItems
		}
	}
	return r
}

// watchdog pings systemd's watchdog, when the unit sets WatchdogSec, at a
// third of its interval while the scheduler runs and the database answers.
// When they stop being healthy the pings stop, and systemd restarts the
// service.
func (s *service) watchdog(ctx context.Context) {
	interval, err := sd.SdWatchdogEnabled(false)
	if err != nil {
		s.logger.Warn("reading the watchdog settings", "err", err)
	}
	if interval <= 0 {
		return
	}
	tick := time.NewTicker(interval / 3)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := s.healthy(); err != nil {
				s.logger.Error("not pinging the watchdog: unhealthy", "err", err)
				continue
			}
			notify(s.logger, sd.SdNotifyWatchdog)
		case <-ctx.Done():
			return
		}
	}
}

// healthy is nil while the scheduler runs and the database answers.
func (s *service) healthy() error {
	if !s.sched.Running() {
		return errors.New("the scheduler is not running")
	}
	return s.db.Check()
}

// notify tells systemd the daemon's state, when it runs under systemd
// with Type=notify; elsewhere it does nothing.
func notify(logger *slog.Logger, state string) {
	if _, err := sd.SdNotify(false, state); err != nil {
		logger.Warn("telling systemd", "state", state, "err", err)
	}
}

// fetchLimits is the config's limits for the scheduler.
func fetchLimits(cfg *config.Config) fetch.Limits {
	return fetch.Limits{Concurrency: cfg.Fetch.Concurrency, PerHost: cfg.Fetch.PerHost}
}
