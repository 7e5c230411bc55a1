package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/libyawire/libyawire/group"
)

// Result counts what one Ingest did.
type Result struct {
	New       int // stories stored for the first time
	Updated   int // stories changed in place
	Merged    int // items added as a further source's copy of a story already held
	Unchanged int // items already stored as they are
	// Pruned counts items left out because Prune deleted their story, or
	// took this source's copy off it, while the feed still lists them:
	// they do not come back (see Prune).
	Pruned int
	// Grouped counts the Merged items that joined a story as the same news
	// in other words, not by their link (see SetGrouping).
	Grouped int
	// Repeated counts items left out because an earlier item of the same
	// feed has their key or canonical link: the feed's first stands for
	// them, so that two entries of one feed never overwrite each other
	// at every fetch.
	Repeated int
}

func (r Result) changed() bool { return r.New+r.Updated+r.Merged > 0 }

// summary is the part of a story that queries filter on, kept apart from
// the story so that a query need not decode titles and content.
type summary struct {
	Published int64    `json:"p"`
	Modified  int64    `json:"m"`
	Lang      string   `json:"l,omitempty"`
	Tags      []string `json:"t,omitempty"`
	Sources   []string `json:"s,omitempty"`
}

func summaryOf(it *Item) *summary {
	return &summary{
		Published: it.Published.UnixNano(),
		Modified:  it.Modified.UnixNano(),
		Lang:      it.Language,
		Tags:      it.Tags,
		Sources:   it.Sources(),
	}
}

// Ingest stores the items of one fetched feed from the named source, in one
// transaction, together with the source's state after the fetch (and any
// state held back by SetState). It returns what it did with the items.
//
// A feed of more than MaxItemsPerTx items is stored in transactions of that
// many, the state with the last, so that a huge feed costs bounded memory;
// should one fail, the next fetch stores the rest, as duplicates are known.
//
// The store fills st.Items and st.New; the rest of st is written as given.
//
// items must be the source's whole feed (as filtered), as a 200 returned
// it: the stories Prune deleted are remembered for as long as their
// source lists them, and forgotten by the first Ingest that lists
// something but not them. A 304 is SetState, not Ingest.
func (db *DB) Ingest(source string, items []Item, st SourceState) (Result, error) {
	feed := items
	var total Result
	items, total.Repeated = firstOfEach(items)
	now := db.now().UTC().Truncate(time.Second)
	sigs := db.groupSigs(items, now)
	for len(items) > MaxItemsPerTx {
		res, err := db.ingest(batch{source: source, items: items[:MaxItemsPerTx],
			sigs: sigs[:min(len(sigs), MaxItemsPerTx)], before: total, now: now})
		total = total.add(res)
		if err != nil {
			return total, err
		}
		items = items[MaxItemsPerTx:]
		sigs = sigs[min(len(sigs), MaxItemsPerTx):]
	}
	res, err := db.ingest(batch{source: source, items: items, sigs: sigs, before: total, now: now,
		state: &st, feed: feed})
	return total.add(res), err
}

// batch is what one ingest transaction stores: a run of one feed's items
// and, with the feed's last run, the source's state.
type batch struct {
	source string
	items  []Item
	sigs   []*group.Sig // the items' group signatures; nil when none were made
	before Result       // what earlier transactions of the same feed did
	now    time.Time    // the fetch's time, to the second

	// state is the source's state after the fetch, to be written with
	// this run; nil for every run but the last.
	state *SourceState
	// feed is the whole feed, whose items keep their tombstones; only
	// with state.
	feed []Item
}

// faceGrace is how long after a story was first stored an earlier report
// of the same news, from another source, may still become its face: the
// fetches of one round, which finish in whatever order, not a report that
// turns up, backdated, once the story has been shown.
const faceGrace = 5 * time.Minute

// MaxItemsPerTx is the most items one Ingest transaction stores.
const MaxItemsPerTx = 2000

func (r Result) add(o Result) Result {
	return Result{New: r.New + o.New, Updated: r.Updated + o.Updated, Merged: r.Merged + o.Merged,
		Unchanged: r.Unchanged + o.Unchanged, Pruned: r.Pruned + o.Pruned, Grouped: r.Grouped + o.Grouped,
		Repeated: r.Repeated + o.Repeated}
}

