package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
	"github.com/fsnotify/fsnotify"

	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/publish"
	"github.com/libyawire/libyawire/tag"
)

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
// the result. Its goroutine is the one the daemon does not join: a read
// that the kernel holds up (a stalled network mount) cannot be cancelled,
// and a stop does not wait for it; it ends when the read does.
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
func (s *service) reload(stopping context.Context, l *loaded) {
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
		s.refuse(stopping, err)
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
		s.refuse(stopping, err) // likewise
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
		s.startPinger(stopping, cfg.WebSubHub)
	}
	s.loaded, s.failure = time.Now(), nil
	s.setHandler(stopping)
	select {
	case s.pruneNow <- struct{}{}:
	default:
	}
	if ln != nil {
		oldSrv, oldAddr := s.srv, s.addr
		s.startServer(ln)
		s.servers.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), serverGrace)
			defer cancel()
			if err := oldSrv.Shutdown(ctx); err != nil {
				s.logger.Warn("requests still in flight on the old address", "addr", oldAddr, "err", err)
			}
			s.logger.Info("stopped listening", "addr", oldAddr)
		})
	}
	s.logger.Info("configuration reloaded", "file", cfg.Path,
		"added", changes.Added, "removed", changes.Removed, "rescheduled", changes.Rescheduled,
		"changed", changes.Changed, "rules_changed", rulesChanged, "addr", s.addr)
}

// refuse records a reload that failed: the running configuration stays.
// Called with s.mu held.
func (s *service) refuse(stopping context.Context, err error) {
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
	s.setHandler(stopping)
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
