package group

import (
	"slices"
	"sync"
	"time"
)

// Index finds the story a report belongs to among the reports it holds,
// without comparing it with every one: each report is filed under its
// words (and its entities, for reports in the other language), and a new
// report is compared only with those filed under its rarest few. Two
// reports of one event share most of their words, and the rarest (names,
// places, figures) are the likeliest to be shared.
//
// An Index holds what its Limits allow: a report that would take a
// source past its share, or the index past its total, first makes room
// by letting go of that source's oldest reports, or of the oldest of all.
// A report let go of is no longer a candidate for Find; its story is
// still found by its link.
//
// An Index is safe for concurrent use.
type Index struct {
	mu       sync.Mutex
	limits   Limits
	reports  map[uint32]entry
	postings map[uint64][]uint32 // word (hash) -> reports, oldest first; may hold removed ones
	byStory  map[uint64][]uint32
	sources  map[string]*share
	next     uint32
	oldest   uint32 // no report older than this is held
	bytes    int64  // the reports' cost, as Cost counts it
	entries  int    // the handles in postings and shares, removed ones included
	stale    int    // of which removed
	evicted  int    // reports let go of to make room
	full     bool   // OnFull was told that the index is full
}

type entry struct {
	story  uint64
	sig    *Sig
	from   string // who made the report: see Add
	source string
	keys   int   // how many postings it is filed in
	cost   int64 // see Cost
}

// share is what one source's reports take of an Index.
type share struct {
	bytes   int64
	reports []uint32 // oldest first; may hold removed ones
	full    bool     // OnFull was told
}

// Limits bound the memory an Index holds. A zero field is no bound.
type Limits struct {
	// Bytes is the most all reports may take, as Cost estimates it.
	Bytes int64
	// SourceBytes is the most one source's reports may take.
	SourceBytes int64
	// OnFull, when set, is called the first time a report cannot be filed
	// without letting go of others: source names the source past its
	// share, or is "" when the index as a whole is full. It is called with
	// the Index locked and must not call it.
	OnFull func(source string)
}

// DefaultLimits are the limits the store gives its Index: 64 MiB in
// all, a quarter of it for any one source, so that a source flooding
// hundreds of thousands of new items a fetch lets go only of its own
// reports and every other source still groups.
func DefaultLimits() Limits {
	return Limits{Bytes: 64 << 20, SourceBytes: 16 << 20}
}

// NewIndex returns an empty Index without limits.
func NewIndex() *Index { return NewLimitedIndex(Limits{}) }

// NewLimitedIndex returns an empty Index that holds what l allows.
func NewLimitedIndex(l Limits) *Index {
	return &Index{limits: l, reports: map[uint32]entry{}, postings: map[uint64][]uint32{},
		byStory: map[uint64][]uint32{}, sources: map[string]*share{}}
}

// Add files a report of a story, made by source; from names who made it
// (the source and its outlet), for Find's exclude. It returns the
// report's handle for Forget, or 0 when the report alone is larger than
// the limits allow and is not filed. To make room it lets go of the
// source's oldest reports, then of the oldest of all.
func (x *Index) Add(story uint64, s *Sig, source, from string) uint32 {
	ks := keys(s)
	cost := cost(s, len(ks), source, from)
	x.mu.Lock()
	defer x.mu.Unlock()
	l := x.limits
	if l.Bytes > 0 && cost > l.Bytes || l.SourceBytes > 0 && cost > l.SourceBytes {
		return 0
	}
	sh := x.sources[source]
	if sh == nil {
		sh = &share{}
		x.sources[source] = sh
	}
	for l.SourceBytes > 0 && sh.bytes+cost > l.SourceBytes && x.evictOldest(sh) {
		if !sh.full {
			sh.full = true
			x.tellFull(source)
		}
	}
	for l.Bytes > 0 && x.bytes+cost > l.Bytes && x.evictOldest(nil) {
		if !x.full {
			x.full = true
			x.tellFull("")
		}
	}
	x.next++
	n := x.next
	x.reports[n] = entry{story: story, sig: s, from: from, source: source, keys: len(ks), cost: cost}
	x.byStory[story] = append(x.byStory[story], n)
	for _, k := range ks {
		x.postings[k] = append(x.postings[k], n)
	}
	sh.reports = append(sh.reports, n)
	sh.bytes += cost
	x.bytes += cost
	x.entries += len(ks) + 1
	x.compactIfStale()
	return n
}

