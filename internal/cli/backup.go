package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/libyawire/libyawire/internal/bytesize"
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
	fmt.Fprintf(stdout, "backed up %d stories (%s) %s to %s\n", stories, bytesize.Format(n), how, dest)
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
		return n, fmt.Errorf("the daemon's copy was cut short after %s: %w", bytesize.Format(n), err)
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
