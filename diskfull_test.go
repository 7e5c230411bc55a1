package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestWriteFailure runs the built daemon with a file size limit at the
// database's size, so that storing a big feed fails as on a full disk:
// the fetch fails with the reason, the stories held are still served, and
// once the limit is lifted the next fetch stores the feed.
func TestWriteFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the daemon")
	}
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		requireInCI(t, "prlimit", "apt-get install util-linux")
	}
	var big atomic.Bool
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		n := 3
		if big.Load() {
			n = 2000
		}
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title><link>https://big.example/</link><description>t</description>`)
		for i := range n {
			fmt.Fprintf(w, `<item><title>Tobruk harbour log %d</title><link>https://big.example/log/%d</link><description>%s</description><pubDate>%s</pubDate></item>`,
				i, i, strings.Repeat("Cargo and fishing boats entered and left the harbour. ", 20), shiftDates("Mon, 23 Nov 2026")+" 08:00:00 +0000")
		}
		io.WriteString(w, `</channel></rss>`)
	}))
	defer feed.Close()

	dir := t.TempDir()
	configPath := filepath.Join(dir, "config.yaml")
	config := fmt.Sprintf("listen: %s\ndatabase: full.db\nschedule: \"@every 1h\"\nsources:\n  - name: big\n    url: %s\n", freeAddr(t), feed.URL)
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runCommand(t, "fetch", "-config", configPath); err != nil {
		t.Fatalf("first fetch: %v\n%s", err, stderr)
	}
	// bbolt grows its file 16 MiB at a time; compacted, it has no room
	// to spare.
	if out, _, err := runCommand(t, "compact", "-config", configPath); err != nil {
		t.Fatalf("compact: %v\n%s", err, out)
	}
	dbPath := filepath.Join(dir, "full.db")
	info, err := os.Stat(dbPath)
	if err != nil {
		t.Fatal(err)
	}

	big.Store(true)
	bin := buildDaemon(t)
	lw := newLogWatch()
	cmd := exec.Command(prlimit, "--fsize="+strconv.FormatInt(info.Size(), 10)+":unlimited", "--", bin, "-config", configPath)
	cmd.Stderr = lw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	d := &testDaemon{t: t, log: lw, base: "http://" + lw.await(t, 0, addrRe, 1, nil, waitTime)[0][1]}
	i := lw.waitLine(t, 0, "fetch failed", "source=big", "file too large")
	t.Logf("the log says: %s", lw.line(i))
	if f := d.feed("/feed.json"); len(f.Items) != 3 {
		t.Errorf("while the disk is full: %d stories served, want the 3 held", len(f.Items))
	}
	if resp, body := d.get("/api/sources"); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "file too large") {
		t.Errorf("/api/sources does not say why the fetch failed: %s", body)
	}
	if resp, _ := d.get("/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %s", resp.Status)
	}

	// Room again: the next fetch stores the feed.
	if out, err := exec.Command(prlimit, "--pid", strconv.Itoa(cmd.Process.Pid), "--fsize=unlimited:unlimited").CombinedOutput(); err != nil {
		t.Fatalf("prlimit: %v\n%s", err, out)
	}
	if _, stderr, err := runCommand(t, "fetch", "-config", configPath); err != nil || !strings.Contains(stderr, "big: 200, 1997 new") {
		t.Fatalf("fetch after the disk has room: %v\n%s\nlog:\n%s", err, stderr, lw)
	}
	if f := d.feed("/feed.json?limit=500"); len(f.Items) != 500 {
		t.Errorf("after the retry: %d stories served, want 500", len(f.Items))
	}
}
