package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// damageMarker is the title of the story whose page the damage is aimed at.
const damageMarker = "Ubari water plant repaired"

// writeDamageConfig writes a config whose database is lib.db beside it,
// and returns the config's path and the database's.
func writeDamageConfig(t *testing.T) (configPath, dbPath string) {
	t.Helper()
	dir := t.TempDir()
	configPath = filepath.Join(dir, "config.yaml")
	cfg := `listen: 127.0.0.1:0
database: lib.db
schedule: "@every 1h"
tags:
  - slug: libya
    match: [Libya]
sources:
  - name: herald
    url: http://127.0.0.1:9/feed
    tags: [libya]
`
	if err := os.WriteFile(configPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return configPath, filepath.Join(dir, "lib.db")
}

// realDatabase writes a database with store, its stories published in the
// last hours so that the daemon's grouping index reads them at start, and
// returns its bytes.
func realDatabase(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "real.db")
	db, err := store.Open(path, &store.Options{NoSync: true, InitialMmapSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var items []store.Item
	for i := range 120 {
		items = append(items, store.Item{GUID: fmt.Sprint("h", i), Link: fmt.Sprintf("https://herald.example/%d", i),
			Title: fmt.Sprintf("Misrata port traffic, week %d", i), Content: strings.Repeat("Ships came and went. ", 30),
			Published: now.Add(-time.Duration(2+i) * time.Minute), Tags: []string{"libya"}})
	}
	items = append(items, store.Item{GUID: "marker", Link: "https://herald.example/ubari", Title: damageMarker, Published: now.Add(-time.Minute)})
	if _, err := db.Ingest("herald", items, store.SourceState{Name: "herald", Status: 200, LastSuccess: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// boltLayout returns a bbolt file's page size and high-water page id.
func boltLayout(d []byte) (pageSize, high int) {
	le := binary.LittleEndian
	pageSize = int(le.Uint32(d[24:]))
	m := d[16:]
	if m1 := d[pageSize+16:]; le.Uint64(m1[48:]) > le.Uint64(m[48:]) {
		m = m1
	}
	return pageSize, int(le.Uint64(m[40:]))
}

// markerOffsets returns where damageMarker is in the file's in-use pages.
func markerOffsets(t *testing.T, d []byte) []int {
	t.Helper()
	ps, high := boltLayout(d)
	var offs []int
	for off := 2 * ps; off < high*ps; off += ps {
		if i := bytes.Index(d[off:off+ps], []byte(damageMarker)); i >= 0 {
			offs = append(offs, off+i)
		}
	}
	if len(offs) == 0 {
		t.Fatal("no page holds the marker story")
	}
	return offs
}

// TestDamagedDatabase puts damaged copies of a real database under the
// commands and the built daemon: each says, in one sentence that names the
// file, what is wrong and what to do, and exits 1; check-db -salvage makes
// a database that checks out of what remains.
func TestDamagedDatabase(t *testing.T) {
	bin := buildDaemon(t)
	good := realDatabase(t)
	for _, tc := range []struct {
		name   string
		damage func(d []byte) []byte
		want   string // in the sentence
	}{
		{"truncated", func(d []byte) []byte { ps, high := boltLayout(d); return d[:(high*2/3)*ps] }, "cut short"},
		{"zeroed", func(d []byte) []byte {
			ps, _ := boltLayout(d)
			for _, off := range markerOffsets(t, d) {
				page := off / ps * ps
				clear(d[page : page+ps])
			}
			return d
		}, "a page does not decode"},
		{"flipped", func(d []byte) []byte {
			for _, off := range markerOffsets(t, d) {
				d[off+len(damageMarker)+1] ^= 0xb1 // the comma after the title
			}
			return d
		}, "a record does not decode"},
		{"empty", func([]byte) []byte { return nil }, "empty (0 bytes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			configPath, dbPath := writeDamageConfig(t)
			damaged := tc.damage(bytes.Clone(good))
			if err := os.WriteFile(dbPath, damaged, 0o600); err != nil {
				t.Fatal(err)
			}
			sentence := func(what, got string) {
				t.Helper()
				got = strings.TrimSuffix(got, "\n")
				want := tc.want
				if what == "check-db" && tc.name != "empty" {
					want = "the database is damaged: " // then what check-db found first
				}
				if !strings.HasPrefix(got, dbPath+": ") || strings.Contains(got, "\n") || !strings.Contains(got, want) {
					t.Errorf("%s: got %q, want one line that names %s and says %q", what, got, dbPath, want)
				}
				if tc.name != "empty" && !strings.Contains(got, "libyawire check-db -salvage NEW.db") {
					t.Errorf("%s: %q does not say what to do", what, got)
				}
			}

			// The daemon, built, as systemd would start it.
			cmd := exec.Command(bin, "-config", configPath)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			cmd.Env = append(os.Environ(), "LIBYAWIRE_DATABASE=")
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 1 {
					t.Errorf("the daemon exited with %v, want exit status 1", err)
				}
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("the daemon is still running on a damaged file; its log:\n%s", stderr.String())
			}
			sentence("the daemon", stderr.String())

			for _, args := range [][]string{
				{"sources", "-config", configPath},
				{"backup", "-config", configPath, filepath.Join(filepath.Dir(dbPath), "copy.db")},
				{"compact", "-config", configPath},
				{"check-db", "-config", configPath},
			} {
				_, _, err := runCommand(t, args...)
				if err == nil {
					// sources reads only the source states, and compact
					// copies records without decoding them: either may
					// not reach the damage. Neither may change the stories.
					if args[0] != "sources" && args[0] != "compact" || tc.name == "empty" || tc.name == "truncated" {
						t.Errorf("%s: no error", args[0])
					}
					continue
				}
				sentence(args[0], err.Error())
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dbPath), "copy.db")); err == nil {
				t.Error("backup left a copy of a damaged database")
			}

			if tc.name == "empty" {
				// -init makes it a new database.
				_, _, err := runCommand(t, "fetch", "-init", "-config", configPath)
				if err == nil || !strings.Contains(err.Error(), "not every source") {
					t.Fatalf("fetch -init: %v", err)
				}
				if n := storiesIn(t, dbPath); n != 0 {
					t.Errorf("a new database holds %d stories", n)
				}
				return
			}
			salvaged := filepath.Join(filepath.Dir(dbPath), "salvaged.db")
			out, _, err := runCommand(t, "check-db", "-config", configPath, "-salvage", salvaged)
			if err != nil {
				t.Fatalf("check-db -salvage: %v\n%s", err, out)
			}
			if !strings.Contains(out, "salvaged ") || !strings.Contains(out, "move "+salvaged+" in its place") {
				t.Errorf("check-db -salvage says %q", out)
			}
			if n := storiesIn(t, salvaged); n == 0 || n > 121 {
				t.Errorf("the salvaged database holds %d stories, of 121", n)
			}
		})
	}
}

// TestCheckDBGoodFile: check-db says ok of a database that is whole, and
// -init and -salvage are refused where they mean nothing.
func TestCheckDBGoodFile(t *testing.T) {
	configPath, dbPath := writeDamageConfig(t)
	if err := os.WriteFile(dbPath, realDatabase(t), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCommand(t, "check-db", "-config", configPath)
	if err != nil || out != dbPath+": ok: 121 stories, 1 source state; every page and record can be read, and the indexes agree with the stories\n" {
		t.Errorf("check-db: %v: %q", err, out)
	}
	for _, args := range [][]string{
		{"sources", "-init", "-config", configPath},
		{"backup", "-salvage", "x.db", "-config", configPath, "y.db"},
		{"check-db", "-init", "-config", configPath},
	} {
		if _, _, err := runCommand(t, args...); err == nil || !strings.Contains(err.Error(), " is for ") {
			t.Errorf("%q: %v", args, err)
		}
	}
}
