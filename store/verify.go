package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// maxProblems is how many inconsistencies Verify describes.
const maxProblems = 20

// Verify reads the whole database and checks that everything kept beside
// the stories agrees with them: the summaries, the time, tag, source and
// language indexes, the counts, the item keys of every copy, and the tombstones. It
// returns nil, or an error that describes the first inconsistencies it
// found, or a *FileError when a story's record does not decode. It reads every story in one read transaction, so it costs what
// reading the database costs; writers go on meanwhile. (Check, which
// health checks call, only sees that the file can be read.)
func (db *DB) Verify() error {
	var problems []string
	var undecoded error
	err := db.bolt.View(func(tx *bolt.Tx) error {
		problems = verify(tx)
		// A record that does not decode is damage, not an inconsistency.
		return tx.Bucket(bucketStories).ForEach(func(k, v []byte) error {
			var it Item
			if err := json.Unmarshal(v, &it); err != nil && undecoded == nil {
				undecoded = fmt.Errorf("story %d: %w", idOf(k), err)
			}
			return nil
		})
	})
	if err != nil {
		return withPath("verify", db.path, err)
	}
	if undecoded != nil {
		return db.bolt.recordError(undecoded)
	}
	return problemsError(problems)
}

// verify recounts every index and count from the stories, compares, and
// returns what disagrees.
func verify(tx *bolt.Tx) []string {
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	timeIndex := map[string]bool{}
	tags := map[string]map[string]bool{}
	sources := map[string]map[string]bool{}
	langs := map[string]map[string]bool{}
	add := func(index map[string]map[string]bool, name, key string) {
		if index[name] == nil {
			index[name] = map[string]bool{}
		}
		index[name][key] = true
	}
	summaries := tx.Bucket(bucketSummaries)
	keys := tx.Bucket(bucketKeys)
	gone := tx.Bucket(bucketGone)
	stories := 0
	err := tx.Bucket(bucketStories).ForEach(func(k, v []byte) error {
		stories++
		id := binary.BigEndian.Uint64(k)
		var it Item
		if err := json.Unmarshal(v, &it); err != nil {
			report("story %d: %v", id, err)
			return nil
		}
		if it.ID != id {
			report("story %d is stored under id %d", it.ID, id)
		}
		want, _ := json.Marshal(summaryOf(&it))
		if got := summaries.Get(k); !bytes.Equal(got, want) {
			report("story %d: summary %s, want %s", id, got, want)
		}
		key := string(timeKey(it.Published, id))
		timeIndex[key] = true
		for _, t := range it.Tags {
			add(tags, t, key)
		}
		for _, l := range langKeys(it.Language) {
			add(langs, l, key)
		}
		for _, c := range it.Copies {
			add(sources, c.Source, key)
			if got := bucketGet(keys, c.Source, c.Key); !bytes.Equal(got, k) {
				report("story %d: %s's item key %q names story %d", id, c.Source, c.Key, idOf(got))
			}
			if bucketGet(gone, c.Source, c.Key) != nil {
				report("story %d: %s's item key %q is marked gone", id, c.Source, c.Key)
			}
		}
		if want := unionTags(it.Copies); len(it.Copies) > 0 && !slices.Equal(it.Tags, want) {
			report("story %d: tags %q, its copies bring %q", id, it.Tags, want)
		}
		return nil
	})
	if err != nil {
		report("stories: %v", err)
	}
	summaries.ForEach(func(k, _ []byte) error {
		if tx.Bucket(bucketStories).Get(k) == nil {
			report("summary of story %d, which is missing", idOf(k))
		}
		return nil
	})

	compare := func(name string, b *bolt.Bucket, want map[string]bool) {
		n := 0
		if b != nil {
			b.ForEach(func(k, _ []byte) error {
				n++
				if !want[string(k)] {
					report("%s: story %d (published %d) should not be there", name, idOf(k[8:]), idOf(k[:8]))
				}
				return nil
			})
		}
		if n != len(want) || b == nil && len(want) > 0 {
			report("%s: %d entries, want %d", name, n, len(want))
		}
	}
	compare("time", tx.Bucket(bucketTime), timeIndex)
	counts := map[string]int{string(countStories): stories}
	for _, index := range []struct {
		parent []byte
		prefix string
		want   map[string]map[string]bool
	}{{bucketTags, "t/", tags}, {bucketBySource, "s/", sources}, {bucketLangs, "l/", langs}} {
		names := map[string]bool{}
		tx.Bucket(index.parent).ForEach(func(name, _ []byte) error {
			names[string(name)] = true
			return nil
		})
		for name := range index.want {
			names[name] = true
		}
		for _, name := range slices.Sorted(maps.Keys(names)) {
			compare(string(index.parent)+"/"+name, tx.Bucket(index.parent).Bucket([]byte(name)), index.want[name])
			counts[index.prefix+name] = len(index.want[name])
		}
	}
	tx.Bucket(bucketCounts).ForEach(func(k, v []byte) error {
		if len(v) != 8 {
			report("count %s: %d bytes", k, len(v))
			return nil
		}
		if _, ok := counts[string(k)]; !ok {
			counts[string(k)] = 0 // a count of an index that never was
		}
		return nil
	})
	for _, key := range slices.Sorted(maps.Keys(counts)) {
		var got int
		if v := tx.Bucket(bucketCounts).Get([]byte(key)); len(v) == 8 {
			got = int(binary.BigEndian.Uint64(v))
		} else if counts[key] == 0 {
			continue
		}
		if got != counts[key] {
			report("count %s: %d, want %d", key, got, counts[key])
		}
	}

	gone.ForEach(func(source, _ []byte) error {
		return gone.Bucket(source).ForEach(func(key, _ []byte) error {
			if bucketGet(keys, string(source), string(key)) == nil {
				report("%s's item key %q is marked gone but is not kept", source, key)
			}
			return nil
		})
	})
	keys.ForEach(func(source, _ []byte) error {
		return keys.Bucket(source).ForEach(func(key, v []byte) error {
			if len(v) != 8 {
				report("%s's item key %q: id of %d bytes", source, key, len(v))
			}
			return nil
		})
	})
	return problems
}

// bucketGet returns parent/name's value for key, or nil.
func bucketGet(parent *bolt.Bucket, name, key string) []byte {
	b := parent.Bucket([]byte(name))
	if b == nil {
		return nil
	}
	return b.Get([]byte(key))
}

// idOf reads an 8-byte big-endian number; 0, which no story has, for
// what is not one.
func idOf(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
