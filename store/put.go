package store

import (
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/libyawire/libyawire/group"
)

// faceGrace is how long after a story was first stored an earlier report
// of the same news, from another source, may still become its face: the
// fetches of one round, which finish in whatever order, not a report that
// turns up, backdated, once the story has been shown.
const faceGrace = 5 * time.Minute

// writer applies one feed's items inside a write transaction.
type writer struct {
	tx        *bolt.Tx
	source    string
	now       time.Time
	trends    map[trendKey]int64 // counter deltas not yet written (flushTrends)
	stories   *bolt.Bucket
	summaries *bolt.Bucket
	links     *bolt.Bucket
	keys      *bolt.Bucket // this source's item keys
	gone      *bolt.Bucket // this source's tombstones; nil while it has none
	counts    *bolt.Bucket
	changed   bool // Prune changed a story

	group *grouping  // nil: no grouping
	filed []filed    // reports this transaction filed in the group index
	sig   *group.Sig // the group signature of the item put stores, if made
}

func newWriter(tx *bolt.Tx, source string, now time.Time) *writer {
	w := &writer{
		tx:        tx,
		source:    source,
		now:       now,
		stories:   tx.Bucket(bucketStories),
		summaries: tx.Bucket(bucketSummaries),
		links:     tx.Bucket(bucketLinks),
		counts:    tx.Bucket(bucketCounts),
	}
	// Story ids only grow, so these two buckets are written at their end:
	// full pages waste nothing there, where bbolt's default of half-full
	// pages would double their size.
	w.stories.FillPercent = 0.95
	w.summaries.FillPercent = 0.95
	return w
}

// put stores one incoming item: as a new story, as an update of this
// source's copy, or as this source's copy of another source's story. An
// item whose story, or whose copy, Prune took away is left out. Its steps:
// resolve finds the story, admit lets the item onto it or tombstones its
// key, place puts its copy on the story, and update saves what changed.
func (w *writer) put(in *Item, res *Result) error {
	if err := w.openSource(); err != nil {
		return err
	}
	x := newIncoming(in, w.source, w.now)
	if w.gone != nil && w.gone.Get([]byte(x.key)) != nil {
		res.Pruned++
		return nil
	}
	t, err := w.resolve(&x)
	switch {
	case err != nil:
		return err
	case t.pruned:
		// Pruned under a key that its copy no longer carried, so
		// without a tombstone: give it one.
		res.Pruned++
		return w.tombstone(w.source, x.key, t.id)
	case t.id == nil:
		return w.create(in, x.copy, x.canon, res)
	}
	it, old, err := w.load(t.id)
	if err != nil {
		return err
	}
	i, ok, err := w.admit(&x, &it, t, res)
	if err != nil || !ok {
		return err
	}
	if !w.place(&x, &it, i, t.grouped, res) {
		return nil
	}
	return w.update(&it, old)
}

// openSource opens this source's item keys, and its tombstones if it has
// any, at the transaction's first item.
func (w *writer) openSource() error {
	if w.keys != nil {
		return nil
	}
	b, err := w.tx.Bucket(bucketKeys).CreateBucketIfNotExists([]byte(w.source))
	if err != nil {
		return err
	}
	w.keys = b
	w.gone = w.tx.Bucket(bucketGone).Bucket([]byte(w.source))
	return nil
}

// incoming is one item on its way in: the item, the copy of it a story
// keeps, and the keys it is known by.
type incoming struct {
	in    *Item
	copy  Copy
	key   string // the item's key within its source (itemKey)
	canon string // its link's key (linkKey); "" for none
}

func newIncoming(in *Item, source string, now time.Time) incoming {
	canon := linkKey(in.Link) // the link's key, which a hostile link cannot make too long
	key := itemKey(in, canon)
	c := Copy{Source: source, Key: key, Link: in.Link, Tags: copyTags(in.Tags), Categories: in.Categories,
		Title: in.Title, Outlet: in.Outlet, Published: reportTime(in, now),
		Entities: in.Entities, TitleEntities: in.TitleEntities, Mentions: in.Mentions}
	return incoming{in: in, copy: c, key: key, canon: canon}
}

// target is the story that resolve finds for an incoming item.
type target struct {
	id      []byte // the story's id; nil for a new story
	own     bool   // found by this source's item key, not by a link
	grouped bool   // found as the same news in other words
	pruned  bool   // Prune deleted the story id, which the item's key names
}

