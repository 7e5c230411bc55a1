package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// scanFile reads the file at path page by page and reports what it found;
// with s, it hands s what it can read.
func scanFile(path string, s *salvager) (*FileReport, error) {
	f, size, err := openToScan(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size == 0 {
		return nil, checkFile(path, false)
	}
	m, err := fileMeta(path, f, size)
	if err != nil {
		return nil, err
	}
	p := &pages{f: f, size: size, pageSize: int64(m.pageSize), high: m.pgid, r: &FileReport{}}
	if want := int64(m.pgid) * int64(m.pageSize); size < want {
		p.r.damage("the file is %d bytes, its header says %d: it was cut short", size, want)
	}
	sc := newScan(p, m.root, s)
	sc.stories()
	if p.r.Damaged() {
		sc.scanLeaves()
	}
	sc.countLost()
	sc.sources()
	if s == nil {
		sc.indexes()
		return p.r, nil
	}
	sc.salvage()
	if sc.werr != nil {
		return nil, sc.werr
	}
	if err := s.finish(); err != nil {
		return nil, err
	}
	// Past every id the old file gave out.
	err = s.db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStories).SetSequence(s.maxID)
	})
	if err != nil {
		return nil, err
	}
	return p.r, nil
}

// openToScan opens the file at path for scanFile, with a shared lock, as
// a file being written would look damaged, and returns it with its size.
func openToScan(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("check %s: %w", path, err)
	}
	if err := lockShared(f); err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("check %s: %w", path, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("check %s: %w", path, err)
	}
	return f, info.Size(), nil
}

// scan is one reading of a file's buckets for scanFile, which hands s,
// when not nil, what it reads.
type scan struct {
	p    *pages
	r    *FileReport
	top  map[string]*bucketRef // the top-level buckets that could be read
	seen map[uint64]bool       // the ids of the stories bucket's keys
	s    *salvager
	werr error // the first error of s.story, after which s is handed no more stories
}

// newScan reads the root bucket at root and reports each top-level bucket
// it cannot read.
func newScan(p *pages, root uint64, s *salvager) *scan {
	sc := &scan{p: p, r: p.r, top: map[string]*bucketRef{}, seen: map[uint64]bool{}, s: s}
	p.walk(root, nil, "", func(k, v []byte, ref *bucketRef) {
		if ref != nil {
			sc.top[string(k)] = ref
		}
	})
	for _, name := range allBuckets {
		if sc.top[string(name)] == nil {
			p.r.damage("bucket %s cannot be read", name)
		}
	}
	return sc
}

// each calls fn for each key of the top-level bucket name that can be read.
func (sc *scan) each(name []byte, fn func(k, v []byte, ref *bucketRef)) {
	if ref := sc.top[string(name)]; ref != nil {
		sc.p.walk(ref.root, ref.inline, string(name), fn)
	}
}

// nested calls fn for each key that can be read of each bucket nested in
// the top-level bucket name, with the nested bucket's name.
func (sc *scan) nested(name []byte, fn func(sub string, k, v []byte)) {
	sc.each(name, func(sub, _ []byte, ref *bucketRef) {
		if ref != nil {
			sc.p.walk(ref.root, ref.inline, string(name)+"/"+string(sub), func(k, v []byte, _ *bucketRef) { fn(string(sub), k, v) })
		}
	})
}

// keep hands a story that decodes to the salvager, if any, until it fails.
func (sc *scan) keep(it Item) {
	if sc.s != nil && sc.werr == nil {
		sc.werr = sc.s.story(it)
	}
}

// stories reads the stories bucket: its sequence, and each story, which
// it counts as read or lost.
func (sc *scan) stories() {
	if ref := sc.top[string(bucketStories)]; ref != nil && sc.s != nil {
		sc.s.maxID = ref.sequence
	} else if ref == nil {
		sc.r.SequenceLost = true
	}
	sc.each(bucketStories, func(k, v []byte, _ *bucketRef) {
		sc.seen[idOf(k)] = true
		var it Item
		if err := json.Unmarshal(v, &it); err != nil || len(k) != 8 || it.ID != idOf(k) {
			sc.r.damage("story %d: its record does not decode (%v)", idOf(k), err)
			sc.r.Lost++
			return
		}
		sc.r.Stories++
		sc.keep(it)
	})
}

// scanLeaves finds the stories beneath a page that was lost, which may
// still be on theirs, by reading every leaf page of the file.
func (sc *scan) scanLeaves() {
	found := map[uint64]Item{}
	sc.p.leaves(func(k, v []byte) {
		var it Item
		if len(k) != 8 || sc.seen[idOf(k)] || json.Unmarshal(v, &it) != nil || it.ID != idOf(k) || len(it.Copies) == 0 {
			return
		}
		// A page bbolt freed holds an older version: the newest wins.
		if old, ok := found[it.ID]; !ok || it.Modified.After(old.Modified) {
			found[it.ID] = it
		}
	})
	for _, id := range slices.Sorted(maps.Keys(found)) {
		sc.r.Stories++
		sc.r.Scanned++
		sc.keep(found[id])
	}
}

// countLost counts as lost the stories beneath a page that does not
// decode, which are not seen at all: the count says how many there were.
func (sc *scan) countLost() {
	counted := -1
	sc.each(bucketCounts, func(k, v []byte, _ *bucketRef) {
		if string(k) == string(countStories) && len(v) == 8 {
			counted = int(binary.BigEndian.Uint64(v))
		}
	})
	if unseen := counted - sc.r.Stories - sc.r.Lost; unseen > 0 {
		sc.r.Lost += unseen
	}
}

// sources reads the source states.
func (sc *scan) sources() {
	sc.each(bucketSources, func(k, v []byte, _ *bucketRef) {
		var st SourceState
		if err := json.Unmarshal(v, &st); err != nil {
			sc.r.damage("source %s: its state does not decode (%v)", k, err)
			return
		}
		sc.r.Sources++
		if sc.s != nil {
			sc.s.sources = setKey(sc.s.sources, string(k), v)
		}
	})
}

// salvage hands the salvager the meta, links, item keys and tombstones.
func (sc *scan) salvage() {
	s := sc.s
	sc.each(bucketMeta, func(k, v []byte, _ *bucketRef) { s.meta = setKey(s.meta, string(k), v) })
	sc.each(bucketLinks, func(k, v []byte, _ *bucketRef) {
		s.links = setKey(s.links, string(k), v)
		s.maxID = max(s.maxID, idOf(v))
	})
	s.keys = map[[2]string][]byte{}
	sc.nested(bucketKeys, func(sub string, k, v []byte) {
		s.keys[[2]string{sub, string(k)}] = v
		s.maxID = max(s.maxID, idOf(v))
	})
	sc.nested(bucketGone, func(sub string, k, _ []byte) { s.gone = append(s.gone, [2]string{sub, string(k)}) })
}

// indexes reads the buckets not read yet, for the damage they may hide.
func (sc *scan) indexes() {
	for _, name := range allBuckets {
		switch string(name) {
		case string(bucketStories), string(bucketCounts), string(bucketSources):
		case string(bucketTags), string(bucketBySource), string(bucketKeys), string(bucketGone):
			sc.nested(name, func(string, []byte, []byte) {})
		default:
			sc.each(name, func([]byte, []byte, *bucketRef) {})
		}
	}
}

func setKey(m map[string][]byte, k string, v []byte) map[string][]byte {
	if m == nil {
		m = map[string][]byte{}
	}
	m[k] = v
	return m
}
