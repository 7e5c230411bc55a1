package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged is what a *FileError about a damaged file matches with
// errors.Is.
var ErrDamaged = errors.New("the database file is damaged")

// ErrEmpty is what a *FileError about a 0-byte file matches with errors.Is.
var ErrEmpty = errors.New("the database file is empty")

// adviceDamaged says what to do about a damaged file.
const adviceDamaged = "restore it from a copy that libyawire backup took, or run libyawire check-db to see what is readable and libyawire check-db -salvage NEW.db to copy that into a new file"

// FileError says that the database file at Path cannot be used as it is:
// its Error is one sentence that names the file, what is wrong and what to
// do. Open, BackupFile, Compact and Salvage return it for a file that is
// cut short, empty or not a database; any read or write returns it for a
// page or record that does not decode, which only damage makes.
type FileError struct {
	Path    string
	Problem string // what is wrong, such as "it was cut short: ..."
	Advice  string // what to do
	Err     error  // ErrDamaged or ErrEmpty, or beneath them what bbolt or encoding/json said
}

func (e *FileError) Error() string {
	return fmt.Sprintf("%s: %s; %s", e.Path, e.Problem, e.Advice)
}

func (e *FileError) Unwrap() error { return e.Err }

// DamagedFile returns the *FileError that says the database at path is
// damaged, as problem says, and what to do.
func DamagedFile(path, problem string) *FileError { return damaged(path, problem, nil) }

// damaged returns a *FileError for a damaged file at path.
func damaged(path, problem string, err error) *FileError {
	return &FileError{Path: path, Problem: "the database is damaged: " + problem, Advice: adviceDamaged,
		Err: errors.Join(ErrDamaged, err)}
}

// bbolt's file format: each page starts with a 16-byte header (id, flags,
// count, overflow); the first two pages are meta pages, whose meta follows
// the header: magic, version, page size, flags, root bucket (root page,
// sequence), freelist page, the high-water page id, txid and a checksum
// (FNV-64a) of what comes before it. Numbers are in the machine's order,
// little-endian on every platform libyawire ships for.
const (
	pageHeaderSize = 16
	metaSize       = 64
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
)

// meta is the part of a bbolt meta page that checkFile and Salvage read.
type meta struct {
	pageSize uint32
	root     uint64 // the root bucket's page
	rootSeq  uint64
	pgid     uint64 // the high-water page id: the file holds pages [0, pgid)
	txid     uint64
}

// readMeta decodes the meta of a meta page that starts at buf; it reports
// whether bbolt would take it: magic, version and checksum right.
func readMeta(buf []byte) (meta, bool, bool) {
	if len(buf) < pageHeaderSize+metaSize {
		return meta{}, false, false
	}
	m := buf[pageHeaderSize : pageHeaderSize+metaSize]
	le := binary.LittleEndian
	magic := le.Uint32(m[0:]) == boltMagic
	h := fnv.New64a()
	h.Write(m[:56])
	ok := magic && le.Uint32(m[4:]) == boltVersion && le.Uint64(m[56:]) == h.Sum64()
	return meta{
		pageSize: le.Uint32(m[8:]),
		root:     le.Uint64(m[16:]),
		rootSeq:  le.Uint64(m[24:]),
		pgid:     le.Uint64(m[40:]),
		txid:     le.Uint64(m[48:]),
	}, ok, magic
}

// fileMeta reads the meta that bbolt would use of the file f of size
// bytes: the valid one with the higher txid. It returns a *FileError when
// neither meta page is valid.
func fileMeta(path string, f io.ReaderAt, size int64) (meta, error) {
	buf := make([]byte, 4096)
	n, _ := f.ReadAt(buf, 0)
	m0, ok0, magic0 := readMeta(buf[:n])
	var m1 meta
	var ok1, magic1 bool
	// The second meta page is one page in; the first page says how long a
	// page is, or, when it is damaged, each size bbolt allows is tried.
	sizes := []int64{int64(m0.pageSize)}
	if !ok0 {
		sizes = nil
		for ps := int64(1 << 10); ps <= 1<<16; ps <<= 1 {
			sizes = append(sizes, ps)
		}
	}
	for _, ps := range sizes {
		if ps < 1<<10 || ps >= size {
			continue
		}
		n, _ := f.ReadAt(buf, ps)
		if m, ok, magic := readMeta(buf[:n]); magic {
			magic1 = true
			if ok && int64(m.pageSize) == ps {
				m1, ok1 = m, true
				break
			}
		}
	}
	switch {
	case ok0 && (!ok1 || m0.txid >= m1.txid):
		return m0, nil
	case ok1:
		return m1, nil
	case !magic0 && !magic1:
		return meta{}, &FileError{Path: path, Problem: "this is not a libyawire database (it is not a bbolt file)",
			Advice: "check the database setting in the config, or LIBYAWIRE_DATABASE", Err: ErrDamaged}
	}
	return meta{}, damaged(path, "neither of its two header pages is whole", nil)
}

