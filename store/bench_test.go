package store_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// benchStories is how many stories the query benchmark stores.
const benchStories = 100_000

// buildBench stores benchStories stories from 20 sources over 90 days:
// every one tagged libya, 5% oil and 5% sirte (never both, and
// interleaved), 30% Arabic of which a seventh carry arabic-only, the rest
// English (2% en-gb).
func buildBench(tb testing.TB, path string) {
	buildStories(tb, path, benchStories, 78*time.Second, func(i int, it *store.Item) int {
		switch i % 20 {
		case 0:
			it.Tags = append(it.Tags, "oil")
		case 1:
			it.Tags = append(it.Tags, "sirte")
		}
		switch {
		case i%10 < 3:
			it.Language = "ar"
			if i%7 == 0 {
				it.Tags = append(it.Tags, "arabic-only")
			}
		case i%50 == 5:
			it.Language = "en-gb"
		}
		return 1
	})
}

// buildStories stores n English stories tagged libya from 20 sources,
// one every apart back from t0; vary makes the ith story what it is and
// says how many sources carry it (the next ones in turn).
func buildStories(tb testing.TB, path string, n int, apart time.Duration, vary func(i int, it *store.Item) (copies int)) {
	db, err := store.Open(path, &store.Options{Now: func() time.Time { return t0 }, NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	const sources = 20
	feeds := make([][]store.Item, sources)
	for i := range n {
		it := store.Item{
			GUID: fmt.Sprintf("s%d", i), Link: fmt.Sprintf("https://s%d.example/%d", i%sources, i),
			Title: fmt.Sprintf("Story %d", i), Summary: "Some words about the story, as a feed gives them.",
			Published: t0.Add(-time.Duration(i) * apart), Language: "en", Tags: []string{"libya"},
		}
		for c := range vary(i, &it) {
			feeds[(i+c)%sources] = append(feeds[(i+c)%sources], it)
		}
	}
	for s, feed := range feeds {
		name := fmt.Sprintf("s%d", s)
		if _, err := db.Ingest(name, feed, store.SourceState{Name: name, Status: 200}); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkQueryCold times each kind of feed query over 100,000 stories,
// each on a database opened afresh, so that nothing the query reads was
// read before by the process: the cost of a feed the render cache does not
// hold. Queries that match nothing are the ones that once read every story.
func BenchmarkQueryCold(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	buildBench(b, path)
	queries := []struct {
		name string
		q    store.Query
	}{
		{"newest", store.Query{}},
		{"newest_500", store.Query{Limit: 500}},
		{"tag=oil", store.Query{Tags: [][]string{{"oil"}}}},
		{"tag=oil&tag=sirte(none)", store.Query{Tags: [][]string{{"oil"}, {"sirte"}}}},
		{"notag=libya(none)", store.Query{NoTags: []string{"libya"}}},
		{"tag=oil,sirte&notag=libya(none)", store.Query{Tags: [][]string{{"oil", "sirte"}}, NoTags: []string{"libya"}, Limit: 500}},
		{"lang=fr(none)", store.Query{Lang: "fr"}},
		{"lang=ar", store.Query{Lang: "ar"}},
		{"lang=en_500", store.Query{Lang: "en", Limit: 500}},
		{"lang=en&tag=arabic-only(none)", store.Query{Lang: "en", Tags: [][]string{{"arabic-only"}}}},
		{"source=s3&lang=ar&notag=libya(none)", store.Query{Sources: []string{"s3"}, Lang: "ar", NoTags: []string{"libya"}}},
		{"lang=en&notag=oil_500", store.Query{Lang: "en", NoTags: []string{"oil"}, Limit: 500}},
	}
	for _, bq := range queries {
		b.Run(bq.name, func(b *testing.B) {
			coldRuns(b, path, func(db *store.DB) error {
				_, err := db.Items(bq.q)
				return err
			})
		})
	}
}

// topStories is how many stories BenchmarkTop stores: 200,000 over 90
// days, about 2,200 a day.
const topStories = 200_000

// buildTop stores topStories stories from 20 sources over 90 days, every
// tenth carried by three sources, every twentieth tagged sirte.
func buildTop(tb testing.TB, path string) {
	buildStories(tb, path, topStories, 39*time.Second, func(i int, it *store.Item) int {
		if i%20 == 0 {
			it.Tags = append(it.Tags, "sirte")
		}
		if i%10 == 0 {
			return 3
		}
		return 1
	})
}

// BenchmarkTop times the ranked queries (sort=top, developing) over
// 200,000 stories, each on a database opened afresh: the cost of a ranked
// feed the render cache does not hold.
func BenchmarkTop(b *testing.B) {
	path := filepath.Join(b.TempDir(), "top.db")
	buildTop(b, path)
	queries := []struct {
		name string
		q    store.Query
	}{
		{"top_24h_50", store.Query{Top: true, Window: 24 * time.Hour, Limit: 50}},
		{"top_24h_sirte", store.Query{Top: true, Tags: [][]string{{"sirte"}}}},
		{"top_72h_50", store.Query{Top: true, Window: 72 * time.Hour, Limit: 50}},
		{"developing", store.Query{Developing: &store.DefaultDeveloping}},
	}
	for _, bq := range queries {
		b.Run(bq.name, func(b *testing.B) {
			coldRuns(b, path, func(db *store.DB) error {
				_, err := db.Items(bq.q)
				return err
			})
		})
	}
}

// BenchmarkTrend reads a year of one tag's and of every story's counters
// (/api/trends?days=365) from a database of 200,000 stories opened afresh.
func BenchmarkTrend(b *testing.B) {
	path := filepath.Join(b.TempDir(), "top.db")
	buildTop(b, path)
	for _, tag := range []string{"sirte", ""} {
		b.Run("days=365,tag="+tag, func(b *testing.B) {
			coldRuns(b, path, func(db *store.DB) error {
				_, err := db.Trend(tag, 365, t0)
				return err
			})
		})
	}
}

// coldRuns times run on the database at path, opened afresh for each run
// so that nothing it reads was read before by the process, and reports
// the worst run beside the mean.
func coldRuns(b *testing.B, path string, run func(*store.DB) error) {
	var worst time.Duration
	for b.Loop() {
		b.StopTimer()
		db, err := store.Open(path, &store.Options{Now: func() time.Time { return t0 }, NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := run(db); err != nil {
			b.Fatal(err)
		}
		worst = max(worst, time.Since(start))
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}
