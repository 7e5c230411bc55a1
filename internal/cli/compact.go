package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/internal/daemon"
	"github.com/libyawire/libyawire/store"
)

// compactCommand rewrites the database to reclaim the space that deleted
// stories left. It runs only while no daemon holds the file.
func compactCommand(ctx context.Context, configPath string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	dbPath := daemon.DatabasePath(cfg, getenv)
	if base := runningDaemon(ctx, cfg.Listen); base != "" {
		return fmt.Errorf("compact: the daemon at %s holds %s; stop it first (systemctl stop libyawire), then run libyawire compact", base, dbPath)
	}
	before, after, err := store.Compact(dbPath)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w; stop it first (systemctl stop libyawire), then run libyawire compact", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "compacted %s: %s, was %s\n", dbPath, sizeText(after), sizeText(before))
	return nil
}

// sizeText says a size in bytes the way people read it: 12.3 MB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
