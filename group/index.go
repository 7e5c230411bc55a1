package group

import (
	"hash/maphash"
	"slices"
	"sync"
	"time"
	"unsafe"
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

// Cost estimates the bytes a report filed in an Index takes: its
// signature, its entry, and its handles in the lists (twice, for the
// handles of removed reports that the lists may hold until compacted).
func Cost(s *Sig, source, from string) int64 {
	return cost(s, len(keys(s)), source, from)
}

func cost(s *Sig, keys int, source, from string) int64 {
	strs := func(ss []string) int {
		n := 16 * cap(ss)
		for _, s := range ss {
			n += len(s)
		}
		return n
	}
	n := int(unsafe.Sizeof(Sig{})) + 8*(cap(s.Title)+cap(s.Words)) +
		strs(s.Numbers) + strs(s.Entities) + strs(s.titleEnt) + strs(s.mentions) +
		strs(s.titleStems) + strs(s.titleSeq) + len(s.report) +
		len(source) + len(from) + entryBytes + keys*keyBytes
	return int64(n)
}

// What Cost counts for a report's entry in the maps, and for each key it
// is filed under: a posting list's entry and handle, twice, for the
// room of a removed report's key that the lists hold until compacted
// (measured: TestIndexMemory).
const (
	entryBytes = 256
	keyBytes   = 128
)

// Find returns the story whose reports s is the same news as, the one
// with the highest Score when several are, and whether there is one. A
// story with a report from exclude is left out: one outlet does not
// report one event twice, and a second report is a follow-up.
//
// The reports compared are those filed under the rarest words of s's
// title and of its first sentences (and, across languages, its rarest
// entities), the newest maxCandidates of each list, and of those the
// evaluated ones that share the most of these words.
func (x *Index) Find(s *Sig, cfg Config, exclude string) (uint64, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	probe := x.rarest(s.Title, titleProbes)
	for _, k := range x.rarest(s.Words, wordProbes+titleProbes) {
		if len(probe) < titleProbes+wordProbes && !slices.Contains(probe, k) {
			probe = append(probe, k)
		}
	}
	// Reworded titles may share only a place or actor and a figure.
	probe = append(probe, x.rarest(prefixed("#", s.Numbers), 1)...)
	probe = append(probe, x.rarest(prefixed("\x00", s.titleEnt), 1)...)
	if cfg.CrossLanguage {
		probe = append(probe, x.rarest(prefixed("\x00", s.Entities), entityProbes)...)
	}
	slices.Sort(probe)
	probe = slices.Compact(probe)

	// Every report filed under the probed keys, once per key it is filed
	// under; sorted, a report's run length is how many keys it shares.
	var found []uint32
	for _, k := range probe {
		list := x.postings[k]
		// The newest; Expire clears out reports taken away meanwhile.
		found = append(found, list[max(0, len(list)-maxCandidates):]...)
	}
	slices.Sort(found)
	type cand struct {
		n    uint32
		hits int
	}
	cands := make([]cand, 0, len(found))
	for i := 0; i < len(found); {
		j := i + 1
		for j < len(found) && found[j] == found[i] {
			j++
		}
		cands = append(cands, cand{found[i], j - i})
		i = j
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.hits != b.hits {
			return b.hits - a.hits
		}
		return int(b.n) - int(a.n) // newer first
	})

	var best uint64
	bestScore := -1.0
	for _, c := range cands[:min(len(cands), maxEvaluated)] {
		e, ok := x.reports[c.n]
		if !ok {
			continue
		}
		if exclude != "" && x.hasReportFrom(e.story, exclude) {
			continue
		}
		if same, _ := Same(s, e.sig, cfg); !same {
			continue
		}
		score := Score(s, e.sig)
		if score > bestScore || score == bestScore && e.story < best {
			best, bestScore = e.story, score
		}
	}
	return best, bestScore >= 0
}

// How many keys Find looks up, and how many reports it compares.
const (
	titleProbes   = 3
	wordProbes    = 2
	entityProbes  = 2
	maxCandidates = 40
	maxEvaluated  = 32
)

// rarest returns up to n of the keys that the fewest reports are filed
// under, leaving out those none are.
func (x *Index) rarest(keys []uint64, n int) []uint64 {
	ks := slices.DeleteFunc(slices.Clone(keys), func(k uint64) bool { return len(x.postings[k]) == 0 })
	slices.SortFunc(ks, func(a, b uint64) int { return len(x.postings[a]) - len(x.postings[b]) })
	return ks[:min(n, len(ks))]
}

func (x *Index) hasReportFrom(story uint64, from string) bool {
	for _, n := range x.byStory[story] {
		if x.reports[n].from == from {
			return true
		}
	}
	return false
}

// keys are what a report is filed under: its words, and its entities
// marked as such.
func keys(s *Sig) []uint64 {
	ks := slices.Clone(s.Words)
	ks = append(ks, prefixed("\x00", s.Entities)...)
	ks = append(ks, prefixed("\x00", s.titleEnt)...)
	ks = append(ks, prefixed("#", s.Numbers)...)
	slices.Sort(ks)
	return slices.Compact(ks)
}

// prefixed returns the keys of entities ("\x00") or numbers ("#"), apart
// from those of words.
func prefixed(prefix string, names []string) []uint64 {
	ks := make([]uint64, len(names))
	for i, n := range names {
		ks[i] = maphash.String(wordSeed, prefix+n)
	}
	return ks
}

// A Budget chooses, among reports offered newest first, those an Index
// under its Limits would hold: to build one without making more
// signatures, or reading more stories, than it can hold. File the chosen
// reports oldest first, so that the Index lets go of the oldest first.
type Budget struct {
	limits  Limits
	bytes   int64
	sources map[string]int64
}

// Budget returns an empty Budget for l.
func (l Limits) Budget() *Budget { return &Budget{limits: l, sources: map[string]int64{}} }

// Full reports whether the budget holds all an Index may hold: no older
// report need be read.
func (b *Budget) Full() bool {
	return b.limits.Bytes > 0 && b.bytes+minCost > b.limits.Bytes
}

// Room reports whether the source's share has room for another report.
func (b *Budget) Room(source string) bool {
	return !b.Full() && (b.limits.SourceBytes == 0 || b.sources[source]+minCost <= b.limits.SourceBytes)
}

// Take counts a report in, if it fits, and reports whether it did.
func (b *Budget) Take(s *Sig, source, from string) bool {
	c := Cost(s, source, from)
	l := b.limits
	if l.Bytes > 0 && b.bytes+c > l.Bytes || l.SourceBytes > 0 && b.sources[source]+c > l.SourceBytes {
		return false
	}
	b.bytes += c
	b.sources[source] += c
	return true
}

// minCost is less than any report costs.
const minCost = entryBytes + int64(unsafe.Sizeof(Sig{}))
