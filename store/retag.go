package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RetagFunc returns the tags a copy of a story carries under the current
// rules: c is one of story.Copies; the story's Title, Summary and Content
// are its first copy's text.
type RetagFunc func(story *Item, c *Copy) []string

// DefaultRetagBatch is how many stories one Retag transaction covers.
const DefaultRetagBatch = 500

var (
	keyTagVersion = []byte("tag_version") // the rules every story is tagged under
	keyRetagging  = []byte("retagging")   // the rules a Retag under way tags with
	keyRetagNext  = []byte("retag_next")  // the id that Retag goes on from
)

// TagVersion returns the version of the rules that the last completed
// Retag or SetTagVersion recorded, or "" for a new database or one never
// re-tagged.
func (db *DB) TagVersion() (string, error) { return db.metaValue(keyTagVersion) }

// metaValue reads a value of the meta bucket; "" when it is not set.
func (db *DB) metaValue(key []byte) (string, error) {
	var v string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v = string(tx.Bucket(bucketMeta).Get(key))
		return nil
	})
	return v, err
}

// SetTagVersion records version as the rules the stories are tagged under,
// without re-tagging them: for a new, empty database, whose stories will all
// be tagged under it. It forgets any Retag left unfinished, since the stories
// are then declared tagged under version.
func (db *DB) SetTagVersion(version string) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err := meta.Delete(keyRetagging); err != nil {
			return err
		}
		if err := meta.Delete(keyRetagNext); err != nil {
			return err
		}
		return meta.Put(keyTagVersion, []byte(version))
	})
	if err != nil {
		return fmt.Errorf("set tag version: %w", err)
	}
	return nil
}

// Retag gives every stored story the tags fn computes for its copies, in
// transactions of at most batch stories (0 means DefaultRetagBatch), oldest
// id first, and then records version as the rules the stories are tagged
// under. Ingest and readers go on between batches. A Retag stopped by ctx
// (which returns ctx's error) is resumed by the next Retag with the same
// version. It returns how many stories' tags changed.
func (db *DB) Retag(ctx context.Context, version string, batch int, fn RetagFunc) (changed int, err error) {
	if batch <= 0 {
		batch = DefaultRetagBatch
	}
	next := uint64(1)
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if string(meta.Get(keyRetagging)) == version {
			if v := meta.Get(keyRetagNext); len(v) == 8 {
				next = binary.BigEndian.Uint64(v)
			}
			return nil
		}
		if err := meta.Put(keyRetagging, []byte(version)); err != nil {
			return err
		}
		return meta.Put(keyRetagNext, idKey(next))
	})
	if err != nil {
		return 0, fmt.Errorf("retag: %w", err)
	}
	for {
		if err := ctx.Err(); err != nil {
			return changed, err
		}
		var n int
		var done bool
		now := db.now().UTC().Truncate(time.Second)
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			var err error
			n, next, done, err = retagBatch(tx, next, batch, now, fn)
			if err != nil {
				return err
			}
			meta := tx.Bucket(bucketMeta)
			if n > 0 {
				if err := markChanged(tx, now); err != nil {
					return err
				}
			}
			if done {
				if err := meta.Delete(keyRetagging); err != nil {
					return err
				}
				if err := meta.Delete(keyRetagNext); err != nil {
					return err
				}
				return meta.Put(keyTagVersion, []byte(version))
			}
			return meta.Put(keyRetagNext, idKey(next))
		})
		if err != nil {
			return changed, fmt.Errorf("retag: %w", err)
		}
		if n > 0 {
			changed += n
			db.noteChanged(now)
		}
		if done {
			return changed, nil
		}
	}
}

// retagBatch re-tags up to batch stories from id next on. It returns how
// many changed, the id to go on from, and whether no stories are left.
func retagBatch(tx *bolt.Tx, next uint64, batch int, now time.Time, fn RetagFunc) (changed int, after uint64, done bool, err error) {
	w := newWriter(tx, "", now)
	defer func() {
		if err == nil {
			err = w.flushTrends()
		}
	}()
	c := w.stories.Cursor()
	k, v := c.Seek(idKey(next))
	for i := 0; i < batch; i++ {
		if k == nil {
			return changed, next, true, nil
		}
		var it Item
		if err := json.Unmarshal(v, &it); err != nil {
			return changed, next, false, fmt.Errorf("story %d: %w", binary.BigEndian.Uint64(k), err)
		}
		next = it.ID + 1
		old := summaryOf(&it)
		copiesChanged := false
		for j := range it.Copies {
			tags := copyTags(fn(&it, &it.Copies[j]))
			if !slices.Equal(tags, it.Copies[j].Tags) {
				it.Copies[j].Tags = tags
				copiesChanged = true
			}
		}
		if !copiesChanged {
			k, v = c.Next()
			continue
		}
		// A copy's tags are kept even when the story's do not change, so
		// that a later update of another copy unions the right ones.
		if tags := unionTags(it.Copies); !slices.Equal(tags, it.Tags) {
			it.Tags = tags
			it.Modified = now
			changed++
		}
		if err := w.save(&it, old); err != nil {
			return changed, next, false, err
		}
		// save wrote to the bucket under the cursor: find our place again.
		k, v = c.Seek(idKey(next))
	}
	return changed, next, k == nil, nil
}
