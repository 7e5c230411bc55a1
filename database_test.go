package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/internal/cli"
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
	defer d.stop()
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
	err := cli.Run(context.Background(), []string{"-config", configPath}, func(string) string { return "" }, nil, &strings.Builder{})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "another process holds the database (is libyawire already running?)") {
		t.Errorf("second daemon: %v", err)
	}
	if took > 2*time.Second {
		t.Errorf("the second daemon took %s to give up, want 2s at most", took)
	}
}

// TestRetentionInDaemon: a source's max_items, set while the daemon runs,
// prunes its older stories, and fetching the feed again, which still lists
// them, does not bring them back.
func TestRetentionInDaemon(t *testing.T) {
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, shiftDates(`<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title><link>https://gazette.example/</link><description>t</description>
<item><title>Ghat festival opens</title><link>https://gazette.example/3</link><pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate></item>
<item><title>Ubari well repaired</title><link>https://gazette.example/2</link><pubDate>Sun, 22 Nov 2026 10:00:00 +0000</pubDate></item>
<item><title>Sabha market reopens</title><link>https://gazette.example/1</link><pubDate>Sat, 21 Nov 2026 10:00:00 +0000</pubDate></item>
</channel></rss>`))
	}))
	defer feed.Close()
	configPath := filepath.Join(t.TempDir(), "config.yaml")
	config := "listen: 127.0.0.1:0\ndatabase: keep.db\nschedule: \"@every 1h\"\nsources:\n  - name: gazette\n    url: " + feed.URL + "\n"
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, configPath, 1)
	defer d.stop()
	if n := len(d.feed("/feed.json").Items); n != 3 {
		t.Fatalf("%d stories before max_items, want 3", n)
	}

	from := d.log.next()
	config = strings.Replace(config, "    url:", "    max_items: 1\n    url:", 1)
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	d.log.waitLine(t, from, "configuration reloaded")
	d.log.waitLine(t, from, "pruned old stories", "deleted=2")
	titles := func() []string {
		var out []string
		for _, it := range d.feed("/feed.json").Items {
			out = append(out, it.Title)
		}
		return out
	}
	if got := titles(); !slices.Equal(got, []string{"Ghat festival opens"}) {
		t.Errorf("after max_items: 1: %q", got)
	}

	// The feed still lists the pruned stories; a fetch keeps them out.
	resp, err := http.Post(d.base+"/api/fetch?source=gazette", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "gazette: 200, 0 new") {
		t.Errorf("fetch: %s", body)
	}
	if got := titles(); !slices.Equal(got, []string{"Ghat festival opens"}) {
		t.Errorf("after fetching the feed again: %q", got)
	}
}
