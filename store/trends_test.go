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

// TestRising: a tag with many stories in the last day against a quiet
// month rises; one as busy as ever, or with too few stories, does not.
func TestRising(t *testing.T) {
	c := &clock{time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
	db, _ := mustOpen(t, c)
	n := 0
	add := func(published time.Time, tags ...string) {
		n++
		it := report("herald", "https://news.example/"+strconv.Itoa(n), "Story "+strconv.Itoa(n), published)
		it.Tags = tags
		ingest(t, db, "herald", it)
	}
	now := c.Now()
	for d := 1; d <= 30; d++ { // a month of two oil stories a day, one sirte story in all
		add(now.AddDate(0, 0, -d), "oil")
		add(now.AddDate(0, 0, -d).Add(time.Hour), "oil")
	}
	add(now.AddDate(0, 0, -10), "sirte")
	for i := range 6 { // the last day: six on sirte, two on oil, two on derna
		add(now.Add(-time.Duration(i+1)*time.Hour), "sirte")
	}
	add(now.Add(-time.Hour), "oil")
	add(now.Add(-2*time.Hour), "oil")
	add(now.Add(-time.Hour), "derna")
	add(now.Add(-2*time.Hour), "derna")
	got, err := db.Rising(now, 3, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Slug != "sirte" || got[0].Last24h != 6 || got[0].Ratio != 180 {
		t.Errorf("rising: %+v, want sirte alone, 6 stories, ratio 180", got)
	}
}

func TestTagProfile(t *testing.T) {
	c := &clock{time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
	db, _ := mustOpen(t, c)
	for i, tags := range [][]string{{"sirte", "oil"}, {"sirte", "oil", "libya"}, {"sirte", "libya"}, {"sirte", "oil"}, {"oil"}} {
		src := []string{"herald", "wire", "herald", "observer", "wire"}[i]
		it := report(src, "https://news.example/p"+strconv.Itoa(i), "Story", c.Now().Add(-time.Duration(i)*time.Hour))
		it.Tags = tags
		ingest(t, db, src, it)
	}
	related, sources, looked, err := db.TagProfile("sirte", c.Now().Add(-48*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.NameCount{{"oil", 3}, {"libya", 2}}; !slices.Equal(related, want) || looked != 4 {
		t.Errorf("related %v (looked at %d), want %v of 4", related, looked, want)
	}
	if want := []store.NameCount{{"herald", 2}, {"observer", 1}, {"wire", 1}}; !slices.Equal(sources, want) {
		t.Errorf("sources %v, want %v", sources, want)
	}
	if _, _, looked, _ := db.TagProfile("sirte", c.Now().Add(-48*time.Hour), 2); looked != 2 {
		t.Errorf("looked at %d, want the newest 2", looked)
	}
}
