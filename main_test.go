package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libyawire/libyawire/internal/cli"
	"github.com/libyawire/libyawire/internal/config"
)

// logWatch is a daemon's stderr in a test: it keeps every line and lets
// the test wait for the lines it expects. Writes never block, so a daemon
// that logs more than the test reads goes on.
type logWatch struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	lines   []string
	more    chan struct{} // closed, and replaced, when a line comes
}

func newLogWatch() *logWatch { return &logWatch{more: make(chan struct{})} }

var (
	addrRe = regexp.MustCompile(`msg=listening addr=(\S+)`)
	// fetchRe matches the one line of each fetch that ended: how, and the source.
	fetchRe  = regexp.MustCompile(`msg="?(fetched|fetch failed|fetch skipped|not modified)"? source=(\S+)`)
	waitTime = 20 * time.Second // a bound for failure, not a wait for success
)

// await waits until n lines, from the from'th on, match re, and returns
// their submatches. It fails the test after timeout, or as soon as exited
// is closed (the daemon is gone) with too few.
func (w *logWatch) await(t testing.TB, from int, re *regexp.Regexp, n int, exited <-chan struct{}, timeout time.Duration) [][]string {
	t.Helper()
	found, _ := w.scan(t, from, re.String(), re.FindStringSubmatch, n, exited, timeout)
	return found
}

// waitLine waits for a line, from the from'th on, that contains every one
// of the texts, and returns its index; it fails the test after waitTime.
func (w *logWatch) waitLine(t *testing.T, from int, texts ...string) int {
	t.Helper()
	match := func(line string) []string {
		for _, text := range texts {
			if !strings.Contains(line, text) {
				return nil
			}
		}
		return []string{line}
	}
	_, last := w.scan(t, from, fmt.Sprintf("%q", texts), match, 1, nil, waitTime)
	return last
}

// scan waits until match has matched n lines from the from'th on, and
// returns what it gave for each and the index of the last.
func (w *logWatch) scan(t testing.TB, from int, what string, match func(string) []string, n int, exited <-chan struct{}, timeout time.Duration) (found [][]string, last int) {
	t.Helper()
	deadline := time.After(timeout)
	gone := false // the daemon exited: what it wrote is all there is
	for i := from; ; {
		w.mu.Lock()
		lines, more := w.lines, w.more
		w.mu.Unlock()
		for ; i < len(lines) && len(found) < n; i++ {
			if m := match(lines[i]); m != nil {
				found, last = append(found, m), i
			}
		}
		if len(found) == n {
			return found, last
		}
		if gone {
			t.Fatalf("the daemon exited with %d of %d lines like %s; log:\n%s", len(found), n, what, w)
		}
		select {
		case <-more:
		case <-exited:
			gone = true
		case <-deadline:
			t.Fatalf("%d of %d lines like %s within %v; log:\n%s", len(found), n, what, timeout, w)
		}
	}
}

// line returns the i'th line.
func (w *logWatch) line(i int) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lines[i]
}

// next is the index the next line will have.
func (w *logWatch) next() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.lines)
}

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.lines = append(w.lines, string(w.partial[:i]))
		w.partial = w.partial[i+1:]
		close(w.more)
		w.more = make(chan struct{})
	}
	return len(p), nil
}

func (w *logWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// testDaemon is a running `libyawire -config FILE` inside the test process.
type testDaemon struct {
	t    *testing.T
	base string
	log  *logWatch
	stop func() error
}

// startDaemon runs the real wiring and waits until it listens and has
// fetched every one of nSources once.
func startDaemon(t *testing.T, configPath string, nSources int) *testDaemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	lw := newLogWatch()
	exited := make(chan struct{})
	var runErr error
	go func() {
		getenv := func(k string) string {
			if k == "LIBYAWIRE_LOG" {
				return "debug" // 304s are logged at debug, and the test waits for them
			}
			return ""
		}
		runErr = cli.Run(ctx, []string{"-config", configPath}, getenv, io.Discard, lw)
		fmt.Fprintf(lw, "run returned: %v\n", runErr)
		close(exited)
	}()
	d := &testDaemon{t: t, log: lw}
	// stop may be called again (a deferred stop after the test's own):
	// it returns what the first call did.
	var once sync.Once
	d.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case <-exited:
			case <-time.After(waitTime):
				t.Fatalf("daemon did not stop; log:\n%s", lw)
			}
		})
		return runErr
	}
	d.base = "http://" + lw.await(t, 0, addrRe, 1, exited, waitTime)[0][1]
	lw.await(t, 0, fetchRe, nSources, exited, waitTime)
	return d
}

