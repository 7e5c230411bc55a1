package group

import (
	"slices"
	"strings"
)

// crossLanguage decides for two reports in different scripts, which share
// no words, by what they name: the same place or actor and the same figure
// (anchored), or most of their entities (entitiesAlike), and none named in
// one title that the other report lacks.
func crossLanguage(a, b *Sig) (bool, string) {
	if conflict(a.titleNames, a.names, b.titleNames, b.names) {
		return false, "different organisations"
	}
	if anchored(a, b) && !conflict(a.titleEnt, a.mentions, b.titleEnt, b.mentions) {
		return true, ""
	}
	if same, why := entitiesAlike(a, b, crossOverlap); same || why != tooFewEntities {
		return same, why
	}
	if (sharesEntity(a, b) || sharesName(a, b)) && conceptsAlike(a, b) {
		if conflict(a.titleEnt, a.mentions, b.titleEnt, b.mentions) {
			return false, "different places, people or forces"
		}
		return true, ""
	}
	return false, tooFewEntities
}

// sharesName reports whether one title names an organisation or a thing
// of concepts.txt that the other report names: an actor, as the
// gazetteer's are.
func sharesName(a, b *Sig) bool {
	return intersect(a.titleNames, b.names) > 0 || intersect(b.titleNames, a.names) > 0
}

// conceptsAlike reports whether two titles tell of mostly the same things
// (concepts.txt): at least two, and a Dice overlap of conceptOverlap.
func conceptsAlike(a, b *Sig) bool {
	shared := intersect(a.concepts, b.concepts)
	return shared >= 2 && 2*float64(shared)/float64(len(a.concepts)+len(b.concepts)) >= conceptOverlap
}

// conceptOverlap is the least Dice overlap of two titles' concepts that,
// with a place or actor in common, makes them one event.
const conceptOverlap = 0.5

const tooFewEntities = "too few places, people or forces in common"

// anchored reports whether both reports name one place or actor, in one
// title at least (a district in one, the city it lies in in the other),
// and both titles one figure.
func anchored(a, b *Sig) bool {
	return sharesEntity(a, b) && intersect(a.Numbers, b.Numbers) > 0
}

// sharesEntity reports whether one title names a place, actor or topic
// that the other report names or implies.
func sharesEntity(a, b *Sig) bool {
	return intersect(a.titleEnt, b.mentions) > 0 || intersect(b.titleEnt, a.mentions) > 0
}

// otherFigures says why two reports' figures tell them apart, in either
// language: each names a number the other lacks, or they name different
// years; "" when they do not.
func otherFigures(a, b *Sig) string {
	switch {
	case conflict(a.Numbers, a.Numbers, b.Numbers, b.Numbers):
		return "different numbers"
	case len(a.years) > 0 && len(b.years) > 0 && intersect(a.years, b.years) == 0:
		return "different years"
	}
	return ""
}

// entitiesAlike reports whether a and b name mostly the same places,
// people and forces (at least two, and a Jaccard overlap of least) and
// none that tells them apart.
func entitiesAlike(a, b *Sig, least float64) (bool, string) {
	shared := intersect(a.Entities, b.Entities)
	union := len(a.Entities) + len(b.Entities) - shared
	if shared < 2 || union == 0 || float64(shared)/float64(union) < least {
		return false, tooFewEntities
	}
	if conflict(a.titleEnt, a.mentions, b.titleEnt, b.mentions) {
		return false, "different places, people or forces"
	}
	return true, ""
}

// sameEntities reports whether a and b name mostly the same places,
// people and forces, as crossLanguage asks of reports in two languages.
func sameEntities(a, b *Sig) bool {
	same, _ := entitiesAlike(a, b, rewordedOverlap)
	return same
}

// entityMargin is how far below the threshold the word overlap of two
// reports may be when they name mostly the same places, people and
// forces: at the default threshold any overlap will do, and the margin
// narrows as the threshold rises, to none from 0.9, so that a stricter
// threshold still groups only reports worded alike.
func entityMargin(threshold float64) float64 {
	return min(max(DefaultThreshold-2*(threshold-DefaultThreshold), 0), DefaultThreshold)
}

// rewordedOverlap is the least Jaccard overlap of entities for reports in
// one language whose words differ.
const rewordedOverlap = 0.4

// anchorMargin is how far below the threshold the word overlap of two
// reports may be when their titles name the same place or actor and the
// same figure: 0.25 at the default threshold.
const anchorMargin = 0.35

// substituted reports whether the titles are one template filled in
// twice: alike but for a short span in each ("Dbeibah visits Misrata to
// inspect road projects", "... visits Zliten ..."; "salary rise for
// teachers", "... for doctors"), each span naming something the other
// report, title and summary, does not. Spelling variants (programme,
// program) count as the same word.
func substituted(a, b *Sig) bool {
	x, y, frame := differingSpans(a.titleSeq, b.titleSeq)
	if frame < 2 || len(x) == 0 || len(y) == 0 || len(x) > maxSpan || len(y) > maxSpan {
		return false
	}
	if dice(hashWords(strings.Fields(a.report)), hashWords(strings.Fields(b.report))) >= sameText {
		return false // one text under two headlines
	}
	return hasAbsent(x, b.report) && hasAbsent(y, a.report)
}

// sameText is the word overlap of two reports' titles and summaries above
// which they are one text, whatever their headlines.
const sameText = 0.9

// maxSpan is the longest span in which two titles of one template differ.
const maxSpan = 3

// differingSpans returns what is left of two word sequences without their
// common beginning and end, and how many words those hold.
func differingSpans(a, b []string) (x, y []string, frame int) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	return a[p : len(a)-s], b[p : len(b)-s], p + s
}

func hasAbsent(words []string, report string) bool {
	for _, w := range words {
		if !present(w, report) {
			return true
		}
	}
	return false
}

// present reports whether w, or a spelling of it, is a word of the report.
func present(w, report string) bool {
	if strings.Contains(report, " "+w+" ") {
		return true
	}
	for x := range strings.FieldsSeq(report) {
		if sameSpelling(w, x) {
			return true
		}
	}
	return false
}

// sameSpelling reports whether two words are spellings of one: they share
// their first five letters or more and differ by at most two in length and
// one letter (programme and program, prioritise and prioritize).
func sameSpelling(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < 5 || len(rb) < 5 || max(len(ra)-len(rb), len(rb)-len(ra)) > 2 {
		return false
	}
	common := 0
	for common < min(len(ra), len(rb)) && ra[common] == rb[common] {
		common++
	}
	if common >= min(len(ra), len(rb)) {
		return true // one is the other with an ending
	}
	if common < 5 {
		return false
	}
	// One letter changed: the rest after it alike.
	return string(ra[common+1:]) == string(rb[common+1:])
}

// crossOverlap is the least Jaccard overlap of entities for reports in
// different languages.
const crossOverlap = 0.5

// conflict reports whether each side names something (in its title) that
// the other side (anywhere) lacks: one report adding a detail is not a
// conflict, two reports each with their own is.
func conflict(aTitle, aAll, bTitle, bAll []string) bool {
	return hasMissing(aTitle, bAll) && hasMissing(bTitle, aAll)
}

func hasMissing(some, all []string) bool {
	for _, s := range some {
		if _, ok := slices.BinarySearch(all, s); !ok {
			return true
		}
	}
	return false
}
