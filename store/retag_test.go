package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// ruleFunc tags a copy with its source's name and with "oil" when the
// story's title says oil and oilRule is set: a stand-in for the tagger.
func ruleFunc(oilRule bool, calls *int) store.RetagFunc {
	return func(story *store.Item, c *store.Copy) []string {
		*calls++
		tags := []string{c.Source}
		if oilRule && strings.Contains(story.Title, "oil") {
			tags = append(tags, "oil")
		}
		for _, cat := range c.Categories {
			tags = append(tags, strings.ToLower(cat))
		}
		return tags
	}
}

func TestRetag(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	ingest(t, db, "herald",
		store.Item{GUID: "1", Title: "oil port reopens", Tags: []string{"herald", "stale"}, Categories: []string{"Economy"}},
		store.Item{GUID: "2", Title: "school opens", Tags: []string{"herald"}},
		store.Item{GUID: "3", Title: "oil field shut", Tags: []string{"herald"}, Link: "https://x.example/3"},
	)
	ingest(t, db, "wire", store.Item{GUID: "w3", Title: "copy", Link: "https://x.example/3", Tags: []string{"wire"}})
	before := map[uint64]store.Item{}
	for _, it := range all(t, db, store.Query{}) {
		before[it.ID] = it
	}
	gen := db.Generation()
	c.Advance(time.Hour)

	if v, _ := db.TagVersion(); v != "" {
		t.Fatalf("new database: tag version %q", v)
	}
	var calls int
	changed, err := db.Retag(context.Background(), "v2", 2, ruleFunc(true, &calls))
	if err != nil {
		t.Fatal(err)
	}
	if changed != 2 {
		t.Errorf("changed %d stories, want 2 (the oil ones)", changed)
	}
	if v, _ := db.TagVersion(); v != "v2" {
		t.Errorf("tag version %q, want v2", v)
	}
	if db.Generation() == gen {
		t.Error("generation unchanged")
	}
	want := map[string][]string{
		"oil port reopens": {"economy", "herald", "oil"},
		"school opens":     {"herald"},
		"oil field shut":   {"herald", "oil", "wire"},
	}
	for _, it := range all(t, db, store.Query{}) {
		if !slices.Equal(it.Tags, want[it.Title]) {
			t.Errorf("%q: tags %q, want %q", it.Title, it.Tags, want[it.Title])
		}
		b := before[it.ID]
		if !it.FirstSeen.Equal(b.FirstSeen) {
			t.Errorf("%q: first-seen changed", it.Title)
		}
		if wantMod := it.Title != "school opens"; it.Modified.Equal(c.t) != wantMod {
			t.Errorf("%q: modified %v (now %v)", it.Title, it.Modified, c.t)
		}
	}
	if got := titles(all(t, db, store.Query{Tags: [][]string{{"oil"}}})); len(got) != 2 {
		t.Errorf("tag oil finds %q", got)
	}
	if got := all(t, db, store.Query{Tags: [][]string{{"stale"}}}); len(got) != 0 {
		t.Errorf("a tag the rules dropped still finds %d stories", len(got))
	}
	counts, _ := db.Tags()
	for _, tc := range counts {
		if tc.Slug == "stale" || tc.Slug == "oil" && tc.Count != 2 {
			t.Errorf("tag count %+v", tc)
		}
	}

	// The rule goes again; an interrupted Retag resumes.
	ctx, cancel := context.WithCancel(context.Background())
	calls = 0
	fn := ruleFunc(false, &calls)
	stopping := func(story *store.Item, cp *store.Copy) []string {
		if calls == 1 {
			cancel() // during the second story: its batch finishes, the third is left
		}
		return fn(story, cp)
	}
	if _, err := db.Retag(ctx, "v3", 1, stopping); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled retag: %v", err)
	}
	if v, _ := db.TagVersion(); v != "v2" {
		t.Errorf("an unfinished retag recorded %q", v)
	}
	calls = 0
	if _, err := db.Retag(context.Background(), "v3", 1, fn); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("the resumed retag made %d calls, want 2: the third story's copies", calls)
	}
	if got := all(t, db, store.Query{Tags: [][]string{{"oil"}}}); len(got) != 0 {
		t.Errorf("tag oil after the rule went: %d stories", len(got))
	}
	if v, _ := db.TagVersion(); v != "v3" {
		t.Errorf("tag version %q, want v3", v)
	}
}

