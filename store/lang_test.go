package store

import (
	"encoding/binary"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestLangIndex: lang= walks the langs index, regional forms included, and
// a language no story has, or that is no language tag, matches nothing.
func TestLangIndex(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	db, err := Open(t.TempDir()+"/l.db", &Options{Now: func() time.Time { return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hostile := strings.Repeat("en-", 20000)
	langs := []string{"en", "en-GB", "EN-us", "ar", "", hostile, "en gb", "english"}
	var items []Item
	for i, l := range langs {
		items = append(items, Item{GUID: l + "#" + string(rune('a'+i)), Title: "In " + l, Language: l, Published: now.Add(-time.Duration(i) * time.Minute)})
	}
	if _, err := db.Ingest("herald", items, SourceState{Status: 200}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		lang string
		want []string
	}{
		{"en", []string{"en", "en-GB", "EN-us"}},
		{"EN-GB", []string{"en-GB"}},
		{"ar", []string{"ar"}},
		{"fr", nil},
		{"e", nil},
		{hostile, nil},
		{"en gb", nil},
	}
	for _, tc := range cases {
		got, err := db.Items(Query{Lang: tc.lang})
		if err != nil {
			t.Fatal(err)
		}
		var have []string
		for _, it := range got {
			have = append(have, it.Language)
		}
		if !slices.Equal(have, tc.want) {
			t.Errorf("lang=%.20q: %q, want %q", tc.lang, have, tc.want)
		}
	}
	if err := db.Verify(); err != nil {
		t.Error(err)
	}
}

// TestQueryBound: a query that leaves out more than MaxExamined of the
// newest stories stops there; one that matches within the bound finds it.
func TestQueryBound(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	db, err := Open(t.TempDir()+"/b.db", &Options{Now: func() time.Time { return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var feed []Item
	for i := range MaxExamined + 100 {
		feed = append(feed, Item{GUID: "n" + string(rune(i+0x100)), Title: "Tagged", Tags: []string{"libya"},
			Published: now.Add(-time.Duration(i) * time.Second)})
	}
	near := Item{GUID: "near", Title: "Near", Language: "ar", Published: now.Add(-time.Duration(MaxExamined/2) * time.Second)}
	far := Item{GUID: "far", Title: "Far", Language: "ar", Published: now.Add(-time.Duration(MaxExamined+50) * time.Second)}
	feed = append(feed, near, far)
	if _, err := db.Ingest("herald", feed, SourceState{Status: 200}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{"notag within the bound", Query{NoTags: []string{"libya"}}, []string{"Near"}},
		{"lang, indexed", Query{Lang: "ar"}, []string{"Near", "Far"}},
		{"notag and lang", Query{NoTags: []string{"libya"}, Lang: "ar"}, []string{"Near", "Far"}},
		{"tag and lang, disjoint", Query{Tags: [][]string{{"libya"}}, Lang: "ar"}, nil},
	}
	for _, tc := range cases {
		got, err := db.Items(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		var have []string
		for _, it := range got {
			have = append(have, it.Title)
		}
		if !slices.Equal(have, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, have, tc.want)
		}
	}
}

// TestMigrateV1: a version 1 database (no langs index, long keys as they
// were) is brought to version 2 at Open: Verify passes, lang= finds its
// stories, and its long-keyed item is known again.
func TestMigrateV1(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	path := t.TempDir() + "/m.db"
	guid := strings.Repeat("tag:herald.example,2026:", 100) // 2,400 bytes: a key version 1 kept as it was
	long := Item{GUID: guid, Link: "https://herald.example/" + strings.Repeat("x", 2000), Title: "Long", Language: "ar", Published: now.Add(-time.Hour)}
	short := Item{GUID: "s", Title: "Short", Language: "en", Published: now.Add(-2 * time.Hour)}
	db, err := Open(path, &Options{Now: func() time.Time { return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Ingest("herald", []Item{long, short}, SourceState{Status: 200}); err != nil {
		t.Fatal(err)
	}
	// Make it what version 1 wrote.
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketLangs); err != nil {
			return err
		}
		counts := tx.Bucket(bucketCounts)
		for _, k := range []string{"l/ar", "l/en"} {
			if err := counts.Delete([]byte(k)); err != nil {
				return err
			}
		}
		keys := tx.Bucket(bucketKeys).Bucket([]byte("herald"))
		hashed := keyText("g:", guid)
		id := keys.Get([]byte(hashed))
		if err := keys.Delete([]byte(hashed)); err != nil {
			return err
		}
		if err := keys.Put([]byte("g:"+guid), id); err != nil {
			return err
		}
		links := tx.Bucket(bucketLinks)
		canon := CanonicalLink(long.Link)
		if err := links.Delete([]byte(keyText("", canon))); err != nil {
			return err
		}
		if err := links.Put([]byte(canon), id); err != nil {
			return err
		}
		var it Item
		if err := json.Unmarshal(tx.Bucket(bucketStories).Get(id), &it); err != nil {
			return err
		}
		it.Copies[0].Key = "g:" + guid
		if err := putJSON(tx.Bucket(bucketStories), id, &it); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("version"), []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path, &Options{Now: func() time.Time { return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Verify(); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Items(Query{Lang: "ar"}); len(got) != 1 || got[0].Title != "Long" {
		t.Errorf("lang=ar after the migration: %d stories", len(got))
	}
	res, err := db.Ingest("herald", []Item{long, short}, SourceState{Status: 200})
	if err != nil || res.Unchanged != 2 {
		t.Errorf("the same feed after the migration: %+v, %v", res, err)
	}
	if _, err := db.Ingest("wire", []Item{{Link: long.Link + "?utm_source=x", Title: "Copy"}}, SourceState{Status: 200}); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Count(); n != 2 {
		t.Errorf("%d stories, want 2: the long link's copy joined no story", n)
	}
	var version string
	db.bolt.View(func(tx *bolt.Tx) error {
		version = string(tx.Bucket(bucketMeta).Get([]byte("version")))
		return nil
	})
	if version != schemaVersion {
		t.Errorf("version %q", version)
	}
}

// TestMigrateOutlets: a version 2 database, whose time index does not say
// when outlets joined, is read as one whose copies joined when each story
// was first seen, and its developing stories are found.
func TestMigrateOutlets(t *testing.T) {
	path := t.TempDir() + "/v2.db"
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	db, err := Open(path, &Options{Now: func() time.Time { return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"herald", "wire", "observer"} {
		if _, err := db.Ingest(src, []Item{{GUID: src, Link: "https://herald.example/port", Title: "Port reopens", Published: now}}, SourceState{Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	// As version 2 wrote them: no join times, in the copies or the summary.
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		id := idKey(1)
		var it Item
		if err := json.Unmarshal(tx.Bucket(bucketStories).Get(id), &it); err != nil {
			return err
		}
		for i := range it.Copies {
			it.Copies[i].Joined = time.Time{}
		}
		if err := tx.Bucket(bucketTime).Put(timeKey(it.Published, it.ID), nil); err != nil {
			return err
		}
		if err := putJSON(tx.Bucket(bucketStories), id, &it); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("version"), []byte("2"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Items(Query{Top: true}); len(got) != 1 {
		t.Fatalf("%d top stories before the migration", len(got))
	}
	db.Close()

	db, err = Open(path, &Options{Now: func() time.Time { return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Verify(); err != nil {
		t.Fatal(err)
	}
	got, err := db.Items(Query{Developing: &DefaultDeveloping})
	if err != nil || len(got) != 1 {
		t.Fatalf("developing after the migration: %d stories, %v", len(got), err)
	}
	if o := got[0].Outlets(); len(o) != 3 || !o[0].At.Equal(got[0].FirstSeen) {
		t.Errorf("outlets after the migration: %+v", o)
	}
	// A counter off by one is found.
	db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTrends).Put(counterKey(allStories, dayOf(timeKey(now, 1))), binary.BigEndian.AppendUint64(nil, 2))
	})
	if err := db.Verify(); err == nil || !strings.Contains(err.Error(), "trends/*: 2 stories on 2026-11-20, the indexes hold 1") {
		t.Errorf("Verify of a wrong counter: %v", err)
	}
}
