package store_test

import (
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// TestUnchangedFeedChangesNothing: a feed fetched again as it was, however
// odd its entries, updates no story, and moves neither the generation nor
// the time of the last change, so that caches stay and no hub is pinged.
func TestUnchangedFeedChangesNothing(t *testing.T) {
	cases := []struct {
		name  string
		items []store.Item
	}{
		{"undated entries known by guid, link and text", []store.Item{
			{GUID: "brega-1", Title: "Brega terminal loads a tanker"},
			{Link: "https://herald.example/kufra-convoy", Title: "Aid convoy reaches Kufra"},
			{Summary: "An entry with neither title, guid nor link, nor a date."},
		}},
		{"two entries under one guid", []store.Item{
			{GUID: "same", Link: "https://herald.example/one", Title: "Misrata port expands", Published: t0.Add(-time.Hour)},
			{GUID: "same", Link: "https://herald.example/two", Title: "Zliten floods recede", Published: t0.Add(-2 * time.Hour)},
		}},
		{"two guids, one link, undated", []store.Item{
			{GUID: "a", Link: "https://herald.example/home", Title: "Sabha power cuts"},
			{GUID: "b", Link: "https://herald.example/home/?utm_medium=rss", Title: "Ubari water wells"},
			{GUID: "c", Link: "https://herald.example/home#latest", Title: "Ghat festival"},
		}},
		{"dated and updated in the future", []store.Item{
			{GUID: "f1", Title: "Tobruk summit next week", Published: t0.Add(48 * time.Hour), Updated: t0.Add(72 * time.Hour)},
			{GUID: "f2", Title: "Bayda elections", Published: t0.Add(-time.Hour), Updated: t0.Add(time.Hour)},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{t0}
			db, _ := mustOpen(t, c)
			first := ingest(t, db, "herald", tc.items...)
			if first.New == 0 || first.Updated != 0 {
				t.Fatalf("first fetch: %+v, want only new stories", first)
			}
			gen, changed := db.Generation(), db.Changed()
			before := all(t, db, store.Query{})
			for fetch := 1; fetch <= 2; fetch++ {
				c.Advance(15 * time.Minute)
				res := ingest(t, db, "herald", tc.items...)
				if res.New+res.Updated+res.Merged != 0 {
					t.Errorf("fetch %d of the same feed: %+v, want nothing new or updated", fetch+1, res)
				}
			}
			if db.Generation() != gen || !db.Changed().Equal(changed) {
				t.Errorf("generation %d -> %d, changed %v -> %v", gen, db.Generation(), changed, db.Changed())
			}
			after := all(t, db, store.Query{})
			if len(after) != len(before) {
				t.Fatalf("%d stories, then %d", len(before), len(after))
			}
			for i := range after {
				if !after[i].Modified.Equal(before[i].Modified) || after[i].Title != before[i].Title {
					t.Errorf("story %d: %q modified %v, then %q modified %v", after[i].ID,
						before[i].Title, before[i].Modified, after[i].Title, after[i].Modified)
				}
			}
			if err := db.Verify(); err != nil {
				t.Error(err)
			}
		})
	}
}
