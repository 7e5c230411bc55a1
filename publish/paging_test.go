package publish

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/store"
)

// manyTagsFixture is a database whose 300 stories, from three sources,
// carry 3,000 distinct tags, ten each, with counts that differ.
func manyTagsFixture(t *testing.T) (*fixture, map[string]int) {
	t.Helper()
	c := newClock()
	db := mustOpenDB(t, c)
	want := map[string]int{}
	for s := range 3 {
		var items []store.Item
		for i := range 100 {
			it := store.Item{
				GUID:      fmt.Sprintf("s%d-%d", s, i),
				Link:      fmt.Sprintf("https://outlet-%d.example/%d", s, i),
				Title:     fmt.Sprintf("Report %d from outlet %d", i, s),
				Published: day(1, 8),
			}
			for j := range 10 {
				slug := fmt.Sprintf("category-%d-%d-%d", s, i, j)
				it.Tags = append(it.Tags, slug)
				want[slug] = 1
			}
			if i%7 == 0 {
				it.Tags = append(it.Tags, "libya") // a tag that heads the list
				want["libya"]++
			}
			items = append(items, it)
		}
		mustIngest(t, db, fmt.Sprintf("outlet-%d", s), items, store.SourceState{LastFetch: c.Now(), LastSuccess: c.Now(), Status: 200})
	}
	return newFixtureServer(t, c, db), want
}

var linkNext = regexp.MustCompile(`<([^>]*)>; rel="next"`)

// TestAPITagsPaged: /api/tags lists at most a page of tags, and following
// its next links reaches every tag exactly once, in order.
func TestAPITagsPaged(t *testing.T) {
	f, want := manyTagsFixture(t)
	for slug := range testTagTitles {
		if _, ok := want[slug]; !ok {
			want[slug] = 0
		}
	}
	seen := map[string]bool{}
	target, pages := "/api/tags", 0
	var prev *tagInfo
	for target != "" {
		pages++
		resp := f.get(t, http.MethodGet, target)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s", target, resp.Status)
		}
		var list []tagInfo
		if err := json.Unmarshal([]byte(readBody(t, resp)), &list); err != nil {
			t.Fatal(err)
		}
		if len(list) > apiTagsPage || len(list) == 0 {
			t.Fatalf("%s lists %d tags, want 1 to %d", target, len(list), apiTagsPage)
		}
		for i := range list {
			tg := &list[i]
			if seen[tg.Slug] {
				t.Errorf("%s lists %s again", target, tg.Slug)
			}
			seen[tg.Slug] = true
			if tg.Count != want[tg.Slug] {
				t.Errorf("%s: count %d, want %d", tg.Slug, tg.Count, want[tg.Slug])
			}
			if prev != nil && (prev.Count < tg.Count || prev.Count == tg.Count && prev.Slug > tg.Slug) {
				t.Errorf("%+v before %+v", *prev, *tg)
			}
			prev = tg
		}
		target = ""
		if m := linkNext.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
			target = strings.TrimPrefix(m[1], "http://libyawire.test")
		}
		if pages > 10 {
			t.Fatal("the next links do not end")
		}
	}
	if len(seen) != len(want) || pages != 4 {
		t.Errorf("%d pages reach %d tags, want 4 pages, %d tags", pages, len(seen), len(want))
	}
	for _, bad := range []string{"0", "-1", "two", "1e3", "99999999999"} {
		if resp := f.get(t, http.MethodGet, "/api/tags?page="+bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("page=%s: %s, want 400", bad, resp.Status)
		}
	}
	if resp := f.get(t, http.MethodGet, "/api/tags?page=9"); readBody(t, resp) != "[]\n" {
		t.Errorf("a page past the last is not empty")
	}
}

// TestHomeTagsPaged: the page lists at most homeTagsPage tags, and its
// "More tags" links reach every tag exactly once, keeping the filter.
func TestHomeTagsPaged(t *testing.T) {
	f, want := manyTagsFixture(t)
	seen := map[string]bool{}
	target, pages := "/?lang=en", 0
	for target != "" {
		pages++
		doc := f.getPage(t, target, http.StatusOK)
		section := findAll(doc, elems("section", "id", "tags"))
		if len(section) != 1 {
			t.Fatal("no tag section")
		}
		items := findAll(section[0], elems("li"))
		if len(items) > homeTagsPage || len(items) == 0 {
			t.Fatalf("%s lists %d tags, want 1 to %d", target, len(items), homeTagsPage)
		}
		for _, li := range items {
			a := findAll(li, elems("a"))
			href, _ := attr(a[0], "href")
			u, err := url.Parse(href)
			if err != nil {
				t.Fatal(err)
			}
			slug := u.Query().Get("tag")
			if seen[slug] {
				t.Errorf("%s lists %s again", target, slug)
			}
			seen[slug] = true
		}
		target = ""
		if next := findAll(section[0], elems("a", "rel", "next")); len(next) == 1 {
			href, _ := attr(next[0], "href")
			if !strings.Contains(href, "lang=en") {
				t.Errorf("the next page of tags loses the filter: %s", href)
			}
			if !strings.HasSuffix(href, "#tags") {
				t.Errorf("the next page of tags does not open at the tags: %s", href)
			}
			href, _, _ = strings.Cut(href, "#") // a browser does not send it
			target = "/" + strings.TrimPrefix(href, "./")
		}
		if pages > 20 {
			t.Fatal("the next links do not end")
		}
	}
	if len(seen) != len(want) || pages != 16 {
		t.Errorf("%d pages reach %d tags, want 16 pages, %d tags", pages, len(seen), len(want))
	}
	if resp := f.get(t, http.MethodGet, "/?tagpage=0"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("tagpage=0: %s, want 400", resp.Status)
	}
}
