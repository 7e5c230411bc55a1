package publish

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/libyawire/libyawire/store"
)

func TestAPITags(t *testing.T) {
	f := newFixture(t)
	resp := f.get(t, http.MethodGet, "/api/tags")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q, want no-cache", cc)
	}
	var got []tagInfo
	if err := json.Unmarshal([]byte(readBody(t, resp)), &got); err != nil {
		t.Fatal(err)
	}
	counts, err := f.db.Tags()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, tc := range counts {
		want[tc.Slug] = tc.Count
	}
	for slug := range testTagTitles {
		if _, ok := want[slug]; !ok {
			want[slug] = 0 // a rule's tag with no stories yet is listed too
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d tags, want %d: %+v", len(got), len(want), got)
	}
	for i, tg := range got {
		if tg.Count != want[tg.Slug] {
			t.Errorf("%s: count %d, want %d", tg.Slug, tg.Count, want[tg.Slug])
		}
		if title := testTagTitles[tg.Slug]; title != "" && tg.Title != title || title == "" && tg.Title != tg.Slug {
			t.Errorf("%s: title %q", tg.Slug, tg.Title)
		}
		if i > 0 && (got[i-1].Count < tg.Count || got[i-1].Count == tg.Count && got[i-1].Slug > tg.Slug) {
			t.Errorf("not sorted by count, then slug: %+v before %+v", got[i-1], tg)
		}
	}
	if want["libya"] == 0 {
		t.Error("the fixture has no libya stories: the test proves little")
	}
}

// TestAPITagsExact checks the whole answer over a small database: titles
// from the rules, else the slug; a rule's tag with no stories at 0; most
// stories first, then by slug.
func TestAPITagsExact(t *testing.T) {
	c := newClock()
	db := mustOpenDB(t, c)
	mustIngest(t, db, "herald", []store.Item{
		{GUID: "1", Title: "Sirte port reopens", Tags: []string{"libya", "sirte", "oil"}},
		{GUID: "2", Title: "Sirte school opens", Tags: []string{"libya", "sirte"}},
		{GUID: "3", Title: "Match report", Tags: []string{"libya", "football"}},
	}, store.SourceState{Status: 200})
	srv := httptest.NewServer(newServer(db, Options{
		BaseURL:     "http://libyawire.test/",
		TagTitles:   map[string]string{"libya": "Libya", "sirte": "Sirte", "oil": "Oil and gas", "ghat": "Ghat", "untitled": ""},
		TagTitlesAr: map[string]string{"libya": "ليبيا", "sirte": "سرت"},
		Now:         c.Now,
	}, nil).routes())
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/api/tags")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []tagInfo
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := []tagInfo{
		{"libya", "Libya", "ليبيا", 3},
		{"sirte", "Sirte", "سرت", 2},
		{"football", "football", "football", 1},  // a category's tag: no rule names it
		{"oil", "Oil and gas", "Oil and gas", 1}, // a rule without title_ar
		{"ghat", "Ghat", "Ghat", 0},
		{"untitled", "untitled", "untitled", 0},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}
