package store

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrNotFound is returned for a story or source the database does not hold.
var ErrNotFound = errors.New("not found")

// ErrLocked is returned, wrapped with the path, by Open, BackupFile and
// Compact when another process holds the database file.
var ErrLocked = errors.New("another process holds the database (is libyawire already running?)")

// schemaVersion is written to meta on creation. Open migrates a database
// of an older version (see migrate) and refuses newer ones.
const schemaVersion = "2"

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

// Options tunes Open. A nil *Options means the defaults.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Timeout is how long Open waits for another process to release the
	// file; zero means one second.
	Timeout time.Duration
	// NoSync skips fsync on commit. Only for tests and benchmarks: a crash
	// can then lose or corrupt the file.
	NoSync bool
	// Logger is told what the operator should know of (the grouping
	// index reaching its limits); nil means nothing is logged.
	Logger *slog.Logger
	// Init lets Open make a new database of an empty (0-byte) file, which
	// it otherwise refuses: a file that lost its contents is not a new
	// database. A file that does not exist is made a new one either way.
	Init bool
	// InitialMmapSize is how much of the file bbolt maps at first; zero
	// means 256 MiB. A file that grows past it is mapped again, which
	// waits for every read transaction to end.
	InitialMmapSize int
}

// Open opens the database at path, creating it if needed. It fails after
// Options.Timeout when another process holds the file, and with a
// *FileError when the file is empty (see Options.Init), cut short or
// otherwise damaged.
func Open(path string, opts *Options) (*DB, error) {
	if opts == nil {
		opts = &Options{}
	}
	if err := checkFile(path, opts.Init); err != nil {
		return nil, err
	}
	bdb, err := openBolt(path, opts)
	if err != nil {
		return nil, withPath("open", path, err)
	}
	db := &DB{bolt: boltDB{DB: bdb, path: path, broken: new(atomic.Pointer[FileError]), group: new(groupCommit)}, path: path, now: opts.Now, pending: map[string]SourceState{}}
	if db.now == nil {
		db.now = time.Now
	}
	db.grouping.log = opts.Logger
	if err := db.init(); err != nil {
		bdb.Close()
		return nil, withPath("open", path, err)
	}
	return db, nil
}

// openBolt opens path for writing. Compact renames a new file over path
// while it holds the old one; an Open that was waiting for the old file's
// lock then holds a file nobody will see again, so it opens path afresh.
func openBolt(path string, opts *Options) (*bolt.DB, error) {
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = time.Second
	}
	mmapSize := opts.InitialMmapSize
	if mmapSize == 0 {
		mmapSize = 256 << 20
	}
	for attempt := 0; ; attempt++ {
		var file *os.File
		bdb, err := boltOpen(path, &bolt.Options{
			Timeout:         timeout,
			NoSync:          opts.NoSync,
			FreelistType:    bolt.FreelistMapType,
			InitialMmapSize: mmapSize,
			OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
				f, err := os.OpenFile(name, flag, mode)
				file = f
				return f, err
			},
		})
		if err != nil {
			return nil, boltError(err)
		}
		if attempt < 2 && file != nil && !samePath(file, path) {
			bdb.Close()
			continue
		}
		return bdb, nil
	}
}

// samePath reports whether f is the file that path names now.
func samePath(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return true // nothing better to go on: keep what is open
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// openReadOnly opens path for reading only, beside other readers, failing
// after a second when a writer holds it; the file must be a database of
// this schema version.
func openReadOnly(path string) (*bolt.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err // bbolt would create it
	}
	if err := checkFile(path, false); err != nil {
		return nil, err
	}
	bdb, err := boltOpen(path, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return nil, boltError(err)
	}
	err = (boltDB{DB: bdb, path: path}).View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return errors.New("not a libyawire database")
		}
		if v := string(meta.Get([]byte("version"))); v != schemaVersion && v != "1" {
			return fmt.Errorf("database version %q, this libyawire reads versions 1 and %s", v, schemaVersion)
		}
		return nil
	})
	if err != nil {
		bdb.Close()
		return nil, err
	}
	return bdb, nil
}

// boltOpen is bolt.Open, with a *FileError where bbolt would panic on a
// damaged page it reads at open (its freelist), or say that its meta pages
// are invalid.
func boltOpen(path string, opts *bolt.Options) (bdb *bolt.DB, err error) {
	// After a panic, bbolt's file (and its lock) is closed here.
	var file *os.File
	openFile := opts.OpenFile
	if openFile == nil {
		openFile = os.OpenFile
	}
	o := *opts
	o.OpenFile = func(name string, flag int, mode os.FileMode) (*os.File, error) {
		f, err := openFile(name, flag, mode)
		file = f
		return f, err
	}
	defer func() {
		if err != nil && bdb == nil && file != nil {
			// bbolt's map of the file keeps it open, and locked, past Close.
			unlockFile(file)
			file.Close()
		}
	}()
	defer (boltDB{path: path}).recoverDamage(&err, false)()
	bdb, err = bolt.Open(path, 0o600, &o)
	if errors.Is(err, bolterrors.ErrInvalid) || errors.Is(err, bolterrors.ErrChecksum) {
		return nil, damaged(path, err.Error(), err)
	}
	return bdb, err
}

// withPath says what was done to which file for err, except for a
// *FileError, which names the file and says all.
func withPath(op, path string, err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe
	}
	return fmt.Errorf("%s %s: %w", op, path, err)
}

// boltError says ErrLocked for bbolt's timeout.
func boltError(err error) error {
	if errors.Is(err, bolterrors.ErrTimeout) {
		return ErrLocked
	}
	return err
}

func (db *DB) init() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if meta.Get([]byte("version")) == nil {
			var b [8]byte
			if _, err := rand.Read(b[:]); err != nil {
				return err
			}
			if err := meta.Put([]byte("version"), []byte(schemaVersion)); err != nil {
				return err
			}
			if err := meta.Put([]byte("instance"), []byte(hex.EncodeToString(b[:]))); err != nil {
				return err
			}
		}
		if err := migrate(tx); err != nil {
			return err
		}
		db.instance = string(meta.Get([]byte("instance")))
		if c := meta.Get([]byte("changed")); len(c) == 8 {
			db.changed.Store(int64(binary.BigEndian.Uint64(c)))
		}
		return nil
	})
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
