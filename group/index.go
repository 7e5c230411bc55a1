package group

import (
	"hash/maphash"
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
// An Index is safe for concurrent use.
type Index struct {
	mu       sync.Mutex
	reports  map[uint32]entry
	postings map[uint64][]uint32 // word (hash) -> reports, oldest first; may hold removed ones
	byStory  map[uint64][]uint32
	next     uint32
}

type entry struct {
	story uint64
	sig   *Sig
	from  string // who made the report: see Add
}

// NewIndex returns an empty Index.
func NewIndex() *Index {
	return &Index{reports: map[uint32]entry{}, postings: map[uint64][]uint32{}, byStory: map[uint64][]uint32{}}
}

// Add files a report of a story; from names who made it (a source and
// outlet), for Find's exclude. It returns the report's handle for Forget.
func (x *Index) Add(story uint64, s *Sig, from string) uint32 {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.next++
	n := x.next
	x.reports[n] = entry{story, s, from}
	x.byStory[story] = append(x.byStory[story], n)
	for _, k := range keys(s) {
		x.postings[k] = append(x.postings[k], n)
	}
	return n
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
}

// Remove forgets a story's reports.
func (x *Index) Remove(story uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, n := range x.byStory[story] {
		delete(x.reports, n)
	}
	delete(x.byStory, story)
}

// Len returns how many reports the index holds.
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.reports)
}

// Expire forgets the reports published before t, which no new report
// can join any more, and compacts the lists.
func (x *Index) Expire(t time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for n, e := range x.reports {
		if e.sig.Published.Before(t) {
			x.forget(n)
		}
	}
	for k, list := range x.postings {
		list = slices.DeleteFunc(list, func(n uint32) bool { _, ok := x.reports[n]; return !ok })
		if len(list) == 0 {
			delete(x.postings, k)
		} else {
			x.postings[k] = slices.Clip(list)
		}
	}
}

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
