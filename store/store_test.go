package store_test

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// clock is a settable time source for the store.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// mustOpen opens a database in a fresh temporary folder and closes it when
// the test ends.
func mustOpen(tb testing.TB, c *clock) (*store.DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "libyawire.db")
	return mustOpenAt(tb, path, c), path
}

func mustOpenAt(tb testing.TB, path string, c *clock) *store.DB {
	tb.Helper()
	db, err := store.Open(path, &store.Options{Now: c.Now, NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func ingest(tb testing.TB, db *store.DB, source string, items ...store.Item) store.Result {
	tb.Helper()
	res, err := db.Ingest(source, items, store.SourceState{Name: source, Status: 200})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func all(tb testing.TB, db *store.DB, q store.Query) []store.Item {
	tb.Helper()
	items, err := db.Items(q)
	if err != nil {
		tb.Fatal(err)
	}
	return items
}

func titles(items []store.Item) []string {
	var ts []string
	for _, it := range items {
		ts = append(ts, it.Title)
	}
	return ts
}

func TestDedupWithinSource(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	pub := t0.Add(-time.Hour)
	first := ingest(t, db, "herald",
		store.Item{GUID: "h-1", Link: "https://libyaherald.com/a/", Title: "By GUID", Published: pub},
		store.Item{Link: "https://libyaherald.com/b", Title: "By link", Published: pub},
		store.Item{Title: "By hash", Published: pub},
	)
	if first.New != 3 {
		t.Fatalf("first fetch: got %+v, want 3 new", first)
	}
	c.Advance(time.Minute)
	// The same three again, the link one with tracking noise and the GUID one
	// under another link.
	again := ingest(t, db, "herald",
		store.Item{GUID: "h-1", Link: "https://libyaherald.com/a/", Title: "By GUID", Published: pub},
		store.Item{Link: "http://LibyaHerald.com/b/?utm_source=rss#top", Title: "By link", Published: pub},
		store.Item{Title: "By hash", Published: pub},
	)
	if again.New != 0 || again.Merged != 0 {
		t.Fatalf("second fetch: got %+v, want nothing new", again)
	}
	if got := len(all(t, db, store.Query{})); got != 3 {
		t.Fatalf("got %d stories, want 3", got)
	}
}

func TestCanonicalLink(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"https://libyareview.com/45120/x/?utm_source=rss&utm_medium=feed", "https://libyareview.com/45120/x", true},
		{"https://example.ly/a?fbclid=IwAR0", "https://example.ly/a", true},
		{"https://example.ly/a?gclid=77", "https://example.ly/a", true},
		{"https://example.ly/a#comments", "https://example.ly/a", true},
		{"https://example.ly/a/", "https://example.ly/a", true},
		{"http://example.ly/a", "https://example.ly/a", true},
		{"https://EXAMPLE.ly/a", "https://example.ly/a", true},
		{"HTTPS://example.ly:443/a", "https://example.ly/a", true},
		{"http://example.ly:80/a", "https://example.ly/a", true},
		{"https://example.ly/a?b=2&a=1", "https://example.ly/a?a=1&b=2", true},
		{"https://alwasat.ly/news/%d8%b3%d8%b1%d8%aa", "https://alwasat.ly/news/%D8%B3%D8%B1%D8%AA", true},
		{"https://alwasat.ly/news/سرت", "https://alwasat.ly/news/%D8%B3%D8%B1%D8%AA", true},
		{"https://example.ly/A", "https://example.ly/a", false},
		{"https://example.ly/a?id=1", "https://example.ly/a?id=2", false},
		{"https://example.ly:8443/a", "https://example.ly/a", false},
		{"https://other.ly/a", "https://example.ly/a", false},
	}
	for _, tt := range tests {
		ca, cb := store.CanonicalLink(tt.a), store.CanonicalLink(tt.b)
		if ca == "" || cb == "" {
			t.Errorf("CanonicalLink(%q) = %q, CanonicalLink(%q) = %q: want both non-empty", tt.a, ca, tt.b, cb)
			continue
		}
		if got := ca == cb; got != tt.same {
			t.Errorf("%q ~ %q: got same=%v (%q vs %q), want %v", tt.a, tt.b, got, ca, cb, tt.same)
		}
	}
	for _, bad := range []string{"", "not a url", "/relative/path", "mailto:desk@example.ly", "ftp://example.ly/a"} {
		if got := store.CanonicalLink(bad); got != "" {
			t.Errorf("CanonicalLink(%q) = %q, want empty", bad, got)
		}
	}
}

func TestDedupAcrossSources(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	pub := t0.Add(-2 * time.Hour)
	ingest(t, db, "observer", store.Item{
		GUID: "obs-77", Link: "https://www.libyaobserver.ly/news/port-reopens", Title: "Port reopens", Published: pub,
		Tags: []string{"libya", "economy"},
	})
	c.Advance(time.Minute)
	res := ingest(t, db, "allafrica", store.Item{
		GUID: "aa-1234", Link: "http://www.libyaobserver.ly/news/port-reopens/?utm_campaign=x", Title: "Libya: Port Reopens",
		Published: pub.Add(time.Minute), Tags: []string{"africa", "libya"},
	})
	if res.Merged != 1 || res.New != 0 {
		t.Fatalf("got %+v, want one merged", res)
	}
	items := all(t, db, store.Query{})
	if len(items) != 1 {
		t.Fatalf("got %d stories, want 1", len(items))
	}
	if n, err := db.Count(); n != 1 || err != nil {
		t.Errorf("Count: %d, %v; want 1, the merged story once", n, err)
	}
	it := items[0]
	if it.Title != "Port reopens" || it.Link != "https://www.libyaobserver.ly/news/port-reopens" {
		t.Errorf("the first copy should keep title and link, got %q %q", it.Title, it.Link)
	}
	if got, want := it.Sources(), []string{"observer", "allafrica"}; !slices.Equal(got, want) {
		t.Errorf("sources: got %v, want %v", got, want)
	}
	if got, want := it.Tags, []string{"africa", "economy", "libya"}; !slices.Equal(got, want) {
		t.Errorf("tags: got %v, want %v", got, want)
	}
	for _, q := range []store.Query{{Sources: []string{"allafrica"}}, {Sources: []string{"observer"}}, {Tags: [][]string{{"africa"}}}} {
		if got := all(t, db, q); len(got) != 1 || got[0].ID != it.ID {
			t.Errorf("query %+v: got %v, want the merged story", q, titles(got))
		}
	}
}

// The order in which sources are fetched must not change what a query returns.
func TestMergeOrderIndependent(t *testing.T) {
	a := store.Item{GUID: "a", Link: "https://example.ly/story", Title: "A", Published: t0.Add(-time.Hour), Tags: []string{"sirte"}}
	b := store.Item{GUID: "b", Link: "https://example.ly/story?utm_medium=x", Title: "B", Published: t0.Add(-time.Hour), Tags: []string{"oil"}}
	var got [][]string
	for _, order := range [][2]string{{"one", "two"}, {"two", "one"}} {
		db, _ := mustOpen(t, &clock{t0})
		byName := map[string]store.Item{"one": a, "two": b}
		ingest(t, db, order[0], byName[order[0]])
		ingest(t, db, order[1], byName[order[1]])
		items := all(t, db, store.Query{Tags: [][]string{{"sirte"}, {"oil"}}})
		if len(items) != 1 {
			t.Fatalf("order %v: got %d stories, want 1", order, len(items))
		}
		got = append(got, items[0].Tags)
	}
	if !slices.Equal(got[0], got[1]) {
		t.Errorf("tags differ by fetch order: %v vs %v", got[0], got[1])
	}
}

func TestUpdateInPlace(t *testing.T) {
	c := &clock{t0}
	db, path := mustOpen(t, c)
	pub := t0.Add(-time.Hour)
	ingest(t, db, "review", store.Item{GUID: "r-9", Link: "https://libyareview.com/9", Title: "Talks open", Published: pub, Tags: []string{"politics"}})
	before := all(t, db, store.Query{})[0]
	gen := db.Generation()

	c.Advance(time.Hour)
	res := ingest(t, db, "review", store.Item{GUID: "r-9", Link: "https://libyareview.com/9", Title: "Talks open in Geneva", Published: pub, Tags: []string{"diplomacy"}})
	if res.Updated != 1 || res.New != 0 {
		t.Fatalf("got %+v, want one updated", res)
	}
	after := all(t, db, store.Query{})
	if len(after) != 1 {
		t.Fatalf("got %d stories, want 1", len(after))
	}
	if after[0].ID != before.ID || !after[0].FirstSeen.Equal(before.FirstSeen) {
		t.Errorf("id or first-seen changed: %d %v -> %d %v", before.ID, before.FirstSeen, after[0].ID, after[0].FirstSeen)
	}
	if after[0].Title != "Talks open in Geneva" || !after[0].Modified.Equal(c.t) {
		t.Errorf("got %q modified %v, want the new title modified now", after[0].Title, after[0].Modified)
	}
	if db.Generation() == gen {
		t.Error("generation did not change after an update")
	}
	if got := all(t, db, store.Query{Tags: [][]string{{"politics"}}}); len(got) != 0 {
		t.Errorf("old tag still finds the story: %v", titles(got))
	}
	if got := all(t, db, store.Query{Tags: [][]string{{"diplomacy"}}}); len(got) != 1 {
		t.Errorf("new tag finds %d stories, want 1", len(got))
	}

	// An unchanged re-fetch changes nothing, not even the generation.
	gen = db.Generation()
	res = ingest(t, db, "review", store.Item{GUID: "r-9", Link: "https://libyareview.com/9", Title: "Talks open in Geneva", Published: pub, Tags: []string{"diplomacy"}})
	if res.Unchanged != 1 || db.Generation() != gen {
		t.Errorf("unchanged re-fetch: got %+v, generation %d -> %d", res, gen, db.Generation())
	}

	// Ids survive a reopen, and a new story never takes an old id.
	db.Close()
	db = mustOpenAt(t, path, c)
	if got := all(t, db, store.Query{}); len(got) != 1 || got[0].ID != before.ID {
		t.Fatalf("after reopen: got %+v, want id %d", got, before.ID)
	}
	ingest(t, db, "review", store.Item{GUID: "r-10", Title: "Second", Published: pub})
	ids := map[uint64]bool{}
	for _, it := range all(t, db, store.Query{}) {
		if ids[it.ID] {
			t.Errorf("id %d given twice", it.ID)
		}
		ids[it.ID] = true
	}
}

func TestPublishedClamped(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	ingest(t, db, "s",
		store.Item{GUID: "future", Title: "From the future", Published: t0.Add(2 * time.Hour)},
		store.Item{GUID: "undated", Title: "Undated"},
	)
	for _, it := range all(t, db, store.Query{}) {
		if !it.Published.Equal(t0) {
			t.Errorf("%s: published %v, want first-seen %v", it.Title, it.Published, t0)
		}
	}
}

func TestQuery(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	at := func(h int) time.Time { return t0.Add(time.Duration(-h) * time.Hour) }
	ingest(t, db, "herald",
		store.Item{GUID: "1", Title: "sirte oil", Published: at(1), Language: "en", Tags: []string{"sirte", "oil"}},
		store.Item{GUID: "2", Title: "sirte", Published: at(2), Language: "en-GB", Tags: []string{"sirte"}},
		store.Item{GUID: "3", Title: "derna", Published: at(3), Language: "en", Tags: []string{"derna"}},
	)
	ingest(t, db, "wasat",
		store.Item{GUID: "4", Title: "سرت", Published: at(4), Language: "ar", Tags: []string{"sirte", "sport"}},
		store.Item{GUID: "5", Title: "درنة", Published: at(5), Language: "ar", Tags: []string{"derna", "oil"}},
	)
	tests := []struct {
		name string
		q    store.Query
		want []string
	}{
		{"all newest first", store.Query{}, []string{"sirte oil", "sirte", "derna", "سرت", "درنة"}},
		{"limit", store.Query{Limit: 2}, []string{"sirte oil", "sirte"}},
		{"one tag", store.Query{Tags: [][]string{{"sirte"}}}, []string{"sirte oil", "sirte", "سرت"}},
		{"and", store.Query{Tags: [][]string{{"sirte"}, {"oil"}}}, []string{"sirte oil"}},
		{"or", store.Query{Tags: [][]string{{"derna", "oil"}}}, []string{"sirte oil", "derna", "درنة"}},
		{"and of ors", store.Query{Tags: [][]string{{"derna", "sirte"}, {"oil", "sport"}}}, []string{"sirte oil", "سرت", "درنة"}},
		{"notag", store.Query{Tags: [][]string{{"sirte"}}, NoTags: []string{"sport"}}, []string{"sirte oil", "sirte"}},
		{"source", store.Query{Sources: []string{"wasat"}}, []string{"سرت", "درنة"}},
		{"sources or", store.Query{Sources: []string{"wasat", "herald"}, Limit: 10}, []string{"sirte oil", "sirte", "derna", "سرت", "درنة"}},
		{"source and tag", store.Query{Sources: []string{"herald"}, Tags: [][]string{{"derna"}}}, []string{"derna"}},
		{"lang prefix", store.Query{Lang: "en"}, []string{"sirte oil", "sirte", "derna"}},
		{"lang exact", store.Query{Lang: "en-gb"}, []string{"sirte"}},
		{"since inclusive", store.Query{Since: at(3)}, []string{"sirte oil", "sirte", "derna"}},
		{"unknown tag", store.Query{Tags: [][]string{{"kufra"}}}, nil},
		{"unknown tag in or", store.Query{Tags: [][]string{{"kufra", "derna"}}}, []string{"derna", "درنة"}},
		{"unknown source", store.Query{Sources: []string{"nobody"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := titles(all(t, db, tt.q)); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}

	tags, err := db.Tags()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(tags), "[{derna 2} {oil 2} {sirte 3} {sport 1}]"; got != want {
		t.Errorf("tag counts: got %s, want %s", got, want)
	}
}

func TestSourceState(t *testing.T) {
	c := &clock{t0}
	db, path := mustOpen(t, c)
	ingest(t, db, "herald", store.Item{GUID: "1", Title: "one"}, store.Item{GUID: "2", Title: "two"})
	db.SetState(store.SourceState{Name: "herald", Status: 304, Items: 2, ETag: `"v1"`, LastFetch: t0})
	db.SetState(store.SourceState{Name: "broken", Error: "fetch: connection refused", Failures: 1})

	st, err := db.State("herald")
	if err != nil || st.Status != 304 {
		t.Fatalf("pending state not visible: %+v %v", st, err)
	}
	if _, err := db.State("never"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown source: got %v, want ErrNotFound", err)
	}
	// A fetch that stores items writes held-back state of other sources too.
	ingest(t, db, "wasat", store.Item{GUID: "w1", Title: "w"})
	db.Close()
	db = mustOpenAt(t, path, c)
	states, err := db.States()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.SourceState{}
	for _, s := range states {
		got[s.Name] = s
	}
	if got["herald"].Status != 304 || got["herald"].ETag != `"v1"` || got["herald"].Items != 2 {
		t.Errorf("herald: got %+v", got["herald"])
	}
	if got["broken"].Failures != 1 {
		t.Errorf("broken: got %+v", got["broken"])
	}
	if got["wasat"].Items != 1 || got["wasat"].New != 1 {
		t.Errorf("wasat: got %+v", got["wasat"])
	}
}

func TestSecondOpenFails(t *testing.T) {
	_, path := mustOpen(t, &clock{t0})
	start := time.Now()
	_, err := store.Open(path, &store.Options{Timeout: 100 * time.Millisecond})
	if err == nil {
		t.Fatal("a second open of a held database succeeded")
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("second open took %v", time.Since(start))
	}
	t.Log(err)
}

func TestCheck(t *testing.T) {
	db, _ := mustOpen(t, &clock{t0})
	if err := db.Check(); err != nil {
		t.Fatalf("open database: %v", err)
	}
	db.Close()
	if err := db.Check(); err == nil {
		t.Fatal("a closed database checks out")
	}
}

// TestQueryAgainstScan compares Items with a plain filter over every story,
// for random stories and random queries.
func TestQueryAgainstScan(t *testing.T) {
	c := &clock{t0}
	db, _ := mustOpen(t, c)
	rng := rand.New(rand.NewPCG(7, 11))
	tagPool := []string{"a", "b", "c", "d", "e", "f"}
	sources := []string{"s1", "s2", "s3"}
	langs := []string{"en", "ar", "en-gb"}
	for i := 0; i < 480; i += 20 { // fewer than MaxLimit, so one query lists them all
		var items []store.Item
		for j := i; j < i+20; j++ {
			var tags []string
			for _, tg := range tagPool {
				if rng.IntN(3) == 0 {
					tags = append(tags, tg)
				}
			}
			items = append(items, store.Item{
				GUID: fmt.Sprint(j), Title: fmt.Sprint(j), Tags: tags, Language: langs[rng.IntN(3)],
				Published: t0.Add(-time.Duration(rng.IntN(5000)) * time.Minute),
			})
		}
		ingest(t, db, sources[rng.IntN(len(sources))], items...)
	}
	everything := all(t, db, store.Query{Limit: store.MaxLimit})
	if n, _ := db.Count(); len(everything) != 480 || n != 480 {
		t.Fatalf("stored %d stories (Count %d), want 480", len(everything), n)
	}
	byID := map[uint64]store.Item{}
	for _, it := range everything {
		byID[it.ID] = it
	}
	pick := func(pool []string, n int) []string {
		var out []string
		for range n {
			out = append(out, pool[rng.IntN(len(pool))])
		}
		return out
	}
	for n := 0; n < 300; n++ {
		q := store.Query{Limit: 1 + rng.IntN(40)}
		for range rng.IntN(3) {
			q.Tags = append(q.Tags, pick(tagPool, 1+rng.IntN(2)))
		}
		q.NoTags = pick(tagPool, rng.IntN(2))
		q.Sources = pick(sources, rng.IntN(2))
		if rng.IntN(3) == 0 {
			q.Lang = "en"
		}
		if rng.IntN(3) == 0 {
			q.Since = t0.Add(-time.Duration(rng.IntN(5000)) * time.Minute)
		}
		var want []uint64
		ids := slices.Collect(maps.Keys(byID))
		slices.SortFunc(ids, func(a, b uint64) int {
			pa, pb := byID[a].Published, byID[b].Published
			if c := pb.Compare(pa); c != 0 {
				return c
			}
			return cmp.Compare(b, a)
		})
		for _, id := range ids {
			if len(want) == q.Limit {
				break
			}
			if scanMatches(byID[id], q) {
				want = append(want, id)
			}
		}
		var got []uint64
		for _, it := range all(t, db, q) {
			got = append(got, it.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("query %+v:\n got %v\nwant %v", q, got, want)
		}
	}
}

func scanMatches(it store.Item, q store.Query) bool {
	for _, group := range q.Tags {
		if !slices.ContainsFunc(group, func(t string) bool { return slices.Contains(it.Tags, t) }) {
			return false
		}
	}
	for _, t := range q.NoTags {
		if slices.Contains(it.Tags, t) {
			return false
		}
	}
	if len(q.Sources) > 0 && !slices.ContainsFunc(q.Sources, func(s string) bool { return slices.Contains(it.Sources(), s) }) {
		return false
	}
	if q.Lang != "" && it.Language != q.Lang && !strings.HasPrefix(it.Language, q.Lang+"-") {
		return false
	}
	return q.Since.IsZero() || !it.Published.Before(q.Since)
}
