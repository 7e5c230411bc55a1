package store

import (
	"bytes"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/group"
)

// TestGroupIndexFlood: a source that floods new items, fetch after
// fetch, fills no more of the heap than the grouping index's limits, and
// another source's report still joins its story, before a restart and
// after it.
func TestGroupIndexFlood(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	limits := group.Limits{Bytes: 8 << 20, SourceBytes: 2 << 20}
	path := t.TempDir() + "/flood.db"
	var logged bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logged, nil))
	open := func() *DB {
		t.Helper()
		db, err := Open(path, &Options{Now: func() time.Time { return now }, NoSync: true, Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		db.grouping.limits = &limits
		cfg := group.DefaultConfig()
		if err := db.SetGrouping(&cfg); err != nil {
			t.Fatal(err)
		}
		return db
	}
	sharara := func(source, title string, hours int) Item {
		return Item{GUID: source + "-sharara", Link: "https://" + source + ".example/sharara", Title: title,
			Published: now.Add(time.Duration(hours) * time.Hour),
			Entities:  []string{"noc", "sharara"}, TitleEntities: []string{"noc", "sharara"}}
	}
	db := open()
	ingest := func(source string, items ...Item) Result {
		t.Helper()
		res, err := db.Ingest(source, items, SourceState{Status: 200})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	ingest("herald", sharara("herald", "NOC restores output at Sharara oilfield", -3))

	// Each payload is one fetch of the flooding source: new titles in new
	// words, one title over and over under new links, and long summaries.
	floods := []func(i int) Item{
		func(i int) Item {
			return Item{GUID: fmt.Sprintf("a%d", i), Title: fmt.Sprintf("Qz%dk announces vx%dy plan for wq%dz", i, i, i), Published: now.Add(-time.Hour)}
		},
		func(i int) Item {
			return Item{GUID: fmt.Sprintf("b%d", i), Link: fmt.Sprintf("https://flood.example/b/%d", i), Title: "Breaking: Libya news Tripoli latest", Published: now.Add(-time.Hour)}
		},
		func(i int) Item {
			return Item{GUID: fmt.Sprintf("c%d", i), Title: fmt.Sprintf("Report %d", i), Summary: fmt.Sprintf("Zk%dw and more words of a long summary. ", i) + fmt.Sprintf("%0900d", i), Published: now.Add(-time.Hour)}
		},
	}
	const perFetch = 8000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for f, flood := range floods {
		items := make([]Item, perFetch)
		for i := range items {
			items[i] = flood(f*perFetch + i)
		}
		if res := ingest("flood", items...); res.New == 0 {
			t.Fatalf("flood %d: %+v", f, res)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	st := db.GroupIndexStats()
	t.Logf("after %d flooded items: heap grew by %d bytes; index %+v", len(floods)*perFetch, grew, st)
	if grew > limits.Bytes {
		t.Errorf("the heap grew by %d bytes, over the index's limit of %d", grew, limits.Bytes)
	}
	if st.Bytes > limits.SourceBytes+limits.SourceBytes/8 || st.Evicted == 0 {
		t.Errorf("index %+v: want the flood within its share of %d, its oldest let go of", st, limits.SourceBytes)
	}
	if n := strings.Count(logged.String(), "source=flood"); n != 1 {
		t.Errorf("the log tells %d times that the flood fills its share, want once:\n%s", n, logged.String())
	}
	if res := ingest("wire", sharara("wire", "Sharara oilfield: NOC restores output", -2)); res.Grouped != 1 {
		t.Errorf("wire after the flood: %+v, want grouped with the herald's story", res)
	}
	db.Close()

	db = open()
	defer db.Close()
	st = db.GroupIndexStats()
	if st.Bytes > limits.SourceBytes+limits.SourceBytes/4 {
		t.Errorf("index built at open: %+v, want the flood within its share of %d", st, limits.SourceBytes)
	}
	if res := ingest("fourth", sharara("fourth", "Sharara oilfield restores output, NOC says", 0)); res.Grouped != 1 {
		t.Errorf("after reopening: %+v, want grouped with the herald's story", res)
	}
}