// firstOfEach returns items without those that repeat an earlier item's
// key or canonical link, and how many it left out. items is not changed.
func firstOfEach(items []Item) ([]Item, int) {
	seen := make(map[string]bool, 2*len(items))
	var out []Item // nil until an item is left out
	for i := range items {
		canon := linkKey(items[i].Link)
		key := "k" + itemKey(&items[i], canon)
		if seen[key] || canon != "" && seen["c"+canon] {
			if out == nil {
				out = slices.Clone(items[:i])
			}
			continue
		}
		seen[key] = true
		if canon != "" {
			seen["c"+canon] = true
		}
		if out != nil {
			out = append(out, items[i])
		}
	}
	if out == nil {
		return items, 0
	}
	return out, len(items) - len(out)
}

// ingest stores b's items in one transaction and, with b.state, the
// source's state and the tombstones that b.feed still needs.
func (db *DB) ingest(b batch) (Result, error) {
	pending := db.pendingSnapshot()
	var res Result
	var grouped []filed // reports filed for grouping, to take back on failure
	// Batch runs this feed's writes in one transaction, which it may share
	// with feeds that other goroutines ingest at the same moment: one fsync
	// for several feeds. If the shared transaction fails, each feed is
	// written again in a transaction of its own, so fn must start afresh.
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		res = Result{}
		unfile(grouped) // a run before this one failed
		w := newWriter(tx, b.source, b.now)
		w.group = &db.grouping
		defer func() { grouped = w.filed }()
		for i := range b.items {
			w.sig = nil
			if b.sigs != nil {
				w.sig = b.sigs[i]
			}
			if err := w.put(&b.items[i], &res); err != nil {
				return fmt.Errorf("item %q: %w", b.items[i].Title, err)
			}
		}
		if res.changed() {
			if err := markChanged(tx, b.now); err != nil {
				return err
			}
		}
		if b.state == nil {
			return nil
		}
		if err := w.forgetUnlisted(b.feed); err != nil {
			return fmt.Errorf("tombstones: %w", err)
		}
		return writeStates(tx, b, b.before.add(res), pending)
	})
	if err != nil {
		unfile(grouped)
		return res, fmt.Errorf("store %s: %w", b.source, err)
	}
	if b.state != nil {
		db.forgetWritten(pending)
	}
	if res.changed() {
		db.noteChanged(b.now)
	}
	return res, nil
}

// writeStates writes the source's state after its feed's last batch, with
// its counts brought up to date by all, what the whole feed did, and the
// states held back by SetState, pending.
func writeStates(tx *bolt.Tx, b batch, all Result, pending map[string]SourceState) error {
	sources := tx.Bucket(bucketSources)
	var prev SourceState
	if p, ok := pending[b.source]; ok {
		prev = p
	} else if v := sources.Get([]byte(b.source)); v != nil {
		if err := json.Unmarshal(v, &prev); err != nil {
			return fmt.Errorf("source state: %w", err)
		}
	}
	state := *b.state
	state.Name = b.source
	state.Items = prev.Items + all.New + all.Merged
	state.New = all.New
	for name, p := range pending {
		if name == b.source {
			continue
		}
		if err := putJSON(sources, []byte(name), p); err != nil {
			return err
		}
	}
	return putJSON(sources, []byte(b.source), state)
}

// pendingSnapshot copies the state held back by SetState.
func (db *DB) pendingSnapshot() map[string]SourceState {
	db.mu.Lock()
	defer db.mu.Unlock()
	return maps.Clone(db.pending)
}

// forgetWritten drops the held-back states of a snapshot that a commit
// wrote or superseded, unless SetState replaced them meanwhile.
func (db *DB) forgetWritten(written map[string]SourceState) {
	db.mu.Lock()
	defer db.mu.Unlock()
	for name, st := range written {
		if p, ok := db.pending[name]; ok && p == st {
			delete(db.pending, name)
		}
	}
}

