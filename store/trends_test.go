package store_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

func trendCounts(t *testing.T, db *store.DB, tag string, days int, now time.Time) []int {
	t.Helper()
	got, err := db.Trend(tag, days, now)
	if err != nil {
		t.Fatal(err)
	}
	var n []int
	for i, d := range got {
		if want := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, i-days+1); !d.Date.Equal(want) {
			t.Errorf("day %d is %s, want %s", i, d.Date, want)
		}
		n = append(n, d.Stories)
	}
	return n
}

// TestTrends: stories per tag per UTC day follow ingest (a copy that adds
// a tag moves it), a story updated to another day, and prune; every day
// is present, oldest first; Verify recounts them.
func TestTrends(t *testing.T) {
	c := &clock{time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
	db, _ := mustOpen(t, c)
	day := func(d int) time.Time { return time.Date(2026, 11, 20+d, 9, 0, 0, 0, time.UTC) }
	add := func(src string, n int, published time.Time, tags ...string) {
		it := report(src, "https://news.example/"+strconv.Itoa(n), "Story "+strconv.Itoa(n), published)
		it.Tags = tags
		ingest(t, db, src, it)
	}
	add("herald", 1, day(-2), "sirte")
	add("herald", 2, day(-2), "sirte", "oil")
	add("herald", 3, day(0), "oil")
	add("wire", 3, day(0), "oil", "sirte") // a copy: the story gains sirte
	add("herald", 4, day(-1))
	now := c.Now()
	if got, want := trendCounts(t, db, "sirte", 4, now), []int{0, 2, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("sirte: %v, want %v", got, want)
	}
	if got, want := trendCounts(t, db, "oil", 3, now), []int{1, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("oil: %v, want %v", got, want)
	}
	if got, want := trendCounts(t, db, "", 3, now), []int{2, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("all: %v, want %v", got, want)
	}
	if got := trendCounts(t, db, "nothing", 2, now); !slices.Equal(got, []int{0, 0}) {
		t.Errorf("an unknown tag: %v", got)
	}
	// The first story, updated by its source to another day and tag.
	add("herald", 1, day(-1), "misrata")
	if got, want := trendCounts(t, db, "sirte", 3, now), []int{1, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("sirte after the update: %v, want %v", got, want)
	}
	if got, want := trendCounts(t, db, "misrata", 3, now), []int{0, 1, 0}; !slices.Equal(got, want) {
		t.Errorf("misrata after the update: %v, want %v", got, want)
	}
	if err := db.Verify(); err != nil {
		t.Fatal(err)
	}
	// Prune takes the stories of two days ago out of the counts.
	if _, err := db.Prune(context.Background(), store.Retention{MaxAge: 40 * time.Hour}, 0); err != nil {
		t.Fatal(err)
	}
	if got, want := trendCounts(t, db, "", 3, now), []int{0, 2, 1}; !slices.Equal(got, want) {
		t.Errorf("all after prune: %v, want %v", got, want)
	}
	if err := db.Verify(); err != nil {
		t.Fatal(err)
	}
}
