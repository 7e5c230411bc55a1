package fetch

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libyawire/libyawire/group"
	"github.com/libyawire/libyawire/store"
)

// benchFeed returns an RSS 2.0 feed of n items whose GUIDs and links start
// at first, each about 1.1 KB: a title, link and two categories, a 260-byte
// description and 520 bytes of content.
func benchFeed(first, n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Bench</title><link>https://bench.example/</link><description>d</description>`)
	para := strings.Repeat("Officials in Misrata said the new grid link would carry power to the coast by spring. ", 3)
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, `<item><title>Story %d about Sirte and the oil ports</title><link>https://bench.example/news/%d/</link><guid isPermaLink="false">bench-%d</guid><pubDate>%s</pubDate><category>Sirte</category><category>Economy</category><description>%s</description><content:encoded><![CDATA[<p>%s</p><p>%s</p>]]></content:encoded></item>`,
			i, i, i, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), para, para, para)
	}
	b.WriteString(`</channel></rss>`)
	return b.Bytes()
}

// BenchmarkIngest parses 50-item feeds of new stories and stores each in
// one transaction, with fsync, into a database that already holds 100,000
// stories, with grouping on (as shipped) and off, side by side. Feeds are
// ingested from as many goroutines as there are cores, as the daemon's
// concurrent fetches do, so that parsing one feed overlaps with the commit
// of another.
func BenchmarkIngest(b *testing.B) {
	for _, grouping := range []bool{true, false} {
		name := "grouping"
		if !grouping {
			name = "no-grouping"
		}
		b.Run(name, func(b *testing.B) {
			db, src := benchDB(b, grouping)
			var next atomic.Int64
			next.Store(benchHeld)
			b.SetBytes(int64(len(benchFeed(0, benchPerFeed))))
			b.ResetTimer()
			b.SetParallelism(4) // 8 goroutines on 2 cores: the daemon's default fetch.concurrency
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					first := int(next.Add(benchPerFeed)) - benchPerFeed
					ingestFeed(b, db, src, benchFeed(first, benchPerFeed))
				}
			})
			b.ReportMetric(float64(b.N*benchPerFeed)/b.Elapsed().Seconds(), "items/s")
		})
	}
}

// BenchmarkIngestSerial is BenchmarkIngest with one feed at a time.
func BenchmarkIngestSerial(b *testing.B) {
	db, src := benchDB(b, true)
	b.SetBytes(int64(len(benchFeed(0, benchPerFeed))))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ingestFeed(b, db, src, benchFeed(benchHeld+i*benchPerFeed, benchPerFeed))
	}
	b.ReportMetric(float64(b.N*benchPerFeed)/b.Elapsed().Seconds(), "items/s")
}

const benchHeld, benchPerFeed = 100_000, 50

// benchDB returns a database, synced on every commit, that holds benchHeld
// stories from the returned source, grouping new ones if grouping is set.
func benchDB(b *testing.B, grouping bool) (*store.DB, Source) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.db")
	src := Source{Name: "bench", Tags: []string{"libya"}}
	db, err := store.Open(path, &store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < benchHeld; i += benchPerFeed {
		ingestFeed(b, db, src, benchFeed(i, benchPerFeed))
	}
	db.Close()
	db, err = store.Open(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	// As the daemon runs: each new item is looked for among the stories
	// of the last 72 hours.
	if grouping {
		cfg := group.DefaultConfig()
		if err := db.SetGrouping(&cfg); err != nil {
			b.Fatal(err)
		}
	}
	return db, src
}

func ingestFeed(b *testing.B, db *store.DB, src Source, feed []byte) {
	_, _, items, err := parse(bytes.NewReader(feed), src, "https://bench.example/feed", noRules)
	if err != nil {
		b.Fatal(err)
	}
	res, err := db.Ingest(src.Name, items, store.SourceState{})
	if err != nil {
		b.Fatal(err)
	}
	if res.New != len(items) {
		b.Fatalf("stored %d new of %d", res.New, len(items))
	}
}