// resolve finds the story an incoming item belongs to: the one this
// source's item key names, else the one its link names, else one that
// reports the same news in other words. A link that a pruned story left
// behind is deleted on the way; a grouped item's copy keeps its text.
func (w *writer) resolve(x *incoming) (target, error) {
	id := w.keys.Get([]byte(x.key))
	t := target{id: id, own: id != nil} // the key is this source's, not another's link
	if t.id == nil && x.canon != "" {
		t.id = w.links.Get([]byte(x.canon))
	}
	if t.id != nil && w.stories.Get(t.id) == nil {
		if t.own {
			t.pruned = true
			return t, nil
		}
		// A link the pruned story once had, left behind: the item is a
		// story of its own.
		if err := w.links.Delete([]byte(x.canon)); err != nil {
			return t, err
		}
		t.id = nil
	}
	if t.id == nil {
		// Not known by key or link: the same news in other words?
		if t.id = w.findGroup(&x.copy); t.id != nil {
			t.grouped = true
			x.copy.keepText(x.in)
		}
	}
	return t, nil
}

// admit lets an incoming item onto story it, found as t, and returns the
// index of this source's copy on it (-1 for none) and true; the item's
// key and link then name the story. When Prune took this source's copy
// off the story, admit tombstones the item's key and returns false.
func (w *writer) admit(x *incoming, it *Item, t target, res *Result) (int, bool, error) {
	// This source's copy: the one with the item's key, else (a known link
	// under a new key) its one copy; a grouped report is a copy of its own.
	i := slices.IndexFunc(it.Copies, func(c Copy) bool { return c.Source == w.source && c.Key == x.key })
	if i < 0 && !t.grouped {
		i = slices.IndexFunc(it.Copies, func(c Copy) bool { return c.Source == w.source && !c.Grouped })
	}
	if t.own && i < 0 {
		// Prune took this source's copy off the story.
		res.Pruned++
		return i, false, w.tombstone(w.source, x.key, t.id)
	}
	if i >= 0 && !dated(x.in, w.now) {
		// An item without a usable date was published, as far as the
		// store knows, when its copy was first stored: every fetch of
		// it would otherwise move the copy to now and count an update.
		x.copy.Published = it.Copies[i].Published
	}
	if err := w.keys.Put([]byte(x.key), t.id); err != nil {
		return i, false, err
	}
	if x.canon != "" && w.links.Get([]byte(x.canon)) == nil {
		if err := w.links.Put([]byte(x.canon), t.id); err != nil {
			return i, false, err
		}
	}
	return i, true, nil
}

// place puts an incoming item's copy on story it, in place of copy i, or
// as a further copy when i is -1, counts what that did, and reports
// whether the story changed.
//
// Only the copy that stored the story gives it its title, link and
// text: another source's report, whatever link it gives, joins as a
// further copy and takes nothing over (see Item.Orphan). The one
// exception keeps the fetch order of one round from choosing the face:
// while the story is new (faceGrace), an earlier report of the same
// news becomes its face. A report that says it was published earlier
// once the story has been shown cannot.
func (w *writer) place(x *incoming, it *Item, i int, grouped bool, res *Result) bool {
	c := x.copy
	c.Joined = w.now
	if i >= 0 {
		c.Joined = it.Copies[i].Joined // a copy joins once
	}
	changed := false
	switch {
	case i < 0 && grouped && c.Published.Before(it.Published) && !it.Orphan &&
		w.now.Sub(it.FirstSeen) <= faceGrace:
		first := it.asGrouped(0)
		c.dropText()
		it.Copies = append([]Copy{c, first}, it.Copies[1:]...)
		w.refresh(it, x.in)
		res.Merged++
		res.Grouped++
		changed = true
		w.fileReport(it.ID, &it.Copies[0])
	case i < 0:
		it.Copies = append(it.Copies, c)
		res.Merged++
		if grouped {
			res.Grouped++
		}
		changed = true
		w.fileReport(it.ID, &it.Copies[len(it.Copies)-1])
	case i == 0 && !it.Orphan:
		changed = w.refresh(it, x.in) || !copyEqual(it.Copies[0], c)
		it.Copies[0] = c
	default:
		if it.Copies[i].Grouped {
			c.keepText(x.in)
		}
		changed = !copyEqual(it.Copies[i], c)
		it.Copies[i] = c
	}
	switch {
	case !changed:
		res.Unchanged++
	case i >= 0:
		res.Updated++
	}
	return changed
}

