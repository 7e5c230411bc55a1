package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// countingFeed serves an RSS feed and counts the requests for it.
func countingFeed(t *testing.T, items ...string) (feedURL string, requests *atomic.Int32) {
	t.Helper()
	requests = new(atomic.Int32)
	var body strings.Builder
	body.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://x.example/</link><description>t</description>`)
	for i, title := range items {
		fmt.Fprintf(&body, `<item><title>%s</title><link>https://x.example/%s</link><guid>%d-%s</guid><pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate></item>`,
			title, url.PathEscape(title), i, title)
	}
	body.WriteString(`</channel></rss>`)
	text := shiftDates(body.String())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, text)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, requests
}

// freeAddr is a loopback address nothing listens on, for a config's listen.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func sourceNames(t *testing.T, d *testDaemon) []string {
	t.Helper()
	resp, body := d.get("/api/sources")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/api/sources: %s", resp.Status)
	}
	var rows []struct{ Name string }
	if err := json.Unmarshal(body, &rows); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
	}
	return names
}

// TestReload edits a running daemon's config.yaml: a bad edit is refused
// with its line, shown on /healthz and the page, and changes nothing; a
// good one adds a source (fetched at once), removes one, re-tags stored
// stories under a changed rule and moves the listen address, without
// fetching the unchanged source again. SIGHUP reloads too.
func TestReload(t *testing.T) {
	alphaURL, alphaRequests := countingFeed(t, "Derna port reopens to cargo ships")
	betaURL, betaRequests := countingFeed(t, "Libya budget talks resume")
	gammaURL, _ := countingFeed(t, "Libya grain imports rise")
	config := func(listen, sources, rules string) string {
		return "listen: " + listen + "\ndatabase: reload.db\nschedule: \"@every 1h\"\ntags:\n  - slug: libya\n    match: [Libya]\n" +
			rules + "sources:\n" + sources
	}
	alpha := "  - name: alpha\n    url: " + alphaURL + "\n    tags: [libya]\n"
	beta := "  - name: beta\n    url: " + betaURL + "\n"
	gamma := "  - name: gamma\n    url: " + gammaURL + "\n"
	path := filepath.Join(t.TempDir(), "config.yaml")
	write := func(text string) {
		t.Helper()
		// Write through a new file and a rename, as editors do.
		tmp := path + ".swp"
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(config("127.0.0.1:0", alpha+beta, ""))
	d := startDaemon(t, path, 2)
	defer func() { d.stop() }()

	// A bad edit: a misspelt key and a bad schedule.
	from := d.log.next()
	write(config("127.0.0.1:0", alpha+beta+"  - name: delta\n    url: https://delta.example/feed\n    shedule: \"@every 1h\"\n", ""))
	d.log.waitLine(t, from, "configuration not reloaded", path+`:15: unknown key \"shedule\"`)
	d.log.waitLine(t, from, "running on the previous configuration")
	if got := sourceNames(t, d); !slices.Equal(got, []string{"alpha", "beta"}) {
		t.Errorf("sources after a bad edit: %q", got)
	}
	resp, body := d.get("/healthz")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"reload_failed"`) || !strings.Contains(string(body), "config.yaml:15: unknown key") {
		t.Errorf("/healthz after a bad edit: %s %s", resp.Status, body)
	}
	if _, page := d.get("/"); !strings.Contains(string(page), `id="reload-failed"`) {
		t.Error("the page does not show the refused reload")
	}

	// A good edit: beta goes, gamma comes, a new rule tags alpha's stored
	// story, and the daemon moves to another address.
	newAddr := freeAddr(t)
	from = d.log.next()
	write(config(newAddr, alpha+gamma, "  - slug: derna\n    match: [Derna]\n    implies: [libya]\n"))
	d.log.waitLine(t, from, "configuration reloaded", "added=[gamma]", "removed=[beta]", "rules_changed=true", "addr="+newAddr)
	d.log.waitLine(t, from, "fetched", "source=gamma")
	d.log.waitLine(t, from, "re-tagged")
	d.log.waitLine(t, from, "stopped listening")
	oldBase := d.base
	d.base = "http://" + newAddr
	if _, err := http.Get(oldBase + "/healthz"); err == nil {
		t.Errorf("the old address %s still answers", oldBase)
	}
	if got := sourceNames(t, d); !slices.Equal(got, []string{"alpha", "gamma"}) {
		t.Errorf("sources after the edit: %q", got)
	}
	if f := d.feed("/tags/derna.json"); len(f.Items) != 1 || f.Items[0].Title != "Derna port reopens to cargo ships" {
		t.Errorf("/tags/derna.json after the rule came: %+v", f.Items)
	}
	if _, body := d.get("/healthz"); strings.Contains(string(body), "reload_failed") {
		t.Errorf("/healthz after a good reload: %s", body)
	}
	if n := alphaRequests.Load(); n != 1 {
		t.Errorf("alpha, unchanged, was fetched %d times; want once, at start", n)
	}
	if n := betaRequests.Load(); n != 1 {
		t.Errorf("beta was fetched %d times; want once, at start", n)
	}

	// SIGHUP reloads; an unchanged file changes nothing.
	from = d.log.next()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	d.log.waitLine(t, from, "SIGHUP: reloading the configuration")
	d.log.waitLine(t, from, "configuration unchanged")
}