func (x *Index) tellFull(source string) {
	if x.limits.OnFull != nil {
		x.limits.OnFull(source)
	}
}

// evictOldest lets go of the oldest report of sh, or of all when sh is
// nil, and reports whether there was one.
func (x *Index) evictOldest(sh *share) bool {
	if sh == nil {
		for ; x.oldest <= x.next; x.oldest++ {
			if _, ok := x.reports[x.oldest]; ok {
				x.forget(x.oldest)
				x.evicted++
				return true
			}
		}
		return false
	}
	for len(sh.reports) > 0 {
		n := sh.reports[0]
		sh.reports = sh.reports[1:]
		x.stale-- // the share's handle goes with it, live or not
		x.entries--
		if _, ok := x.reports[n]; ok {
			x.forget(n)
			x.evicted++
			return true
		}
	}
	return false
}

// Forget takes back one report that Add filed.
func (x *Index) Forget(n uint32) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.forget(n)
}

func (x *Index) forget(n uint32) {
	e, ok := x.reports[n]
	if !ok {
		return
	}
	delete(x.reports, n)
	ids := slices.DeleteFunc(x.byStory[e.story], func(m uint32) bool { return m == n })
	if len(ids) == 0 {
		delete(x.byStory, e.story)
	} else {
		x.byStory[e.story] = ids
	}
	x.bytes -= e.cost
	x.stale += e.keys + 1 // its handles in postings and in its share
	if sh := x.sources[e.source]; sh != nil {
		sh.bytes -= e.cost
	}
}

// Remove forgets a story's reports.
func (x *Index) Remove(story uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, n := range slices.Clone(x.byStory[story]) {
		x.forget(n)
	}
	x.compactIfStale()
}

// Len returns how many reports the index holds.
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.reports)
}

// IndexStats is what an Index holds and has let go of.
type IndexStats struct {
	Reports int
	Bytes   int64 // as Cost counts it
	Evicted int   // reports let go of to make room for others
}

// Stats returns what the index holds.
func (x *Index) Stats() IndexStats {
	x.mu.Lock()
	defer x.mu.Unlock()
	return IndexStats{Reports: len(x.reports), Bytes: x.bytes, Evicted: x.evicted}
}

// Expire forgets the reports published before t, which no new report
// can join any more, and compacts the lists when they hold more handles
// of removed reports than of held ones.
func (x *Index) Expire(t time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for n, e := range x.reports {
		if e.sig.Published.Before(t) {
			x.forget(n)
		}
	}
	x.compactIfStale()
}

// compactIfStale compacts the lists once the handles of removed reports
// in them outnumber those of held ones, so that what they take stays
// within twice what Cost counts.
func (x *Index) compactIfStale() {
	if x.stale > minStale && 2*x.stale > x.entries {
		x.compact()
	}
}

// minStale is how many handles of removed reports the lists may hold
// before they are compacted at all.
const minStale = 1 << 10

// compact takes the handles of removed reports out of the lists.
func (x *Index) compact() {
	held := func(n uint32) bool { _, ok := x.reports[n]; return ok }
	x.entries = 0
	// Into a new map: a map keeps the room of the keys deleted from it.
	postings := make(map[uint64][]uint32, len(x.postings)/2)
	for k, list := range x.postings {
		list = slices.DeleteFunc(list, func(n uint32) bool { return !held(n) })
		if len(list) > 0 {
			postings[k] = slices.Clip(list)
			x.entries += len(list)
		}
	}
	x.postings = postings
	for name, sh := range x.sources {
		sh.reports = slices.Clip(slices.DeleteFunc(sh.reports, func(n uint32) bool { return !held(n) }))
		if len(sh.reports) == 0 && !sh.full {
			delete(x.sources, name)
		} else {
			x.entries += len(sh.reports)
		}
	}
	x.stale = 0
}