func (d *testDaemon) get(path string) (*http.Response, []byte) {
	d.t.Helper()
	resp, err := http.Get(d.base + path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		d.t.Fatal(err)
	}
	return resp, body
}

// jsonFeed is the part of a JSON Feed the end-to-end test reads.
type jsonFeed struct {
	Version string     `json:"version"`
	Items   []jsonItem `json:"items"`
}

// jsonItem is one item of a jsonFeed.
type jsonItem struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Title       string   `json:"title"`
	Tags        []string `json:"tags"`
	ContentHTML string   `json:"content_html"`
}

func (d *testDaemon) feed(path string) jsonFeed {
	d.t.Helper()
	resp, body := d.get(path)
	if resp.StatusCode != http.StatusOK {
		d.t.Fatalf("GET %s: %s: %s", path, resp.Status, body)
	}
	var f jsonFeed
	if err := json.Unmarshal(body, &f); err != nil {
		d.t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	return f
}

const (
	e2eRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Herald test</title><link>https://herald.example/</link><description>t</description>
<item><title>Sirte power plant back online</title><link>https://herald.example/sirte-power/</link><guid isPermaLink="false">h-1</guid><pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate><category>Energy</category><description>Two turbines restarted.</description></item>
<item><title>Derna bridge tender opens</title><link>https://herald.example/derna-bridge</link><guid isPermaLink="false">h-2</guid><pubDate>Mon, 23 Nov 2026 07:00:00 +0000</pubDate><description>Bids close in January.</description></item>
</channel></rss>`
	e2eAtom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire test</title><id>urn:test:wire</id><updated>2026-11-23T09:00:00Z</updated>
<entry><title>Libya: Sirte power plant back online</title><id>urn:test:wire:9</id><link href="http://HERALD.example/sirte-power?utm_source=wire"/><updated>2026-11-23T08:30:00Z</updated><category term="Africa"/><summary>Copy of the Herald story.</summary></entry>
<entry><title>Kufra convoy reaches the border</title><id>urn:test:wire:10</id><link href="https://wire.example/kufra-convoy"/><updated>2026-11-23T06:00:00Z</updated><summary>Aid trucks arrived.</summary></entry>
</feed>`
	e2eJSON = `{"version":"https://jsonfeed.org/version/1.1","title":"Arabic test","language":"ar","items":[
{"id":"ar-1","url":"https://arabic.example/1","title":"افتتاح مدرسة في سبها","content_text":"خبر تجريبي","date_published":"2026-11-23T05:00:00Z","tags":["تعليم"]}]}`
)

// fixtureDay is the day the fixtures' dates were written on. shiftDates
// moves a fixture's dates to as many days before today, so that its
// stories stay recent (within retention and the grouping window) whenever
// the tests run.
var fixtureDay = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

var fixtureDate = regexp.MustCompile(`(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4}|\d{4}-\d{2}-\d{2}`)

func shiftDates(s string) string {
	days := int(time.Now().UTC().Truncate(24*time.Hour).Sub(fixtureDay) / (24 * time.Hour))
	if days == 0 {
		return s
	}
	return fixtureDate.ReplaceAllStringFunc(s, func(d string) string {
		for _, layout := range []string{"Mon, 02 Jan 2006", "2006-01-02"} {
			if t, err := time.Parse(layout, d); err == nil {
				return t.AddDate(0, 0, days).Format(layout)
			}
		}
		return d
	})
}

func TestShiftDates(t *testing.T) {
	defer func(d time.Time) { fixtureDay = d }(fixtureDay)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	fixtureDay = today.AddDate(0, 0, -3)
	in := "<pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate><updated>2026-11-23T09:00:00Z</updated>"
	want := "<pubDate>" + time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC).Format("Mon, 02 Jan 2006") + " 08:00:00 +0000</pubDate><updated>2026-11-26T09:00:00Z</updated>"
	if got := shiftDates(in); got != want {
		t.Errorf("shiftDates:\n got %s\nwant %s", got, want)
	}
	fixtureDay = today
	if got := shiftDates(in); got != in {
		t.Errorf("shiftDates on the fixtures' day changed %s", got)
	}
}

