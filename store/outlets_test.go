package store_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// report is one outlet's copy of the story at link.
func report(source, link, title string, published time.Time) store.Item {
	return store.Item{GUID: source + "-" + link, Link: link, Title: title, Published: published}
}

// TestOutletsOverDays: a story knows when each outlet joined it and who
// was first; a copy fetched again keeps the time it joined.
func TestOutletsOverDays(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	link := "https://herald.example/port"
	ingest(t, db, "herald", report("herald", link, "Port reopens", t0.Add(-time.Hour)))
	c.Advance(2 * time.Hour)
	ingest(t, db, "wire", report("wire", link, "Libya: port reopens", t0))
	c.Advance(3 * time.Hour)
	ingest(t, db, "herald", report("herald", link, "Port reopens", t0.Add(-time.Hour))) // again: nothing joins
	ingest(t, db, "observer", report("observer", link, "Port reopens to ships", t0))

	items := all(t, db, store.Query{})
	if len(items) != 1 {
		t.Fatalf("%d stories, want 1", len(items))
	}
	got := items[0].Outlets()
	want := []store.Outlet{
		{Source: "herald", At: t0},
		{Source: "wire", At: t0.Add(2 * time.Hour)},
		{Source: "observer", At: t0.Add(5 * time.Hour)},
	}
	if !slices.Equal(got, want) {
		t.Errorf("outlets:\n got %+v\nwant %+v", got, want)
	}
	d := store.Developing{Outlets: 3, Within: 6 * time.Hour}
	if !items[0].IsDeveloping(d, c.Now()) {
		t.Error("three outlets within 6 hours: not developing")
	}
	if items[0].IsDeveloping(d, c.Now().Add(2*time.Hour)) {
		t.Error("the first outlet joined 7 hours before: still developing")
	}
}

// TestTopAndDeveloping: sort by outlets within a window, then newest;
// developing keeps the stories still growing, newest first; filters
// apply as to any query.
func TestTopAndDeveloping(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	story := func(n int, title string, outlets int, tags ...string) {
		link := "https://news.example/" + strconv.Itoa(n)
		for i := range outlets {
			src := "source-" + strconv.Itoa(i)
			it := report(src, link, title, c.Now())
			it.Tags = tags
			ingest(t, db, src, it)
		}
	}
	story(1, "Old and widely carried", 5, "oil") // published 30h before the end
	c.Advance(10 * time.Hour)
	story(2, "Carried by three", 3, "oil")
	c.Advance(time.Hour)
	story(3, "Carried by one", 1, "sirte")
	c.Advance(18 * time.Hour)
	story(4, "Carried by three, newer", 3, "sirte")
	c.Advance(time.Hour)
	story(5, "Newest, carried by two", 2, "oil")

	tests := []struct {
		name string
		q    store.Query
		want []string
	}{
		{"top, 24h", store.Query{Top: true}, []string{"Carried by three, newer", "Carried by three", "Newest, carried by two", "Carried by one"}},
		{"top, 48h", store.Query{Top: true, Window: 48 * time.Hour}, []string{"Old and widely carried", "Carried by three, newer", "Carried by three", "Newest, carried by two", "Carried by one"}},
		{"top, 24h, limit 2", store.Query{Top: true, Limit: 2}, []string{"Carried by three, newer", "Carried by three"}},
		{"top, oil", store.Query{Top: true, Tags: [][]string{{"oil"}}}, []string{"Carried by three", "Newest, carried by two"}},
		{"top, not oil", store.Query{Top: true, NoTags: []string{"oil"}}, []string{"Carried by three, newer", "Carried by one"}},
		{"developing, 2 within 6h", store.Query{Developing: &store.Developing{Outlets: 2, Within: 6 * time.Hour}}, []string{"Newest, carried by two", "Carried by three, newer"}},
		{"developing and top", store.Query{Top: true, Developing: &store.Developing{Outlets: 2, Within: 6 * time.Hour}}, []string{"Carried by three, newer", "Newest, carried by two"}},
		{"developing, 3 within 6h", store.Query{Developing: &store.DefaultDeveloping}, []string{"Carried by three, newer"}},
	}
	for _, tt := range tests {
		if got := titles(all(t, db, tt.q)); !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
	// Six hours on, nothing is growing any more.
	c.Advance(7 * time.Hour)
	if got := all(t, db, store.Query{Developing: &store.DefaultDeveloping}); len(got) != 0 {
		t.Errorf("7 hours later, developing: %q", titles(got))
	}
}

// TestDevelopingReplay replays a story growing from one outlet to six
// over eight hours, on the store's clock: it is developing from the third
// outlet, while three joined within the last six hours, and stops six
// hours after the third-newest joined.
func TestDevelopingReplay(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	link := "https://herald.example/ceasefire"
	// Minutes after t0 at which each outlet joins.
	joins := []int{0, 90, 200, 300, 420, 480}
	developingAt := func(at time.Time) bool {
		c.t = at
		got := all(t, db, store.Query{Developing: &store.DefaultDeveloping})
		return len(got) == 1
	}
	for i, m := range joins {
		c.t = t0.Add(time.Duration(m) * time.Minute)
		src := "outlet-" + strconv.Itoa(i)
		ingest(t, db, src, report(src, link, "Ceasefire holds in Tripoli", t0))
		want := i >= 2 // the third joined 200 minutes after the first: three within 6h
		if got := developingAt(c.t); got != want {
			t.Errorf("after outlet %d at +%dm: developing %t, want %t", i+1, m, got, want)
		}
	}
	// With joins at +300, +420 and +480 minutes, three of them fall within
	// six hours until +300m+6h.
	last3 := t0.Add(300*time.Minute + 6*time.Hour)
	if !developingAt(last3.Add(-time.Minute)) {
		t.Error("a minute before the third-newest join leaves the six hours: not developing")
	}
	if developingAt(last3.Add(time.Minute)) {
		t.Error("a minute after: still developing")
	}
	if items := all(t, db, store.Query{}); len(items) != 1 || len(items[0].Outlets()) != 6 {
		t.Errorf("%d stories, want one of six outlets", len(items))
	}
}
