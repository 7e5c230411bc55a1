package store

import (
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
		if err := w.flushTrends(); err != nil {
			return err
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