// checkFile checks, before bbolt maps the file at path, that it is as long
// as its header says: bbolt would map the pages a cut-short file lacks, and
// the process would die of SIGBUS reading them. A file that does not exist
// is left to the caller; a 0-byte one, which bbolt would make a new
// database of, is refused unless init is set.
func checkFile(path string, init bool) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	size := info.Size()
	if size == 0 {
		if init {
			return nil
		}
		return &FileError{Path: path, Problem: "the database file is empty (0 bytes), so every story and source state it held is gone",
			Advice: "restore it from a copy that libyawire backup took, or, to start a new database with new story ids, start libyawire once with -init",
			Err:    ErrEmpty}
	}
	m, err := fileMeta(path, f, size)
	if err != nil {
		return err
	}
	if want := int64(m.pgid) * int64(m.pageSize); size < want {
		return damaged(path, fmt.Sprintf("it was cut short: it is %d bytes, its header says %d (%d pages of %d bytes)",
			size, want, m.pgid, m.pageSize), nil)
	}
	return nil
}

// boltDB is bbolt's DB whose transactions return a *FileError where bbolt
// would panic on a page that does not decode (it asserts rather than
// returns an error), or die of a fault reading a page the file lost, and
// where a stored record does not decode.
type boltDB struct {
	*bolt.DB
	path string
	// broken is set when bbolt panicked as a write transaction committed
	// or rolled back: it may then hold its write lock for good (its
	// rollback rereads the freelist, which can panic again), so later
	// writes, and Close, return it at once rather than wait for the lock.
	// A panic in a transaction's fn breaks nothing: bbolt rolls back as
	// for an error. Nil for a file opened only to read.
	broken *atomic.Pointer[FileError]
	// group lets writes share a commit (see Batch). Nil for a file opened
	// only to read.
	group *groupCommit
}

func (b boltDB) View(fn func(*bolt.Tx) error) (err error) {
	defer b.recoverDamage(&err, false)()
	return b.recordError(b.DB.View(fn))
}

func (b boltDB) Update(fn func(*bolt.Tx) error) (err error) {
	if fe := b.brokenBy(); fe != nil {
		return fe
	}
	defer b.recoverDamage(&err, true)()
	return b.recordError(b.DB.Update(func(tx *bolt.Tx) error { return b.safely(fn, tx) }))
}

// safely calls fn, and returns a *FileError where it panics (as bbolt
// does on a page that does not decode) or faults. The caller must have
// made faults panics (recoverDamage).
func (b boltDB) safely(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = b.panicked(p)
		}
	}()
	return fn(tx)
}

// panicked returns the *FileError for a panic or fault in bbolt.
func (b boltDB) panicked(p any) *FileError {
	return damaged(b.path, fmt.Sprintf("a page does not decode (%v)", p), fmt.Errorf("%v", p))
}

// brokenBy returns what broke the database for writing, or nil.
func (b boltDB) brokenBy() *FileError {
	if b.broken == nil {
		return nil
	}
	return b.broken.Load()
}

// recoverDamage makes a memory fault a panic for the calling goroutine,
// and returns the func to defer that turns the panic into *err. bbolt
// rolls back the transaction as the panic unwinds through it.
func (b boltDB) recoverDamage(err *error, write bool) func() {
	old := debug.SetPanicOnFault(true)
	return func() {
		debug.SetPanicOnFault(old)
		if p := recover(); p != nil {
			fe := b.panicked(p)
			if write && b.broken != nil {
				b.broken.CompareAndSwap(nil, fe)
			}
			*err = fe
		}
	}
}

// recordError returns a *FileError for err when it says that a stored
// record does not decode: store writes every record with encoding/json,
// so only damage makes one that does not.
func (b boltDB) recordError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var fe *FileError
	switch {
	case err == nil, errors.As(err, &fe):
		return err
	case errors.As(err, &syntax), errors.As(err, &typ):
		return damaged(b.path, fmt.Sprintf("a record does not decode (%v)", err), err)
	}
	return err
}
