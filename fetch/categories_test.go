package fetch_test

import (
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
)

// categoryRules are the rules of the category tests: a category that names
// one gives its tag however many others the entry has.
func categoryRules(t *testing.T) *tag.Tagger {
	t.Helper()
	tg, err := tag.New([]tag.Rule{
		{Slug: "libya", Match: []string{"Libya", "ليبيا"}},
		{Slug: "sirte", Match: []string{"Sirte", "سرت"}, Implies: []string{"libya"}},
		{Slug: "oil-fields", Match: []string{"Sharara"}, Implies: []string{"libya"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// categoryFeed is an RSS feed of items, each with the categories cats(i).
func categoryFeed(items int, cats func(i int) []string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Tags galore</title><link>https://galore.example/</link><description>d</description>`)
	for i := range items {
		fmt.Fprintf(&b, "<item><title>Report %d</title><guid>g-%d</guid><link>https://galore.example/%d</link>", i, i, i)
		for _, c := range cats(i) {
			fmt.Fprintf(&b, "<category>%s</category>", c)
		}
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func serveBody(t *testing.T, body *string) *counted {
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(*body))
	})
}

func numbered(prefix string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s %d", prefix, from+i)
	}
	return out
}

// categoryTags returns the tags of a stored item that its categories gave
// by themselves: neither a rule's nor the source's.
func categoryTags(tg *tag.Tagger, it store.Item, sourceTags []string) []string {
	var out []string
	for _, t := range it.Tags {
		if !tg.Defines(t) && !slices.Contains(sourceTags, t) {
			out = append(out, t)
		}
	}
	return out
}

func TestCategoryCaps(t *testing.T) {
	tests := []struct {
		name     string
		items    int
		cats     func(i int) []string
		perItem  int      // most category tags an item may keep
		ruleTags []string // every item keeps these
		distinct int      // category tags in the store at the end
		dropped  int
	}{
		{"one entry, forty categories", 1, func(int) []string { return numbered("topic", 0, 40) },
			16, nil, 16, 32 - 16},
		{"a rule's alias after the cap", 1, func(int) []string { return append(numbered("beat", 0, 20), "Sirte", "Sharara field") },
			16, []string{"libya", "oil-fields", "sirte"}, 16, 5},
		{"a source's categories past 2,000", 300, func(i int) []string { return numbered("desk", i*10, 10) },
			10, nil, 2000, 1000},
		{"the same few categories on every entry", 500, func(i int) []string { return append(numbered("wire", 0, 5), "ليبيا") },
			5, []string{"libya"}, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := categoryRules(t)
			h := newHarness(t, fetch.Options{Tagger: tg, MaxBody: 32 << 20})
			body := categoryFeed(tt.items, tt.cats)
			srv := serveBody(t, &body)
			src := fetch.Source{Name: "galore", URL: srv.URL, Schedule: "@every 15m", Tags: []string{"wire-desk"}}
			out, err := h.fetch(src)
			if err != nil {
				t.Fatal(err)
			}
			if out.CategoriesDropped != tt.dropped || out.CategoryCapReached != (tt.dropped > 0) {
				t.Errorf("outcome: %d dropped, reached %v; want %d", out.CategoriesDropped, out.CategoryCapReached, tt.dropped)
			}
			if st := h.state("galore"); st.CategoriesDropped != tt.dropped {
				t.Errorf("state: %d dropped, want %d", st.CategoriesDropped, tt.dropped)
			}
			items, err := h.db.Items(store.Query{Limit: store.MaxLimit})
			if err != nil || len(items) != min(tt.items, store.MaxLimit) {
				t.Fatalf("%d items, %v", len(items), err)
			}
			distinct := map[string]bool{}
			for _, it := range items {
				cats := categoryTags(tg, it, src.Tags)
				if len(cats) > tt.perItem {
					t.Errorf("%s kept %d category tags, want at most %d", it.Title, len(cats), tt.perItem)
				}
				for _, want := range append([]string{"wire-desk"}, tt.ruleTags...) {
					if !slices.Contains(it.Tags, want) {
						t.Errorf("%s lost the tag %s: %v", it.Title, want, it.Tags)
					}
				}
				for _, c := range cats {
					distinct[c] = true
				}
			}
			tags, err := h.db.Tags()
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, tc := range tags {
				if !tg.Defines(tc.Slug) && tc.Slug != "wire-desk" {
					n++
				}
			}
			if n != tt.distinct {
				t.Errorf("%d distinct category tags stored, want %d", n, tt.distinct)
			}
		})
	}
}

// TestCategoryCapSurvivesRestart: the distinct tags a source has given are
// remembered with its state, so after a restart a new category is still
// turned away and one it gave before still counts; and the warning is
// logged once.
func TestCategoryCapSurvivesRestart(t *testing.T) {
	tg := categoryRules(t)
	h := newHarness(t, fetch.Options{Tagger: tg, MaxBody: 32 << 20})
	body := categoryFeed(250, func(i int) []string { return numbered("desk", i*10, 10) }) // 2,500 distinct
	srv := serveBody(t, &body)
	src := fetch.Source{Name: "galore", URL: srv.URL, Schedule: "@every 15m"}
	if _, err := h.fetch(src); err != nil {
		t.Fatal(err)
	}
	h.restart()
	h.clock.Advance(time.Hour)
	body = categoryFeed(1, func(int) []string { return []string{"desk 7", "brand new", "Sirte"} })
	out, err := h.fetch(src)
	if err != nil {
		t.Fatal(err)
	}
	if out.CategoriesDropped != 1 || out.CategoryCapReached {
		t.Errorf("after the restart: %d dropped, reached %v; want 1, not news", out.CategoriesDropped, out.CategoryCapReached)
	}
	if st := h.state("galore"); st.CategoriesDropped != 501 {
		t.Errorf("dropped in all: %d, want 501", st.CategoriesDropped)
	}
	it := findItem(t, h.db, "Report 0")
	if want := []string{"desk-7", "libya", "sirte"}; !slices.Equal(it.Tags, want) {
		t.Errorf("tags %v, want %v", it.Tags, want)
	}
}

func findItem(t *testing.T, db *store.DB, title string) store.Item {
	t.Helper()
	items, err := db.Items(store.Query{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Title == title {
			return it
		}
	}
	t.Fatalf("no item %q", title)
	return store.Item{}
}

// TestCategoryFlood: a feed with 320,000 categories stores at most the
// caps, and the heap stays small.
func TestCategoryFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("a large feed")
	}
	tg := categoryRules(t)
	// The fetch timeout covers parsing too: a generous one, so that a
	// loaded machine under the race detector does not fail the fetch.
	h := newHarness(t, fetch.Options{Tagger: tg, MaxBody: 64 << 20, Timeout: 5 * time.Minute})
	// 4,000 entries of 80 categories each, every one different.
	body := categoryFeed(4000, func(i int) []string { return numbered("c", i*80, 80) })
	srv := serveBody(t, &body)
	src := fetch.Source{Name: "flood", URL: srv.URL, Schedule: "@every 15m"}
	if _, err := h.fetch(src); err != nil {
		t.Fatal(err)
	}
	body = ""
	tags, err := h.db.Tags()
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) > 2000 {
		t.Errorf("%d tags stored, want at most 2,000", len(tags))
	}
	st := h.state("flood")
	if want := 4000*32 - 2000; st.CategoriesDropped != want {
		t.Errorf("%d dropped, want %d", st.CategoriesDropped, want)
	}
	if len(st.CategoryTags) > 2000*8*4/3+4 {
		t.Errorf("the source's state holds %d bytes of category tags", len(st.CategoryTags))
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	t.Logf("heap after the flood: %d MiB; state %d bytes of category tags", m.HeapAlloc>>20, len(st.CategoryTags))
	// Without the caps 128,000 tags are kept and indexed; with them what
	// stays is the 2,000 tags' worth.
	if m.HeapAlloc > 32<<20 {
		t.Errorf("heap after the flood: %d MiB, want under 32 MiB", m.HeapAlloc>>20)
	}
}
