package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkIngestCounters measures what the trend counters cost ingest,
// side by side in one run: 50-item feeds of new stories, each with three
// tags, into a database of 20,000 stories, fsync off, with the counters
// kept and without.
func BenchmarkIngestCounters(b *testing.B) {
	for _, counting := range []bool{true, false} {
		name := "counters"
		if !counting {
			name = "no-counters"
		}
		b.Run(name, func(b *testing.B) {
			countingTrends = counting
			defer func() { countingTrends = true }()
			now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
			db, err := Open(filepath.Join(b.TempDir(), "ingest.db"), &Options{Now: func() time.Time { return now }, NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			n := 0
			feed := func() []Item {
				items := make([]Item, 50)
				for i := range items {
					n++
					items[i] = Item{GUID: fmt.Sprint(n), Link: fmt.Sprintf("https://news.example/%d", n), Title: fmt.Sprintf("Story %d", n),
						Published: now.Add(-time.Duration(n) * time.Minute), Tags: []string{"libya", fmt.Sprintf("t%d", n%40), fmt.Sprintf("u%d", n%7)}}
				}
				return items
			}
			for range 400 {
				if _, err := db.Ingest("s", feed(), SourceState{Status: 200}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := db.Ingest("s", feed(), SourceState{Status: 200}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*50)/b.Elapsed().Seconds(), "items/s")
		})
	}
}
