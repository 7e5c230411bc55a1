package publish

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestAPITags(t *testing.T) {
	f := newFixture(t)
	resp := f.get(t, http.MethodGet, "/api/tags")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %s %q", resp.Status, resp.Header.Get("Content-Type"))
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
