package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
	bolt "go.etcd.io/bbolt"
)

// writeFile writes data to a new file in a temporary folder, and returns
// its path.
func writeFile(tb testing.TB, data []byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "copy.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// dump renders every story of a database of at most MaxLimit stories, to
// compare two databases by.
func dump(tb testing.TB, db *store.DB) string {
	tb.Helper()
	items := all(tb, db, store.Query{Limit: store.MaxLimit})
	if n := count(tb, db); n != len(items) || n == store.MaxLimit {
		tb.Fatalf("dump: Count %d, %d stories listed", n, len(items))
	}
	var b strings.Builder
	for _, it := range items {
		data, _ := json.Marshal(it)
		b.Write(data)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestBackupBesideIngest backs up a database while another goroutine
// ingests into it: the copy opens, checks out, and holds at least every
// story committed before the backup began.
func TestBackupBesideIngest(t *testing.T) {
	db, _ := mustOpen(t, &clock{t0})
	for i := range 5 {
		var items []store.Item
		for j := range 50 {
			items = append(items, store.Item{GUID: fmt.Sprint(i, "-", j), Title: fmt.Sprint(i, "-", j), Published: hoursAgo(i*50 + j), Tags: []string{"libya"}})
		}
		ingest(t, db, "herald", items...)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			it := store.Item{GUID: fmt.Sprint("w", i), Title: fmt.Sprint("wire ", i), Published: hoursAgo(1), Tags: []string{"wire"}}
			if _, err := db.Ingest("wire", []store.Item{it}, store.SourceState{Status: 200}); err != nil {
				errs <- err
				return
			}
		}
	})
	var copies [][]byte
	var before [][]store.Item
	for range 5 {
		before = append(before, all(t, db, store.Query{Limit: store.MaxLimit}))
		var buf bytes.Buffer
		n, err := db.Backup(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(buf.Len()) {
			t.Errorf("Backup says %d bytes, wrote %d", n, buf.Len())
		}
		copies = append(copies, buf.Bytes())
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i, data := range copies {
		cp := mustOpenAt(t, writeFile(t, data), &clock{t0})
		mustVerify(t, cp)
		for _, want := range before[i] {
			got, err := cp.Item(want.ID)
			if err != nil || got.Title != want.Title {
				t.Fatalf("copy %d: story %d: %q, %v; want %q", i, want.ID, got.Title, err, want.Title)
			}
		}
		if st, err := cp.State("herald"); err != nil || st.Items != 250 {
			t.Errorf("copy %d: herald's state %+v, %v", i, st, err)
		}
	}
}

// prunedFile returns the path of a closed database that held 600 stories
// and now holds 100, and a dump of those.
func prunedFile(t *testing.T) (string, string) {
	t.Helper()
	c := &clock{t0}
	db, path := mustOpen(t, c)
	for i := range 6 {
		var items []store.Item
		for j := range 100 {
			n := i*100 + j
			items = append(items, store.Item{GUID: fmt.Sprint(n), Title: fmt.Sprint("story ", n), Published: hoursAgo(n),
				Content: strings.Repeat("words ", 200), Tags: []string{fmt.Sprint("t", n%7)}})
		}
		ingest(t, db, fmt.Sprint("s", i%2), items...)
	}
	if n := mustPrune(t, db, store.Retention{MaxAge: 99*time.Hour + 30*time.Minute}, 0); n != 500 {
		t.Fatalf("deleted %d, want 500", n)
	}
	want := dump(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path, want
}

func TestBackupFile(t *testing.T) {
	path, want := prunedFile(t)
	var buf bytes.Buffer
	n, err := store.BackupFile(path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("BackupFile says %d bytes, wrote %d", n, buf.Len())
	}
	cp := mustOpenAt(t, writeFile(t, buf.Bytes()), &clock{t0})
	mustVerify(t, cp)
	if got := dump(t, cp); got != want {
		t.Errorf("the copy holds other stories:\n%.500s\nwant\n%.500s", got, want)
	}

	missing := filepath.Join(t.TempDir(), "none.db")
	if _, err := store.BackupFile(missing, &buf); err == nil {
		t.Error("backed up a file that does not exist")
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("BackupFile of a missing file created it: %v", err)
	}
}

func TestCompact(t *testing.T) {
	path, want := prunedFile(t)
	before, after, err := store.Compact(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if before <= 0 || after <= 0 || after > before || info.Size() != after {
		t.Errorf("compact: %d -> %d bytes, file now %d", before, after, info.Size())
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the original's 0600", info.Mode().Perm())
	}
	t.Logf("%d -> %d bytes", before, after)
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("files left beside the database: %v", entries)
	}

	c := &clock{t0}
	db := mustOpenAt(t, path, c)
	mustVerify(t, db)
	if got := dump(t, db); got != want {
		t.Errorf("the compacted file holds other stories:\n%.500s\nwant\n%.500s", got, want)
	}
	// The story ids go on from where they were: none is given out twice.
	ingest(t, db, "s0", store.Item{GUID: "new", Title: "after compaction"})
	if got := all(t, db, store.Query{Limit: 1})[0]; got.ID != 601 {
		t.Errorf("the next story got id %d, want 601", got.ID)
	}
	db.Close()

	// Compacting a compact file keeps it as it is.
	if b, a, err := store.Compact(path); err != nil || a != b {
		t.Errorf("compacting again: %d -> %d, %v; want the file kept", b, a, err)
	}
}

// A database file that a process holds is neither backed up nor compacted,
// and is left as it was; each fails within about a second and says why.
func TestHeldFile(t *testing.T) {
	c := &clock{t0}
	db, path := mustOpen(t, c)
	ingest(t, db, "herald", store.Item{GUID: "1", Title: "one"})
	original, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  func() error
	}{
		{"BackupFile", func() error { _, err := store.BackupFile(path, &bytes.Buffer{}); return err }},
		{"Compact", func() error { _, _, err := store.Compact(path); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := tt.run()
			if !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), "is libyawire already running?") {
				t.Errorf("got %v, want ErrLocked", err)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, original) {
		t.Error("the held file changed")
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("files left beside the database: %v", entries)
	}
	if got := all(t, db, store.Query{}); len(got) != 1 {
		t.Errorf("the holder now sees %d stories", len(got))
	}
}

// TestVerifyFindsDamage damages a database behind the store's back and
// expects Verify to say where.
func TestVerifyFindsDamage(t *testing.T) {
	c := &clock{t0}
	db, path := mustOpen(t, c)
	ingest(t, db, "herald",
		store.Item{GUID: "1", Title: "one", Tags: []string{"oil"}},
		store.Item{GUID: "2", Title: "two", Tags: []string{"oil", "sirte"}},
	)
	mustVerify(t, db)
	db.Close()

	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		// A tag index that lost a story, and a count that is off.
		k, _ := tx.Bucket([]byte("tags")).Bucket([]byte("oil")).Cursor().First()
		if err := tx.Bucket([]byte("tags")).Bucket([]byte("oil")).Delete(k); err != nil {
			return err
		}
		return tx.Bucket([]byte("counts")).Put([]byte("t/sirte"), []byte{0, 0, 0, 0, 0, 0, 0, 5})
	})
	if err := errors.Join(err, bdb.Close()); err != nil {
		t.Fatal(err)
	}

	db = mustOpenAt(t, path, c)
	err = db.Verify()
	if err == nil {
		t.Fatal("Verify found nothing wrong")
	}
	for _, want := range []string{"tags/oil: 1 entries, want 2", "count t/sirte: 5, want 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Verify: %v\nwant it to say %q", err, want)
		}
	}
}

