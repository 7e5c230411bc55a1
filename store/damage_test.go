package store_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/group"
	"github.com/libyawire/libyawire/store"
)

// marker is the title of the one story the damage is aimed at: its record
// is found in the file by it.
const marker = "Kufra convoy reaches the border"

// damageStories is how many stories goodFile stores.
const damageStories = 241

// goodFile writes a real database with store and returns its bytes.
func goodFile(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "good.db")
	c := &clock{t0}
	db, err := store.Open(path, &store.Options{Now: c.Now, NoSync: true, InitialMmapSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for batch := range 4 {
		source := []string{"herald", "wire"}[batch%2]
		var items []store.Item
		for i := range 60 {
			n := batch*60 + i
			items = append(items, store.Item{GUID: fmt.Sprint("g", n), Link: fmt.Sprintf("https://news.example/%d", n),
				Title: fmt.Sprintf("Benghazi council meets, session %d", n), Content: strings.Repeat("The municipal council met. ", 20),
				Published: hoursAgo(2 + n), Tags: []string{"libya", fmt.Sprint("t", n%7)}})
		}
		ingest(t, db, source, items...)
	}
	ingest(t, db, "herald", store.Item{GUID: "marker", Link: "https://news.example/kufra", Title: marker, Published: hoursAgo(1)})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// layout returns the page size and high-water page id of a bbolt file, as
// its newer meta page says.
func layout(data []byte) (pageSize, high int) {
	le := binary.LittleEndian
	pageSize = int(le.Uint32(data[16+8:]))
	m0, m1 := data[16:], data[pageSize+16:]
	m := m0
	if le.Uint64(m1[48:]) > le.Uint64(m0[48:]) {
		m = m1
	}
	return pageSize, int(le.Uint64(m[40:]))
}

// markerPages returns the offsets of the in-use pages that hold marker.
func markerPages(t *testing.T, data []byte) []int {
	t.Helper()
	ps, high := layout(data)
	var pages []int
	for off := 2 * ps; off < high*ps; off += ps {
		if bytes.Contains(data[off:off+ps], []byte(marker)) {
			pages = append(pages, off)
		}
	}
	if len(pages) == 0 {
		t.Fatal("no page holds the marker story")
	}
	return pages
}

// damages are the ways a file gets damaged, each applied to a good file's
// bytes.
var damages = []struct {
	name string
	// damage returns the damaged bytes.
	damage func(t *testing.T, data []byte) []byte
	// salvage: whether Salvage finds the file's header, and copies
	// stories; what it copies of a file cut after its first data page
	// depends on what that page holds.
	salvage, some bool
}{
	// Cut short: bbolt maps the pages the file lacks and faults on them.
	{"cut to half", func(t *testing.T, d []byte) []byte { ps, high := layout(d); return d[:high/2*ps] }, true, true},
	{"cut by its last page", func(t *testing.T, d []byte) []byte { ps, high := layout(d); return d[:(high-1)*ps] }, true, true},
	{"cut after the meta pages", func(t *testing.T, d []byte) []byte { ps, _ := layout(d); return d[:3*ps] }, true, false},
	// Zeroed: bbolt asserts on a page of type 0.
	{"the marker's pages zeroed", func(t *testing.T, d []byte) []byte {
		ps, _ := layout(d)
		for _, off := range markerPages(t, d) {
			clear(d[off : off+ps])
		}
		return d
	}, true, true},
	{"from the marker's page on zeroed", func(t *testing.T, d []byte) []byte {
		ps, high := layout(d)
		clear(d[markerPages(t, d)[0] : high*ps])
		return d
	}, true, true},
	{"both meta pages zeroed", func(t *testing.T, d []byte) []byte { ps, _ := layout(d); clear(d[:2*ps]); return d }, false, false},
	// Flipped: a record that no longer decodes, a page header bbolt
	// asserts on, checksums that no longer match.
	{"a comma in the marker's record flipped", func(t *testing.T, d []byte) []byte {
		for _, off := range markerPages(t, d) {
			i := off + bytes.Index(d[off:], []byte(marker+`",`)) + len(marker) + 1
			d[i] ^= 0x93
		}
		return d
	}, true, true},
	{"the marker's page type flipped", func(t *testing.T, d []byte) []byte {
		for _, off := range markerPages(t, d) {
			d[off+8] ^= 0x0c
		}
		return d
	}, true, true},
	{"both meta checksums flipped", func(t *testing.T, d []byte) []byte {
		ps, _ := layout(d)
		d[16+60] ^= 0xff
		d[ps+16+60] ^= 0xff
		return d
	}, false, false},
}

// readAll does what the daemon and the commands do with a database at
// start and on every request, and returns the first error.
func readAll(path string) error {
	c := &clock{t0}
	db, err := store.Open(path, &store.Options{Now: c.Now, NoSync: true})
	if err != nil {
		return err
	}
	defer db.Close()
	cfg := group.DefaultConfig()
	cfg.Window = 10000 * 60 * 60 * 1e9
	if err := db.SetGrouping(&cfg); err != nil {
		return err
	}
	if _, err := db.States(); err != nil {
		return err
	}
	if _, err := db.Items(store.Query{Limit: store.MaxLimit}); err != nil {
		return err
	}
	for _, tag := range []string{"libya", "t3"} {
		if _, err := db.Items(store.Query{Tags: [][]string{{tag}}, Limit: store.MaxLimit}); err != nil {
			return err
		}
	}
	if _, err := db.Backup(io.Discard); err != nil {
		return err
	}
	return db.Verify()
}

// wantFileError checks that err is one sentence about path.
func wantFileError(t *testing.T, err error, path string, is error) {
	t.Helper()
	var fe *store.FileError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v (%T), want a *store.FileError", err, err)
	}
	if !errors.Is(err, is) {
		t.Errorf("%v is not %v", err, is)
	}
	msg := fe.Error()
	if fe.Path != path || !strings.HasPrefix(msg, path+": ") || strings.Contains(msg, "\n") {
		t.Errorf("got %q, want one line that begins with %s", msg, path)
	}
	if strings.Contains(msg, "is damaged") && !strings.Contains(msg, "libyawire check-db") {
		t.Errorf("%q does not say what to do", msg)
	}
}

// TestDamagedFile opens damaged copies of a real database: each read gives
// a *FileError, never a panic or a fault; CheckFile says what it found, and
// Salvage copies what can be read into a database that checks out.
func TestDamagedFile(t *testing.T) {
	good := goodFile(t)
	for _, tc := range damages {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "libyawire.db")
			if err := os.WriteFile(path, tc.damage(t, bytes.Clone(good)), 0o600); err != nil {
				t.Fatal(err)
			}
			wantFileError(t, readAll(path), path, store.ErrDamaged)
			_, err := store.BackupFile(path, io.Discard)
			if err == nil {
				// The file is copied page by page, not read: the copy is
				// what is checked (libyawire backup does).
				t.Log("BackupFile copied it")
			} else {
				wantFileError(t, err, path, store.ErrDamaged)
			}
			// Compact copies records without decoding them: it fails only
			// on a page bbolt cannot read.
			if _, _, err = store.Compact(path); err != nil {
				wantFileError(t, err, path, store.ErrDamaged)
			}

			r, err := store.CheckFile(path)
			if err != nil {
				wantFileError(t, err, path, store.ErrDamaged)
			} else if !r.Damaged() && r.Inconsistencies == nil {
				t.Errorf("CheckFile found nothing wrong: %+v", r)
			}

			dest := filepath.Join(dir, "salvaged.db")
			r, err = store.Salvage(path, dest)
			if !tc.salvage {
				if err == nil && r.Stories > 0 {
					t.Fatalf("Salvage copied %d stories from a file without a readable header", r.Stories)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Stories == 0 && tc.some || r.Stories > damageStories || !r.Damaged() {
				t.Errorf("salvaged %d stories (%d by scanning pages), lost %d, of %d; damage %q", r.Stories, r.Scanned, r.Lost, damageStories, r.Damage)
			}
			t.Logf("salvaged %d stories (%d by scanning pages), lost %d, of %d", r.Stories, r.Scanned, r.Lost, damageStories)
			if r.Inconsistencies != nil {
				t.Errorf("the salvaged copy: %v", r.Inconsistencies)
			}
			if err := readAll(dest); err != nil {
				t.Fatalf("the salvaged copy: %v", err)
			}
			c := &clock{t0}
			db := mustOpenAt(t, dest, c)
			if n := count(t, db); n != r.Stories {
				t.Errorf("the copy holds %d stories, Salvage says %d", n, r.Stories)
			}
			// A new story gets an id the old file never gave out.
			ingest(t, db, "herald", store.Item{GUID: "after", Title: "Ghat airport reopens", Published: t0})
			items := all(t, db, store.Query{Limit: 1})
			if want := uint64(damageStories); r.SequenceLost {
				t.Logf("the sequence was lost")
			} else if len(items) != 1 || items[0].ID <= want {
				t.Errorf("a new story after salvage: %+v, want an id above %d", items, damageStories)
			}
		})
	}
}

