package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Trends: how many stories each tag has per UTC day, by published time,
// kept as counters in one bucket, trends: the key is the tag's slug (or
// "*" for every story), a zero byte and the day's number since 1970-01-01
// (4 bytes), the value the count (8 bytes); one bucket, so that a
// transaction's counters are a run of neighbouring keys. The writes that
// move a story's tag or time index entries move its counters in the same
// transaction, so they are exact; Verify recounts them.

var bucketTrends = []byte("trends")

// allStories is the trends bucket of every story, tagged or not; no slug
// can be "*".
const allStories = "*"

// dayOf returns the UTC day number of a time key's published time.
func dayOf(key []byte) uint32 {
	return uint32(binary.BigEndian.Uint64(key[:8]) / uint64(24*time.Hour))
}

// counterKey is the trends key of name's count on day.
func counterKey(name string, day uint32) []byte {
	k := make([]byte, 0, len(name)+5)
	k = append(append(k, name...), 0)
	return binary.BigEndian.AppendUint32(k, day)
}

// splitCounterKey returns the name and day of a trends key.
func splitCounterKey(k []byte) (name string, day uint32, ok bool) {
	if len(k) < 5 || k[len(k)-5] != 0 {
		return "", 0, false
	}
	return string(k[:len(k)-5]), binary.BigEndian.Uint32(k[len(k)-4:]), true
}

// readCounts fills counts[i] with name's count on day first+i.
func readCounts(trends *bolt.Bucket, name string, first uint32, counts []int) {
	c := trends.Cursor()
	last := first + uint32(len(counts)) - 1
	for k, v := c.Seek(counterKey(name, first)); k != nil; k, v = c.Next() {
		n, day, ok := splitCounterKey(k)
		if !ok || n != name || day > last {
			return
		}
		if len(v) == 8 {
			counts[day-first] = int(binary.BigEndian.Uint64(v))
		}
	}
}

// countingTrends is false only in the benchmark that measures what the
// counters cost ingest.
var countingTrends = true

// trend adds delta to the count of name's stories on the day of key. The
// deltas are gathered in the writer and written by flushTrends, once per
// tag and day however many stories of a transaction share them.
func (w *writer) trend(name string, key []byte, delta int64) error {
	if !countingTrends {
		return nil
	}
	if w.trends == nil {
		w.trends = map[trendKey]int64{}
	}
	w.trends[trendKey{name, dayOf(key)}] += delta
	return nil
}

// trendKey is one counter: a tag (or allStories) and a day.
type trendKey struct {
	name string
	day  uint32
}

// flushTrends writes the counter deltas the writer gathered; every
// transaction that saves or removes stories calls it before it commits.
func (w *writer) flushTrends() error {
	if len(w.trends) == 0 {
		return nil
	}
	keys := make([]trendKey, 0, len(w.trends))
	for k, d := range w.trends {
		if d != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b trendKey) int { return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.day, b.day)) })
	trends := w.tx.Bucket(bucketTrends)
	for _, k := range keys {
		if err := addCount(trends, counterKey(k.name, k.day), w.trends[k]); err != nil {
			return err
		}
	}
	clear(w.trends)
	return nil
}

