package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// upgradeRSS is a Libya-only outlet's feed of stories that the rules of
// an older release had no tag for.
const upgradeRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Desk test</title><link>https://desk.example/</link><description>t</description>
<item><title>Turkish defence minister meets Dbeibah in Tripoli</title><link>https://desk.example/ankara</link><guid>u-1</guid><pubDate>Mon, 23 Nov 2026 06:00:00 +0000</pubDate></item>
<item><title>National football team beats Tunisia in World Cup qualifier</title><link>https://desk.example/football</link><guid>u-2</guid><pubDate>Mon, 23 Nov 2026 07:00:00 +0000</pubDate></item>
<item><title>Rights group says detainees held without trial at Mitiga prison</title><link>https://desk.example/mitiga</link><guid>u-3</guid><pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate></item>
</channel></rss>`

// shippedTags returns the tags: section of the shipped config.yaml.
func shippedTags(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?ms)^tags:\n.*?\n(?:^[a-z_]+:|\z)`).FindString(string(data))
	if m == "" {
		t.Fatal("config.yaml has no tags: section")
	}
	return m[:strings.LastIndex(m, "\n")+1]
}

// TestUpgradeRetags runs a daemon with rules of an older release, then the
// same database under the shipped rules, as an upgrade in place does: the
// stored stories are re-tagged in the background, and the tags readers
// follow (a foreign state, a topic, sport) find them.
func TestUpgradeRetags(t *testing.T) {
	dir := t.TempDir()
	write := func(tags string) string {
		cfg := fmt.Sprintf("listen: 127.0.0.1:0\ndatabase: upgrade.db\nschedule: \"@every 1h\"\n%s\nsources:\n  - name: desk\n    url: %s\n    tags: [libya]\n",
			tags, serveString(t, "application/rss+xml", upgradeRSS))
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	path := write("tags:\n  - slug: libya\n    match: [Libya]\n  - slug: tripoli\n    match: [Tripoli]\n    implies: [libya]\n")
	d := startDaemon(t, path, 1)
	if n := len(d.feed("/feed.json?tag=turkey").Items); n != 0 {
		t.Fatalf("tag turkey under the old rules: %d stories", n)
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}

	write(shippedTags(t))
	d = startDaemon(t, path, 1)
	defer d.stop()
	d.log.waitLine(t, 0, "msg=re-tagged")
	for _, tt := range []struct{ path, title string }{
		{"/feed.json?tag=turkey", "Turkish defence minister meets Dbeibah in Tripoli"},
		{"/feed.json?tag=sport", "National football team beats Tunisia in World Cup qualifier"},
		{"/tags/sport.json", "National football team beats Tunisia in World Cup qualifier"},
		{"/feed.json?tag=detention", "Rights group says detainees held without trial at Mitiga prison"},
	} {
		f := d.feed(tt.path)
		if !slices.ContainsFunc(f.Items, func(it jsonItem) bool { return it.Title == tt.title }) {
			t.Errorf("%s after the upgrade: %+v, want %q among them", tt.path, f.Items, tt.title)
		}
	}
	if resp, body := d.get("/tags/sport.atom"); resp.StatusCode != 200 || !strings.Contains(string(body), "World Cup qualifier") {
		t.Errorf("/tags/sport.atom: %s\n%s", resp.Status, body)
	}
}