// BenchmarkPrune deletes the oldest 10,000 of 100,000 stories.
func BenchmarkPrune(b *testing.B) {
	const stories, old = 100_000, 10_000
	db, _ := mustOpen(b, &clock{t0})
	items := make([]store.Item, 0, store.MaxItemsPerTx)
	for i := range stories {
		items = append(items, store.Item{
			GUID: fmt.Sprint(i), Title: fmt.Sprint("story ", i), Link: fmt.Sprint("https://x.example/", i),
			Content: strings.Repeat("text ", 100), Published: t0.Add(-time.Duration(i) * time.Minute),
			Tags: []string{"libya", fmt.Sprint("t", i%10)},
		})
		if len(items) == cap(items) {
			ingest(b, db, fmt.Sprint("s", i%7), items...)
			items = items[:0]
		}
	}
	var buf bytes.Buffer
	if _, err := db.Backup(&buf); err != nil {
		b.Fatal(err)
	}
	db.Close()
	r := store.Retention{MaxAge: time.Duration(stories-old)*time.Minute - 30*time.Second}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db := mustOpenAt(b, writeFile(b, buf.Bytes()), &clock{t0})
		b.StartTimer()
		n, err := db.Prune(context.Background(), r, 0)
		if err != nil || n != old {
			b.Fatalf("deleted %d, %v; want %d", n, err, old)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*old), "ns/story")
}