// addCount adds delta to the 8-byte count under k in b, deleting it at 0.
func addCount(b *bolt.Bucket, k []byte, delta int64) error {
	var n int64
	if v := b.Get(k); len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	n += delta
	if n <= 0 {
		return b.Delete(k)
	}
	return b.Put(k, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// DayCount is how many stories were published on one UTC day.
type DayCount struct {
	Date    time.Time // midnight UTC
	Stories int
}

// Trend returns, for each of the days UTC days that end with the day of
// now, oldest first, how many stories tag has (every story when tag is
// ""), published that day.
func (db *DB) Trend(tag string, days int, now time.Time) ([]DayCount, error) {
	name := cmp.Or(tag, allStories)
	counts, err := db.Trends([]string{name}, days, now)
	if err != nil {
		return nil, err
	}
	first := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1-days)
	out := make([]DayCount, days)
	for i, n := range counts[name] {
		out[i] = DayCount{Date: first.AddDate(0, 0, i), Stories: n}
	}
	return out, nil
}

// countTrends builds every counter from the tag and time indexes
// (version 3).
func countTrends(tx *bolt.Tx) error {
	if err := tx.DeleteBucket(bucketTrends); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
		return err
	}
	trends, err := tx.CreateBucket(bucketTrends)
	if err != nil {
		return err
	}
	counts := map[string]map[uint32]int64{}
	tally := func(name string) func(k, _ []byte) error {
		return func(k, _ []byte) error {
			if counts[name] == nil {
				counts[name] = map[uint32]int64{}
			}
			counts[name][dayOf(k)]++
			return nil
		}
	}
	if err := tx.Bucket(bucketTime).ForEach(tally(allStories)); err != nil {
		return err
	}
	tags := tx.Bucket(bucketTags)
	err = tags.ForEach(func(name, _ []byte) error {
		if b := tags.Bucket(name); b != nil {
			return b.ForEach(tally(string(name)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for name, days := range counts {
		for day, n := range days {
			if err := trends.Put(counterKey(name, day), binary.BigEndian.AppendUint64(nil, uint64(n))); err != nil {
				return err
			}
		}
	}
	return nil
}

// Trends returns Trend for each of tags, in one read.
func (db *DB) Trends(tags []string, days int, now time.Time) (map[string][]int, error) {
	last := uint32(now.UTC().Unix() / 86400)
	first := last - uint32(days) + 1
	out := make(map[string][]int, len(tags))
	err := db.bolt.View(func(tx *bolt.Tx) error {
		trends := tx.Bucket(bucketTrends)
		for _, tag := range tags {
			counts := make([]int, days)
			out[tag] = counts
			readCounts(trends, tag, first, counts)
		}
		return nil
	})
	return out, err
}

// RisingTag is a tag whose coverage is rising.
type RisingTag struct {
	Slug      string
	Last24h   int     // stories published in the last 24 hours
	DailyMean float64 // stories a day over the 30 days before those 24 hours
	Ratio     float64 // Last24h over DailyMean (at least one story in the 30 days)
}

// Rising returns the tags whose last 24 hours before now hold at least
// minStories stories and at least minRatio times their mean day of the 30
// UTC days before today's, highest ratio first. A tag with no story in
// those 30 days counts as one, so that the ratio stays a number. It walks
// only the last 24 hours of each tag's index, and reads the month from
// the counters.
func (db *DB) Rising(now time.Time, minStories int, minRatio float64) ([]RisingTag, error) {
	since := timeKey(now.Add(-24*time.Hour), 0)
	today := uint32(now.UTC().Unix() / 86400)
	var out []RisingTag
	err := db.bolt.View(func(tx *bolt.Tx) error {
		tags, trends := tx.Bucket(bucketTags), tx.Bucket(bucketTrends)
		return tags.ForEach(func(name, _ []byte) error {
			b := tags.Bucket(name)
			if b == nil {
				return nil
			}
			recent := 0
			c := b.Cursor()
			for k, _ := c.Last(); k != nil && bytes.Compare(k, since) >= 0; k, _ = c.Prev() {
				recent++
			}
			if recent < minStories {
				return nil
			}
			days := make([]int, 30)
			readCounts(trends, string(name), today-30, days)
			month := 0
			for _, n := range days {
				month += n
			}
			ratio := float64(recent) / (float64(max(month, 1)) / 30)
			if ratio >= minRatio {
				out = append(out, RisingTag{Slug: string(name), Last24h: recent, DailyMean: float64(month) / 30, Ratio: ratio})
			}
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b RisingTag) int { return cmp.Compare(b.Ratio, a.Ratio) })
	return out, err
}

// NameCount is a tag or source and how many of the stories looked at
// carry it.
type NameCount struct {
	Name  string
	Count int
}

// TagProfile looks at the newest most stories with tag published since
// since and returns the other tags they carry and the sources that carried
// them, each most stories first (then by name), and how many stories it
// looked at.
func (db *DB) TagProfile(tag string, since time.Time, most int) (related, sources []NameCount, looked int, err error) {
	tags, srcs := map[string]int{}, map[string]int{}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTags).Bucket([]byte(tag))
		if b == nil {
			return nil
		}
		from := timeKey(since, 0)
		summaries := tx.Bucket(bucketSummaries)
		c := b.Cursor()
		for k, _ := c.Last(); k != nil && looked < most && bytes.Compare(k, from) >= 0; k, _ = c.Prev() {
			var s summary
			if err := json.Unmarshal(summaries.Get(k[8:16]), &s); err != nil {
				return fmt.Errorf("summary of story %d: %w", idOf(k[8:16]), err)
			}
			looked++
			for _, t := range s.Tags {
				if t != tag {
					tags[t]++
				}
			}
			for _, src := range s.Sources {
				srcs[src]++
			}
		}
		return nil
	})
	return ranking(tags), ranking(srcs), looked, err
}

// ranking sorts counts, most first, then by name.
func ranking(counts map[string]int) []NameCount {
	out := make([]NameCount, 0, len(counts))
	for name, n := range counts {
		out = append(out, NameCount{name, n})
	}
	slices.SortFunc(out, func(a, b NameCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name))
	})
	return out
}
