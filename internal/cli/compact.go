package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/libyawire/libyawire/internal/bytesize"
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
	fmt.Fprintf(stdout, "compacted %s: %s, was %s\n", dbPath, bytesize.Format(after), bytesize.Format(before))
	return nil
}
