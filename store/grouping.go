package store

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/libyawire/libyawire/group"
)

// grouping finds, for a new item, the story of the same news that
// another outlet reported in other words (package group), among the
// stories published within the window: their reports are held in an
// in-memory index, built at Open and kept up by Ingest and Prune.
//
// The index holds what group.DefaultLimits allow: a source flooding new
// items lets go of its own oldest reports, and its stories are still
// found by their links.
type grouping struct {
	cfg    atomic.Pointer[group.Config] // nil: grouping is off
	index  atomic.Pointer[group.Index]  // replaced whole when rebuilt
	limits *group.Limits                // nil: group.DefaultLimits; set before SetGrouping
	log    *slog.Logger                 // nil: none
}

// indexLimits are the limits the index is built with, telling the log
// the first time a source's reports, or all of them, reach the limit.
func (g *grouping) indexLimits() group.Limits {
	l := group.DefaultLimits()
	if g.limits != nil {
		l = *g.limits
	}
	if g.log != nil {
		log, share, total := g.log, l.SourceBytes, l.Bytes
		l.OnFull = func(source string) {
			if source != "" {
				log.Warn("grouping index: a source's reports fill its share; its oldest are no longer grouping candidates",
					"source", source, "share_bytes", share)
			} else {
				log.Warn("grouping index full; the oldest reports are no longer grouping candidates", "limit_bytes", total)
			}
		}
	}
	return l
}

// GroupIndexStats returns what the grouping index holds and how many
// reports it let go of to make room; zero while grouping is off.
func (db *DB) GroupIndexStats() group.IndexStats {
	if x := db.grouping.index.Load(); x != nil {
		return x.Stats()
	}
	return group.IndexStats{}
}

// SetGrouping turns grouping on with cfg, or off with nil, for the items
// ingested from now on. Turning it on builds the index of the stories
// published within the window. Stories already stored keep their groups
// until Regroup.
func (db *DB) SetGrouping(cfg *group.Config) error {
	if cfg == nil {
		db.grouping.cfg.Store(nil)
		return nil
	}
	c := *cfg
	old := db.grouping.cfg.Load()
	if old == nil || old.Window < c.Window {
		// The index holds the stories of the longest window asked for.
		if err := db.buildGroupIndex(c.Window); err != nil {
			return err
		}
	}
	db.grouping.cfg.Store(&c)
	return nil
}

// buildGroupIndex files the reports of the stories published within
// window of now, as many as the index's limits allow: the newest are
// read first, and reading stops once the index is full.
func (db *DB) buildGroupIndex(window time.Duration) error {
	limits := db.grouping.indexLimits()
	budget := limits.Budget()
	type report struct {
		story        uint64
		sig          *group.Sig
		source, from string
	}
	var chosen []report // newest first
	since := db.now().Add(-window)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		stories := tx.Bucket(bucketStories)
		c := tx.Bucket(bucketTime).Cursor()
		limit := timeKey(since, 0)
		for k, _ := c.Last(); k != nil && bytes.Compare(k, limit) >= 0 && !budget.Full(); k, _ = c.Prev() {
			var it Item
			if err := json.Unmarshal(stories.Get(k[8:]), &it); err != nil {
				return err
			}
			for i := range it.Copies {
				cp := &it.Copies[i]
				if !budget.Room(cp.Source) {
					continue
				}
				s, from := copySig(&it, i), reporter(cp)
				if budget.Take(s, cp.Source, from) {
					chosen = append(chosen, report{it.ID, s, cp.Source, from})
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Oldest first, as Ingest would have filed them: the index lets go of
	// the oldest first.
	x := group.NewLimitedIndex(limits)
	for i := len(chosen) - 1; i >= 0; i-- {
		r := chosen[i]
		x.Add(r.story, r.sig, r.source, r.from)
	}
	db.grouping.index.Store(x)
	return nil
}

// ExpireGroups forgets the reports that no new item can join any more.
// The daemon calls it with Prune.
func (db *DB) ExpireGroups() {
	cfg := db.grouping.cfg.Load()
	x := db.grouping.index.Load()
	if cfg == nil || x == nil {
		return
	}
	x.Expire(db.now().Add(-cfg.Window))
}

// copySig is the group signature of a story's i'th copy, told in its own
// text if it joined in other words, else in the story's (see asGrouped).
func copySig(it *Item, i int) *group.Sig {
	c := it.asGrouped(i) // the copy with the text it tells
	return group.NewSig(group.Report{
		Title: c.Title, Summary: c.Summary, Published: c.Published, Outlet: c.Outlet,
		Entities: c.Entities, TitleEntities: c.TitleEntities, Mentions: c.Mentions,
	})
}

// reporter names who made a report: the source, and the publisher when
// the source passes on others' reports.
func reporter(c *Copy) string { return c.Source + "\x00" + c.Outlet }

// findGroup returns the id of the story the item being put joins, by its
// signature (w.sig), or nil. Called inside put's transaction.
func (w *writer) findGroup(c *Copy) []byte {
	if w.sig == nil || w.group == nil {
		return nil // grouping is off, or the item is too old to group
	}
	cfg, x := w.group.cfg.Load(), w.group.index.Load()
	if cfg == nil || x == nil {
		return nil
	}
	id, ok := x.Find(w.sig, *cfg, reporter(c))
	if !ok || w.stories.Get(idKey(id)) == nil {
		return nil
	}
	return idKey(id)
}

// fileReport adds the item being put, as copy c of story id, to the
// index, to be taken back if the transaction fails (see writer.filed).
func (w *writer) fileReport(id uint64, c *Copy) {
	if w.sig == nil || w.group == nil {
		return
	}
	if x := w.group.index.Load(); x != nil {
		if n := x.Add(id, w.sig, c.Source, reporter(c)); n != 0 {
			w.filed = append(w.filed, filed{x, n})
		}
	}
}

// groupSigs makes the items' group signatures before the write
// transaction, where making them would hold up every other feed's
// writes; nil while grouping is off. An item published before the window
// gets none: no new report can join its story, so it is neither looked
// for nor filed (a feed's archive on its first fetch, say).
func (db *DB) groupSigs(items []Item, now time.Time) []*group.Sig {
	cfg := db.grouping.cfg.Load()
	if cfg == nil {
		return nil
	}
	sigs := make([]*group.Sig, len(items))
	for i := range items {
		in := &items[i]
		published := reportTime(in, now)
		if published.Before(now.Add(-cfg.Window)) {
			continue
		}
		sigs[i] = group.NewSig(group.Report{
			Title: in.Title, Summary: in.Summary, Published: published, Outlet: in.Outlet,
			Entities: in.Entities, TitleEntities: in.TitleEntities, Mentions: in.Mentions,
		})
	}
	return sigs
}

// filed is a report a transaction filed, in the index it filed it in.
type filed struct {
	index  *group.Index
	report uint32
}

// unfile takes back the reports a failed transaction filed.
func unfile(reports []filed) {
	for _, f := range reports {
		f.index.Forget(f.report)
	}
}