func serveString(t *testing.T, contentType, body string) string {
	t.Helper()
	body = shiftDates(body)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("ETag", `"e2e"`)
		if r.Header.Get("If-None-Match") == `"e2e"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func writeE2EConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	broken := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(broken.Close)
	cfg := fmt.Sprintf(`listen: 127.0.0.1:0
database: e2e.db
schedule: "@every 1h"
tags:
  - slug: libya
    match: [Libya]
sources:
  - name: herald
    url: %s
    tags: [libya]
  - name: wire
    url: %s
  - name: arabic
    url: %s
    tags: [libya]
  - name: broken
    url: %s
`, serveString(t, "application/rss+xml", e2eRSS), serveString(t, "application/atom+xml", e2eAtom),
		serveString(t, "application/feed+json", e2eJSON), broken.URL)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEndToEnd(t *testing.T) {
	configPath := writeE2EConfig(t)
	d := startDaemon(t, configPath, 4)

	if resp, body := d.get("/healthz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %s %s", resp.Status, body)
	}
	f := d.feed("/feed.json")
	var got []string
	ids := map[string]string{}
	for _, it := range f.Items {
		got = append(got, it.Title)
		ids[it.Title] = it.ID
	}
	// The Sirte story comes once, though two sources carried it; its title
	// is that of whichever source was stored first.
	sirteTitle := "Sirte power plant back online"
	if len(got) > 0 && got[0] == "Libya: "+sirteTitle {
		sirteTitle = got[0]
	}
	want := []string{sirteTitle, "Derna bridge tender opens", "Kufra convoy reaches the border", "افتتاح مدرسة في سبها"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("merged feed, newest first:\n got %q\nwant %q", got, want)
	}
	// The wire's copy of the Sirte story added its tag to the story.
	sirte := d.feed("/feed.json?tag=africa")
	if len(sirte.Items) != 1 || sirte.Items[0].Title != sirteTitle {
		t.Errorf("tag=africa: got %+v", sirte.Items)
	}
	if bySource := d.feed("/feed.json?source=wire"); len(bySource.Items) != 2 {
		t.Errorf("source=wire: got %d stories, want 2", len(bySource.Items))
	}
	if tagged := d.feed("/tags/libya.json"); len(tagged.Items) != 3 {
		t.Errorf("/tags/libya.json: got %d stories, want 3", len(tagged.Items))
	}
	for _, path := range []string{"/feed.rss", "/feed.atom"} {
		resp, body := d.get(path)
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("Sirte power plant back online")) || !bytes.Contains(body, []byte("Kufra")) {
			t.Errorf("GET %s: %s\n%.300s", path, resp.Status, body)
		}
	}

	// Every tag a story carries has its three feeds, each with its stories.
	resp, body := d.get("/api/tags")
	var tags []struct {
		Slug  string `json:"slug"`
		Count int    `json:"count"`
	}
	if err := json.Unmarshal(body, &tags); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("api/tags: %s %v\n%s", resp.Status, err, body)
	}
	for _, tg := range tags {
		if tg.Count == 0 {
			continue
		}
		if n := len(d.feed("/tags/" + url.PathEscape(tg.Slug) + ".json").Items); n != tg.Count {
			t.Errorf("/tags/%s.json: %d stories, /api/tags says %d", tg.Slug, n, tg.Count)
		}
		for ext, item := range map[string]string{".rss": "<item>", ".atom": "<entry"} {
			resp, body := d.get("/tags/" + url.PathEscape(tg.Slug) + ext)
			if resp.StatusCode != http.StatusOK || bytes.Count(body, []byte(item)) != tg.Count {
				t.Errorf("/tags/%s%s: %s, want %d items:\n%.400s", tg.Slug, ext, resp.Status, tg.Count, body)
			}
		}
	}

	resp, body = d.get("/api/sources")
	var sources []struct {
		Name   string `json:"name"`
		Status int    `json:"status"`
		Error  string `json:"error"`
	}
	if err := json.Unmarshal(body, &sources); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("api/sources: %s %v\n%s", resp.Status, err, body)
	}
	sort.Slice(sources, func(i, j int) bool { return sources[i].Name < sources[j].Name })
	if len(sources) != 4 || sources[1].Name != "broken" || sources[1].Status != 404 || sources[1].Error == "" {
		t.Errorf("api/sources: %+v", sources)
	}

	if err := d.stop(); err != nil {
		t.Fatalf("run returned %v after cancel", err)
	}

	// A restart on the same database keeps every story's id.
	d = startDaemon(t, configPath, 4)
	defer d.stop()
	for _, it := range d.feed("/feed.json").Items {
		if ids[it.Title] != it.ID {
			t.Errorf("%q: id %q after restart, was %q", it.Title, it.ID, ids[it.Title])
		}
	}
	if n := len(d.feed("/feed.json").Items); n != len(want) {
		t.Errorf("after restart: %d stories, want %d", n, len(want))
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("listen: 127.0.0.1:8080\nsources:\n  - name: x\n    url: https://example.ly/feed\n    schedule: \"@evry 5m\"\n"), 0o644)
	tests := []struct {
		args    []string
		wantErr string
		wantOut string
	}{
		{[]string{"version"}, "", "libyawire " + config.Version},
		{[]string{"check", "-config", "config.yaml"}, "", "config.yaml: ok"},
		{[]string{"-config", "config.yaml", "check"}, "", "config.yaml: ok"},
		{[]string{"check", "-config", bad}, bad + ":5:", ""},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`, ""},
		{[]string{"check", "-nosuchflag"}, "flag provided but not defined", ""},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		err := cli.Run(context.Background(), tt.args, func(string) string { return "" }, &out, &errOut)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: got error %v, want one containing %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !strings.Contains(out.String(), tt.wantOut) {
			t.Errorf("%v: got %q, %v; want output containing %q", tt.args, out.String(), err, tt.wantOut)
		}
	}
}

