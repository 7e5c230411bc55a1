package store

import (
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
