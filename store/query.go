package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// MaxLimit is the largest number of stories one Query returns.
const MaxLimit = 500

// MaxExamined bounds the work of one query: the index entries it may pass
// over (stepped past or sought through, or left out by NoTags) beyond the
// stories it returns. A query whose filters leave out more than this many
// of the newest stories returns those it found by then, so that no query,
// however little it matches, reads every stored story.
const MaxExamined = 10000

// Items returns the stories that q selects, newest first.
//
// Every tag group, the source list and the language is a walk over index
// buckets from their newest end (a group's tags merged); the walks are
// intersected by seeking each to the newest key all of them hold, so an
// AND of two common tags never reads the stories that carry only one.
// With none, the walk is the time index. NoTags is looked up in its tags'
// index buckets: no story is decoded to be left out. The walk stops at
// the limit, at the first story published before q.Since, or once it has
// examined MaxExamined entries.
func (db *DB) Items(q Query) ([]Item, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	if q.Top || q.Developing != nil {
		return db.ranked(q, limit)
	}
	var items []Item
	err := db.bolt.View(func(tx *bolt.Tx) error {
		x, ok := walks(tx, q)
		if !ok {
			return nil // a named tag, source or language that no story has
		}
		var since []byte
		if !q.Since.IsZero() {
			since = timeKey(q.Since, 0)
		}
		var excluded []*bolt.Bucket
		for _, t := range q.NoTags {
			if b := tx.Bucket(bucketTags).Bucket([]byte(t)); b != nil {
				excluded = append(excluded, b)
			}
		}
		stories := tx.Bucket(bucketStories)
		for key := x.first(); key != nil && len(items) < limit; key = x.next() {
			if since != nil && bytes.Compare(key, since) < 0 {
				break
			}
			if slices.ContainsFunc(excluded, func(b *bolt.Bucket) bool { return b.Get(key) != nil }) {
				continue
			}
			id := key[8:16]
			var it Item
			if err := json.Unmarshal(stories.Get(id), &it); err != nil {
				return fmt.Errorf("story %d: %w", binary.BigEndian.Uint64(id), err)
			}
			items = append(items, it)
		}
		return nil
	})
	return items, err
}

// langMatches reports whether a story's language tag falls under the one
// asked for: "en" takes en, en-GB and en-US.
func langMatches(have, want string) bool {
	have, want = strings.ToLower(have), strings.ToLower(want)
	return have == want || strings.HasPrefix(have, want+"-")
}

// walks returns the intersection of the index walks q names. It reports
// false when q names a tag group or a source list none of whose members any
// story carries, so nothing can match.
func walks(tx *bolt.Tx, q Query) (*intersection, bool) {
	x := &intersection{budget: MaxExamined}
	add := func(parent []byte, names []string) bool {
		w := &mergeWalk{}
		for _, name := range names {
			if b := tx.Bucket(parent).Bucket([]byte(name)); b != nil {
				w.cursors = append(w.cursors, b.Cursor())
			}
		}
		x.walks = append(x.walks, w)
		return len(w.cursors) > 0
	}
	for _, group := range q.Tags {
		if !add(bucketTags, group) {
			return nil, false
		}
	}
	if len(q.Sources) > 0 && !add(bucketBySource, q.Sources) {
		return nil, false
	}
	if q.Lang != "" && !add(bucketLangs, langsUnder(tx, q.Lang)) {
		return nil, false
	}
	if len(x.walks) == 0 {
		x.walks = append(x.walks, &mergeWalk{cursors: []*bolt.Cursor{tx.Bucket(bucketTime).Cursor()}})
	}
	return x, true
}

// langsUnder returns the langs index buckets of the languages that fall
// under lang (see langMatches): lang itself and its regional forms.
func langsUnder(tx *bolt.Tx, lang string) []string {
	want := langKey(lang)
	if want == "" {
		return nil
	}
	var names []string
	c := tx.Bucket(bucketLangs).Cursor()
	for k, _ := c.Seek([]byte(want)); k != nil && bytes.HasPrefix(k, []byte(want)); k, _ = c.Next() {
		if langMatches(string(k), want) {
			names = append(names, string(k))
		}
	}
	return names
}

// intersection yields, newest first, the keys that every one of its walks
// holds, until it has spent its budget of examined entries.
type intersection struct {
	walks  []*mergeWalk
	budget int // entries it may still examine; a new intersection has MaxExamined
}

func (x *intersection) first() []byte { return x.move((*mergeWalk).last) }

// next steps every walk past the key they agree on and aligns them again.
func (x *intersection) next() []byte { return x.move((*mergeWalk).prev) }

// move moves every walk with step and aligns them on the oldest of the
// keys they reach.
func (x *intersection) move(step func(*mergeWalk) []byte) []byte {
	var target []byte
	if x.budget--; x.budget < 0 {
		return nil
	}
	for _, w := range x.walks {
		k := step(w)
		if k == nil {
			return nil
		}
		if target == nil || bytes.Compare(k, target) < 0 {
			target = k
		}
	}
	return x.align(target)
}

