package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/libyawire/libyawire/store"
)

// backupCommand writes a consistent copy of the database to dest: through
// the running daemon (POST /api/backup) when one answers at the config's
// listen address, else straight from the file. The copy is written beside
// dest, synced, opened and checked, and only then renamed to dest, so dest
// is never a partial copy.
func backupCommand(ctx context.Context, configPath, dest string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := LoadConfig(configPath)
	if err != nil {
		return err
	}
	dbPath := databasePath(cfg, getenv)
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
		return fmt.Errorf("backup to %s: the copy does not check out: %w", dest, err)
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

// compactCommand rewrites the database to reclaim the space that deleted
// stories left. It runs only while no daemon holds the file.
func compactCommand(ctx context.Context, configPath string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := LoadConfig(configPath)
	if err != nil {
		return err
	}
	dbPath := databasePath(cfg, getenv)
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
