package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

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
	v := &verifier{
		tx:        tx,
		timeIndex: map[string]bool{},
		tags:      map[string]map[string]bool{},
		sources:   map[string]map[string]bool{},
		langs:     map[string]map[string]bool{},
	}
	v.checkStories()
	v.checkSummaries()
	v.checkIndexes()
	v.checkTrends()
	v.checkCounts()
	v.checkGone()
	v.checkKeys()
	return v.problems
}

// verifier checks, in one read transaction, what is kept beside the
// stories against what the stories say it should be, and collects what
// disagrees. Each check is a method; verify runs them in order, as the
// later checks compare with what checkStories recounted.
type verifier struct {
	tx       *bolt.Tx
	problems []string

	// What checkStories recounts from the stories.
	stories   int                        // how many there are
	timeIndex map[string]bool            // the time index's keys
	tags      map[string]map[string]bool // by tag, the tag index's keys
	sources   map[string]map[string]bool // by source, the source index's keys
	langs     map[string]map[string]bool // by language key, the language index's keys
	// What checkIndexes counts, for checkCounts: by counts key, how many
	// entries the count should say.
	counts map[string]int
}

func (v *verifier) report(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

// addTo puts key in index's set for name.
func addTo(index map[string]map[string]bool, name, key string) {
	if index[name] == nil {
		index[name] = map[string]bool{}
	}
	index[name][key] = true
}

// checkStories checks each story and recounts the indexes from them.
func (v *verifier) checkStories() {
	err := v.tx.Bucket(bucketStories).ForEach(func(k, val []byte) error {
		v.stories++
		v.checkStory(k, val)
		return nil
	})
	if err != nil {
		v.report("stories: %v", err)
	}
}

// checkStory checks the story stored under k as val: its id, its summary,
// its tags, and the item key of each copy; and adds it to the indexes
// recounted.
func (v *verifier) checkStory(k, val []byte) {
	id := binary.BigEndian.Uint64(k)
	var it Item
	if err := json.Unmarshal(val, &it); err != nil {
		v.report("story %d: %v", id, err)
		return
	}
	if it.ID != id {
		v.report("story %d is stored under id %d", it.ID, id)
	}
	want, _ := json.Marshal(summaryOf(&it))
	if got := v.tx.Bucket(bucketSummaries).Get(k); !bytes.Equal(got, want) {
		v.report("story %d: summary %s, want %s", id, got, want)
	}
	key := string(timeKey(it.Published, id))
	v.timeIndex[key] = true
	if got, want := v.tx.Bucket(bucketTime).Get([]byte(key)), joinedValue(&it); got != nil && !bytes.Equal(got, want) {
		v.report("story %d: the time index says its outlets joined %x, its copies %x", id, got, want)
	}
	for _, t := range it.Tags {
		addTo(v.tags, t, key)
	}
	for _, l := range langKeys(it.Language) {
		addTo(v.langs, l, key)
	}
	keys, gone := v.tx.Bucket(bucketKeys), v.tx.Bucket(bucketGone)
	for _, c := range it.Copies {
		addTo(v.sources, c.Source, key)
		if got := bucketGet(keys, c.Source, c.Key); !bytes.Equal(got, k) {
			v.report("story %d: %s's item key %q names story %d", id, c.Source, c.Key, idOf(got))
		}
		if bucketGet(gone, c.Source, c.Key) != nil {
			v.report("story %d: %s's item key %q is marked gone", id, c.Source, c.Key)
		}
	}
	if want := unionTags(it.Copies); len(it.Copies) > 0 && !slices.Equal(it.Tags, want) {
		v.report("story %d: tags %q, its copies bring %q", id, it.Tags, want)
	}
}

// checkSummaries reports summaries of stories that are missing.
func (v *verifier) checkSummaries() {
	v.tx.Bucket(bucketSummaries).ForEach(func(k, _ []byte) error {
		if v.tx.Bucket(bucketStories).Get(k) == nil {
			v.report("summary of story %d, which is missing", idOf(k))
		}
		return nil
	})
}

// checkIndexes compares the time index, and each tag, source and
// language index, with what the stories put in them, and notes what
// their counts should be.
func (v *verifier) checkIndexes() {
	v.compare("time", v.tx.Bucket(bucketTime), v.timeIndex)
	v.counts = map[string]int{string(countStories): v.stories}
	for _, index := range []struct {
		parent []byte
		prefix string
		want   map[string]map[string]bool
	}{{bucketTags, "t/", v.tags}, {bucketBySource, "s/", v.sources}, {bucketLangs, "l/", v.langs}} {
		names := map[string]bool{}
		v.tx.Bucket(index.parent).ForEach(func(name, _ []byte) error {
			names[string(name)] = true
			return nil
		})
		for name := range index.want {
			names[name] = true
		}
		for _, name := range slices.Sorted(maps.Keys(names)) {
			v.compare(string(index.parent)+"/"+name, v.tx.Bucket(index.parent).Bucket([]byte(name)), index.want[name])
			v.counts[index.prefix+name] = len(index.want[name])
		}
	}
}

// compare reports the keys of index b, named name, that want lacks, and
// a number of entries that is not want's; b is nil for an index that is
// missing.
func (v *verifier) compare(name string, b *bolt.Bucket, want map[string]bool) {
	n := 0
	if b != nil {
		b.ForEach(func(k, _ []byte) error {
			n++
			if !want[string(k)] {
				v.report("%s: story %d (published %d) should not be there", name, idOf(k[8:]), idOf(k[:8]))
			}
			return nil
		})
	}
	if n != len(want) || b == nil && len(want) > 0 {
		v.report("%s: %d entries, want %d", name, n, len(want))
	}
}

// checkCounts compares each count with what checkIndexes counted, and
// reports a count that is not 8 bytes or counts an index that never was.
func (v *verifier) checkCounts() {
	counts := v.tx.Bucket(bucketCounts)
	counts.ForEach(func(k, val []byte) error {
		if len(val) != 8 {
			v.report("count %s: %d bytes", k, len(val))
			return nil
		}
		if _, ok := v.counts[string(k)]; !ok {
			v.counts[string(k)] = 0 // a count of an index that never was
		}
		return nil
	})
	for _, key := range slices.Sorted(maps.Keys(v.counts)) {
		var got int
		if val := counts.Get([]byte(key)); len(val) == 8 {
			got = int(binary.BigEndian.Uint64(val))
		} else if v.counts[key] == 0 {
			continue
		}
		if got != v.counts[key] {
			v.report("count %s: %d, want %d", key, got, v.counts[key])
		}
	}
}

// checkGone reports tombstones of item keys that are not kept.
func (v *verifier) checkGone() {
	keys, gone := v.tx.Bucket(bucketKeys), v.tx.Bucket(bucketGone)
	gone.ForEach(func(source, _ []byte) error {
		return gone.Bucket(source).ForEach(func(key, _ []byte) error {
			if bucketGet(keys, string(source), string(key)) == nil {
				v.report("%s's item key %q is marked gone but is not kept", source, key)
			}
			return nil
		})
	})
}

// checkKeys reports item keys whose value is not a story id.
func (v *verifier) checkKeys() {
	keys := v.tx.Bucket(bucketKeys)
	keys.ForEach(func(source, _ []byte) error {
		return keys.Bucket(source).ForEach(func(key, val []byte) error {
			if len(val) != 8 {
				v.report("%s's item key %q: id of %d bytes", source, key, len(val))
			}
			return nil
		})
	})
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

// problemsError is Verify's error for problems, or nil for none.
func problemsError(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	more := ""
	if len(problems) > maxProblems {
		more = fmt.Sprintf("\n(and %d more)", len(problems)-maxProblems)
		problems = problems[:maxProblems]
	}
	return fmt.Errorf("verify: %d inconsistencies:\n%s%s", len(problems), strings.Join(problems, "\n"), more)
}

// checkTrends recounts the stories per tag and day from what the stories
// put in the time and tag indexes, and reports each counter that differs.
func (v *verifier) checkTrends() {
	want := map[string]map[uint32]int64{}
	tally := func(name string, keys map[string]bool) {
		for k := range keys {
			if want[name] == nil {
				want[name] = map[uint32]int64{}
			}
			want[name][dayOf([]byte(k))]++
		}
	}
	tally(allStories, v.timeIndex)
	for name, keys := range v.tags {
		tally(name, keys)
	}
	trends := v.tx.Bucket(bucketTrends)
	if trends == nil {
		v.report("the trends bucket is missing")
		return
	}
	trends.ForEach(func(k, val []byte) error {
		name, day, ok := splitCounterKey(k)
		if !ok || len(val) != 8 {
			v.report("trends: a counter %q of %d bytes", k, len(val))
			return nil
		}
		if n, w := int64(binary.BigEndian.Uint64(val)), want[name][day]; w != n {
			v.report("trends/%s: %d stories on %s, the indexes hold %d", name, n, time.Unix(int64(day)*86400, 0).UTC().Format(time.DateOnly), w)
		}
		delete(want[name], day)
		return nil
	})
	for name, days := range want {
		for day, n := range days {
			v.report("trends/%s: no counter for %s, the indexes hold %d stories", name, time.Unix(int64(day)*86400, 0).UTC().Format(time.DateOnly), n)
		}
	}
}
