package publish

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// Benchmark databases, built once per test binary run and size, and only
// when a benchmark asks for one (go test -bench), since they take seconds.
var (
	benchMu  sync.Mutex
	benchDBs = map[int]*store.DB{}
	benchDir string
)

var benchTags = []string{
	"tripoli", "benghazi", "misrata", "sirte", "sabha", "derna", "zawiya", "tobruk", "ghadames", "kufra",
	"oil", "migration", "un", "elections", "economy", "security", "health", "water", "culture", "sport",
}

// rareTag is on one story in a thousand.
const rareTag = "ghat"

func TestMain(m *testing.M) {
	code := m.Run()
	for _, db := range benchDBs {
		db.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchDatabase returns a database of n stories from 20 outlets, each story
// tagged libya and two of benchTags at random, every thousandth also rareTag.
func benchDatabase(b *testing.B, n int) (*store.DB, *clock) {
	c := newClock()
	benchMu.Lock()
	defer benchMu.Unlock()
	if db := benchDBs[n]; db != nil {
		return db, c
	}
	start := time.Now()
	var err error
	if benchDir == "" {
		if benchDir, err = os.MkdirTemp("", "libyawire-bench-"); err != nil {
			b.Fatal(err)
		}
	}
	db, err := store.Open(filepath.Join(benchDir, fmt.Sprintf("db-%d", n)), &store.Options{Now: c.Now, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	const batch = 50
	rng := rand.New(rand.NewPCG(1, 2))
	paragraph := strings.Repeat("The municipal council met with engineers and residents to discuss the coastal road, the water supply and the new school. ", 3)
	items := make([]store.Item, 0, batch)
	for i := range n {
		source := fmt.Sprintf("outlet-%02d", i%20)
		t1, t2 := benchTags[rng.IntN(len(benchTags))], benchTags[rng.IntN(len(benchTags))]
		tags := []string{"libya", t1, t2}
		if i%1000 == 0 {
			tags = append(tags, rareTag)
		}
		items = append(items, store.Item{
			GUID:      fmt.Sprintf("story-%d", i),
			Link:      fmt.Sprintf("https://%s.example/news/%d", source, i),
			Title:     fmt.Sprintf("Story %d from %s about %s and %s", i, source, t1, t2),
			Summary:   "<p>" + paragraph[:180] + "</p>",
			Content:   "<p>" + paragraph + "</p><p>" + paragraph + "</p><p>" + paragraph + "</p>",
			Author:    "Desk " + source,
			Language:  "en",
			Published: c.Now().Add(-time.Duration(n-i) * time.Minute),
			Tags:      tags,
		})
		if len(items) == batch {
			if _, err := db.Ingest(source, items, store.SourceState{Status: 200}); err != nil {
				b.Fatal(err)
			}
			items = items[:0]
		}
	}
	b.Logf("built %d stories in %v", n, time.Since(start).Round(time.Millisecond))
	benchDBs[n] = db
	return db, c
}

// BenchmarkFeedRender measures a cold request: the cache emptied before
// each, so every request reads 50 stories of one tag from 100,000 and
// renders them. Target: at most 2 ms. The stories' sanitised HTML stays
// cached, as it does when a new story empties the feed cache; the
// sanitise-all case empties that too, as the first request after a start.
func BenchmarkFeedRender(b *testing.B) {
	db, c := benchDatabase(b, 100_000)
	f := newFixtureServer(b, c, db)
	for _, bm := range []struct {
		name, target, encoding string
		cold, coldHTML         bool
	}{
		{"rss", "/feed.rss?tag=sirte&limit=50", "", true, false},
		{"rss-sanitise-all", "/feed.rss?tag=sirte&limit=50", "", true, true},
		{"atom", "/feed.atom?tag=sirte&limit=50", "", true, false},
		{"json", "/feed.json?tag=sirte&limit=50", "", true, false},
		{"rss-gzip", "/feed.rss?tag=sirte&limit=50", "gzip", true, false},
		{"rss-all", "/feed.rss?limit=50", "", true, false},
		{"rss-cached", "/feed.rss?tag=sirte&limit=50", "gzip", false, false},
	} {
		b.Run(bm.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, bm.target, nil)
			if bm.encoding != "" {
				req.Header.Set("Accept-Encoding", bm.encoding)
			}
			b.ReportAllocs()
			for b.Loop() {
				if bm.cold {
					f.srv.cache.reset()
				}
				if bm.coldHTML {
					f.srv.clean.reset()
				}
				rec := httptest.NewRecorder()
				f.handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// BenchmarkTagQuery measures /feed.atom?tag=X&limit=50 on 200,000 stories,
// cache cold, for a common tag (one story in ten) and a rare one (one in a
// thousand): the tag index makes both cost the same, where a scan would
// read 50,000 stories to fill the rare tag's feed.
func BenchmarkTagQuery(b *testing.B) {
	db, c := benchDatabase(b, 200_000)
	f := newFixtureServer(b, c, db)
	for _, bm := range []struct{ name, target string }{
		{"common", "/feed.atom?tag=sirte&limit=50"},
		{"rare", "/feed.atom?tag=" + rareTag + "&limit=50"},
		{"and", "/feed.atom?tag=sirte&tag=oil&limit=50"},
		{"or-notag", "/feed.atom?tag=sirte,derna&notag=sport&limit=50"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, bm.target, nil)
			b.ReportAllocs()
			for b.Loop() {
				f.srv.cache.reset()
				rec := httptest.NewRecorder()
				f.handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<entry") {
					b.Fatalf("status %d or no entries", rec.Code)
				}
			}
		})
	}
}

// BenchmarkTagPage renders a tag's page cold (the render cache emptied
// before each request) over 100,000 stories: its 90-day chart, its top
// stories of the day and the week, its company over its newest 500
// stories. Target: at most 10 ms.
func BenchmarkTagPage(b *testing.B) {
	db, c := benchDatabase(b, 100_000)
	f := newFixtureServer(b, c, db)
	req := httptest.NewRequest(http.MethodGet, "/tags/sirte", nil)
	for b.Loop() {
		f.srv.cache.reset()
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
