package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
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