// writer applies one feed's items inside a write transaction.
type writer struct {
	tx        *bolt.Tx
	source    string
	now       time.Time
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

func (w *writer) load(id []byte) (Item, *summary, error) {
	var it Item
	v := w.stories.Get(id)
	if v == nil {
		return it, nil, fmt.Errorf("story %d is indexed but missing", binary.BigEndian.Uint64(id))
	}
	if err := json.Unmarshal(v, &it); err != nil {
		return it, nil, fmt.Errorf("story %d: %w", binary.BigEndian.Uint64(id), err)
	}
	return it, summaryOf(&it), nil
}

// save writes a story and its summary, and moves its index entries from
// what old says to what the story now says.
func (w *writer) save(it *Item, old *summary) error {
	id := idKey(it.ID)
	if err := putJSON(w.stories, id, it); err != nil {
		return err
	}
	s := summaryOf(it)
	if err := putJSON(w.summaries, id, s); err != nil {
		return err
	}
	if old != nil && old.Published != s.Published {
		if err := w.unindex(old, it.ID); err != nil {
			return err
		}
		old = nil
	}
	key := timeKey(it.Published, it.ID)
	var oldTags, oldSources []string
	oldLang := ""
	if old == nil {
		if err := w.tx.Bucket(bucketTime).Put(key, nil); err != nil {
			return err
		}
		if err := w.count(countStories, 1); err != nil {
			return err
		}
	} else {
		oldTags, oldSources, oldLang = old.Tags, old.Sources, old.Lang
	}
	if err := w.reindex(bucketTags, "t/", key, oldTags, s.Tags); err != nil {
		return err
	}
	if err := w.reindex(bucketLangs, "l/", key, langKeys(oldLang), langKeys(s.Lang)); err != nil {
		return err
	}
	return w.reindex(bucketBySource, "s/", key, oldSources, s.Sources)
}

// unindex removes a story from every index its summary puts it in.
func (w *writer) unindex(s *summary, id uint64) error {
	key := timeKey(time.Unix(0, s.Published), id)
	if err := w.tx.Bucket(bucketTime).Delete(key); err != nil {
		return err
	}
	if err := w.count(countStories, -1); err != nil {
		return err
	}
	if err := w.reindex(bucketTags, "t/", key, s.Tags, nil); err != nil {
		return err
	}
	if err := w.reindex(bucketLangs, "l/", key, langKeys(s.Lang), nil); err != nil {
		return err
	}
	return w.reindex(bucketBySource, "s/", key, s.Sources, nil)
}

// reindex removes key from the buckets named in from but not in to, and
// adds it to those in to but not in from.
func (w *writer) reindex(parent []byte, prefix string, key []byte, from, to []string) error {
	for _, name := range from {
		if !slices.Contains(to, name) {
			if err := w.index(parent, prefix, name, key, false); err != nil {
				return err
			}
		}
	}
	for _, name := range to {
		if !slices.Contains(from, name) {
			if err := w.index(parent, prefix, name, key, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// index adds key to, or removes it from, the nested bucket parent/name, and
// keeps the bucket's count in step.
func (w *writer) index(parent []byte, prefix, name string, key []byte, add bool) error {
	b, err := w.tx.Bucket(parent).CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return err
	}
	if add {
		if err := b.Put(key, nil); err != nil {
			return err
		}
		return w.count([]byte(prefix+name), 1)
	}
	if b.Get(key) == nil {
		return nil
	}
	if err := b.Delete(key); err != nil {
		return err
	}
	return w.count([]byte(prefix+name), -1)
}

// countStories is the counts key of the number of stories.
var countStories = []byte("n/stories")

// count adds delta to a count in the counts bucket.
func (w *writer) count(key []byte, delta int64) error {
	var n int64
	if v := w.counts.Get(key); len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(max(n+delta, 0)))
	return w.counts.Put(key, v[:])
}

// itemKey names an item within its source: its GUID, else its link's key
// (linkKey), else a hash of its title and date (and, for an item without a
// title, of its text). A GUID longer than maxKeyText is hashed.
func itemKey(in *Item, link string) string {
	switch {
	case in.GUID != "":
		return keyText("g:", in.GUID)
	case link != "":
		return "l:" + link
	}
	text := in.Title + "\n" + in.Published.UTC().Format(time.RFC3339)
	if in.Title == "" {
		text += "\n" + in.Summary + "\n" + in.Content
	}
	h := sha256.Sum256([]byte(text))
	return "h:" + hex.EncodeToString(h[:16])
}

// normTags returns tags sorted, without duplicates or empty strings.
func normTags(tags []string) []string {
	out := slices.Clone(tags)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func unionTags(copies []Copy) []string {
	var all []string
	for _, c := range copies {
		all = append(all, c.Tags...)
	}
	return normTags(all)
}
