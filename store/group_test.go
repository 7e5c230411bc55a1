package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openGroupDB opens a new database for the group commit tests.
func openGroupDB(t *testing.T) *DB {
	t.Helper()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	db, err := Open(filepath.Join(t.TempDir(), "group.db"), &Options{Now: func() time.Time { return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// txid returns the id of the last write transaction that committed.
func txid(t *testing.T, db *DB) int {
	t.Helper()
	var id int
	if err := db.bolt.DB.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

// together calls each of fns from a goroutine of its own at the same
// moment: the first commit waits until every call has joined the queue,
// so that the rest, queued meanwhile, share the next one. It returns each
// call's error and how many shared transactions began.
func together(t *testing.T, db *DB, fns []func(*bolt.Tx) error, calls *int) ([]error, int) {
	t.Helper()
	g := db.bolt.group
	var arrived atomic.Int32
	all := make(chan struct{})
	g.queued = func() {
		if int(arrived.Add(1)) == len(fns) {
			close(all)
		}
	}
	var began atomic.Int32
	g.committing = func(n int) {
		*calls = n
		if began.Add(1) == 1 {
			<-all
		}
	}
	defer func() { g.queued, g.committing = nil, nil }()
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = db.bolt.Batch(fn) })
	}
	wg.Wait()
	return errs, int(began.Load())
}

// TestGroupCommit: writes made at the same moment share transactions;
// each caller gets its own write's outcome, whatever the others' do; a
// write that fails or panics fails only itself; damage found as the
// shared transaction commits, where bbolt, not a write, panics, is a
// *FileError for each caller, never a crash, and breaks later writes.
func TestGroupCommit(t *testing.T) {
	errBad := errors.New("bad feed")
	const n = 6
	// put stores key i, once per run; bad, when it returns true, makes a
	// run fail after it wrote.
	put := func(i int, runs *[n]atomic.Int32, bad func(run int32) bool) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			run := runs[i].Add(1)
			if err := tx.Bucket(bucketMeta).Put(fmt.Appendf(nil, "group-%d", i), []byte("x")); err != nil {
				return err
			}
			if bad != nil && bad(run) {
				return errBad
			}
			return nil
		}
	}
	for _, tc := range []struct {
		name string
		// fn returns caller i's write; ran, if set, is the hook run as
		// each shared transaction of calls writes is about to commit.
		fn  func(i int, runs *[n]atomic.Int32) func(*bolt.Tx) error
		ran func(calls int) error
		// want is caller i's outcome: nil, errBad or ErrDamaged.
		want   func(i int) error
		stored func(i int) bool // whether key i is there after; nil: either
		// At most how many shared transactions begin (two, and one again
		// for each write that fails in one), and how many transactions
		// commit (0: damage, not counted).
		shared, commits int
		breaks          bool // whether later writes fail: bbolt panicked outside the fns
	}{
		{
			name:   "every write fine",
			fn:     func(i int, runs *[n]atomic.Int32) func(*bolt.Tx) error { return put(i, runs, nil) },
			want:   func(int) error { return nil },
			stored: func(int) bool { return true },
			shared: 2, commits: 2,
		},
		{
			name: "one write fails",
			fn: func(i int, runs *[n]atomic.Int32) func(*bolt.Tx) error {
				return put(i, runs, func(int32) bool { return i == 2 })
			},
			want:   func(i int) error { return map[bool]error{true: errBad}[i == 2] },
			stored: func(i int) bool { return i != 2 },
			shared: 3, commits: 2,
		},
		{
			name: "two writes fail only beside others",
			fn: func(i int, runs *[n]atomic.Int32) func(*bolt.Tx) error {
				return put(i, runs, func(run int32) bool { return (i == 0 || i == 5) && run == 1 })
			},
			want:   func(int) error { return nil },
			stored: func(int) bool { return true },
			shared: 4, commits: 4,
		},
		{
			name: "one write panics",
			fn: func(i int, runs *[n]atomic.Int32) func(*bolt.Tx) error {
				w := put(i, runs, nil)
				return func(tx *bolt.Tx) error {
					if err := w(tx); err != nil || i != 4 {
						return err
					}
					var s []int
					_ = s[i] // as a bug or a page that does not decode
					return nil
				}
			},
			want:   func(i int) error { return map[bool]error{true: ErrDamaged}[i == 4] },
			stored: func(i int) bool { return i != 4 },
			shared: 3,
		},
		{
			name:   "the shared transaction fails once",
			fn:     func(i int, runs *[n]atomic.Int32) func(*bolt.Tx) error { return put(i, runs, nil) },
			ran:    func(calls int) error { return map[bool]error{true: errors.New("no room")}[calls > 1] },
			want:   func(int) error { return nil },
			stored: func(int) bool { return true },
			shared: 2, commits: n,
		},
		{
			name: "damage as the shared transaction commits",
			fn:   func(i int, runs *[n]atomic.Int32) func(*bolt.Tx) error { return put(i, runs, nil) },
			ran: func(int) error {
				panic("page 41 does not decode") // as bbolt's spill or rebalance would
			},
			want:   func(int) error { return ErrDamaged },
			stored: func(int) bool { return false },
			shared: 2, breaks: true,
		},
		{
			name: "damage in bbolt's commit",
			fn: func(i int, runs *[n]atomic.Int32) func(*bolt.Tx) error {
				w := put(i, runs, nil)
				return func(tx *bolt.Tx) error {
					// bbolt calls this inside its Commit, after the
					// transaction's pages are written.
					tx.OnCommit(func() { panic("freelist page 3 does not decode") })
					return w(tx)
				}
			},
			// The first commit's writes are stored; the others are not tried.
			want:   func(int) error { return ErrDamaged },
			shared: 2, breaks: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openGroupDB(t)
			before := txid(t, db)
			var runs [n]atomic.Int32
			var calls int // in the shared transaction under way
			fns := make([]func(*bolt.Tx) error, n)
			for i := range fns {
				fns[i] = tc.fn(i, &runs)
			}
			if tc.ran != nil {
				db.bolt.group.ran = func(*bolt.Tx) error { return tc.ran(calls) }
			}
			errs, began := together(t, db, fns, &calls)
			db.bolt.group.ran = nil
			for i, err := range errs {
				want := tc.want(i)
				if !errors.Is(err, want) || (want == nil) != (err == nil) {
					t.Errorf("write %d: %v, want %v", i, err, want)
				}
				var fe *FileError
				if errors.Is(want, ErrDamaged) && !errors.As(err, &fe) {
					t.Errorf("write %d: %v is no *FileError", i, err)
				}
			}
			if began < 1 || began > tc.shared {
				t.Errorf("%d writes began %d shared transactions, want 1 to %d", n, began, tc.shared)
			}
			if got := txid(t, db) - before; tc.commits > 0 && (got < 1 || got > tc.commits) {
				t.Errorf("%d writes took %d commits, want 1 to %d", n, got, tc.commits)
			}
			err := db.bolt.DB.View(func(tx *bolt.Tx) error {
				for i := range n {
					if tc.stored == nil {
						break
					}
					if got := tx.Bucket(bucketMeta).Get(fmt.Appendf(nil, "group-%d", i)) != nil; got != tc.stored(i) {
						t.Errorf("key %d stored: %v, want %v", i, got, tc.stored(i))
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// After bbolt panicked, writes return the damage at once
			// rather than wait for a write lock it may never give back.
			if err := db.bolt.Batch(put(0, &runs, nil)); tc.breaks != errors.Is(err, ErrDamaged) {
				t.Errorf("a write after: %v, want damage %v", err, tc.breaks)
			}
		})
	}
}

// TestIngestSharesCommits: feeds of different sources ingested at the same
// moment are written in fewer transactions than there are feeds, and each
// is stored whole.
func TestIngestSharesCommits(t *testing.T) {
	db := openGroupDB(t)
	const feeds = 8
	before := txid(t, db)
	fns := make([]func(*bolt.Tx) error, feeds)
	errs := make([]error, feeds)
	for i := range fns {
		fns[i] = func(*bolt.Tx) error {
			source := fmt.Sprintf("wire-%d", i)
			items := []Item{
				{GUID: "a", Link: "https://" + source + ".example/a", Title: "Brega refinery restarts", Published: db.now().Add(-time.Hour)},
				{GUID: "b", Link: "https://" + source + ".example/b", Title: "Ghat road reopens", Published: db.now().Add(-2 * time.Hour)},
			}
			_, errs[i] = db.Ingest(source, items, SourceState{Name: source})
			return nil
		}
	}
	// together's fns here call Ingest, each from its own goroutine, and
	// Ingest calls Batch: the hooks see those calls.
	g := db.bolt.group
	var arrived atomic.Int32
	all := make(chan struct{})
	g.queued = func() {
		if arrived.Add(1) == feeds {
			close(all)
		}
	}
	var began atomic.Int32
	g.committing = func(int) {
		if began.Add(1) == 1 {
			<-all
		}
	}
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Go(func() { fn(nil) })
	}
	wg.Wait()
	g.queued, g.committing = nil, nil
	for i, err := range errs {
		if err != nil {
			t.Errorf("feed %d: %v", i, err)
		}
	}
	if got := txid(t, db) - before; got < 1 || got > 2 {
		t.Errorf("%d feeds took %d commits, want 1 or 2", feeds, got)
	}
	items, err := db.Items(Query{Limit: MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2*feeds {
		t.Errorf("stored %d stories, want %d", len(items), 2*feeds)
	}
	if err := db.Verify(); err != nil {
		t.Error(err)
	}
}
