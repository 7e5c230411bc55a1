package publish

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/internal/i18n"
	"github.com/libyawire/libyawire/store"
)

func TestAPITrends(t *testing.T) {
	f := newFixture(t)
	var got trendsAnswer
	resp := f.get(t, http.MethodGet, "/api/trends?tag=sirte&days=3")
	if err := json.Unmarshal([]byte(readBody(t, resp)), &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %v", resp.Status, err)
	}
	if got.Tag != "sirte" || len(got.Days) != 3 || got.Days[0].Date != "2026-02-28" || got.Days[2].Date != "2026-03-02" {
		t.Fatalf("answer %+v", got)
	}
	total := 0
	for _, d := range got.Days {
		total += d.Stories
	}
	if want := len(feedTitles(t, f, "/feed.json?tag=sirte")); total != want {
		t.Errorf("%d sirte stories in the trend, the feed has %d", total, want)
	}
	var all trendsAnswer
	json.Unmarshal([]byte(readBody(t, f.get(t, http.MethodGet, "/api/trends"))), &all)
	if all.Tag != "" || len(all.Days) != 30 {
		t.Errorf("without tag: tag %q, %d days", all.Tag, len(all.Days))
	}
	for _, target := range []string{"/api/trends?days=0", "/api/trends?days=366", "/api/trends?days=x", "/api/trends?tag=a&tag=b", "/api/trends?tag=" + strings.Repeat("x", 300)} {
		if resp := f.get(t, http.MethodGet, target); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%.60s: %s, want 400", target, resp.Status)
		}
	}
}

func TestAPIRising(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	for i := range 4 {
		mustIngest(t, f.db, "libya-herald", []store.Item{{GUID: "z" + strconv.Itoa(i), Link: "https://herald.example/z" + strconv.Itoa(i),
			Title: "Zuwara story " + strconv.Itoa(i), Published: now.Add(-time.Duration(i) * time.Hour), Tags: []string{"zuwara"}}}, store.SourceState{Status: 200})
	}
	var got struct {
		Tags []risingTag `json:"tags"`
	}
	if err := json.Unmarshal([]byte(readBody(t, f.get(t, http.MethodGet, "/api/rising"))), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Tags) == 0 || got.Tags[0].Slug != "zuwara" || got.Tags[0].Last24h != 4 || got.Tags[0].Ratio != 120 {
		t.Errorf("rising: %+v", got.Tags)
	}
	// The page names it among the tags suddenly in the news.
	doc := f.getPage(t, "/", http.StatusOK)
	if r := findAll(doc, elems("div", "id", "rising")); len(r) != 1 || !strings.Contains(text(r[0]), "zuwara 4 stories in 24 hours") {
		t.Errorf("the page's rising tags: %d", len(r))
	}
}

// TestSparkline compares the sparkline of a made-up month with
// testdata/sparkline.svg.golden, and checks that the page draws one
// beside each tag, labelled with its figures.
func TestSparkline(t *testing.T) {
	counts := make([]int, 30)
	for i := range counts {
		counts[i] = (i * 7) % 5
	}
	counts[29] = 12
	got := string(sparkline(i18n.English, "Sirte & <Surt>", counts))
	compareGolden(t, "sparkline.svg", got)
	if !strings.Contains(got, `aria-label="Sirte &amp; &lt;Surt&gt;: 69 stories in the last 30 days, at most 12 in a day"`) || strings.Count(got, "<rect") != 24 {
		t.Errorf("sparkline: %s", got)
	}

	f := newFixture(t)
	page := readBody(t, f.get(t, http.MethodGet, "/"))
	if n := strings.Count(page, `<svg class="spark"`); n == 0 || !strings.Contains(page, `aria-label="Sirte: `) {
		t.Errorf("%d sparklines on the page", n)
	}
}

// compareGolden compares got with testdata/NAME.golden, which
// go test ./publish -update rewrites.
func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got+"\n" != string(want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}
