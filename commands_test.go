package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libyawire/libyawire/internal/cli"
)

// writeConfig writes a configuration listening at listen whose sources are
// the name, URL pairs given, in that order; its database is beside it.
func writeConfig(t *testing.T, listen string, sources ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %s\ndatabase: commands.db\nschedule: \"@every 1h\"\nsources:\n", listen)
	for i := 0; i+1 < len(sources); i += 2 {
		fmt.Fprintf(&b, "  - name: %s\n    url: %s\n", sources[i], sources[i+1])
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// flaky serves a feed of its own at the first request and 404 after.
func flaky(t *testing.T) string {
	t.Helper()
	var served atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Swap(true) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, shiftDates(flakyRSS))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

const flakyRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Flaky test</title><link>https://flaky.example/</link><description>t</description>
<item><title>Ghadames festival dates set</title><link>https://flaky.example/ghadames</link><guid>f-1</guid><pubDate>Mon, 23 Nov 2026 04:00:00 +0000</pubDate></item>
</channel></rss>`

// runCommand runs libyawire with args and returns its stdout and stderr.
func runCommand(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = cli.Run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	return out.String(), errOut.String(), err
}

// checkLines reports each of want that is not a line of got (a line that
// ends in "(" matches any line that begins with it) and each of not that is.
func checkLines(t *testing.T, what, got string, want, not []string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
	has := func(w string) bool {
		for _, l := range lines {
			if l == w || strings.HasSuffix(w, "(") && strings.HasPrefix(l, w) {
				return true
			}
		}
		return false
	}
	for _, w := range want {
		if !has(w) {
			t.Errorf("%s: no line %q in:\n%s", what, w, got)
		}
	}
	for _, n := range not {
		if has(n) {
			t.Errorf("%s: line %q should not be in:\n%s", what, n, got)
		}
	}
}

// TestFetchCommand fetches with no daemon running: the command opens the
// database itself. Each run sees the database the one before left.
func TestFetchCommand(t *testing.T) {
	configPath := writeConfig(t, "127.0.0.1:0",
		"herald", serveString(t, "application/rss+xml", e2eRSS),
		"arabic", serveString(t, "application/feed+json", e2eJSON),
		"flaky", flaky(t))
	tests := []struct {
		args      []string
		wantErr   string // "" for none
		wantLines []string
		notLines  []string
	}{
		{
			args: []string{"fetch"},
			wantLines: []string{"herald: 200, 2 new, 0 updated (", "arabic: 200, 1 new, 0 updated (", "flaky: 200, 1 new, 0 updated (",
				"3 sources: 3 fetched, 0 not modified, 0 failed"},
		},
		{
			args:      []string{"fetch", "-source", "herald,arabic"},
			wantLines: []string{"herald: not modified", "arabic: not modified", "2 sources: 0 fetched, 2 not modified, 0 failed"},
			notLines:  []string{"flaky: failed: HTTP 404 Not Found"},
		},
		{
			args:      []string{"-source", "herald", "fetch", "-source", "herald"},
			wantLines: []string{"herald: not modified", "1 source: 0 fetched, 1 not modified, 0 failed"},
			notLines:  []string{"arabic: not modified"},
		},
		{
			args:    []string{"fetch"},
			wantErr: cli.ErrSomeFailed.Error(),
			wantLines: []string{"herald: not modified", "arabic: not modified", "flaky: failed: HTTP 404 Not Found",
				"3 sources: 0 fetched, 2 not modified, 1 failed"},
		},
		{
			args:    []string{"fetch", "-source", "herald,nowhere"},
			wantErr: "-source nowhere: " + configPath + " has no source of that name; its sources are herald, arabic, flaky",
		},
		{
			args:    []string{"check", "-source", "herald"},
			wantErr: "-source is for the fetch command only",
		},
	}
	for _, tt := range tests {
		_, stderr, err := runCommand(t, append(tt.args, "-config", configPath)...)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%v: %v\nstderr:\n%s", tt.args, err, stderr)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%v: got error %v, want %q", tt.args, err, tt.wantErr)
		}
		checkLines(t, fmt.Sprint(tt.args), stderr, tt.wantLines, tt.notLines)
	}
}

// TestFetchCommandThroughDaemon runs fetch while the daemon holds the
// database: had the command opened it, it would fail after a second with
// "another process holds the database".
func TestFetchCommandThroughDaemon(t *testing.T) {
	configPath := writeConfig(t, "127.0.0.1:0",
		"herald", serveString(t, "application/rss+xml", e2eRSS),
		"flaky", flaky(t))
	d := startDaemon(t, configPath, 2)
	defer d.stop()
	listenAt(t, configPath, d)

	_, stderr, err := runCommand(t, "fetch", "-config", configPath)
	if !errors.Is(err, cli.ErrSomeFailed) {
		t.Errorf("fetch: got error %v, want %v\nstderr:\n%s", err, cli.ErrSomeFailed, stderr)
	}
	checkLines(t, "fetch", stderr,
		[]string{"herald: not modified", "flaky: failed: HTTP 404 Not Found", "2 sources: 0 fetched, 1 not modified, 1 failed"},
		// The protocol's status line is read, not shown.
		[]string{"failed 2 sources: 0 fetched, 1 not modified, 1 failed"})

	_, stderr, err = runCommand(t, "fetch", "-config", configPath, "-source", "herald")
	if err != nil {
		t.Errorf("fetch -source herald: %v\nstderr:\n%s", err, stderr)
	}
	checkLines(t, "fetch -source herald", stderr,
		[]string{"herald: not modified", "1 source: 0 fetched, 1 not modified, 0 failed"},
		[]string{"flaky: failed: HTTP 404 Not Found"})
	// The daemon logged the fetches it made for the command.
	if n := strings.Count(d.log.String(), "source=herald"); n < 3 {
		t.Errorf("the daemon logged %d fetches of herald, want 3; log:\n%s", n, d.log)
	}

	if _, _, err := runCommand(t, "fetch", "-config", configPath, "-source", "nowhere"); err == nil || !strings.Contains(err.Error(), "its sources are herald, flaky") {
		t.Errorf("fetch -source nowhere: got error %v", err)
	}
}

// TestFetchCommandInterrupted: an operator's Ctrl-C on the fetch command
// stops the daemon's fetch of the source it asked for without recording a
// failure or a back-off, and leaves the daemon's other fetches alone.
func TestFetchCommandInterrupted(t *testing.T) {
	var requests atomic.Int32
	arrived := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) > 1 {
			// The command's fetch: it hangs until cancelled.
			arrived <- struct{}{}
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, shiftDates(e2eRSS))
	}))
	t.Cleanup(slow.Close)
	configPath := writeConfig(t, "127.0.0.1:0",
		"slow", slow.URL,
		"herald", serveString(t, "application/rss+xml", e2eRSS))
	d := startDaemon(t, configPath, 2)
	defer d.stop()
	listenAt(t, configPath, d)

	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }() // the operator presses Ctrl-C
	var stderr bytes.Buffer
	err := cli.Run(ctx, []string{"fetch", "-config", configPath, "-source", "slow"}, func(string) string { return "" }, io.Discard, &stderr)
	if err == nil || errors.Is(err, cli.ErrSomeFailed) {
		t.Errorf("fetch: %v, want it interrupted; stderr:\n%s", err, &stderr)
	}
	d.log.waitLine(t, 0, "fetch cancelled", "source=slow")

	// The daemon fetches on: herald, asked for after, is fetched.
	if _, stderr, err := runCommand(t, "fetch", "-config", configPath, "-source", "herald"); err != nil {
		t.Errorf("fetch -source herald after the interruption: %v\n%s", err, stderr)
	}
	_, body := d.get("/api/sources")
	var sources []struct {
		Name     string `json:"name"`
		Error    string `json:"error"`
		Failures int    `json:"failures"`
	}
	if err := json.Unmarshal(body, &sources); err != nil {
		t.Fatalf("/api/sources: %v\n%s", err, body)
	}
	for _, s := range sources {
		if s.Error != "" || s.Failures != 0 {
			t.Errorf("%s after the interruption: %+v", s.Name, s)
		}
	}
	if strings.Contains(d.log.String(), "fetch failed") {
		t.Errorf("the daemon logged a failure:\n%s", d.log)
	}
}

// listenAt points the listen address of the configuration at configPath at
// the running daemon d, whose configuration listened at port 0.
func listenAt(t *testing.T, configPath string, d *testDaemon) {
	t.Helper()
	cfg, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(d.base, "http://")
	cfg = bytes.Replace(cfg, []byte("listen: 127.0.0.1:0\n"), []byte("listen: "+addr+"\n"), 1)
	if err := os.WriteFile(configPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sourcesTable parses the sources command's output into the names of its
// rows, in order, and each row's columns NAME, LAST SUCCESS, STATUS, NEW,
// FAILURES and ERROR by name.
func sourcesTable(t *testing.T, out string) (names []string, rows map[string][]string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "NAME  ") {
		t.Fatalf("no table header:\n%s", out)
	}
	rows = map[string][]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 5 {
			t.Fatalf("short row %q in:\n%s", l, out)
		}
		row := append(f[:5:5], strings.Join(f[5:], " "))
		rows[f[0]] = row
		names = append(names, f[0])
	}
	return names, rows
}

func checkRow(t *testing.T, rows map[string][]string, name, lastSuccess, status, failures, errText string) {
	t.Helper()
	r := rows[name]
	if r == nil {
		t.Errorf("no row for %s", name)
		return
	}
	if lastSuccess == "today" {
		if ts, err := time.Parse(time.RFC3339, r[1]); err != nil || !strings.HasSuffix(r[1], "Z") || time.Since(ts) > time.Hour {
			t.Errorf("%s: last success %q, want a recent RFC 3339 time in UTC", name, r[1])
		}
	} else if r[1] != lastSuccess {
		t.Errorf("%s: last success %q, want %q", name, r[1], lastSuccess)
	}
	if r[2] != status || r[4] != failures || r[5] != errText {
		t.Errorf("%s: status %s, failures %s, error %q; want %s, %s, %q", name, r[2], r[4], r[5], status, failures, errText)
	}
}

func TestSourcesCommand(t *testing.T) {
	configPath := writeConfig(t, "127.0.0.1:0",
		"herald", serveString(t, "application/rss+xml", e2eRSS),
		"flaky", flaky(t),
		"later", serveString(t, "application/feed+json", e2eJSON))

	// Before any fetch, every source is "never", and no database is made.
	out, _, err := runCommand(t, "sources", "-config", configPath)
	if err != nil {
		t.Fatal(err)
	}
	_, rows := sourcesTable(t, out)
	for _, name := range []string{"herald", "flaky", "later"} {
		checkRow(t, rows, name, "never", "-", "0", "")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(configPath), "commands.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sources made a database: %v", err)
	}

	// The first fetch finds both feeds, the second herald's unchanged and
	// flaky's gone.
	for range 2 {
		runCommand(t, "fetch", "-config", configPath, "-source", "herald,flaky")
	}
	out, _, err = runCommand(t, "sources", "-config", configPath)
	if err != nil {
		t.Fatal(err)
	}
	names, rows := sourcesTable(t, out)
	if got := strings.Join(names, " "); got != "herald flaky later" {
		t.Errorf("rows %s, want herald flaky later, in config order", got)
	}
	checkRow(t, rows, "herald", "today", "304", "0", "")
	checkRow(t, rows, "flaky", "today", "404", "1", "HTTP 404 Not Found")
	checkRow(t, rows, "later", "never", "-", "0", "")
	if strings.Contains(out, "MOVED TO") {
		t.Errorf("a MOVED TO column, though no source moved:\n%s", out)
	}
}

func TestSourcesCommandThroughDaemon(t *testing.T) {
	configPath := writeE2EConfig(t)
	d := startDaemon(t, configPath, 4)
	defer d.stop()
	listenAt(t, configPath, d)

	out, stderr, err := runCommand(t, "sources", "-config", configPath)
	if err != nil {
		t.Fatalf("sources: %v\n%s", err, stderr)
	}
	names, rows := sourcesTable(t, out)
	if got := strings.Join(names, " "); got != "herald wire arabic broken" {
		t.Errorf("rows %s, want herald wire arabic broken, in config order", got)
	}
	for _, name := range []string{"herald", "wire", "arabic"} {
		checkRow(t, rows, name, "today", "200", "0", "")
	}
	checkRow(t, rows, "broken", "never", "404", "1", "HTTP 404 Not Found")
}
