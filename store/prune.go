package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Retention says which stories Prune deletes.
type Retention struct {
	// MaxAge: stories published longer ago than this go; 0: no limit.
	MaxAge time.Duration
	// MaxItems: per source, only its newest N stories keep its copy; a
	// source absent or with 0 has no limit.
	MaxItems map[string]int
}

// DefaultPruneBatch is how many stories one Prune transaction changes.
const DefaultPruneBatch = 500

// Prune deletes the stories r says go, in transactions of at most batch
// stories each (0 or less means DefaultPruneBatch), so that ingest and
// readers go on between them; ctx is checked between transactions, and a
// Prune it stops returns ctx's error and leaves a consistent database for
// the next Prune to go on with.
//
// First every story published before now minus r.MaxAge is deleted, oldest
// first. Then, for each source in r.MaxItems, the stories beyond its newest
// N lose that source's copy: a story left with no copy is deleted, one that
// keeps other copies keeps its id, title and link, and takes the tags of
// the copies left.
//
// A deleted story, or a removed copy, does not come back while its source's
// feed still lists it: its item key stays, marked gone, until an Ingest of
// that source no longer lists it (see Result.Pruned).
//
// It returns how many stories it deleted; copies removed from stories that
// are kept are not counted.
func (db *DB) Prune(ctx context.Context, r Retention, batch int) (deleted int, err error) {
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	if r.MaxAge > 0 {
		limit := timeKey(db.now().Add(-r.MaxAge), 0)
		n, err := db.inBatches(ctx, func(w *writer) (int, bool, error) {
			return w.pruneOld(limit, batch)
		})
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("prune: %w", err)
		}
	}
	names := make([]string, 0, len(r.MaxItems))
	for name, n := range r.MaxItems {
		if n > 0 {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		limit, err := db.sourceLimit(name, r.MaxItems[name])
		if err != nil {
			return deleted, fmt.Errorf("prune %s: %w", name, err)
		}
		if limit == nil {
			continue // no more stories than it may keep
		}
		n, err := db.inBatches(ctx, func(w *writer) (int, bool, error) {
			return w.pruneSource(name, limit, batch)
		})
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("prune %s: %w", name, err)
		}
	}
	return deleted, nil
}

// batchStep changes up to one batch of stories in w's transaction. It
// returns how many it counts (deleted, split, merged) and whether none
// are left to change.
type batchStep func(w *writer) (n int, done bool, err error)

// inBatches runs step in one write transaction after another until it is
// done or ctx is, so that ingest and readers go on between batches. It
// returns the sum of what the steps counted.
func (db *DB) inBatches(ctx context.Context, step batchStep) (total int, err error) {
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		now := db.now().UTC().Truncate(time.Second)
		var n int
		var done, changed bool
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			w := newWriter(tx, "", now)
			w.group = &db.grouping
			var err error
			if n, done, err = step(w); err != nil {
				return err
			}
			if err := w.flushTrends(); err != nil {
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
		if done {
			return total, nil
		}
	}
}

// pruneOld deletes up to batch stories whose time key sorts before limit,
// oldest first.
func (w *writer) pruneOld(limit []byte, batch int) (deleted int, done bool, err error) {
	ids := oldest(w.tx.Bucket(bucketTime), limit, batch)
	for _, id := range ids {
		it, old, err := w.load(idKey(id))
		if err != nil {
			return deleted, false, err
		}
		if err := w.delete(&it, old); err != nil {
			return deleted, false, err
		}
		deleted++
	}
	return deleted, len(ids) < batch, nil
}

// sourceLimit returns the time key of a source's keep-th newest story: the
// stories before it go. It returns nil when the source has no more than
// keep stories.
func (db *DB) sourceLimit(source string, keep int) ([]byte, error) {
	var limit []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketBySource).Bucket([]byte(source))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, _ := c.Last()
		for i := 1; i < keep && k != nil; i++ {
			k, _ = c.Prev()
		}
		limit = bytes.Clone(k)
		return nil
	})
	return limit, err
}

// pruneSource takes source's copy off up to batch of its stories whose time
// key sorts before limit, oldest first.
func (w *writer) pruneSource(source string, limit []byte, batch int) (deleted int, done bool, err error) {
	b := w.tx.Bucket(bucketBySource).Bucket([]byte(source))
	if b == nil {
		return 0, true, nil
	}
	ids := oldest(b, limit, batch)
	for _, id := range ids {
		gone, err := w.dropCopy(source, id)
		if err != nil {
			return deleted, false, err
		}
		if gone {
			deleted++
		}
	}
	return deleted, len(ids) < batch, nil
}

