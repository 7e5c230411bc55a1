package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// TestHugeKeys: an entry whose GUID, link or tags would make a bucket key
// longer than bbolt takes is stored under a hashed key (its over-long tags
// dropped), beside the feed's other entries, and is known again at the
// next fetch.
func TestHugeKeys(t *testing.T) {
	pub := t0.Add(-time.Hour)
	digits := strings.Repeat("7", 1_000_000)
	cases := []struct {
		name string
		item store.Item
	}{
		{"a 40 KiB guid", store.Item{GUID: strings.Repeat("urn:libya:", 4096), Title: "Long guid", Published: pub}},
		{"a million-digit JSON Feed id", store.Item{GUID: digits, Title: "Numeric id", Published: pub}},
		{"a 33 KiB link and no guid", store.Item{Link: "https://herald.example/" + strings.Repeat("a/b", 11264),
			Title: "Long link", Published: pub}},
		{"a 40 KiB category slug", store.Item{GUID: "cat-1", Title: "Long category",
			Tags: []string{"libya", strings.Repeat("x", 40960)}, Published: pub}},
		{"a guid one byte over the limit, and a link of 64 KiB", store.Item{GUID: strings.Repeat("g", 1025),
			Link: "https://herald.example/?q=" + strings.Repeat("%D8%B3", 11000), Title: "Both long", Published: pub}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{t0}
			db, _ := mustOpen(t, c)
			plain := store.Item{GUID: "plain", Link: "https://herald.example/plain", Title: "Plain", Published: pub}
			if res := ingest(t, db, "herald", plain, tc.item); res.New != 2 {
				t.Fatalf("first fetch: %+v, want 2 new", res)
			}
			c.Advance(time.Hour)
			if res := ingest(t, db, "herald", tc.item, plain); res.Unchanged != 2 {
				t.Errorf("second fetch: %+v, want 2 unchanged", res)
			}
			// Another source's copy of a long link joins the story.
			if tc.item.Link != "" {
				if res := ingest(t, db, "wire", store.Item{Link: tc.item.Link + "#frag", Title: "Copy"}); res.Merged != 1 {
					t.Errorf("another source's copy: %+v, want merged", res)
				}
			}
			for _, it := range all(t, db, store.Query{}) {
				for _, tag := range it.Tags {
					if len(tag) > store.MaxTagLen {
						t.Errorf("story %q keeps a tag of %d bytes", it.Title, len(tag))
					}
				}
			}
			if n, _ := db.Count(); n != 2 {
				t.Errorf("%d stories, want 2", n)
			}
			mustVerify(t, db)
		})
	}
}
