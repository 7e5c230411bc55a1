package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/libyawire/libyawire/group"
)

// TestNoTakeover: another source's report, however it is dated and whatever
// link it gives, never replaces the title, link, text or tags that the first
// copy gave a story; only the first copy's own source changes them.
func TestNoTakeover(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	original := Item{GUID: "herald-77", Link: "https://herald.example/news/derna-dam-repairs",
		Title: "Derna dam repairs begin after two years", Summary: "Engineers arrived on Monday.",
		Content: "<p>Engineers arrived on Monday.</p>", Author: "Herald desk", Language: "en",
		Published: now.Add(-2 * time.Hour), Tags: []string{"derna", "water"},
		Entities: []string{"derna", "dams"}, TitleEntities: []string{"derna", "dams"}}
	lookalike := func(guid string, back time.Duration) Item {
		return Item{GUID: guid, Link: "https://mimic.example/" + guid,
			Title: "Derna dam repairs begin after two years!", Summary: "Read the real story here.",
			Content: `<p>Read the <a href="https://mimic.example/win">real story</a>.</p>`, Author: "Mimic",
			Language: "en", Published: now.Add(-back), Tags: []string{"sport"},
			Entities: []string{"derna", "dams"}, TitleEntities: []string{"derna", "dams"}}
	}
	// Each case feeds the mimic source's items after the herald stored its
	// story, one Ingest per element.
	cases := []struct {
		name  string
		feeds [][]Item
		prune bool // Prune takes the herald's copy off before the last feed
	}{
		{"a look-alike title dated a day earlier", [][]Item{{lookalike("m1", 26*time.Hour)}}, false},
		{"a backdated look-alike, then the story's link under the look-alike's guid", [][]Item{
			{lookalike("m2", 5*time.Hour)},
			{func() Item {
				it := lookalike("m2", 5*time.Hour)
				it.Link = "HTTP://Herald.Example:80/news/derna-dam-repairs/?utm_source=mimic#top"
				it.Title = "Derna dam collapses again"
				return it
			}()},
		}, false},
		{"the story's link with a new guid, dated before the story", [][]Item{{func() Item {
			it := lookalike("m3", 48*time.Hour)
			it.Link = "http://herald.example/news/derna-dam-repairs?fbclid=xyz"
			it.Title = "Derna: everything you were told is false"
			return it
		}()}}, false},
		{"the story's link, then an update once Prune took the herald's copy", [][]Item{
			{func() Item {
				it := lookalike("m4", time.Hour)
				it.Link = original.Link
				return it
			}()},
			{func() Item {
				it := lookalike("m4", time.Hour)
				it.Link = original.Link
				it.Title = "Derna dam repairs cancelled"
				it.Content = "<p>Nothing happened.</p>"
				return it
			}()},
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := now
			db := openGrouping(t, t.TempDir()+"/t.db", func() time.Time { return clock })
			defer db.Close()
			put := func(source string, items ...Item) {
				t.Helper()
				if _, err := db.Ingest(source, items, SourceState{Status: 200}); err != nil {
					t.Fatal(err)
				}
			}
			put("herald", original)
			stories, err := db.Items(Query{})
			if err != nil || len(stories) != 1 {
				t.Fatalf("after the herald: %d stories, %v", len(stories), err)
			}
			id := stories[0].ID
			clock = now.Add(20 * time.Minute) // the story has been shown
			for i, feed := range tc.feeds {
				if tc.prune && i == len(tc.feeds)-1 {
					put("herald", original, Item{GUID: "herald-78", Link: "https://herald.example/news/other",
						Title: "Tripoli port reopens", Published: now.Add(-time.Minute)})
					if _, err := db.Prune(context.Background(), Retention{MaxItems: map[string]int{"herald": 1}}, 0); err != nil {
						t.Fatal(err)
					}
				}
				put("mimic", feed...)
			}
			got, err := db.Item(id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Title != original.Title || got.Link != original.Link || got.Summary != original.Summary ||
				got.Content != original.Content || got.Author != original.Author {
				t.Errorf("story %d now shows %q, %q, %q", id, got.Title, got.Link, got.Content)
			}
			if !got.Published.Equal(original.Published) {
				t.Errorf("published %v, want %v", got.Published, original.Published)
			}
			if !tc.prune && (got.Copies[0].Source != "herald" || !slices.Equal(got.Copies[0].Tags, original.Tags)) {
				t.Errorf("first copy %+v, want the herald's", got.Copies[0])
			}
			for _, tag := range original.Tags {
				if !tc.prune && !slices.Contains(got.Tags, tag) {
					t.Errorf("tags %q lost %q", got.Tags, tag)
				}
			}
			if n, _ := db.Count(); !tc.prune && n != 1 || tc.prune && n != 2 {
				t.Errorf("%d stories", n)
			}
			if err := db.Verify(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestEarlierReportInOneRound: within one round of fetches, which finish
// in any order, the earliest report of the same news is the story's face.
func TestEarlierReportInOneRound(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	clock := now
	db := openGrouping(t, t.TempDir()+"/t.db", func() time.Time { return clock })
	defer db.Close()
	later := Item{GUID: "w1", Link: "https://wire.example/sharara", Title: "NOC restores output at Sharara oilfield",
		Published: now.Add(-time.Hour), Entities: []string{"noc", "sharara"}, TitleEntities: []string{"noc", "sharara"}}
	earlier := Item{GUID: "h1", Link: "https://herald.example/sharara", Title: "NOC restores output at the Sharara oilfield",
		Published: now.Add(-3 * time.Hour), Entities: []string{"noc", "sharara"}, TitleEntities: []string{"noc", "sharara"}}
	if _, err := db.Ingest("wire", []Item{later}, SourceState{Status: 200}); err != nil {
		t.Fatal(err)
	}
	clock = now.Add(2 * time.Second)
	if res, err := db.Ingest("herald", []Item{earlier}, SourceState{Status: 200}); err != nil || res.Grouped != 1 {
		t.Fatalf("herald: %+v, %v", res, err)
	}
	got, err := db.Items(Query{})
	if err != nil || len(got) != 1 || got[0].Title != earlier.Title || got[0].Link != earlier.Link {
		t.Errorf("the story: %+v, %v", got, err)
	}
}

// TestOwnUpdate: the first copy's own source does change the story.
func TestOwnUpdate(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	db := openGrouping(t, t.TempDir()+"/t.db", func() time.Time { return now })
	defer db.Close()
	it := Item{GUID: "h1", Link: "https://herald.example/a", Title: "Ghadames council meets", Published: now.Add(-time.Hour)}
	if _, err := db.Ingest("herald", []Item{it}, SourceState{Status: 200}); err != nil {
		t.Fatal(err)
	}
	it.Title, it.Link = "Ghadames council elects a mayor", "https://herald.example/a-corrected"
	res, err := db.Ingest("herald", []Item{it}, SourceState{Status: 200})
	if err != nil || res.Updated != 1 {
		t.Fatalf("update: %+v, %v", res, err)
	}
	got, err := db.Items(Query{})
	if err != nil || len(got) != 1 || got[0].Title != it.Title || got[0].Link != it.Link {
		t.Errorf("after the herald's update: %+v, %v", got, err)
	}
}

// TestRegroupKeepsFirstStored: a Regroup folds a story into the one stored
// before it, even when its own report says it was published earlier.
func TestRegroupKeepsFirstStored(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	db, err := Open(t.TempDir()+"/r.db", &Options{Now: func() time.Time { return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first := Item{GUID: "h1", Link: "https://herald.example/sharara", Title: "NOC restores output at Sharara oilfield",
		Published: now.Add(-2 * time.Hour), Entities: []string{"noc", "sharara"}, TitleEntities: []string{"noc", "sharara"}}
	backdated := Item{GUID: "m1", Link: "https://mimic.example/sharara", Title: "NOC restores output at Sharara oilfield!",
		Published: now.Add(-5 * time.Hour), Entities: []string{"noc", "sharara"}, TitleEntities: []string{"noc", "sharara"}}
	for _, f := range []struct {
		source string
		it     Item
	}{{"herald", first}, {"mimic", backdated}} {
		if _, err := db.Ingest(f.source, []Item{f.it}, SourceState{Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := group.DefaultConfig()
	if _, merged, err := db.Regroup(context.Background(), &cfg, "on"); err != nil || merged != 1 {
		t.Fatalf("Regroup: %d merged, %v", merged, err)
	}
	got, err := db.Items(Query{})
	if err != nil || len(got) != 1 {
		t.Fatalf("%d stories, %v", len(got), err)
	}
	if got[0].Title != first.Title || got[0].Copies[0].Source != "herald" || !got[0].Copies[1].Grouped {
		t.Errorf("after Regroup the story shows %q, copies %+v", got[0].Title, got[0].Copies)
	}
	if err := db.Verify(); err != nil {
		t.Error(err)
	}
}