func TestCategoriesKept(t *testing.T) {
	db, path := mustOpen(t, &clock{t0})
	ingest(t, db, "s", store.Item{GUID: "1", Title: "x", Categories: []string{"Oil & Gas", "أخبار"}})
	db.Close()
	db = mustOpenAt(t, path, &clock{t0})
	it := all(t, db, store.Query{})[0]
	if got := it.Copies[0].Categories; !slices.Equal(got, []string{"Oil & Gas", "أخبار"}) {
		t.Errorf("categories after reopen: %q", got)
	}
}

// TestRetagOnlyWhatChanged re-tags under rules that move a tag between
// copies but change no story's tags: nothing is modified, the generation
// stays, and the copies carry the new tags all the same.
func TestRetagOnlyWhatChanged(t *testing.T) {
	c := &clock{t0}
	db, path := mustOpen(t, c)
	ingest(t, db, "herald", store.Item{GUID: "1", Title: "port", Link: "https://x.example/1", Tags: []string{"libya"}})
	ingest(t, db, "wire", store.Item{GUID: "w1", Title: "port", Link: "https://x.example/1", Tags: []string{"libya", "oil"}})
	ingest(t, db, "herald", store.Item{GUID: "2", Title: "school", Tags: []string{"libya"}})
	before := all(t, db, store.Query{})
	gen, changedAt := db.Generation(), db.Changed()
	c.Advance(time.Hour)

	same := func(story *store.Item, cp *store.Copy) []string {
		if story.Title == "port" {
			return []string{"oil", "libya", "oil"} // both copies now say oil, unsorted
		}
		return cp.Tags
	}
	n, err := db.Retag(context.Background(), "v1", 0, same)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 || db.Generation() != gen || !db.Changed().Equal(changedAt) {
		t.Errorf("changed %d, generation %d -> %d, changed %v -> %v: want nothing to change",
			n, gen, db.Generation(), changedAt, db.Changed())
	}
	after := all(t, db, store.Query{})
	if len(after) != len(before) {
		t.Fatalf("%d stories, want %d", len(after), len(before))
	}
	for i, it := range after {
		b := before[i]
		if it.ID != b.ID || !it.FirstSeen.Equal(b.FirstSeen) || !it.Modified.Equal(b.Modified) || !slices.Equal(it.Tags, b.Tags) {
			t.Errorf("story %d changed: %+v, was %+v", b.ID, it, b)
		}
		if it.Title == "port" {
			for _, cp := range it.Copies {
				if !slices.Equal(cp.Tags, []string{"libya", "oil"}) {
					t.Errorf("copy from %s: tags %q, want the rules' [libya oil]", cp.Source, cp.Tags)
				}
			}
		}
	}

	// A change of tags is remembered across a restart, as Ingest's are.
	c.Advance(time.Hour)
	drop := func(*store.Item, *store.Copy) []string { return []string{"libya"} }
	if n, err := db.Retag(context.Background(), "v2", 0, drop); err != nil || n != 1 {
		t.Fatalf("second retag: changed %d, %v; want 1", n, err)
	}
	if !db.Changed().Equal(c.t) {
		t.Errorf("changed %v, want %v", db.Changed(), c.t)
	}
	db.Close()
	db = mustOpenAt(t, path, c)
	if !db.Changed().Equal(c.t) {
		t.Errorf("after reopen: changed %v, want %v", db.Changed(), c.t)
	}
	counts, err := db.Tags()
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.TagCount{{Slug: "libya", Count: 2}}; !slices.Equal(counts, want) {
		t.Errorf("tag counts %+v, want %+v", counts, want)
	}
}