// stallWriter is a backup client that stops reading: its Write blocks,
// once after bytes have been written, until release is closed.
type stallWriter struct {
	after   int64
	n       int64
	stalled chan struct{} // closed when Write blocks
	release chan struct{}
}

func (w *stallWriter) Write(p []byte) (int, error) {
	if w.n+int64(len(p)) > w.after {
		close(w.stalled)
		<-w.release
		return 0, errors.New("the client went away")
	}
	w.n += int64(len(p))
	return len(p), nil
}

// TestBackupStalledReader backs up to a client that stops reading, then
// grows the file past what bbolt has mapped: growing it waits for every
// read transaction to end, so a backup that held its transaction while the
// client stalled would stop every writer, and every reader behind them.
func TestBackupStalledReader(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after int64 // bytes the client reads before it stalls
	}{
		{"stalls at once", 0},
		{"stalls after the meta pages", 8 << 10},
		{"stalls half-way", 64 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "libyawire.db")
			c := &clock{t0}
			db, err := store.Open(path, &store.Options{Now: c.Now, NoSync: true, InitialMmapSize: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			for i := range 40 {
				ingest(t, db, "herald", store.Item{GUID: fmt.Sprint("seed-", i), Title: fmt.Sprint("Seed ", i), Content: strings.Repeat("Sirte port. ", 300), Published: hoursAgo(i)})
			}
			w := &stallWriter{after: tc.after, stalled: make(chan struct{}), release: make(chan struct{})}
			backedUp := make(chan error, 1)
			go func() {
				_, err := db.Backup(w)
				backedUp <- err
			}()
			t.Cleanup(func() { close(w.release); <-backedUp }) // before db.Close
			<-w.stalled

			// 4 MB of new stories: the file grows past the 1 MiB mapped.
			done := make(chan error, 1)
			go func() {
				for i := range 40 {
					var items []store.Item
					for j := range 10 {
						items = append(items, store.Item{GUID: fmt.Sprint(i, "-", j), Title: fmt.Sprint("Report ", i, "-", j),
							Content: strings.Repeat(fmt.Sprint("Derna dam ", i, " ", j, ". "), 700), Published: hoursAgo(i)})
					}
					if _, err := db.Ingest("wire", items, store.SourceState{Name: "wire", Status: 200}); err != nil {
						done <- err
						return
					}
					if _, err := db.Items(store.Query{Limit: 10}); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("ingest and queries beside a stalled backup did not finish within 20s")
			}
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Size() <= 1<<20 {
				t.Fatalf("the file is %d bytes: it did not grow past the map, so the test tests nothing", info.Size())
			}
			if n := count(t, db); n != 440 {
				t.Errorf("%d stories, want 440", n)
			}
		})
	}
}
