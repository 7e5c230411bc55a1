package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNotFound is returned for a story or source the database does not hold.
var ErrNotFound = errors.New("not found")

// ErrLocked is returned, wrapped with the path, by Open, BackupFile and
// Compact when another process holds the database file.
var ErrLocked = errors.New("another process holds the database (is libyawire already running?)")

// schemaVersion is written to meta on creation. Open migrates a database
// of an older version (see migrate) and refuses newer ones.
const schemaVersion = "3"

var (
	bucketMeta      = []byte("meta")
	bucketStories   = []byte("stories")
	bucketSummaries = []byte("summaries")
	bucketTime      = []byte("time")
	bucketTags      = []byte("tags")
	bucketBySource  = []byte("bysource")
	bucketCounts    = []byte("counts")
	bucketLinks     = []byte("links")
	bucketKeys      = []byte("keys")
	bucketSources   = []byte("sources")
	bucketGone      = []byte("gone")
	bucketLangs     = []byte("langs")

	allBuckets = [][]byte{bucketMeta, bucketStories, bucketSummaries, bucketTime, bucketTags,
		bucketBySource, bucketCounts, bucketLinks, bucketKeys, bucketSources, bucketGone, bucketLangs}
)

// DB is an open libyawire database. It is safe for concurrent use.
type DB struct {
	bolt     boltDB
	path     string
	now      func() time.Time
	instance string

	generation atomic.Uint64
	changed    atomic.Int64 // Unix nanoseconds of the last story change

	mu      sync.Mutex
	pending map[string]SourceState // state writes not yet committed

	grouping grouping
}

// Close writes pending source state and closes the file. After damage
// broke a write (see boltDB.broken) it returns that at once, and leaves
// the file to the process's exit.
func (db *DB) Close() error {
	err := db.Flush()
	if fe := db.bolt.brokenBy(); fe != nil {
		return fe
	}
	return errors.Join(err, db.bolt.Close())
}

// Check returns nil while the database is open and can be read.
func (db *DB) Check() error {
	return db.bolt.View(func(*bolt.Tx) error { return nil })
}

// Instance returns a random name given to this database when it was created.
// Story ids are unique within one database; the instance makes them unique
// across databases.
func (db *DB) Instance() string { return db.instance }

// Generation returns a number that changes whenever any story changes, so
// that rendered feeds can be cached under it. It starts again at process start.
func (db *DB) Generation() uint64 { return db.generation.Load() }

// Changed returns when any story last changed; the zero time for an empty
// database.
func (db *DB) Changed() time.Time {
	n := db.changed.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// SetState records a source's state after a fetch that stored nothing. It is
// written with the next Ingest or Flush; States sees it at once.
func (db *DB) SetState(st SourceState) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.pending[st.Name] = st
}

// Flush writes the source state recorded by SetState, in one transaction.
func (db *DB) Flush() error {
	pending := db.pendingSnapshot()
	if len(pending) == 0 {
		return nil
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSources)
		for name, st := range pending {
			if err := putJSON(b, []byte(name), st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write source state: %w", err)
	}
	db.forgetWritten(pending)
	return nil
}

// State returns a source's state, or ErrNotFound before its first fetch.
func (db *DB) State(name string) (SourceState, error) {
	db.mu.Lock()
	st, ok := db.pending[name]
	db.mu.Unlock()
	if ok {
		return st, nil
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSources).Get([]byte(name))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &st)
	})
	return st, err
}

// States returns the state of every source the database has seen, by name.
func (db *DB) States() ([]SourceState, error) {
	byName := map[string]SourceState{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSources).ForEach(func(k, v []byte) error {
			var st SourceState
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("source %s: %w", k, err)
			}
			byName[st.Name] = st
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	for name, st := range db.pending {
		byName[name] = st
	}
	db.mu.Unlock()
	states := make([]SourceState, 0, len(byName))
	for _, st := range byName {
		states = append(states, st)
	}
	sort.Slice(states, func(i, j int) bool { return states[i].Name < states[j].Name })
	return states, nil
}

// Item returns the story with the given id, or ErrNotFound.
func (db *DB) Item(id uint64) (Item, error) {
	var it Item
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketStories).Get(idKey(id))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &it)
	})
	return it, err
}

// Count returns how many stories the database holds.
func (db *DB) Count() (int, error) {
	var n int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketCounts).Get(countStories); len(v) == 8 {
			n = int(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	return n, err
}

// Tags returns every tag that some story carries, with its story count,
// by slug.
func (db *DB) Tags() ([]TagCount, error) {
	var tags []TagCount
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCounts).Cursor()
		prefix := []byte("t/")
		for k, v := c.Seek(prefix); bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if n := binary.BigEndian.Uint64(v); n > 0 {
				tags = append(tags, TagCount{Slug: string(k[2:]), Count: int(n)})
			}
		}
		return nil
	})
	return tags, err
}

// markChanged records in meta that stories changed at now, so that Changed
// survives a restart. The caller, once the transaction commits, calls
// db.noteChanged.
func markChanged(tx *bolt.Tx, now time.Time) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(now.UnixNano()))
	return tx.Bucket(bucketMeta).Put([]byte("changed"), b[:])
}

// noteChanged tells caches that stories changed at now: a committed
// markChanged.
func (db *DB) noteChanged(now time.Time) {
	db.changed.Store(now.UnixNano())
	db.generation.Add(1)
}

func idKey(id uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, id)
	return k
}

// timeKey is the key of a story in the time, tag and source indexes.
func timeKey(published time.Time, id uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, unixNano(published))
	binary.BigEndian.PutUint64(k[8:], id)
	return k
}

// unixNano maps a time to an unsigned sort key; times before 1970 sort first.
func unixNano(t time.Time) uint64 {
	if t.Before(time.Unix(0, 0)) {
		return 0
	}
	return uint64(t.UnixNano())
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}
