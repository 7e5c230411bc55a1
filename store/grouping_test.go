package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/libyawire/libyawire/group"
)

func openGrouping(t *testing.T, path string, now func() time.Time) *DB {
	t.Helper()
	db, err := Open(path, &Options{Now: now, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := group.DefaultConfig()
	if err := db.SetGrouping(&cfg); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestGroupingIngest(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	path := t.TempDir() + "/g.db"
	db := openGrouping(t, path, clock)
	ingest := func(source string, items ...Item) Result {
		t.Helper()
		res, err := db.Ingest(source, items, SourceState{Status: 200})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	sharara := Item{GUID: "h1", Link: "https://herald.example/sharara", Title: "NOC restores output at Sharara oilfield",
		Summary: "Production resumed on Sunday.", Published: now.Add(-3 * time.Hour),
		Entities: []string{"noc", "sharara"}, TitleEntities: []string{"noc", "sharara"}, Tags: []string{"libya", "oil"}}
	ingest("herald", sharara)

	rewrite := Item{GUID: "w1", Link: "https://wire.example/sharara-output", Title: "Sharara oilfield: NOC restores output",
		Summary: "The oilfield is pumping again.", Published: now.Add(-2 * time.Hour),
		Entities: []string{"noc", "sharara"}, TitleEntities: []string{"noc", "sharara"}, Tags: []string{"libya", "noc"}}
	other := Item{GUID: "w2", Link: "https://wire.example/zawiya", Title: "Clashes erupt in Zawiya",
		Published: now.Add(-time.Hour), Entities: []string{"zawiya"}, TitleEntities: []string{"zawiya"}}
	if res := ingest("wire", rewrite, other); res.New != 1 || res.Grouped != 1 || res.Merged != 1 {
		t.Errorf("wire: %+v, want 1 new and 1 grouped", res)
	}
	if res := ingest("wire", rewrite, other); res.Unchanged != 2 {
		t.Errorf("wire again: %+v, want 2 unchanged", res)
	}
	gn := func(outlet string) Item {
		return Item{GUID: "gn-" + outlet, Link: "https://news.google.example/rss/articles/" + outlet,
			Title: "NOC restores output at Sharara oilfield - " + outlet, Outlet: outlet, Published: now.Add(-time.Hour),
			Entities: []string{"noc", "sharara"}, TitleEntities: []string{"noc", "sharara"}}
	}
	if res := ingest("google-news", gn("Libya Observer"), gn("Al Wasat")); res.Grouped != 2 {
		t.Errorf("google-news: %+v, want both grouped", res)
	}
	items, err := db.Items(Query{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("%d stories, want 2", len(items))
	}
	story := items[1]
	if story.Title != sharara.Title || len(story.Copies) != 4 {
		t.Fatalf("the Sharara story: %q with %d copies", story.Title, len(story.Copies))
	}
	if !story.Copies[1].Grouped || story.Copies[1].Title != rewrite.Title || story.Copies[1].Summary != rewrite.Summary {
		t.Errorf("the wire's copy: %+v", story.Copies[1])
	}
	if got := story.Tags; len(got) != 3 {
		t.Errorf("tags %q, want the union libya, noc, oil", got)
	}
	if err := db.Verify(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The index is built again at Open: a fourth outlet joins.
	db = openGrouping(t, path, clock)
	defer db.Close()
	late := Item{GUID: "a1", Link: "https://arabic.example/1", Title: "Sharara oilfield restores output, NOC says",
		Published: now, Entities: []string{"noc", "sharara"}, TitleEntities: []string{"noc", "sharara"}}
	if res := ingest("fourth", late); res.Grouped != 1 {
		t.Errorf("after reopening: %+v, want grouped", res)
	}
}

// TestRegroup: a stricter threshold splits a grouped copy off into a story
// of its own, a looser one folds it back into the earlier story, and
// either way the next fetch of its feed finds it where it now is.
func TestRegroup(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	db := openGrouping(t, t.TempDir()+"/r.db", func() time.Time { return now })
	defer db.Close()
	ctx := context.Background()
	a := Item{GUID: "h1", Link: "https://herald.example/sharara", Title: "NOC restores output at Sharara oilfield",
		Published: now.Add(-3 * time.Hour), Entities: []string{"noc", "sharara"}, Tags: []string{"oil"}}
	b := Item{GUID: "w1", Link: "https://wire.example/sharara", Title: "Sharara oilfield output restored by NOC after shutdown",
		Published: now.Add(-2 * time.Hour), Entities: []string{"noc", "sharara"}, Tags: []string{"noc"}}
	mustIngest := func(source string, it Item) Result {
		t.Helper()
		res, err := db.Ingest(source, []Item{it}, SourceState{Status: 200})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	stories := func() []Item {
		t.Helper()
		items, err := db.Items(Query{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Verify(); err != nil {
			t.Fatal(err)
		}
		return items
	}
	mustIngest("herald", a)
	if res := mustIngest("wire", b); res.Grouped != 1 {
		t.Fatalf("wire: %+v, want grouped", res)
	}

	strict := group.DefaultConfig()
	strict.Threshold = 0.95
	split, merged, err := db.Regroup(ctx, &strict, "strict")
	if err != nil || split != 1 || merged != 0 {
		t.Fatalf("Regroup strict: %d split, %d merged, %v", split, merged, err)
	}
	got := stories()
	if len(got) != 2 || got[0].Title != b.Title || got[0].Copies[0].Grouped || len(got[1].Copies) != 1 {
		t.Fatalf("after the strict regroup: %+v", got)
	}
	if slices.Contains(got[1].Tags, "noc") {
		t.Errorf("the first story kept the split copy's tags: %q", got[1].Tags)
	}
	if res := mustIngest("wire", b); res.Unchanged != 1 {
		t.Errorf("the split copy's feed again: %+v, want unchanged", res)
	}
	if v, _ := db.GroupVersion(); v != "strict" {
		t.Errorf("group version %q", v)
	}

	loose := group.DefaultConfig()
	split, merged, err = db.Regroup(ctx, &loose, "loose")
	if err != nil || split != 0 || merged != 1 {
		t.Fatalf("Regroup loose: %d split, %d merged, %v", split, merged, err)
	}
	got = stories()
	if len(got) != 1 || got[0].Title != a.Title || len(got[0].Copies) != 2 || !got[0].Copies[1].Grouped {
		t.Fatalf("after the loose regroup: %+v", got)
	}
	if res := mustIngest("wire", b); res.Unchanged != 1 {
		t.Errorf("the merged copy's feed again: %+v, want unchanged", res)
	}
	if n, _ := db.Count(); n != 1 {
		t.Errorf("%d stories, want 1", n)
	}

	if split, _, err := db.Regroup(ctx, nil, "off"); err != nil || split != 1 {
		t.Errorf("Regroup off: %d split, %v", split, err)
	}
	if got := stories(); len(got) != 2 {
		t.Errorf("grouping off: %d stories, want 2", len(got))
	}
}
