package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// MaxLimit is the largest number of stories one Query returns.
const MaxLimit = 500

// Items returns the stories that q selects, newest first.
//
// It walks one index from its newest end: the smallest of the tag groups
// and the source list by story count, or the time index when q names
// neither, and checks each story's summary against the rest of q. A walk
// stops at the limit or at the first story published before q.Since.
func (db *DB) Items(q Query) ([]Item, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	var items []Item
	err := db.bolt.View(func(tx *bolt.Tx) error {
		walk, ok := chooseWalk(tx, q)
		if !ok {
			return nil // a named tag or source that no story has
		}
		var since []byte
		if !q.Since.IsZero() {
			since = timeKey(q.Since, 0)
		}
		summaries := tx.Bucket(bucketSummaries)
		stories := tx.Bucket(bucketStories)
		for key := walk.last(); key != nil && len(items) < limit; key = walk.prev() {
			if since != nil && bytes.Compare(key, since) < 0 {
				break
			}
			id := key[8:16]
			var s summary
			if err := json.Unmarshal(summaries.Get(id), &s); err != nil {
				return fmt.Errorf("summary of story %d: %w", binary.BigEndian.Uint64(id), err)
			}
			if !q.matches(&s) {
				continue
			}
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

// matches reports whether a story's summary satisfies every part of q.
// (The part that chose the walk is checked again; that costs little.)
func (q *Query) matches(s *summary) bool {
	for _, group := range q.Tags {
		if !slices.ContainsFunc(group, func(t string) bool { return slices.Contains(s.Tags, t) }) {
			return false
		}
	}
	for _, t := range q.NoTags {
		if slices.Contains(s.Tags, t) {
			return false
		}
	}
	if len(q.Sources) > 0 && !slices.ContainsFunc(q.Sources, func(src string) bool { return slices.Contains(s.Sources, src) }) {
		return false
	}
	if q.Lang != "" && !langMatches(s.Lang, q.Lang) {
		return false
	}
	return true
}

// langMatches reports whether a story's language tag falls under the one
// asked for: "en" takes en, en-GB and en-US.
func langMatches(have, want string) bool {
	have, want = strings.ToLower(have), strings.ToLower(want)
	return have == want || strings.HasPrefix(have, want+"-")
}

// chooseWalk picks the index to walk for q: the candidate with the fewest
// stories. It reports false when q names a tag group or a source list none
// of whose members any story carries, so nothing can match.
func chooseWalk(tx *bolt.Tx, q Query) (*mergeWalk, bool) {
	counts := tx.Bucket(bucketCounts)
	var best *mergeWalk
	bestN := uint64(0)
	consider := func(parent []byte, prefix string, names []string) bool {
		w := &mergeWalk{}
		var n uint64
		for _, name := range names {
			b := tx.Bucket(parent).Bucket([]byte(name))
			if b == nil {
				continue
			}
			w.add(b.Cursor())
			if v := counts.Get([]byte(prefix + name)); len(v) == 8 {
				n += binary.BigEndian.Uint64(v)
			}
		}
		if len(w.cursors) == 0 {
			return false
		}
		if best == nil || n < bestN {
			best, bestN = w, n
		}
		return true
	}
	for _, group := range q.Tags {
		if !consider(bucketTags, "t/", group) {
			return nil, false
		}
	}
	if len(q.Sources) > 0 && !consider(bucketBySource, "s/", q.Sources) {
		return nil, false
	}
	if best == nil {
		best = &mergeWalk{}
		best.add(tx.Bucket(bucketTime).Cursor())
	}
	return best, true
}

// mergeWalk walks several index buckets at once, newest key first, and
// yields a key found in more than one of them once.
type mergeWalk struct {
	cursors []*bolt.Cursor
	heads   [][]byte // the key each cursor stands on; nil when it is done
}

func (w *mergeWalk) add(c *bolt.Cursor) { w.cursors = append(w.cursors, c) }

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

func (w *mergeWalk) max() []byte {
	var m []byte
	for _, h := range w.heads {
		if h != nil && (m == nil || bytes.Compare(h, m) > 0) {
			m = h
		}
	}
	return m
}
