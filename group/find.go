package group

import (
	"hash/maphash"
	"slices"
)

// Find returns the story whose reports s is the same news as, the one
// with the highest Score when several are, and whether there is one. A
// story with a report from exclude is left out: one outlet does not
// report one event twice, and a second report is a follow-up.
//
// The reports compared are those filed under the rarest words of s's
// title and of its first sentences and its rarest entities, the newest
// maxCandidates of each list, and of those the evaluated ones that share
// the most of these keys.
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
	// Reports in the other language, and reworded ones, may share only
	// their places, people and forces (see Same).
	probe = append(probe, x.rarest(prefixed("\x00", s.Entities), entityProbes)...)
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
		if same, _ := Same(s, e.sig, cfg); !same || !x.joins(s, e.story, c.n, cfg) {
			continue
		}
		score := Score(s, e.sig)
		if score > bestScore || score == bestScore && e.story < best {
			best, bestScore = e.story, score
		}
	}
	return best, bestScore >= 0
}

// joins reports whether s, the same news as report matched of story,
// joins the story: when it is the same news as the story's first report
// (its face), or as most of its newest joinSample reports. Matching any one
// report is not enough: a chain of reports each like the one before would
// otherwise drift from one event to the next ("single-link" grouping).
func (x *Index) joins(s *Sig, story uint64, matched uint32, cfg Config) bool {
	reports := x.byStory[story]
	if len(reports) == 0 || reports[0] == matched {
		return true
	}
	if same, _ := Same(s, x.reports[reports[0]].sig, cfg); same {
		return true
	}
	newest := reports[max(0, len(reports)-joinSample):]
	agree := 0
	for i, n := range newest {
		switch {
		case n == matched:
			agree++
		case n == reports[0]: // the face, not the same news
		default:
			if same, _ := Same(s, x.reports[n].sig, cfg); same {
				agree++
			}
		}
		if 2*agree > len(newest) {
			return true
		}
		if 2*(agree+len(newest)-1-i) <= len(newest) {
			return false // too few left to make most
		}
	}
	return false
}

// joinSample is how many of a story's newest reports joins asks when the
// story's face is not the same news.
const joinSample = 15

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
