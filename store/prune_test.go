package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// mustVerify fails the test when the database's indexes and counts do not
// agree with its stories.
func mustVerify(tb testing.TB, db *store.DB) {
	tb.Helper()
	if err := db.Verify(); err != nil {
		tb.Fatal(err)
	}
}

func mustPrune(tb testing.TB, db *store.DB, r store.Retention, batch int) int {
	tb.Helper()
	n, err := db.Prune(context.Background(), r, batch)
	if err != nil {
		tb.Fatal(err)
	}
	mustVerify(tb, db)
	return n
}

func tagCounts(tb testing.TB, db *store.DB) string {
	tb.Helper()
	tags, err := db.Tags()
	if err != nil {
		tb.Fatal(err)
	}
	return fmt.Sprint(tags)
}

func count(tb testing.TB, db *store.DB) int {
	tb.Helper()
	n, err := db.Count()
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func maxID(items []store.Item) uint64 {
	var id uint64
	for _, it := range items {
		id = max(id, it.ID)
	}
	return id
}

// hoursAgo is a published time h hours before t0.
func hoursAgo(h int) time.Time { return t0.Add(-time.Duration(h) * time.Hour) }

func TestPruneByAge(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	ingest(t, db, "herald",
		store.Item{GUID: "h1", Title: "new", Link: "https://herald.example/1", Published: hoursAgo(1), Tags: []string{"libya", "oil"}},
		store.Item{GUID: "h2", Title: "at the limit", Published: hoursAgo(48), Tags: []string{"libya"}},
		store.Item{GUID: "h3", Title: "old", Link: "https://herald.example/3", Published: hoursAgo(49), Tags: []string{"libya", "sirte"}},
		store.Item{GUID: "h4", Title: "older", Published: hoursAgo(100), Tags: []string{"derna"}},
		store.Item{GUID: "h5", Title: "oldest", Published: hoursAgo(200), Tags: []string{"libya", "oil"}},
	)
	ingest(t, db, "wire",
		store.Item{GUID: "w3", Title: "old, again", Link: "https://herald.example/3?utm_source=wire", Published: hoursAgo(49), Tags: []string{"wire"}},
		store.Item{GUID: "w9", Title: "wire old", Published: hoursAgo(50), Tags: []string{"wire"}},
		store.Item{GUID: "w10", Title: "wire new", Published: hoursAgo(2), Tags: []string{"wire", "oil"}},
	)
	mustVerify(t, db)
	maxID := maxID(all(t, db, store.Query{}))

	// Nothing old enough: nothing changes, not even the generation.
	gen, changed := db.Generation(), db.Changed()
	c.Advance(time.Hour)
	if n := mustPrune(t, db, store.Retention{MaxAge: 1000 * time.Hour}, 2); n != 0 {
		t.Fatalf("deleted %d, want 0", n)
	}
	if db.Generation() != gen || !db.Changed().Equal(changed) {
		t.Errorf("a prune that deleted nothing changed the generation or the changed time")
	}

	// Now is t0+1h: the limit, 49h ago, is hoursAgo(48); a story published
	// there stays, one a second before goes.
	n := mustPrune(t, db, store.Retention{MaxAge: 49 * time.Hour}, 2)
	if n != 4 {
		t.Errorf("deleted %d, want 4", n)
	}
	if db.Generation() == gen || !db.Changed().Equal(c.t) {
		t.Errorf("generation %d -> %d, changed %v: want a new generation, changed now (%v)", gen, db.Generation(), db.Changed(), c.t)
	}
	if got, want := titles(all(t, db, store.Query{})), []string{"new", "wire new", "at the limit"}; !slices.Equal(got, want) {
		t.Errorf("stories left: %q, want %q", got, want)
	}
	if got := count(t, db); got != 3 {
		t.Errorf("Count %d, want 3", got)
	}
	if got, want := tagCounts(t, db), "[{libya 2} {oil 2} {wire 1}]"; got != want {
		t.Errorf("tags %s, want %s", got, want)
	}
	queries := []struct {
		q    store.Query
		want []string
	}{
		{store.Query{Tags: [][]string{{"oil"}}}, []string{"new", "wire new"}},
		{store.Query{Tags: [][]string{{"sirte", "derna"}}}, nil},
		{store.Query{Sources: []string{"wire"}}, []string{"wire new"}},
		{store.Query{Sources: []string{"herald"}, Tags: [][]string{{"libya"}}}, []string{"new", "at the limit"}},
	}
	for _, tt := range queries {
		if got := titles(all(t, db, tt.q)); !slices.Equal(got, tt.want) {
			t.Errorf("query %+v: %q, want %q", tt.q, got, tt.want)
		}
	}

	// The deleted story's link no longer leads to it: another source's copy
	// of that article is a new story, under a new id.
	res := ingest(t, db, "observer", store.Item{GUID: "o3", Title: "old, third", Link: "https://herald.example/3", Published: hoursAgo(3)})
	if res.New != 1 || res.Merged != 0 {
		t.Fatalf("another source's copy of a deleted story: %+v, want new", res)
	}
	if it := all(t, db, store.Query{Sources: []string{"observer"}})[0]; it.ID <= maxID {
		t.Errorf("new story took id %d, not above %d", it.ID, maxID)
	}
	mustVerify(t, db)
}

func TestPruneMaxItems(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	// herald's stories, newest first: h1 h2 h3 h4. wire also carries h2
	// (herald's copy came first) and h3 (wire's came first).
	ingest(t, db, "wire", store.Item{GUID: "w3", Title: "wire's h3", Link: "https://herald.example/3", Published: hoursAgo(3), Tags: []string{"wire", "oil"}})
	ingest(t, db, "herald",
		store.Item{GUID: "h1", Title: "h1", Published: hoursAgo(1), Tags: []string{"herald"}},
		store.Item{GUID: "h2", Title: "h2", Link: "https://herald.example/2", Published: hoursAgo(2), Tags: []string{"herald", "sirte"}},
		store.Item{GUID: "h3", Title: "h3", Link: "https://herald.example/3", Published: hoursAgo(3), Tags: []string{"herald"}},
		store.Item{GUID: "h4", Title: "h4", Published: hoursAgo(4), Tags: []string{"herald", "sirte"}},
	)
	ingest(t, db, "wire", store.Item{GUID: "w2", Title: "wire's h2", Link: "https://herald.example/2/", Published: hoursAgo(2), Tags: []string{"wire"}})
	before := map[string]store.Item{}
	for _, it := range all(t, db, store.Query{}) {
		before[it.Title] = it
	}
	if len(before) != 4 {
		t.Fatalf("%d stories, want 4", len(before))
	}
	gen := db.Generation()
	c.Advance(time.Hour)

	r := store.Retention{MaxItems: map[string]int{"herald": 1, "wire": 0, "nobody": 3}}
	if n := mustPrune(t, db, r, 1); n != 1 {
		t.Errorf("deleted %d, want 1 (h4, herald's alone)", n)
	}
	if db.Generation() == gen {
		t.Error("generation unchanged")
	}
	if got, want := titles(all(t, db, store.Query{})), []string{"h1", "h2", "wire's h3"}; !slices.Equal(got, want) {
		t.Fatalf("stories: %q, want %q", got, want)
	}
	if got, want := titles(all(t, db, store.Query{Sources: []string{"herald"}})), []string{"h1"}; !slices.Equal(got, want) {
		t.Errorf("source herald: %q, want %q", got, want)
	}
	if got, want := titles(all(t, db, store.Query{Sources: []string{"wire"}})), []string{"h2", "wire's h3"}; !slices.Equal(got, want) {
		t.Errorf("source wire: %q, want %q", got, want)
	}
	if got, want := tagCounts(t, db), "[{herald 1} {oil 1} {wire 2}]"; got != want {
		t.Errorf("tags %s, want %s", got, want)
	}
	if got := count(t, db); got != 3 {
		t.Errorf("Count %d, want 3", got)
	}
	for _, it := range all(t, db, store.Query{}) {
		b := before[it.Title]
		if it.ID != b.ID || !it.FirstSeen.Equal(b.FirstSeen) || it.Link != b.Link || !it.Published.Equal(b.Published) {
			t.Errorf("%s: id, first-seen, link or published changed: %+v, was %+v", it.Title, it, b)
		}
		switch it.Title {
		case "h1":
			if !it.Modified.Equal(b.Modified) {
				t.Errorf("h1 modified, but it kept its copy")
			}
		case "h2": // lost its first copy: keeps that copy's title and link
			if !slices.Equal(it.Sources(), []string{"wire"}) || !slices.Equal(it.Tags, []string{"wire"}) || !it.Modified.Equal(c.t) {
				t.Errorf("h2: sources %q, tags %q, modified %v; want [wire], [wire], now", it.Sources(), it.Tags, it.Modified)
			}
		case "wire's h3":
			if !slices.Equal(it.Sources(), []string{"wire"}) || !slices.Equal(it.Tags, []string{"oil", "wire"}) {
				t.Errorf("h3: sources %q, tags %q; want [wire], [oil wire]", it.Sources(), it.Tags)
			}
		}
	}

	// Pruning again to the same limits finds nothing to do.
	gen = db.Generation()
	if n := mustPrune(t, db, r, 0); n != 0 || db.Generation() != gen {
		t.Errorf("second prune: deleted %d, generation %d -> %d", n, gen, db.Generation())
	}
}

// herald's feed, as the tests below fetch it again and again.
var heraldFeed = []store.Item{
	{GUID: "h1", Title: "h1", Published: hoursAgo(1)},
	{GUID: "h2", Title: "h2", Link: "https://herald.example/2", Published: hoursAgo(2)},
	{GUID: "h3", Title: "h3", Published: hoursAgo(300)},
}

func TestPrunedStaysGone(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	ingest(t, db, "herald", heraldFeed...)
	ingest(t, db, "wire", store.Item{GUID: "w2", Title: "wire's h2", Link: "https://herald.example/2", Published: hoursAgo(2)})
	maxID := maxID(all(t, db, store.Query{}))

	// h3 is deleted for its age, and h2 loses herald's copy.
	r := store.Retention{MaxAge: 100 * time.Hour, MaxItems: map[string]int{"herald": 1}}
	if n := mustPrune(t, db, r, 0); n != 1 {
		t.Fatalf("deleted %d, want 1", n)
	}
	// A 304 touches nothing.
	db.SetState(store.SourceState{Name: "herald", Status: 304})
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	gen := db.Generation()
	for range 2 {
		res := ingest(t, db, "herald", heraldFeed...)
		if want := (store.Result{Unchanged: 1, Pruned: 2}); res != want {
			t.Errorf("the same feed after the prune: %+v, want %+v", res, want)
		}
		mustVerify(t, db)
	}
	// A feed that suddenly lists nothing forgets nothing.
	ingest(t, db, "herald")
	if res := ingest(t, db, "herald", heraldFeed...); res.Pruned != 2 {
		t.Errorf("after an empty feed: %+v, want 2 pruned", res)
	}
	if db.Generation() != gen {
		t.Error("left-out items changed the generation")
	}
	if got, want := titles(all(t, db, store.Query{})), []string{"h1", "h2"}; !slices.Equal(got, want) {
		t.Errorf("stories %q, want %q", got, want)
	}
	if got := all(t, db, store.Query{Sources: []string{"herald"}}); len(got) != 1 {
		t.Errorf("herald carries %q, want only h1", titles(got))
	}

	// Once the feed no longer lists them, they are forgotten ...
	ingest(t, db, "herald", heraldFeed[0])
	mustVerify(t, db)
	// ... and may come back: h3 as a new story, herald's copy of h2 to
	// the story wire still carries.
	res := ingest(t, db, "herald", heraldFeed...)
	if want := (store.Result{New: 1, Merged: 1, Unchanged: 1}); res != want {
		t.Errorf("the items back in the feed: %+v, want %+v", res, want)
	}
	mustVerify(t, db)
	items := all(t, db, store.Query{})
	if got, want := titles(items), []string{"h1", "h2", "h3"}; !slices.Equal(got, want) {
		t.Errorf("stories %q, want %q", got, want)
	}
	if h3 := items[2]; h3.ID <= maxID || !h3.FirstSeen.Equal(c.t) {
		t.Errorf("h3 came back as id %d first seen %v, want a new id (above %d) first seen now", h3.ID, h3.FirstSeen, maxID)
	}
	if got := items[1].Sources(); !slices.Equal(got, []string{"wire", "herald"}) {
		t.Errorf("h2's sources %q, want [wire herald]", got)
	}
}

// A source can list one article under two item keys (two GUIDs, one link):
// one story, the first entry's; the other is left out as a repeat. The
// story stays gone.
func TestPrunedUnderTwoKeys(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	feed := []store.Item{
		{GUID: "a", Title: "twice", Link: "https://herald.example/t", Published: hoursAgo(300)},
		{GUID: "b", Title: "twice", Link: "https://herald.example/t", Published: hoursAgo(300)},
	}
	if res := ingest(t, db, "herald", feed...); res.New != 1 {
		t.Fatalf("got %+v, want one new story", res)
	}
	if n := mustPrune(t, db, store.Retention{MaxAge: time.Hour}, 0); n != 1 {
		t.Fatalf("deleted %d, want 1", n)
	}
	for range 2 {
		if res := ingest(t, db, "herald", feed...); res != (store.Result{Pruned: 1, Repeated: 1}) {
			t.Errorf("got %+v, want both left out", res)
		}
		mustVerify(t, db)
	}
	ingest(t, db, "herald", store.Item{GUID: "c", Title: "other", Published: hoursAgo(1)})
	if res := ingest(t, db, "herald", feed...); res.New != 1 {
		t.Errorf("once unlisted and listed again: %+v, want a new story", res)
	}
	mustVerify(t, db)
}

// A story's link can change while its GUID stays; the link it had before
// outlives it, and must not stop another source's item with that link from
// being a story.
func TestPrunedLinkLeftBehind(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	ingest(t, db, "herald", store.Item{GUID: "a", Title: "moved", Link: "https://herald.example/old", Published: hoursAgo(300)})
	ingest(t, db, "herald", store.Item{GUID: "a", Title: "moved", Link: "https://herald.example/new", Published: hoursAgo(300)})
	mustPrune(t, db, store.Retention{MaxAge: time.Hour}, 0)
	res := ingest(t, db, "wire", store.Item{GUID: "w", Title: "wire's", Link: "https://herald.example/old", Published: hoursAgo(1)})
	if res.New != 1 {
		t.Errorf("got %+v, want a new story", res)
	}
	mustVerify(t, db)
}

// A feed bigger than one transaction is still one feed: no tombstone of an
// item it lists is forgotten, whichever transaction stores the item.
func TestPrunedInBigFeed(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	feed := make([]store.Item, store.MaxItemsPerTx+500)
	for i := range feed {
		pub := hoursAgo(1)
		if i < 10 {
			pub = hoursAgo(300) // in the first transaction
		}
		feed[i] = store.Item{GUID: fmt.Sprint(i), Title: fmt.Sprint(i), Published: pub}
	}
	ingest(t, db, "herald", feed...)
	if n := mustPrune(t, db, store.Retention{MaxAge: 100 * time.Hour}, 3); n != 10 {
		t.Fatalf("deleted %d, want 10", n)
	}
	for range 2 {
		if res := ingest(t, db, "herald", feed...); res.Pruned != 10 || res.New != 0 {
			t.Errorf("got %+v, want 10 pruned, none new", res)
		}
	}
	if got := count(t, db); got != len(feed)-10 {
		t.Errorf("Count %d, want %d", got, len(feed)-10)
	}
}

// TestPruneCancelled stops a Prune at every batch in turn, resumes it, and
// expects what an uninterrupted Prune leaves, and a consistent database
// in between.
func TestPruneCancelled(t *testing.T) {
	r := store.Retention{MaxAge: 100 * time.Hour, MaxItems: map[string]int{"herald": 5, "wire": 3}}
	build := func(now func() time.Time) *store.DB {
		t.Helper()
		db, err := store.Open(t.TempDir()+"/libyawire.db", &store.Options{Now: now, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		var herald, wire []store.Item
		for i := range 30 {
			it := store.Item{GUID: fmt.Sprint(i), Title: fmt.Sprint(i), Link: fmt.Sprint("https://x.example/", i),
				Published: hoursAgo(i * 10), Tags: []string{fmt.Sprint("t", i%3)}}
			herald = append(herald, it)
			if i%2 == 0 {
				it.Tags = []string{"wire"}
				wire = append(wire, it)
			}
		}
		ingest(t, db, "herald", herald...)
		ingest(t, db, "wire", wire...)
		return db
	}
	snapshot := func(db *store.DB) string {
		items := all(t, db, store.Query{Limit: store.MaxLimit})
		var s []string
		for _, it := range items {
			s = append(s, fmt.Sprint(it.ID, it.Sources(), it.Tags))
		}
		return fmt.Sprint(s, tagCounts(t, db), count(t, db))
	}
	ref := build(func() time.Time { return t0 })
	want := mustPrune(t, ref, r, 2)
	wantState := snapshot(ref)

	for stopAt := 1; ; stopAt++ {
		ctx, cancel := context.WithCancel(context.Background())
		// Prune reads the clock once to begin with and once per batch:
		// cancelling at its stopAt-th reading stops it after that batch.
		calls, pruning := 0, false
		db := build(func() time.Time {
			if pruning {
				calls++
				if calls == stopAt {
					cancel()
				}
			}
			return t0
		})
		pruning = true
		n, err := db.Prune(ctx, r, 2)
		pruning = false
		cancel()
		if err == nil {
			if stopAt == 1 {
				t.Fatal("a Prune cancelled at its first look at the clock finished")
			}
			break // stopAt is past the last batch
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stopped at %d: %v", stopAt, err)
		}
		mustVerify(t, db)
		m := mustPrune(t, db, r, 2)
		if n+m != want {
			t.Errorf("stopped at %d: deleted %d + %d, want %d", stopAt, n, m, want)
		}
		if got := snapshot(db); got != wantState {
			t.Errorf("stopped at %d, resumed:\n got %s\nwant %s", stopAt, got, wantState)
		}
	}
}

// TestPruneBesideIngest prunes while another goroutine ingests new stories
// and a third reads: the old stories go, the new ones stay, and the
// database checks out.
func TestPruneBesideIngest(t *testing.T) {
	db, _ := mustOpen(t, &clock{t0})
	var old []store.Item
	for i := range 300 {
		old = append(old, store.Item{GUID: fmt.Sprint(i), Title: fmt.Sprint("old ", i), Published: hoursAgo(200 + i), Tags: []string{"libya"}})
	}
	ingest(t, db, "herald", old...)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() {
		for i := range 30 {
			it := store.Item{GUID: fmt.Sprint("w", i), Title: fmt.Sprint("new ", i), Published: hoursAgo(1), Tags: []string{"libya"}}
			if _, err := db.Ingest("wire", []store.Item{it}, store.SourceState{Status: 200}); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Go(func() {
		for range 30 {
			if _, err := db.Items(store.Query{Tags: [][]string{{"libya"}}, Limit: store.MaxLimit}); err != nil {
				errs <- err
				return
			}
		}
	})
	n, err := db.Prune(context.Background(), store.Retention{MaxAge: 100 * time.Hour}, 7)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err != nil || n != 300 {
		t.Fatalf("deleted %d, %v; want 300", n, err)
	}
	mustVerify(t, db)
	if got := tagCounts(t, db); got != "[{libya 30}]" {
		t.Errorf("tags %s, want [{libya 30}]", got)
	}
}
