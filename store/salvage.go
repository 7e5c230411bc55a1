package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	bolt "go.etcd.io/bbolt"
)

// A damaged file cannot be left to bbolt: it panics on a page that does not
// decode and faults on one the file lost. So CheckFile and Salvage read the
// file's pages themselves, following the trees from the meta page and
// checking every offset before they use it; a page that does not decode
// costs the keys beneath it, and nothing else.

// salvageBatch is how many stories Salvage writes per transaction.
const salvageBatch = 500

// FileReport is what CheckFile or Salvage found in a database file.
type FileReport struct {
	Stories int // stories whose record decodes (and, for Salvage, copied)
	Lost    int // stories the file counts that could not be read
	Sources int // source states that decode (and were copied)
	// Scanned is how many of Stories were found by reading every page of
	// the file, as the pages above them were lost. A story deleted since
	// (or a story's older version, when its page was freed) may be among
	// them.
	Scanned int
	// SequenceLost says that the stories bucket's sequence, which numbers
	// new stories, could not be read: Salvage goes on from the highest id
	// the file still names, and stories lost with higher ids may see
	// theirs given again.
	SequenceLost bool
	Damage       []string // the first maxProblems damaged pages and records
	More         int      // how many more Damage did not list
	// Inconsistencies is Verify's answer for the file (CheckFile) or for
	// the copy (Salvage), when the pages could all be read.
	Inconsistencies error
}

// Damaged reports whether the file had pages or records that did not decode.
func (r *FileReport) Damaged() bool { return len(r.Damage) > 0 }

func (r *FileReport) damage(format string, args ...any) {
	if len(r.Damage) < maxProblems {
		r.Damage = append(r.Damage, fmt.Sprintf(format, args...))
		return
	}
	r.More++
}

// CheckFile reads every page and record of the database at path that its
// trees reach, without bbolt, and reports what cannot be read; when all of
// it can, it also checks the indexes against the stories (Verify). It
// changes nothing, and fails with ErrLocked while a process has the file
// open for writing, as the daemon does.
func CheckFile(path string) (*FileReport, error) {
	r, err := scanFile(path, nil)
	if err != nil {
		return nil, err
	}
	if !r.Damaged() {
		bdb, err := openReadOnly(path)
		if err != nil {
			return r, withPath("check", path, err)
		}
		defer bdb.Close()
		var problems []string
		err = boltDB{DB: bdb, path: path}.View(func(tx *bolt.Tx) error {
			problems = verify(tx)
			return nil
		})
		if err != nil {
			return r, err
		}
		r.Inconsistencies = problemsError(problems)
	}
	return r, nil
}

// Salvage copies what can be read of the database at path into a new
// database at dest, which must not exist: every story whose record
// decodes, with its indexes built anew, the source states, and the item
// keys, links and tombstones of the stories copied. A story that is lost
// is forgotten with its item keys, so that a source that still lists it
// brings it back, under a new id. Story ids already given out are never
// given out again.
func Salvage(path, dest string) (*FileReport, error) {
	if _, err := os.Stat(dest); !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("salvage into %s: the file exists; name a new one", dest)
	}
	db, err := Open(dest, &Options{NoSync: true})
	if err != nil {
		return nil, err
	}
	s := &salvager{db: db, saved: map[uint64]bool{}}
	r, err := scanFile(path, s)
	if err == nil {
		r.Inconsistencies = db.Verify()
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(dest)
	}
	if err != nil {
		os.Remove(dest)
		return nil, fmt.Errorf("salvage %s into %s: %w", path, dest, err)
	}
	return r, nil
}

// salvager writes into the new database what scanFile reads.
type salvager struct {
	db      *DB
	batch   []Item
	saved   map[uint64]bool // the stories copied
	maxID   uint64          // the stories bucket's sequence, or its largest id
	meta    map[string][]byte
	sources map[string][]byte
	links   map[string][]byte
	keys    map[[2]string][]byte // source, item key -> id
	gone    [][2]string
}

func (s *salvager) story(it Item) error {
	s.batch = append(s.batch, it)
	s.saved[it.ID] = true
	s.maxID = max(s.maxID, it.ID)
	if len(s.batch) >= salvageBatch {
		return s.flush()
	}
	return nil
}

func (s *salvager) flush() error {
	if len(s.batch) == 0 {
		return nil
	}
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		w := newWriter(tx, "", s.db.now())
		for i := range s.batch {
			if err := w.save(&s.batch[i], nil); err != nil {
				return err
			}
		}
		return w.flushTrends()
	})
	s.batch = s.batch[:0]
	return err
}

// finish writes what goes beside the stories.
func (s *salvager) finish() error {
	if err := s.flush(); err != nil {
		return err
	}
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		for _, put := range []func(*bolt.Tx) error{s.putMeta, s.putSources, s.putLinks, s.putKeys, putStoryKeys} {
			if err := put(tx); err != nil {
				return err
			}
		}
		return nil
	})
}

// putMeta copies the old file's meta, but for its version: the new
// database has its own.
func (s *salvager) putMeta(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	for k, v := range s.meta {
		if k != "version" {
			if err := meta.Put([]byte(k), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// putSources copies the source states that decode.
func (s *salvager) putSources(tx *bolt.Tx) error {
	for k, v := range s.sources {
		if err := tx.Bucket(bucketSources).Put([]byte(k), v); err != nil {
			return err
		}
	}
	return nil
}

// putLinks copies the links of the stories copied.
func (s *salvager) putLinks(tx *bolt.Tx) error {
	for k, v := range s.links {
		if s.saved[idOf(v)] {
			if err := tx.Bucket(bucketLinks).Put([]byte(k), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// putKeys copies the item keys of the stories copied, and those marked
// gone with their tombstones.
func (s *salvager) putKeys(tx *bolt.Tx) error {
	gone := map[[2]string]bool{}
	for _, g := range s.gone {
		gone[g] = true
	}
	for sk, v := range s.keys {
		if !s.saved[idOf(v)] && !gone[sk] {
			continue
		}
		b, err := tx.Bucket(bucketKeys).CreateBucketIfNotExists([]byte(sk[0]))
		if err != nil {
			return err
		}
		if err := b.Put([]byte(sk[1]), v); err != nil {
			return err
		}
		if gone[sk] {
			g, err := tx.Bucket(bucketGone).CreateBucketIfNotExists([]byte(sk[0]))
			if err != nil {
				return err
			}
			if err := g.Put([]byte(sk[1]), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// putStoryKeys makes each copy's key name its story, whether or not
// keys/<name> could be read; so does the story's link, unless another
// story has it.
func putStoryKeys(tx *bolt.Tx) error {
	return tx.Bucket(bucketStories).ForEach(func(k, v []byte) error {
		var it Item
		if err := json.Unmarshal(v, &it); err != nil {
			return err
		}
		for _, c := range it.Copies {
			b, err := tx.Bucket(bucketKeys).CreateBucketIfNotExists([]byte(c.Source))
			if err != nil {
				return err
			}
			if err := b.Put([]byte(c.Key), k); err != nil {
				return err
			}
		}
		if canon := CanonicalLink(it.Link); canon != "" && tx.Bucket(bucketLinks).Get([]byte(canon)) == nil {
			if err := tx.Bucket(bucketLinks).Put([]byte(canon), k); err != nil {
				return err
			}
		}
		return nil
	})
}
