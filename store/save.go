package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// summary is the part of a story that queries filter on, kept apart from
// the story so that a query need not decode titles and content.
type summary struct {
	Published int64    `json:"p"`
	Modified  int64    `json:"m"`
	Lang      string   `json:"l,omitempty"`
	Tags      []string `json:"t,omitempty"`
	Sources   []string `json:"s,omitempty"`
}

func summaryOf(it *Item) *summary {
	return &summary{
		Published: it.Published.UnixNano(),
		Modified:  it.Modified.UnixNano(),
		Lang:      it.Language,
		Tags:      it.Tags,
		Sources:   it.Sources(),
	}
}

func (w *writer) load(id []byte) (Item, *summary, error) {
	var it Item
	v := w.stories.Get(id)
	if v == nil {
		return it, nil, fmt.Errorf("story %d is indexed but missing", binary.BigEndian.Uint64(id))
	}
	if err := json.Unmarshal(v, &it); err != nil {
		return it, nil, fmt.Errorf("story %d: %w", binary.BigEndian.Uint64(id), err)
	}
	return it, summaryOf(&it), nil
}

// save writes a story and its summary, and moves its index entries from
// what old says to what the story now says.
func (w *writer) save(it *Item, old *summary) error {
	id := idKey(it.ID)
	if err := putJSON(w.stories, id, it); err != nil {
		return err
	}
	s := summaryOf(it)
	if err := putJSON(w.summaries, id, s); err != nil {
		return err
	}
	if old != nil && old.Published != s.Published {
		if err := w.unindex(old, it.ID); err != nil {
			return err
		}
		old = nil
	}
	key := timeKey(it.Published, it.ID)
	var oldTags, oldSources []string
	oldLang := ""
	// The time index holds when each outlet joined: what a ranked query
	// needs, read as it walks.
	if err := w.tx.Bucket(bucketTime).Put(key, joinedValue(it)); err != nil {
		return err
	}
	if old == nil {
		if err := w.count(countStories, 1); err != nil {
			return err
		}
		if err := w.trend(allStories, key, 1); err != nil {
			return err
		}
	} else {
		oldTags, oldSources, oldLang = old.Tags, old.Sources, old.Lang
	}
	if err := w.reindex(bucketTags, "t/", key, oldTags, s.Tags); err != nil {
		return err
	}
	if err := w.reindex(bucketLangs, "l/", key, langKeys(oldLang), langKeys(s.Lang)); err != nil {
		return err
	}
	return w.reindex(bucketBySource, "s/", key, oldSources, s.Sources)
}

// unindex removes a story from every index its summary puts it in.
func (w *writer) unindex(s *summary, id uint64) error {
	key := timeKey(time.Unix(0, s.Published), id)
	if err := w.tx.Bucket(bucketTime).Delete(key); err != nil {
		return err
	}
	if err := w.count(countStories, -1); err != nil {
		return err
	}
	if err := w.trend(allStories, key, -1); err != nil {
		return err
	}
	if err := w.reindex(bucketTags, "t/", key, s.Tags, nil); err != nil {
		return err
	}
	if err := w.reindex(bucketLangs, "l/", key, langKeys(s.Lang), nil); err != nil {
		return err
	}
	return w.reindex(bucketBySource, "s/", key, s.Sources, nil)
}

// reindex removes key from the buckets named in from but not in to, and
// adds it to those in to but not in from.
func (w *writer) reindex(parent []byte, prefix string, key []byte, from, to []string) error {
	for _, name := range from {
		if !slices.Contains(to, name) {
			if err := w.index(parent, prefix, name, key, false); err != nil {
				return err
			}
		}
	}
	for _, name := range to {
		if !slices.Contains(from, name) {
			if err := w.index(parent, prefix, name, key, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// index adds key to, or removes it from, the nested bucket parent/name, and
// keeps the bucket's count in step.
func (w *writer) index(parent []byte, prefix, name string, key []byte, add bool) error {
	b, err := w.tx.Bucket(parent).CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return err
	}
	delta := int64(1)
	if add {
		if b.Get(key) != nil {
			return nil // there already: counted
		}
		if err := b.Put(key, nil); err != nil {
			return err
		}
	} else {
		if b.Get(key) == nil {
			return nil
		}
		if err := b.Delete(key); err != nil {
			return err
		}
		delta = -1
	}
	if string(parent) == string(bucketTags) {
		if err := w.trend(name, key, delta); err != nil {
			return err
		}
	}
	return w.count([]byte(prefix+name), delta)
}

// countStories is the counts key of the number of stories.
var countStories = []byte("n/stories")

// count adds delta to a count in the counts bucket.
func (w *writer) count(key []byte, delta int64) error {
	var n int64
	if v := w.counts.Get(key); len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(max(n+delta, 0)))
	return w.counts.Put(key, v[:])
}

// normTags returns tags sorted, without duplicates or empty strings.
func normTags(tags []string) []string {
	out := slices.Clone(tags)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func unionTags(copies []Copy) []string {
	var all []string
	for _, c := range copies {
		all = append(all, c.Tags...)
	}
	return normTags(all)
}

// joinedValue encodes when each of a story's outlets joined it, for its
// time index entry: the number of outlets, then each time in Unix seconds,
// earliest first, as uvarints.
func joinedValue(it *Item) []byte {
	joined := joinTimes(it)
	b := binary.AppendUvarint(make([]byte, 0, 1+5*len(joined)), uint64(len(joined)))
	for _, at := range joined {
		b = binary.AppendUvarint(b, uint64(max(at/int64(time.Second), 0)))
	}
	return b
}

// readJoined decodes a time index entry's value, as joinedValue wrote it,
// into Unix nanoseconds; an empty or unreadable value is no outlets.
func readJoined(v []byte, into []int64) []int64 {
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)) {
		return into[:0]
	}
	v = v[k:]
	out := into[:0]
	for range n {
		s, k := binary.Uvarint(v)
		if k <= 0 {
			break
		}
		out = append(out, int64(s)*int64(time.Second))
		v = v[k:]
	}
	return out
}