// TestSystemdUnit checks the shipped unit with systemd-analyze verify, its
// ExecStart pointed at an executable that exists here.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		requireInCI(t, "systemd-analyze", "apt-get install systemd")
	}
	unit, err := os.ReadFile("systemd/libyawire.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-config /etc/libyawire/config.yaml", "StateDirectory=libyawire", "Restart=on-failure",
		"Type=notify", "WatchdogSec=", "ExecReload=/bin/kill -HUP $MAINPID", "DynamicUser=yes", "ConfigurationDirectory=libyawire"} {
		if !bytes.Contains(unit, []byte(want)) {
			t.Errorf("unit lacks %q", want)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unit = bytes.ReplaceAll(unit, []byte("/usr/local/bin/libyawire"), []byte(self))
	path := filepath.Join(t.TempDir(), "libyawire.service")
	if err := os.WriteFile(path, unit, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}

	// The hardening: systemd rates the unit's exposure from 0 (locked
	// down) to 10 (unprotected); 2.0 or lower is "OK".
	out, err = exec.Command(analyze, "security", "--offline=yes", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for \S+: (\d+\.\d+) (\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security printed no exposure level:\n%s", out)
	}
	exposure, _ := strconv.ParseFloat(string(m[1]), 64)
	if exposure > 2.0 {
		t.Errorf("exposure %.1f %s, want 2.0 or lower:\n%s", exposure, m[2], out)
	}
	t.Logf("systemd-analyze security: %.1f %s", exposure, m[2])
}

// requireInCI skips a test that needs a program this machine lacks, except
// in CI, where .ci/run installs it and its absence is a failure.
func requireInCI(t *testing.T, program, install string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing in CI; .ci/run must install it (%s)", program, install)
	}
	t.Skipf("%s not installed (%s)", program, install)
}

// TestFeedReaders has real feed readers read a running daemon's merged feed:
// newsboat (RSS and Atom, each story in its cache) and Python's feedparser
// (RSS and Atom well-formed, bozo == 0, every story).
func TestFeedReaders(t *testing.T) {
	d := startDaemon(t, writeE2EConfig(t), 4)
	defer d.stop()
	want := []string{"Derna bridge tender opens", "Kufra convoy reaches the border", "افتتاح مدرسة في سبها"}

	t.Run("newsboat", func(t *testing.T) {
		newsboat, err := exec.LookPath("newsboat")
		if err != nil {
			requireInCI(t, "newsboat", "apt-get install newsboat")
		}
		sqlite, err := exec.LookPath("sqlite3")
		if err != nil {
			requireInCI(t, "sqlite3", "apt-get install sqlite3")
		}
		for _, path := range []string{"/feed.rss", "/feed.atom"} {
			dir := t.TempDir()
			urls, cache, conf := filepath.Join(dir, "urls"), filepath.Join(dir, "cache.db"), filepath.Join(dir, "config")
			os.WriteFile(urls, []byte(d.base+path+"\n"), 0o644)
			os.WriteFile(conf, nil, 0o644)
			cmd := exec.Command(newsboat, "-x", "reload", "-u", urls, "-c", cache, "-C", conf)
			cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
			out, err := cmd.CombinedOutput()
			if err != nil || bytes.Contains(bytes.ToLower(out), []byte("error")) {
				t.Fatalf("newsboat reload %s: %v\n%s", path, err, out)
			}
			titles, err := exec.Command(sqlite, cache, "select title from rss_item").Output()
			if err != nil {
				t.Fatalf("reading newsboat's cache: %v", err)
			}
			got := strings.Split(strings.TrimSpace(string(titles)), "\n")
			if len(got) != 4 {
				t.Errorf("%s: newsboat cached %d stories, want 4: %q", path, len(got), got)
			}
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("%s: newsboat's cache lacks %q: %q", path, w, got)
				}
			}
		}
	})

	t.Run("feedparser", func(t *testing.T) {
		python := feedparserPython(t)
		for _, path := range []string{"/feed.rss", "/feed.atom"} {
			script := `import sys, feedparser
d = feedparser.parse(sys.argv[1])
print(int(d.bozo), repr(d.get("bozo_exception", "")))
for e in d.entries: print(e.title)`
			out, err := exec.Command(python, "-c", script, d.base+path).Output()
			if err != nil {
				t.Fatalf("feedparser %s: %v", path, err)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if lines[0] != "0 ''" || len(lines) != 5 {
				t.Errorf("%s: feedparser says bozo %s and %d entries, want 0 and 4:\n%s", path, lines[0], len(lines)-1, out)
			}
			for _, w := range want {
				if !slices.Contains(lines[1:], w) {
					t.Errorf("%s: feedparser lacks %q", path, w)
				}
			}
		}
	})
}

