package daemon

import (
	"context"
	"errors"
	"log/slog"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
)

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

// healthy is nil while the scheduler runs and the database answers: what
// /healthz says, and what keeps the watchdog pinged.
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
