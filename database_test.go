package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// storiesIn opens a database file and counts its stories, checking every
// index on the way.
func storiesIn(t *testing.T, path string) int {
	t.Helper()
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Verify(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	n, err := db.Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBackupAndCompact: backup goes through a running daemon and straight
// to the file when none runs; compact refuses while the daemon runs and
// keeps every story when it does not.
func TestBackupAndCompact(t *testing.T) {
	configPath := writeE2EConfig(t)
	d := startDaemon(t, configPath, 4)
	stopped := false
	defer func() {
		if !stopped {
			d.stop()
		}
	}()
	listenAt(t, configPath, d)
	want := len(d.feed("/feed.json").Items)
	dir := t.TempDir()

	live := filepath.Join(dir, "live.db")
	out, stderr, err := runCommand(t, "backup", "-config", configPath, live)
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "through the daemon") || !strings.Contains(out, live) {
		t.Errorf("backup says %q", out)
	}
	if n := storiesIn(t, live); n != want {
		t.Errorf("the daemon's backup holds %d stories, want %d", n, want)
	}
	_, _, err = runCommand(t, "compact", "-config", configPath)
	if err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Errorf("compact while the daemon runs: %v", err)
	}

	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	offline := filepath.Join(dir, "offline.db")
	out, stderr, err = runCommand(t, "backup", offline, "-config", configPath)
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "from "+filepath.Join(filepath.Dir(configPath), "e2e.db")) {
		t.Errorf("backup without a daemon says %q", out)
	}
	if n := storiesIn(t, offline); n != want {
		t.Errorf("the offline backup holds %d stories, want %d", n, want)
	}
	out, _, err = runCommand(t, "compact", "-config", configPath)
	if err != nil || !strings.HasPrefix(out, "compacted ") {
		t.Fatalf("compact: %v: %q", err, out)
	}
	if n := storiesIn(t, filepath.Join(filepath.Dir(configPath), "e2e.db")); n != want {
		t.Errorf("after compact: %d stories, want %d", n, want)
	}
	if _, _, err := runCommand(t, "backup", "-config", configPath); err == nil || !strings.Contains(err.Error(), "name the file") {
		t.Errorf("backup without a file: %v", err)
	}
}

// TestSecondDaemon: a second daemon on the same database gives up within
// two seconds and says another libyawire holds it.
func TestSecondDaemon(t *testing.T) {
	configPath := writeE2EConfig(t)
	d := startDaemon(t, configPath, 4)
	defer d.stop()
	start := time.Now()
	err := run(context.Background(), []string{"-config", configPath}, func(string) string { return "" }, nil, &strings.Builder{})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "another process holds the database (is libyawire already running?)") {
		t.Errorf("second daemon: %v", err)
	}
	if took > 2*time.Second {
		t.Errorf("the second daemon took %s to give up, want 2s at most", took)
	}
}
