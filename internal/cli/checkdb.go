package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/internal/daemon"
	"github.com/libyawire/libyawire/store"
)

// checkDBCommand is `libyawire check-db`: it reads every page and record of
// the database and says what cannot be read, or, with salvage, copies
// what can into a new database there. It needs the daemon stopped: a file
// being written looks damaged to a reader that takes no lock.
func checkDBCommand(ctx context.Context, configPath, salvage string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	dbPath := daemon.DatabasePath(cfg, getenv)
	if base := runningDaemon(ctx, cfg.Listen); base != "" {
		return fmt.Errorf("check-db: the daemon at %s holds %s; stop it first (systemctl stop libyawire), then run libyawire check-db", base, dbPath)
	}
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("check-db: %s does not exist; check the database setting in %s, or LIBYAWIRE_DATABASE", dbPath, cfg.Path)
	}
	if salvage != "" {
		r, err := store.Salvage(dbPath, salvage)
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%w; stop it first (systemctl stop libyawire), then run libyawire check-db -salvage %s", err, salvage)
		}
		if err != nil {
			return err
		}
		writeFileReport(stdout, dbPath, r)
		if r.Inconsistencies != nil {
			return fmt.Errorf("check-db: the salvaged copy %s does not check out: %w", salvage, r.Inconsistencies)
		}
		fmt.Fprintf(stdout, "salvaged %d stories and %d source states from %s into %s (%d lost); to use it, with the daemon stopped, keep %s aside and move %s in its place\n",
			r.Stories, r.Sources, dbPath, salvage, r.Lost, dbPath, salvage)
		return nil
	}
	r, err := store.CheckFile(dbPath)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w; stop it first (systemctl stop libyawire), then run libyawire check-db", err)
	}
	if err != nil {
		return err
	}
	writeFileReport(stdout, dbPath, r)
	switch {
	case r.Damaged():
		return &store.FileError{Path: dbPath, Err: store.ErrDamaged,
			Problem: fmt.Sprintf("the database is damaged: %d stories can be read, at least %d cannot; %d pages or records do not decode, the first: %s",
				r.Stories, r.Lost, len(r.Damage)+r.More, r.Damage[0]),
			Advice: "restore it from a copy that libyawire backup took, or copy what can be read into a new file with libyawire check-db -salvage NEW.db"}
	case r.Inconsistencies != nil:
		return fmt.Errorf("%s: its indexes disagree with its stories (see above); run libyawire check-db -salvage NEW.db to build them anew in a new file", dbPath)
	}
	fmt.Fprintf(stdout, "%s: ok: %d %s, %d %s; every page and record can be read, and the indexes agree with the stories\n",
		dbPath, r.Stories, plural(r.Stories, "story", "stories"), r.Sources, plural(r.Sources, "source state", "source states"))
	return nil
}

// writeFileReport lists what check-db found wrong, a line each.
func writeFileReport(w io.Writer, path string, r *store.FileReport) {
	for _, d := range r.Damage {
		fmt.Fprintf(w, "%s: %s\n", path, d)
	}
	if r.More > 0 {
		fmt.Fprintf(w, "%s: and %d more\n", path, r.More)
	}
	if r.Scanned > 0 {
		fmt.Fprintf(w, "%s: %d stories were found on pages that no tree reaches any more; a story deleted since may be among them\n", path, r.Scanned)
	}
	if r.SequenceLost {
		fmt.Fprintf(w, "%s: the counter that numbers new stories was lost; it goes on from the highest id the file still names\n", path)
	}
	if r.Inconsistencies != nil {
		fmt.Fprintf(w, "%s: %v\n", path, r.Inconsistencies)
	}
}
