package main

import (
	"encoding/xml"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/publish"
)

// TestOPMLCommandMatchesServer: `libyawire opml` prints, byte for byte,
// what a daemon on the same config serves at /sources.opml.
func TestOPMLCommandMatchesServer(t *testing.T) {
	configPath := writeE2EConfig(t)
	modified := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	if err := os.Chtimes(configPath, modified, modified); err != nil {
		t.Fatal(err)
	}
	printed, stderr, err := runCommand(t, "opml", "-config", configPath)
	if err != nil {
		t.Fatalf("opml: %v\n%s", err, stderr)
	}

	d := startDaemon(t, configPath, 4)
	defer d.stop()
	resp, served := d.get("/sources.opml")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /sources.opml: %s\n%s", resp.Status, served)
	}
	if string(served) != printed {
		t.Errorf("libyawire opml printed:\n%s\nthe daemon serves:\n%s", printed, served)
	}

	var doc publish.OPML
	if err := xml.Unmarshal(served, &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Head.DateCreated, "Fri, 20 Nov 2026 08:00:00 GMT"; got != want {
		t.Errorf("dateCreated %q, want the config's modification time %q", got, want)
	}
	var got []string
	for _, o := range doc.Body {
		got = append(got, o.Type+" "+o.Text+" "+o.Category)
	}
	want := []string{"rss herald /libya", "rss wire ", "rss arabic /libya", "rss broken "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("outlines: got %q, want %q", got, want)
	}
}

func TestOPMLCommandBadConfig(t *testing.T) {
	if _, _, err := runCommand(t, "opml", "-config", "internal/config/testdata/bad-schedule.yaml"); err == nil || !strings.Contains(err.Error(), "bad-schedule.yaml:") {
		t.Errorf("opml with a bad config: got %v, want the config's error", err)
	}
}