// oldest returns the ids of up to n stories in an index bucket whose keys
// sort before limit, oldest first. The ids are collected before anything
// is deleted, since a deletion would move the cursor.
func oldest(index *bolt.Bucket, limit []byte, n int) []uint64 {
	var ids []uint64
	c := index.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k, limit) < 0 && len(ids) < n; k, _ = c.Next() {
		ids = append(ids, binary.BigEndian.Uint64(k[8:16]))
	}
	return ids
}

// dropCopy takes source's copy off a story, and deletes the story if that
// was its last copy, which it reports.
func (w *writer) dropCopy(source string, id uint64) (deleted bool, err error) {
	it, old, err := w.load(idKey(id))
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(it.Copies, func(c Copy) bool { return c.Source == source })
	if i < 0 {
		// Indexed under a source it has no copy from: put the index right.
		w.changed = true
		return false, w.index(bucketBySource, "s/", source, timeKey(it.Published, id), false)
	}
	if len(it.Copies) == 1 {
		return true, w.delete(&it, old)
	}
	// Even when the first copy goes, the story keeps the title and link it
	// gave: only the copies, and the tags they bring, change.
	gone := it.Copies[i]
	if i == 0 {
		it.Orphan = true
	}
	it.Copies = slices.Delete(it.Copies, i, i+1)
	it.Tags = unionTags(it.Copies)
	it.Modified = w.now
	if err := w.tombstone(gone.Source, gone.Key, idKey(id)); err != nil {
		return false, err
	}
	w.changed = true
	return false, w.save(&it, old)
}

// delete removes a story with its links, and marks the item keys of its
// copies gone.
func (w *writer) delete(it *Item, old *summary) error {
	if err := w.remove(it, old); err != nil {
		return err
	}
	id := idKey(it.ID)
	// The links of its copies as they are now; a link a copy had before
	// an update may stay behind, and put knows it for what it is.
	links := []string{it.Link}
	for _, c := range it.Copies {
		links = append(links, c.Link)
	}
	for _, link := range links {
		canon := []byte(linkKey(link))
		if len(canon) > 0 && bytes.Equal(w.links.Get(canon), id) {
			if err := w.links.Delete(canon); err != nil {
				return err
			}
		}
	}
	for _, c := range it.Copies {
		if err := w.tombstone(c.Source, c.Key, id); err != nil {
			return err
		}
	}
	return nil
}

// remove takes a story, its summary and its index entries out of the
// store and the grouping index; its keys and links are the caller's.
func (w *writer) remove(it *Item, old *summary) error {
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
	if w.group != nil {
		if x := w.group.index.Load(); x != nil {
			x.Remove(it.ID)
		}
	}
	w.changed = true
	return nil
}

// tombstone marks a source's item key gone: put leaves the item out while
// the source lists it. The key keeps naming the story it named, unless it
// names another story now.
func (w *writer) tombstone(source, key string, id []byte) error {
	keys, err := w.tx.Bucket(bucketKeys).CreateBucketIfNotExists([]byte(source))
	if err != nil {
		return err
	}
	if cur := keys.Get([]byte(key)); cur != nil && !bytes.Equal(cur, id) {
		return nil
	}
	if err := keys.Put([]byte(key), id); err != nil {
		return err
	}
	gone, err := w.tx.Bucket(bucketGone).CreateBucketIfNotExists([]byte(source))
	if err != nil {
		return err
	}
	if source == w.source {
		w.gone = gone
	}
	return gone.Put([]byte(key), nil)
}

// forgetUnlisted drops the tombstones of the writer's source, and their item
// keys, that feed no longer lists, so that a source's tombstones never
// outnumber its feed. An empty feed forgets nothing: a feed that suddenly
// lists nothing is more often broken than empty, and would otherwise let
// every pruned story back at its next fetch.
func (w *writer) forgetUnlisted(feed []Item) error {
	gone := w.tx.Bucket(bucketGone).Bucket([]byte(w.source))
	if gone == nil || len(feed) == 0 {
		return nil
	}
	c := gone.Cursor()
	if k, _ := c.First(); k == nil {
		return nil
	}
	listed := make(map[string]bool, len(feed))
	for i := range feed {
		listed[itemKey(&feed[i], linkKey(feed[i].Link))] = true
	}
	var unlisted [][]byte
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if !listed[string(k)] {
			unlisted = append(unlisted, bytes.Clone(k))
		}
	}
	keys := w.tx.Bucket(bucketKeys).Bucket([]byte(w.source))
	for _, k := range unlisted {
		if err := gone.Delete(k); err != nil {
			return err
		}
		if keys != nil {
			if err := keys.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}
