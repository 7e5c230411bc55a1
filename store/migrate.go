package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// migrate brings a database written by an older libyawire to the layout
// of schemaVersion, in the transaction that opens it, or refuses a newer
// one. Each step is one version's change, described in doc.go.
func migrate(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	switch v := string(meta.Get([]byte("version"))); v {
	case schemaVersion:
		return nil
	case "1", "2":
		if v == "1" {
			if err := indexLanguages(tx); err != nil {
				return fmt.Errorf("migrate to version 2: %w", err)
			}
			if err := hashLongKeys(tx); err != nil {
				return fmt.Errorf("migrate to version 2: %w", err)
			}
		}
		if err := indexOutlets(tx); err != nil {
			return fmt.Errorf("migrate to version 3: %w", err)
		}
		if err := countTrends(tx); err != nil {
			return fmt.Errorf("migrate to version 3: %w", err)
		}
		return meta.Put([]byte("version"), []byte(schemaVersion))
	default:
		return fmt.Errorf("database version %q, this libyawire reads version %s and older: use a newer libyawire", v, schemaVersion)
	}
}

// indexOutlets writes into every story's time index entry when each of
// its outlets joined it (version 3).
func indexOutlets(tx *bolt.Tx) error {
	type entry struct{ k, v []byte }
	var entries []entry // a bucket is not written while a ForEach reads it
	err := tx.Bucket(bucketStories).ForEach(func(k, v []byte) error {
		var it Item
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("story %d: %w", idOf(k), err)
		}
		entries = append(entries, entry{timeKey(it.Published, it.ID), joinedValue(&it)})
		return nil
	})
	if err != nil {
		return err
	}
	index := tx.Bucket(bucketTime)
	for _, e := range entries {
		if err := index.Put(e.k, e.v); err != nil {
			return err
		}
	}
	return nil
}

// indexLanguages fills the langs index and its counts from the summaries
// (version 2).
func indexLanguages(tx *bolt.Tx) error {
	w := newWriter(tx, "", time.Time{})
	return w.summaries.ForEach(func(k, v []byte) error {
		var s summary
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("summary of story %d: %w", idOf(k), err)
		}
		lang := langKey(s.Lang)
		if lang == "" {
			return nil
		}
		return w.index(bucketLangs, "l/", lang, timeKey(time.Unix(0, s.Published), binary.BigEndian.Uint64(k)), true)
	})
}

// hashLongKeys rewrites the item keys and links keys that keyText now
// hashes (version 2), and the copies that carry those item keys.
func hashLongKeys(tx *bolt.Tx) error {
	links := tx.Bucket(bucketLinks)
	for _, k := range longKeys(links, 0) {
		v := bytes.Clone(links.Get(k))
		if err := links.Delete(k); err != nil {
			return err
		}
		if err := links.Put([]byte(keyText("", string(k))), v); err != nil {
			return err
		}
	}
	stories := tx.Bucket(bucketStories)
	for _, parent := range [][]byte{bucketKeys, bucketGone} {
		p := tx.Bucket(parent)
		var sources [][]byte
		p.ForEach(func(name, _ []byte) error {
			sources = append(sources, bytes.Clone(name))
			return nil
		})
		for _, source := range sources {
			b := p.Bucket(source)
			for _, k := range longKeys(b, 2) {
				v := bytes.Clone(b.Get(k))
				rekeyed := keyText(string(k[:2]), string(k[2:]))
				if err := b.Delete(k); err != nil {
					return err
				}
				if err := b.Put([]byte(rekeyed), v); err != nil {
					return err
				}
				if !bytes.Equal(parent, bucketKeys) {
					continue
				}
				if err := rekeyCopies(stories, v, string(source), string(k), rekeyed); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// longKeys returns the keys of b longer than maxKeyText after a prefix of
// skip bytes.
func longKeys(b *bolt.Bucket, skip int) [][]byte {
	var long [][]byte
	b.ForEach(func(k, _ []byte) error {
		if len(k)-skip > maxKeyText {
			long = append(long, bytes.Clone(k))
		}
		return nil
	})
	return long
}

// rekeyCopies gives the copies of story id that source carries under the
// item key from the item key to.
func rekeyCopies(stories *bolt.Bucket, id []byte, source, from, to string) error {
	v := stories.Get(id)
	if v == nil {
		return nil // a key a pruned story left
	}
	var it Item
	if err := json.Unmarshal(v, &it); err != nil {
		return fmt.Errorf("story %d: %w", idOf(id), err)
	}
	changed := false
	for i := range it.Copies {
		if c := &it.Copies[i]; c.Source == source && c.Key == from {
			c.Key, changed = to, true
		}
	}
	if !changed {
		return nil
	}
	return putJSON(stories, id, &it)
}
