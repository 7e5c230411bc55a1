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

// The benchmark database: 100,000 stories, built once per test binary run
// and only when a benchmark asks for it (go test -bench), since it takes
// seconds.
var (
	benchOnce sync.Once
	benchDir  string
	benchDB   *store.DB
	benchErr  error
)

var benchTags = []string{
	"tripoli", "benghazi", "misrata", "sirte", "sabha", "derna", "zawiya", "tobruk", "ghadames", "kufra",
	"oil", "migration", "un", "elections", "economy", "security", "health", "water", "culture", "sport",
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDB != nil {
		benchDB.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func benchDatabase(b *testing.B) (*store.DB, *clock) {
	c := newClock()
	benchOnce.Do(func() {
		start := time.Now()
		benchDir, benchErr = os.MkdirTemp("", "libyawire-bench-")
		if benchErr != nil {
			return
		}
		benchDB, benchErr = store.Open(filepath.Join(benchDir, "db"), &store.Options{Now: c.Now, NoSync: true})
		if benchErr != nil {
			return
		}
		const stories, batch = 100_000, 50
		rng := rand.New(rand.NewPCG(1, 2))
		paragraph := strings.Repeat("The municipal council met with engineers and residents to discuss the coastal road, the water supply and the new school. ", 3)
		items := make([]store.Item, 0, batch)
		for i := range stories {
			source := fmt.Sprintf("outlet-%02d", i%20)
			t1, t2 := benchTags[rng.IntN(len(benchTags))], benchTags[rng.IntN(len(benchTags))]
			items = append(items, store.Item{
				GUID:      fmt.Sprintf("story-%d", i),
				Link:      fmt.Sprintf("https://%s.example/news/%d", source, i),
				Title:     fmt.Sprintf("Story %d from %s about %s and %s", i, source, t1, t2),
				Summary:   "<p>" + paragraph[:180] + "</p>",
				Content:   "<p>" + paragraph + "</p><p>" + paragraph + "</p><p>" + paragraph + "</p>",
				Author:    "Desk " + source,
				Language:  "en",
				Published: c.Now().Add(-time.Duration(stories-i) * time.Minute),
				Tags:      []string{"libya", t1, t2},
			})
			if len(items) == batch {
				if _, benchErr = benchDB.Ingest(source, items, store.SourceState{Status: 200}); benchErr != nil {
					return
				}
				items = items[:0]
			}
		}
		b.Logf("built %d stories in %v", stories, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDB, c
}

// BenchmarkFeedRender measures a cold request: the cache emptied before
// each, so every request reads 50 stories of one tag from 100,000 and
// renders them. Target: at most 2 ms.
func BenchmarkFeedRender(b *testing.B) {
	db, c := benchDatabase(b)
	f := newFixtureServer(b, c, db)
	for _, bm := range []struct {
		name, target, encoding string
		cold                   bool
	}{
		{"rss", "/feed.rss?tag=sirte&limit=50", "", true},
		{"atom", "/feed.atom?tag=sirte&limit=50", "", true},
		{"json", "/feed.json?tag=sirte&limit=50", "", true},
		{"rss-gzip", "/feed.rss?tag=sirte&limit=50", "gzip", true},
		{"rss-all", "/feed.rss?limit=50", "", true},
		{"rss-cached", "/feed.rss?tag=sirte&limit=50", "gzip", false},
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
				rec := httptest.NewRecorder()
				f.handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