// align seeks every walk to its newest key at or before target, lowering
// target until all of them stand on it.
func (x *intersection) align(target []byte) []byte {
	for target != nil {
		agreed := true
		for _, w := range x.walks {
			k := w.seek(target)
			if k == nil {
				return nil
			}
			if !bytes.Equal(k, target) {
				target, agreed = k, false
			}
		}
		if agreed {
			return target
		}
		if x.budget--; x.budget < 0 {
			return nil // every disagreement passes over entries
		}
	}
	return nil
}

// mergeWalk walks several index buckets at once, newest key first, and
// yields a key found in more than one of them once.
type mergeWalk struct {
	cursors []*bolt.Cursor
	heads   [][]byte // the key each cursor stands on; nil when it is done
}

func (w *mergeWalk) last() []byte {
	w.heads = make([][]byte, len(w.cursors))
	for i, c := range w.cursors {
		w.heads[i], _ = c.Last()
	}
	return w.max()
}

// prev moves every cursor standing on the current key back one and returns
// the next key.
func (w *mergeWalk) prev() []byte {
	cur := w.max()
	for i, c := range w.cursors {
		if w.heads[i] != nil && bytes.Equal(w.heads[i], cur) {
			w.heads[i], _ = c.Prev()
		}
	}
	return w.max()
}

// seek moves every cursor to its newest key at or before target and
// returns the newest of those.
func (w *mergeWalk) seek(target []byte) []byte {
	for i, c := range w.cursors {
		if h := w.heads[i]; h == nil || bytes.Compare(h, target) <= 0 {
			continue // done, or already there
		}
		k, _ := c.Seek(target)
		switch {
		case k == nil:
			k, _ = c.Last()
		case !bytes.Equal(k, target):
			k, _ = c.Prev()
		}
		w.heads[i] = k
	}
	return w.max()
}

func (w *mergeWalk) max() []byte {
	var m []byte
	for _, h := range w.heads {
		if h != nil && (m == nil || bytes.Compare(h, m) > 0) {
			m = h
		}
	}
	return m
}

// ranked answers a Top or Developing query: it walks the index entries of
// the stories published within the window, newest first, reading from
// the time index when each outlet joined, ranks or keeps them, and
// decodes only the stories it returns.
func (db *DB) ranked(q Query, limit int) ([]Item, error) {
	now := db.now()
	window := MaxWindow
	if q.Top {
		window = cmp.Or(min(q.Window, MaxWindow), DefaultWindow)
	}
	since := now.Add(-window)
	if q.Since.After(since) {
		since = q.Since
	}
	type candidate struct {
		id      []byte
		outlets int
	}
	var items []Item
	err := db.bolt.View(func(tx *bolt.Tx) error {
		x, ok := walks(tx, q)
		if !ok {
			return nil
		}
		from := timeKey(since, 0)
		var excluded []*bolt.Bucket
		for _, t := range q.NoTags {
			if b := tx.Bucket(bucketTags).Bucket([]byte(t)); b != nil {
				excluded = append(excluded, b)
			}
		}
		timeIndex := tx.Bucket(bucketTime)
		// Over the time index alone the walk reads each entry's value as
		// it goes; over other indexes it looks the entry up.
		next := func() (key, value []byte) {
			key = x.next()
			return key, timeIndex.Get(key)
		}
		key, value := x.first(), []byte(nil)
		if key != nil {
			value = timeIndex.Get(key)
		}
		if len(q.Tags) == 0 && len(q.Sources) == 0 && q.Lang == "" {
			c := timeIndex.Cursor()
			next = c.Prev
			key, value = c.Last()
		}
		var found []candidate
		var joined []int64
		for ; key != nil; key, value = next() {
			if bytes.Compare(key, from) < 0 {
				break
			}
			if slices.ContainsFunc(excluded, func(b *bolt.Bucket) bool { return b.Get(key) != nil }) {
				continue
			}
			joined = readJoined(value, joined)
			if q.Developing != nil && !q.Developing.holds(joined, now) {
				continue
			}
			found = append(found, candidate{id: key[8:16], outlets: len(joined)})
			if !q.Top && len(found) == limit {
				break // newest first: the walk's order
			}
		}
		if q.Top {
			slices.SortStableFunc(found, func(a, b candidate) int { return cmp.Compare(b.outlets, a.outlets) })
		}
		stories := tx.Bucket(bucketStories)
		for _, c := range found[:min(limit, len(found))] {
			var it Item
			if err := json.Unmarshal(stories.Get(c.id), &it); err != nil {
				return fmt.Errorf("story %d: %w", binary.BigEndian.Uint64(c.id), err)
			}
			items = append(items, it)
		}
		return nil
	})
	return items, err
}
