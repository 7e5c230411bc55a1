package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/libyawire/libyawire/group"
)

var keyGroupVersion = []byte("group_version") // the grouping settings the stories are grouped under

// DefaultRegroupBatch is how many stories one Regroup transaction covers.
const DefaultRegroupBatch = 500

// GroupVersion returns the grouping settings the last completed Regroup
// or SetGroupVersion recorded, or "".
func (db *DB) GroupVersion() (string, error) {
	var v string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v = string(tx.Bucket(bucketMeta).Get(keyGroupVersion))
		return nil
	})
	return v, err
}

// SetGroupVersion records the grouping settings the stories are grouped
// under, without regrouping: for a new database.
func (db *DB) SetGroupVersion(version string) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyGroupVersion, []byte(version))
	})
}

// Regroup brings the stored stories' groups in line with cfg (nil: no
// grouping) after the settings changed, and records version. It works in
// transactions of DefaultRegroupBatch stories beside ingest and readers.
//
// First each story's grouped copies are compared again with its other
// copies: one that is no longer the same news leaves the story and becomes
// a story of its own, with a new id. Then the stories are walked in the
// order they were published, and one that is the same news as an earlier
// one within the window joins it, as a grouped copy, and is deleted; the
// earlier story keeps its id. A Regroup stopped by ctx leaves every story
// whole, and the next one does the work again.
//
// It returns how many copies left their stories and how many stories
// joined others.
func (db *DB) Regroup(ctx context.Context, cfg *group.Config, version string) (split, merged int, err error) {
	if split, err = db.splitGroups(ctx, cfg); err != nil {
		return split, 0, fmt.Errorf("regroup: %w", err)
	}
	if cfg != nil {
		if merged, err = db.mergeGroups(ctx, *cfg); err != nil {
			return split, merged, fmt.Errorf("regroup: %w", err)
		}
		if err := db.buildGroupIndex(cfg.Window); err != nil {
			return split, merged, fmt.Errorf("regroup: %w", err)
		}
	}
	if err := db.SetGroupVersion(version); err != nil {
		return split, merged, fmt.Errorf("regroup: %w", err)
	}
	return split, merged, nil
}

// regroupBatches runs step in one write transaction after another, from
// the key after, until it returns a nil key or ctx is done.
func (db *DB) regroupBatches(ctx context.Context, step func(w *writer, after []byte) (next []byte, n int, err error)) (total int, err error) {
	var after []byte
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		now := db.now().UTC().Truncate(time.Second)
		var next []byte
		var n int
		var changed bool
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			w := newWriter(tx, "", now)
			var err error
			if next, n, err = step(w, after); err != nil {
				return err
			}
			if changed = w.changed; changed {
				return markChanged(tx, now)
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if changed {
			db.noteChanged(now)
		}
		if next == nil {
			return total, nil
		}
		after = next
	}
}

// splitGroups takes out of each story the grouped copies that cfg no
// longer finds the same news as the story's own.
func (db *DB) splitGroups(ctx context.Context, cfg *group.Config) (int, error) {
	return db.regroupBatches(ctx, func(w *writer, after []byte) ([]byte, int, error) {
		c := w.stories.Cursor()
		k, v := c.First()
		if after != nil {
			k, v = c.Seek(after)
			if bytes.Equal(k, after) {
				k, v = c.Next()
			}
		}
		split := 0
		var last []byte
		for n := 0; k != nil && n < DefaultRegroupBatch; k, v = c.Next() {
			n++
			last = slices.Clone(k)
			var it Item
			if err := json.Unmarshal(v, &it); err != nil {
				return nil, split, fmt.Errorf("story %x: %w", k, err)
			}
			if !slices.ContainsFunc(it.Copies, func(c Copy) bool { return c.Grouped }) {
				continue
			}
			out, err := w.splitStory(&it, cfg)
			if err != nil {
				return nil, split, err
			}
			split += out
			// splitStory's writes moved the cursor's bucket: seek back.
			c = w.stories.Cursor()
			c.Seek(last)
		}
		if k == nil {
			return nil, split, nil
		}
		return last, split, nil
	})
}