func TestSetTagVersion(t *testing.T) {
	c := &clock{t0}
	db, path := mustOpen(t, c)
	if v, err := db.TagVersion(); v != "" || err != nil {
		t.Fatalf("new database: tag version %q, %v", v, err)
	}
	if err := db.SetTagVersion("v1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = mustOpenAt(t, path, c)
	if v, _ := db.TagVersion(); v != "v1" {
		t.Errorf("after reopen: tag version %q, want v1", v)
	}

	// SetTagVersion forgets a Retag left unfinished: the next Retag under
	// that version starts again from the first story.
	for i := range 3 {
		ingest(t, db, "herald", store.Item{GUID: fmt.Sprint(i), Title: fmt.Sprint("story ", i)})
	}
	ctx, cancel := context.WithCancel(context.Background())
	var calls int
	stop := func(_ *store.Item, cp *store.Copy) []string {
		calls++
		cancel()
		return cp.Tags
	}
	if _, err := db.Retag(ctx, "v2", 1, stop); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled retag: %v", err)
	}
	if err := db.SetTagVersion("v3"); err != nil {
		t.Fatal(err)
	}
	calls = 0
	if _, err := db.Retag(context.Background(), "v2", 1, stop); err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Errorf("retag after SetTagVersion made %d calls, want 3: every story again", calls)
	}
	if v, _ := db.TagVersion(); v != "v2" {
		t.Errorf("tag version %q, want v2", v)
	}
}

// TestRetagBesideIngest runs a Retag while another goroutine ingests and a
// third reads; at the end every story's tags agree with the tag index.
func TestRetagBesideIngest(t *testing.T) {
	db, _ := mustOpen(t, &clock{t0})
	var items []store.Item
	for i := range 200 {
		items = append(items, store.Item{GUID: fmt.Sprint(i), Title: fmt.Sprint("story ", i), Tags: []string{"old"}})
	}
	ingest(t, db, "herald", items...)
	fn := func(story *store.Item, cp *store.Copy) []string {
		return []string{"new", cp.Source}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 20 {
			it := store.Item{GUID: fmt.Sprint("w", i), Title: fmt.Sprint("wire ", i), Tags: []string{"new", "wire"}}
			if _, err := db.Ingest("wire", []store.Item{it}, store.SourceState{}); err != nil {
				errs <- err
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for range 20 {
			if _, err := db.Items(store.Query{Tags: [][]string{{"new"}}, Limit: 500}); err != nil {
				errs <- err
				return
			}
		}
	}()
	n, err := db.Retag(context.Background(), "v1", 7, fn)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if n != 200 {
		t.Errorf("changed %d, want 200", n)
	}
	counts, _ := db.Tags()
	want := []store.TagCount{{Slug: "herald", Count: 200}, {Slug: "new", Count: 220}, {Slug: "wire", Count: 20}}
	if !slices.Equal(counts, want) {
		t.Errorf("tag counts %+v, want %+v", counts, want)
	}
	if got := len(all(t, db, store.Query{Tags: [][]string{{"new"}}, Limit: 500})); got != 220 {
		t.Errorf("tag new finds %d stories, want 220", got)
	}
}

func TestCategoriesChangeACopy(t *testing.T) {
	db, _ := mustOpen(t, &clock{t0})
	ingest(t, db, "s", store.Item{GUID: "1", Title: "x", Categories: []string{"News"}})
	if res := ingest(t, db, "s", store.Item{GUID: "1", Title: "x", Categories: []string{"News"}}); res.Unchanged != 1 {
		t.Errorf("same categories again: %+v, want unchanged", res)
	}
	if res := ingest(t, db, "s", store.Item{GUID: "1", Title: "x", Categories: []string{"Economy"}}); res.Updated != 1 {
		t.Errorf("new categories: %+v, want updated", res)
	}
	it := all(t, db, store.Query{})[0]
	if !slices.Equal(it.Copies[0].Categories, []string{"Economy"}) || it.Categories != nil {
		t.Errorf("copy categories %q, story categories %q", it.Copies[0].Categories, it.Categories)
	}
}

func BenchmarkRetag(b *testing.B) {
	db, _ := mustOpen(b, &clock{t0})
	items := make([]store.Item, 5000)
	for i := range items {
		items[i] = store.Item{GUID: fmt.Sprint(i), Title: fmt.Sprint("story ", i), Content: strings.Repeat("text ", 100), Tags: []string{"libya"}}
	}
	ingest(b, db, "herald", items...)
	tags := [][]string{{"libya"}, {"libya", "oil"}}
	b.ResetTimer()
	for i := range b.N {
		fn := func(*store.Item, *store.Copy) []string { return tags[i%2] } // every story changes
		if _, err := db.Retag(context.Background(), fmt.Sprint(i), 0, fn); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(items)), "ns/story")
}
