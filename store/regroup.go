package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/libyawire/libyawire/group"
)

var keyGroupVersion = []byte("group_version") // the grouping settings the stories are grouped under

// DefaultRegroupBatch is how many stories one Regroup transaction covers.
const DefaultRegroupBatch = 500

// GroupVersion returns the grouping settings the last completed Regroup
// or SetGroupVersion recorded, or "".
func (db *DB) GroupVersion() (string, error) { return db.metaValue(keyGroupVersion) }

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

// splitGroups takes out of each story the grouped copies that cfg no
// longer finds the same news as the story's own.
func (db *DB) splitGroups(ctx context.Context, cfg *group.Config) (int, error) {
	var after []byte // the last story done
	return db.inBatches(ctx, func(w *writer) (int, bool, error) {
		split := 0
		for n := 0; n < DefaultRegroupBatch; n++ {
			// A split writes to the bucket: each story is sought afresh.
			k, v := seekAfter(w.stories.Cursor(), after)
			if k == nil {
				return split, true, nil
			}
			after = slices.Clone(k)
			var it Item
			if err := json.Unmarshal(v, &it); err != nil {
				return split, false, fmt.Errorf("story %x: %w", k, err)
			}
			if !slices.ContainsFunc(it.Copies, func(c Copy) bool { return c.Grouped }) {
				continue
			}
			out, err := w.splitStory(&it, cfg)
			if err != nil {
				return split, false, err
			}
			split += out
		}
		return split, false, nil
	})
}

// seekAfter moves c to the first key after after, or to the first key when
// after is nil.
func seekAfter(c *bolt.Cursor, after []byte) (k, v []byte) {
	if after == nil {
		return c.First()
	}
	k, v = c.Seek(after)
	if bytes.Equal(k, after) {
		k, v = c.Next()
	}
	return k, v
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
	it := Item{
		ID: seq, Link: c.Link, Title: c.Title, Summary: c.Summary, Content: c.Content, Author: c.Author,
		Language: c.Language, Published: published, FirstSeen: story.FirstSeen, Modified: w.now,
		Tags: c.Tags, Copies: []Copy{c},
	}
	it.Copies[0].dropText()
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
	if canon := []byte(linkKey(c.Link)); len(canon) > 0 && bytes.Equal(w.links.Get(canon), from) {
		return w.links.Put(canon, to)
	}
	return nil
}

// mergeGroups walks the stories in the order they were published and
// folds each into an earlier one it is the same news as.
func (db *DB) mergeGroups(ctx context.Context, cfg group.Config) (int, error) {
	x := group.NewLimitedIndex(db.grouping.indexLimits())
	var after []byte // the time key of the last story done
	return db.inBatches(ctx, func(w *writer) (int, bool, error) {
		merged := 0
		for n := 0; n < DefaultRegroupBatch; n++ {
			k, _ := seekAfter(w.tx.Bucket(bucketTime).Cursor(), after)
			if k == nil {
				return merged, true, nil
			}
			after = slices.Clone(k)
			it, old, err := w.load(k[8:])
			if err != nil {
				return merged, false, err
			}
			if n == 0 {
				// Once a batch: Expire walks every report held, and
				// only frees memory; the comparison itself keeps to
				// the window.
				x.Expire(it.Published.Add(-cfg.Window))
			}
			id := it.ID
			if into, ok := x.Find(copySig(&it, 0), cfg, reporter(&it.Copies[0])); ok && into != it.ID {
				// The story stored first (the lower id) keeps its id and
				// its face, whichever report says it was published first:
				// a backdated report cannot take a story over.
				if into > it.ID {
					if err := w.foldInto(x, into, it.ID); err != nil {
						return merged, false, err
					}
				} else {
					if err := w.mergeInto(&it, old, into); err != nil {
						return merged, false, err
					}
					id = into
				}
				merged++
			}
			for i := range it.Copies {
				x.Add(id, copySig(&it, i), it.Copies[i].Source, reporter(&it.Copies[i]))
			}
		}
		return merged, false, nil
	})
}

// foldInto folds the story from, already walked and filed in x, into
// the story into, and files its reports in x under into.
func (w *writer) foldInto(x *group.Index, from, into uint64) error {
	it, old, err := w.load(idKey(from))
	if err != nil {
		return err
	}
	if err := w.mergeInto(&it, old, into); err != nil {
		return err
	}
	x.Remove(from)
	for i := range it.Copies {
		x.Add(into, copySig(&it, i), it.Copies[i].Source, reporter(&it.Copies[i]))
	}
	return nil
}

// mergeInto folds story it into the story into: its copies join as
// grouped copies with their own text, its keys and links name into, and
// it is deleted (no tombstones: its reports live on in into).
func (w *writer) mergeInto(it *Item, old *summary, into uint64) error {
	target, targetOld, err := w.load(idKey(into))
	if err != nil {
		return err
	}
	for i := range it.Copies {
		if err := w.repoint(it.Copies[i], idKey(it.ID), idKey(into)); err != nil {
			return err
		}
		target.Copies = append(target.Copies, it.asGrouped(i))
	}
	target.Tags = unionTags(target.Copies)
	target.Modified = w.now
	if err := w.save(&target, targetOld); err != nil {
		return err
	}
	return w.remove(it, old)
}