// splitStory keeps the story's copies that are the same news as its own
// (the first copy, and those that joined it by link) under cfg, and makes
// each other grouped copy a story of its own.
func (w *writer) splitStory(it *Item, cfg *group.Config) (int, error) {
	_, old, err := w.load(idKey(it.ID))
	if err != nil {
		return 0, err
	}
	var kept, out []Copy
	var sigs []*group.Sig
	for i := range it.Copies {
		c := it.Copies[i]
		if !c.Grouped {
			kept = append(kept, c)
			sigs = append(sigs, copySig(it, i))
			continue
		}
		s := copySig(it, i)
		same := false
		if cfg != nil {
			same = slices.ContainsFunc(sigs, func(k *group.Sig) bool { ok, _ := group.Same(s, k, *cfg); return ok })
		}
		if same {
			kept = append(kept, c)
			sigs = append(sigs, s)
		} else {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return 0, nil
	}
	it.Copies = kept
	it.Tags = unionTags(kept)
	it.Modified = w.now
	if err := w.save(it, old); err != nil {
		return 0, err
	}
	for _, c := range out {
		if err := w.standAlone(it, c); err != nil {
			return 0, err
		}
	}
	w.changed = true
	return len(out), nil
}

// standAlone stores a grouped copy that left story as a story of its own,
// and points its key and link at it.
func (w *writer) standAlone(story *Item, c Copy) error {
	seq, err := w.stories.NextSequence()
	if err != nil {
		return err
	}
	published := c.Published
	if published.IsZero() {
		published = story.Published
	}
	c.Grouped = false
	it := Item{
		ID: seq, Link: c.Link, Title: c.Title, Summary: c.Summary, Content: c.Content, Author: c.Author,
		Language: c.Language, Published: published, FirstSeen: story.FirstSeen, Modified: w.now,
		Tags: c.Tags, Copies: []Copy{c},
	}
	it.Copies[0].Summary, it.Copies[0].Content, it.Copies[0].Author, it.Copies[0].Language = "", "", "", ""
	if guid, ok := strings.CutPrefix(c.Key, "g:"); ok {
		it.GUID = guid
	}
	if err := w.repoint(c, idKey(story.ID), idKey(seq)); err != nil {
		return err
	}
	return w.save(&it, nil)
}

// repoint makes a copy's item key and canonical link name the story to,
// where they named from.
func (w *writer) repoint(c Copy, from, to []byte) error {
	keys, err := w.tx.Bucket(bucketKeys).CreateBucketIfNotExists([]byte(c.Source))
	if err != nil {
		return err
	}
	if bytes.Equal(keys.Get([]byte(c.Key)), from) {
		if err := keys.Put([]byte(c.Key), to); err != nil {
			return err
		}
	}
	if canon := []byte(CanonicalLink(c.Link)); len(canon) > 0 && bytes.Equal(w.links.Get(canon), from) {
		return w.links.Put(canon, to)
	}
	return nil
}

// mergeGroups walks the stories in the order they were published and
// folds each into an earlier one it is the same news as.
func (db *DB) mergeGroups(ctx context.Context, cfg group.Config) (int, error) {
	x := group.NewIndex()
	return db.regroupBatches(ctx, func(w *writer, after []byte) ([]byte, int, error) {
		times := w.tx.Bucket(bucketTime)
		merged := 0
		var last []byte
		for n := 0; n < DefaultRegroupBatch; n++ {
			c := times.Cursor()
			var k []byte
			if last == nil && after == nil {
				k, _ = c.First()
			} else {
				from := last
				if from == nil {
					from = after
				}
				k, _ = c.Seek(from)
				if bytes.Equal(k, from) {
					k, _ = c.Next()
				}
			}
			if k == nil {
				return nil, merged, nil
			}
			last = slices.Clone(k)
			it, old, err := w.load(k[8:])
			if err != nil {
				return nil, merged, err
			}
			x.Expire(it.Published.Add(-cfg.Window))
			first := copySig(&it, 0)
			into, ok := x.Find(first, cfg, reporter(&it.Copies[0]))
			if ok && into != it.ID {
				if err := w.mergeInto(&it, old, into); err != nil {
					return nil, merged, err
				}
				for i := range it.Copies {
					x.Add(into, copySig(&it, i), reporter(&it.Copies[i]))
				}
				merged++
				continue
			}
			for i := range it.Copies {
				x.Add(it.ID, copySig(&it, i), reporter(&it.Copies[i]))
			}
		}
		return last, merged, nil
	})
}

// mergeInto folds story it into the story into: its copies join as
// grouped copies with their own text, its keys and links name into, and
// it is deleted (no tombstones: its reports live on in into).
func (w *writer) mergeInto(it *Item, old *summary, into uint64) error {
	target, targetOld, err := w.load(idKey(into))
	if err != nil {
		return err
	}
	for i, c := range it.Copies {
		if !c.Grouped {
			// The story's own text, which its first copy, and the copies
			// that joined it by link, told.
			c.Summary, c.Content, c.Author, c.Language = it.Summary, it.Content, it.Author, it.Language
			if c.Title == "" {
				c.Title = it.Title
			}
			if c.Published.IsZero() {
				c.Published = it.Published
			}
		}
		c.Grouped = true
		if err := w.repoint(it.Copies[i], idKey(it.ID), idKey(into)); err != nil {
			return err
		}
		target.Copies = append(target.Copies, c)
	}
	target.Tags = unionTags(target.Copies)
	target.Modified = w.now
	if err := w.save(&target, targetOld); err != nil {
		return err
	}
	id := idKey(it.ID)
	if err := w.stories.Delete(id); err != nil {
		return err
	}
	if err := w.summaries.Delete(id); err != nil {
		return err
	}
	if err := w.unindex(old, it.ID); err != nil {
		return err
	}
	w.changed = true
	return nil
}
