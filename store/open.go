package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

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
		if v := string(meta.Get([]byte("version"))); v != schemaVersion && v != "1" && v != "2" {
			return fmt.Errorf("database version %q, this libyawire reads versions 1 to %s", v, schemaVersion)
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
		// Not in allBuckets: a file from before version 3 has none, and
		// its damage check must not say so.
		if _, err := tx.CreateBucketIfNotExists(bucketTrends); err != nil {
			return err
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