// update saves a story that place changed, with the tags of its copies,
// as modified now; old is its summary as loaded.
func (w *writer) update(it *Item, old *summary) error {
	it.Tags = unionTags(it.Copies)
	it.Modified = w.now
	return w.save(it, old)
}

// create stores a new story.
func (w *writer) create(in *Item, c Copy, canon string, res *Result) error {
	seq, err := w.stories.NextSequence()
	if err != nil {
		return err
	}
	c.Joined = w.now
	it := Item{
		ID:        seq,
		FirstSeen: w.now,
		Modified:  w.now,
		Copies:    []Copy{c},
		Tags:      c.Tags,
	}
	w.refresh(&it, in)
	id := idKey(seq)
	if err := w.keys.Put([]byte(c.Key), id); err != nil {
		return err
	}
	if canon != "" {
		if err := w.links.Put([]byte(canon), id); err != nil {
			return err
		}
	}
	res.New++
	if err := w.save(&it, nil); err != nil {
		return err
	}
	w.fileReport(it.ID, &it.Copies[0])
	return nil
}

// reportTime is when an incoming item was published, as the story keeps
// it: its own time, or now when it has none or one in the future.
func reportTime(in *Item, now time.Time) time.Time {
	if !dated(in, now) {
		return now
	}
	return in.Published.UTC().Truncate(time.Second)
}

// dated reports whether an incoming item says when it was published, at
// or before now.
func dated(in *Item, now time.Time) bool {
	published := in.Published.UTC().Truncate(time.Second)
	return !published.IsZero() && !published.After(now)
}

// refresh copies the first source's fields from in to it and reports
// whether any changed. A published time that is missing or in the future
// becomes the story's first-seen time.
func (w *writer) refresh(it *Item, in *Item) bool {
	published := in.Published.UTC().Truncate(time.Second)
	if published.IsZero() || published.After(w.now) {
		published = it.FirstSeen
	}
	updated := in.Updated.UTC().Truncate(time.Second)
	if updated.After(w.now) {
		// A time in the future is clamped once, to the fetch that first
		// saw it, not to every fetch that sees it again.
		updated = w.now
		if !it.Updated.IsZero() {
			updated = it.Updated
		}
	}
	next := Item{
		GUID: in.GUID, Link: in.Link, Title: in.Title, Summary: in.Summary, Content: in.Content,
		Author: in.Author, Language: in.Language, Published: published, Updated: updated,
	}
	cur := Item{
		GUID: it.GUID, Link: it.Link, Title: it.Title, Summary: it.Summary, Content: it.Content,
		Author: it.Author, Language: it.Language, Published: it.Published, Updated: it.Updated,
	}
	if sameFields(&cur, &next) {
		return false
	}
	it.GUID, it.Link, it.Title, it.Summary, it.Content = next.GUID, next.Link, next.Title, next.Summary, next.Content
	it.Author, it.Language, it.Published, it.Updated = next.Author, next.Language, next.Published, next.Updated
	return true
}

func sameFields(a, b *Item) bool {
	return a.GUID == b.GUID && a.Link == b.Link && a.Title == b.Title && a.Summary == b.Summary &&
		a.Content == b.Content && a.Author == b.Author && a.Language == b.Language &&
		a.Published.Equal(b.Published) && a.Updated.Equal(b.Updated)
}

func copyEqual(a, b Copy) bool {
	return a.Source == b.Source && a.Key == b.Key && a.Link == b.Link && slices.Equal(a.Tags, b.Tags) &&
		slices.Equal(a.Categories, b.Categories) && a.Title == b.Title && a.Outlet == b.Outlet &&
		a.Published.Equal(b.Published) && slices.Equal(a.Entities, b.Entities) &&
		slices.Equal(a.TitleEntities, b.TitleEntities) && slices.Equal(a.Mentions, b.Mentions) &&
		a.Grouped == b.Grouped && a.Summary == b.Summary &&
		a.Content == b.Content && a.Author == b.Author && a.Language == b.Language
}