// feedparserPython returns a python3 that can import feedparser. Debian's
// python3-feedparser installs for /usr/bin/python3, which another python3
// earlier on PATH cannot see.
func feedparserPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import feedparser").Run() == nil {
			return py
		}
	}
	requireInCI(t, "python3 feedparser", "apt-get install python3-feedparser")
	return ""
}

// TestRetagOnRuleChange restarts the daemon with a new rule and finds the
// stored stories tagged by it.
func TestRetagOnRuleChange(t *testing.T) {
	configPath := writeE2EConfig(t)
	d := startDaemon(t, configPath, 4)
	if n := len(d.feed("/tags/derna.json").Items); n != 0 {
		t.Fatalf("tag derna before the rule exists: %d stories", n)
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}

	cfg, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("tags:\n"), []byte("tags:\n  - slug: derna\n    match: [Derna, درنة]\n    implies: [libya]\n"), 1)
	if err := os.WriteFile(configPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	d = startDaemon(t, configPath, 4)
	defer d.stop()
	d.log.waitLine(t, 0, "msg=re-tagged")
	f := d.feed("/tags/derna.json")
	if len(f.Items) != 1 || f.Items[0].Title != "Derna bridge tender opens" {
		t.Errorf("tag derna after the rule came: %+v", f.Items)
	}
}

// With websub_hub set, the feeds name the hub and the hub hears when a
// fetch brings new stories.
func TestWebSub(t *testing.T) {
	pinged := make(chan url.Values, 10)
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		pinged <- r.PostForm
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()
	configPath := writeE2EConfig(t)
	cfg, _ := os.ReadFile(configPath)
	os.WriteFile(configPath, append(cfg, []byte("websub_hub: "+hub.URL+"/\n")...), 0o644)
	d := startDaemon(t, configPath, 4)
	defer d.stop()
	select {
	case form := <-pinged:
		if form.Get("hub.mode") != "publish" || !slices.Contains(form["hub.url"], "http://127.0.0.1:0/feed.atom") {
			t.Errorf("ping: %v", form)
		}
	case <-time.After(waitTime):
		t.Fatal("the hub was not pinged")
	}
	if _, body := d.get("/feed.atom"); !bytes.Contains(body, []byte(`rel="hub"`)) {
		t.Error("the Atom feed does not name the hub")
	}
}
