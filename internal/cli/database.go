package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/internal/daemon"
	"github.com/libyawire/libyawire/store"
)

// backupCommand writes a consistent copy of the database to dest: through
// the running daemon (POST /api/backup) when one answers at the config's
// listen address, else straight from the file. The copy is written beside
// dest, synced, opened and checked, and only then renamed to dest, so dest
// is never a partial copy.
func backupCommand(ctx context.Context, configPath, dest string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	dbPath := daemon.DatabasePath(cfg, getenv)
	tmp, err := os.CreateTemp(filepath.Dir(dest), filepath.Base(dest)+".partial-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // once renamed, this fails harmlessly

	how := "from " + dbPath
	var n int64
	if base := runningDaemon(ctx, cfg.Listen); base != "" {
		how = "through the daemon at " + base
		n, err = backupByDaemon(ctx, base, tmp)
	} else {
		n, err = store.BackupFile(dbPath, tmp)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	stories, err := checkBackup(tmp.Name())
	if err != nil {
		return copyError(dbPath, err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %d stories (%s) %s to %s\n", stories, sizeText(n), how, dest)
	return nil
}

// backupByDaemon copies the daemon's database into w over POST /api/backup.
func backupByDaemon(ctx context.Context, base string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/backup", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("asking the daemon: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the daemon refused: %s", answerText(resp))
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("the daemon's copy was cut short after %s: %w", sizeText(n), err)
	}
	return n, nil
}

// checkBackup opens a copy and checks every index against its stories,
// and returns how many it holds.
func checkBackup(path string) (int, error) {
	db, err := store.Open(path, nil)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if err := db.Verify(); err != nil {
		return 0, err
	}
	return db.Count()
}

// copyError says that the database at path is damaged, as the error err
// of checking its copy shows: the copy is a page-for-page image of it.
func copyError(path string, err error) error {
	var fe *store.FileError
	if errors.As(err, &fe) {
		at := *fe
		at.Path = path
		return &at
	}
	lines := strings.SplitN(err.Error(), "\n", 3)
	return store.DamagedFile(path, "its copy does not check out: "+strings.Join(lines[:min(2, len(lines))], " "))
}

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
