package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// compactTxSize is how many bytes of keys and values Compact writes per
// transaction, so that compacting a large file costs bounded memory.
const compactTxSize = 64 << 20

// Backup writes a consistent copy of the open database to w, a file that
// Open can open, and returns how much of it it wrote. It first writes the
// source state that SetState holds back, so the copy holds what States
// reports; then it copies the database as one read transaction saw it,
// while Ingest and Prune go on.
//
// The copy goes to a temporary file beside the database first, and only
// then to w. A read transaction keeps bbolt from growing its memory map,
// and a writer that must grow it waits for the transaction, with every
// reader and writer behind it: so w, which may be a client that stopped
// reading, never holds one open. The temporary file is removed at once and
// kept open, so it takes disk space only until Backup returns.
func (db *DB) Backup(w io.Writer) (int64, error) {
	if err := db.Flush(); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(db.path), filepath.Base(db.path)+".backup-*")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	os.Remove(tmp.Name())
	defer tmp.Close()
	var size int64
	err = db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		size, err = tx.WriteTo(tmp)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("backup: copying to a temporary file: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	n, err := io.Copy(w, io.LimitReader(tmp, size))
	if err == nil && n < size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// BackupFile writes a copy of the database at path to w and returns its
// size, for when no process has it open: it fails within a second, with
// ErrLocked, while one does (ask that process for DB.Backup instead). Other
// readers, such as another BackupFile, may share the file.
func BackupFile(path string, w io.Writer) (int64, error) {
	src, err := openReadOnly(path)
	if err != nil {
		return 0, withPath("back up", path, err)
	}
	defer src.Close()
	var n int64
	err = (boltDB{DB: src, path: path}).View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, withPath("back up", path, err)
	}
	return n, nil
}

// Compact rewrites the database at path without the free pages that
// deleted stories left, and returns the file's size before and after. It
// needs the file to itself: while a process has it open it fails within a
// second with ErrLocked. The compacted copy is written beside path, synced,
// and renamed over path only when all of it is written; on any error path
// is left as it was and the copy removed. When the copy would not be
// smaller, path is kept as it is and after equals before.
func Compact(path string) (before, after int64, err error) {
	before, after, err = compact(path)
	if err != nil {
		return before, after, withPath("compact", path, err)
	}
	return before, after, nil
}

func compact(path string) (before, after int64, err error) {
	// Read-only, the original cannot be harmed; its lock keeps writers
	// out until the copy has replaced it (and Open checks, once it has the
	// lock, that it did not get the file being replaced).
	src, err := openReadOnly(path)
	if err != nil {
		return 0, 0, err
	}
	defer src.Close()
	info, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	before = info.Size()

	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".compact-*")
	if err != nil {
		return before, before, err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := errors.Join(f.Chmod(info.Mode().Perm()), f.Close()); err != nil {
		return before, before, err
	}
	if err := compactInto(tmp, boltDB{DB: src, path: path}); err != nil {
		return before, before, err
	}
	if err := syncFile(tmp); err != nil {
		return before, before, err
	}
	tinfo, err := os.Stat(tmp)
	if err != nil {
		return before, before, err
	}
	if tinfo.Size() >= before {
		return before, before, os.Remove(tmp)
	}
	if err := os.Rename(tmp, path); err != nil {
		return before, before, err
	}
	// The copy is in place: from here on, errors are about making the
	// rename itself durable.
	after = tinfo.Size()
	if err := syncFile(filepath.Dir(path)); err != nil {
		return before, after, fmt.Errorf("compacted, but syncing the directory failed: %w", err)
	}
	return before, after, nil
}

// compactInto copies src into a new bbolt file at path. The copy is
// written without fsync; the caller syncs it once, at the end.
func compactInto(path string, src boltDB) (err error) {
	dst, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return boltError(err)
	}
	defer func() { err = errors.Join(err, dst.Close()) }()
	// A damaged page of src makes bbolt panic as Compact reads it.
	defer src.recoverDamage(&err, false)()
	return src.recordError(bolt.Compact(dst, src.DB, compactTxSize))
}

// syncFile flushes a file, or a directory's entries, to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