// TestEmptyFile refuses a 0-byte file, which bbolt would make a new
// database of, unless Init says to, and makes one of a missing file.
func TestEmptyFile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		create bool
		init   bool
		ok     bool
	}{
		{"empty", true, false, false},
		{"empty, with init", true, true, true},
		{"missing", false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "libyawire.db")
			if tc.create {
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			db, err := store.Open(path, &store.Options{Init: tc.init, NoSync: true})
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				db.Close()
				return
			}
			wantFileError(t, err, path, store.ErrEmpty)
			if !strings.Contains(err.Error(), "-init") {
				t.Errorf("%q does not name -init", err)
			}
			for _, err := range []error{second(store.BackupFile(path, io.Discard)), third(store.Compact(path)), second(store.CheckFile(path))} {
				wantFileError(t, err, path, store.ErrEmpty)
			}
			if info, err := os.Stat(path); err != nil || info.Size() != 0 {
				t.Errorf("the file was changed: %v, %v", info, err)
			}
		})
	}
}

// TestNotADatabase names the setting to check when the file is some other
// file.
func TestNotADatabase(t *testing.T) {
	for _, content := range []string{
		"listen: 127.0.0.1:8080\ndatabase: libyawire.db\n",
		strings.Repeat("\x00", 8192),
		strings.Repeat("SQLite format 3\x00", 1000),
	} {
		path := filepath.Join(t.TempDir(), "libyawire.db")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(path, nil)
		wantFileError(t, err, path, store.ErrDamaged)
		if !strings.Contains(err.Error(), "not a libyawire database") {
			t.Errorf("got %q", err)
		}
	}
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }

// TestDamageWhileOpen damages the file under an open database, as a disk
// or another program might: reads and writes that reach the damage return
// a *FileError; none panics or faults the process.
func TestDamageWhileOpen(t *testing.T) {
	good := goodFile(t)
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, f *os.File, d []byte)
	}{
		{"the marker's pages zeroed", func(t *testing.T, f *os.File, d []byte) {
			ps, _ := layout(d)
			for _, off := range markerPages(t, d) {
				if _, err := f.WriteAt(make([]byte, ps), int64(off)); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"cut to a third", func(t *testing.T, f *os.File, d []byte) {
			ps, high := layout(d)
			if err := f.Truncate(int64(high / 3 * ps)); err != nil {
				t.Fatal(err)
			}
		}},
		{"the marker's page type flipped", func(t *testing.T, f *os.File, d []byte) {
			for _, off := range markerPages(t, d) {
				if _, err := f.WriteAt([]byte{d[off+8] ^ 0x0c}, int64(off+8)); err != nil {
					t.Fatal(err)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "libyawire.db")
			if err := os.WriteFile(path, good, 0o600); err != nil {
				t.Fatal(err)
			}
			c := &clock{t0}
			db := mustOpenAt(t, path, c)
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			tc.damage(t, f, good)
			var first error
			for _, step := range []func() error{
				func() error { _, err := db.Items(store.Query{Limit: store.MaxLimit}); return err },
				func() error { _, err := db.Item(damageStories); return err },
				db.Verify,
				func() error {
					_, err := db.Ingest("herald", []store.Item{{GUID: "marker", Title: marker + ", and on", Published: hoursAgo(1)}}, store.SourceState{Name: "herald"})
					return err
				},
			} {
				if err := step(); err != nil && first == nil {
					first = err
				}
			}
			wantFileError(t, first, path, store.ErrDamaged)
		})
	}
}

// TestCheckFileLocked: CheckFile and Salvage read no file that a process
// has open for writing, whose pages change beneath them.
func TestCheckFileLocked(t *testing.T) {
	db, path := mustOpen(t, &clock{t0})
	ingest(t, db, "herald", store.Item{GUID: "1", Title: "Zuwara fishermen protest", Published: hoursAgo(1)})
	if _, err := store.CheckFile(path); !errors.Is(err, store.ErrLocked) {
		t.Errorf("CheckFile: %v, want ErrLocked", err)
	}
	dest := filepath.Join(t.TempDir(), "salvaged.db")
	if _, err := store.Salvage(path, dest); !errors.Is(err, store.ErrLocked) {
		t.Errorf("Salvage: %v, want ErrLocked", err)
	}
	if _, err := os.Stat(dest); err == nil {
		t.Error("Salvage left a file behind")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := store.CheckFile(path)
	if err != nil || r.Damaged() || r.Inconsistencies != nil || r.Stories != 1 {
		t.Errorf("CheckFile once closed: %+v, %v", r, err)
	}
}
