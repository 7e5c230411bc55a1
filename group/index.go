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
// An Index is safe for concurrent use.
type Index struct {
	mu       sync.Mutex
	reports  map[uint32]entry
	postings map[string][]uint32 // word -> reports, oldest first; may hold removed ones
	byStory  map[uint64][]uint32
	next     uint32
}

type entry struct {
	story uint64
	sig   *Sig
	from  string // who made the report: see Add
}

// probes is how many of a report's rarest words and entities are looked up.
const probes = 4

// maxCandidates bounds the reports compared per look-up: the newest of
// each probed list.
const maxCandidates = 64

// NewIndex returns an empty Index.
func NewIndex() *Index {
	return &Index{reports: map[uint32]entry{}, postings: map[string][]uint32{}, byStory: map[uint64][]uint32{}}
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
func (x *Index) Find(s *Sig, cfg Config, exclude string) (uint64, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	ks := keys(s)
	if !cfg.CrossLanguage {
		ks = slices.DeleteFunc(ks, isEntityKey)
	}
	// The rarest words first; a word no report has needs no look-up.
	ks = slices.DeleteFunc(ks, func(k string) bool { return len(x.postings[k]) == 0 })
	slices.SortFunc(ks, func(a, b string) int { return len(x.postings[a]) - len(x.postings[b]) })
	seen := map[uint32]bool{}
	var best uint64
	bestScore := -1.0
	for _, k := range ks[:min(probes, len(ks))] {
		list := x.postings[k]
		for i, taken := len(list)-1, 0; i >= 0 && taken < maxCandidates; i-- {
			n := list[i]
			if seen[n] {
				continue
			}
			seen[n] = true
			e, ok := x.reports[n]
			if !ok {
				continue
			}
			taken++
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
	}
	return best, bestScore >= 0
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
func keys(s *Sig) []string {
	ks := make([]string, 0, len(s.Words)+len(s.Entities))
	ks = append(ks, s.Words...)
	for _, e := range s.Entities {
		ks = append(ks, entityPrefix+e)
	}
	return ks
}

const entityPrefix = "\x00"

func isEntityKey(k string) bool { return len(k) > 0 && k[0] == 0 }
