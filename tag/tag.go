// Package tag gives a story its tags: its source's tags, its feed categories
// as slugs, and every rule whose alias appears in its title, summary or
// content, in any spelling the folding in Fold makes equal; then what those
// tags imply. It is pure: rules in, tags out.
//
// Matching works on folded words. A map from an alias's first word to the
// aliases that start with it makes the cost of tagging one look-up per word
// of text (a few more for an Arabic word, whose proclitics و ف ب ل ك and ال
// may be stripped), whatever the number of rules.
package tag

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// Rule is one tag rule, as config.yaml writes it.
type Rule struct {
	Slug      string
	Title     string
	Match     []string // aliases, any script: whole words or phrases
	Ambiguous []string // aliases that count only with evidence, see Tagger.Tags
	Implies   []string // further tags a story with this tag gets
	Entities  []Entity // distinct things the rule's tag covers, each with its aliases
	// Place marks a rule that names a place. A place that a story's title
	// does not name counts from its summary or content only when the title
	// names nothing any rule knows (see Tagger.Tags).
	Place bool
}

// Entity is one of the distinct things a rule covers: an oil field of
// oil-fields, a district of tripoli-districts. Its aliases give the rule's
// tag like the rule's own; what they tell apart is which thing a story
// names (see Tagger.Entities), which grouping compares.
type Entity struct {
	Name      string // unique within the rule
	Match     []string
	Ambiguous []string
}

// Input is what a story is tagged from.
type Input struct {
	Title, Summary, Content string // HTML or text
	Categories              []string
	SourceTags              []string
}

// Tagger applies a set of rules. It is safe for concurrent use.
type Tagger struct {
	rules   []rule
	bySlug  map[string]int
	first   map[string][]alias // an alias's first folded word -> the aliases
	version string
	pool    sync.Pool // *tokenizer
}

type rule struct {
	slug     string
	closure  []string // the slug and every tag it implies, transitively
	evidence []string // the tags it implies, transitively: what an ambiguous alias needs
	entities []string // "slug/name" of each entity
	place    bool
}

type alias struct {
	rule      int
	entity    int      // index in the rule's entities; -1 for the rule's own aliases
	rest      []string // the words after the first
	ambiguous bool
	passing   bool // scan's: met right after words of departure
}

// matcherVersion changes whenever folding or matching changes, so that
// stored stories are re-tagged with the new behaviour too.
const matcherVersion = "3" // 2: the longer of overlapping aliases wins; 3: departures

// departures are words that name a point of departure before an alias:
// a boat that "set off from Tobruk" makes no story about Tobruk, so the
// alias right after them gives no tag; what its rule implies is still
// evidence for an ambiguous alias (the boat's migrants are Libya's
// news). Folded as text is.
var departures = foldAll(
	"set off from", "setting off from", "sets off from", "had left from",
	"departed from", "departing from", "sailed from", "set sail from",
	"boat from", "boats from", "after leaving", "diverted to", "travelled to", "traveled to",
	"انطلقوا من", "انطلق من", "انطلقت من", "انطلاقا من", "أبحروا من", "أبحر من", "أبحرت من",
	"غادروا", "غادرت", "قادمين من", "القادمين من", "تحويل الرحلات إلى", "حولت الرحلات إلى",
)

func foldAll(phrases ...string) [][]string {
	out := make([][]string, len(phrases))
	for i, p := range phrases {
		out[i] = Words(p)
	}
	return out
}

// New checks rules and returns a Tagger for them. A rule needs a slug and an
// alias; slugs are unique; implies may not loop back to a rule.
func New(rules []Rule) (*Tagger, error) {
	t := &Tagger{bySlug: map[string]int{}, first: map[string][]alias{}}
	t.pool.New = func() any { return new(tokenizer) }
	for i, r := range rules {
		if r.Slug == "" {
			return nil, fmt.Errorf("rule %d has no slug", i+1)
		}
		if _, dup := t.bySlug[r.Slug]; dup {
			return nil, fmt.Errorf("tag %q is defined twice", r.Slug)
		}
		t.bySlug[r.Slug] = i
		t.rules = append(t.rules, rule{slug: r.Slug, place: r.Place})
	}
	for i, r := range rules {
		closure, err := t.closure(rules, i, nil)
		if err != nil {
			return nil, err
		}
		slices.Sort(closure)
		closure = slices.Compact(closure)
		t.rules[i].closure = closure
		t.rules[i].evidence = slices.DeleteFunc(slices.Clone(closure), func(s string) bool { return s == r.Slug })

		n := t.addAliases(i, -1, r.Match, r.Ambiguous)
		names := map[string]bool{}
		for j, e := range r.Entities {
			if e.Name == "" || names[e.Name] {
				return nil, fmt.Errorf("tag %q: entity %d has no name, or one another entity has", r.Slug, j+1)
			}
			names[e.Name] = true
			if t.addAliases(i, j, e.Match, e.Ambiguous) == 0 {
				return nil, fmt.Errorf("tag %q: entity %q has no alias with a letter or digit in it", r.Slug, e.Name)
			}
			n++
		}
		t.rules[i].entities = make([]string, len(r.Entities))
		for j, e := range r.Entities {
			t.rules[i].entities[j] = r.Slug + "/" + e.Name
		}
		if n == 0 {
			return nil, fmt.Errorf("tag %q has no alias with a letter or digit in it", r.Slug)
		}
	}
	t.version = version(rules)
	return t, nil
}

// addAliases files the aliases of rule i (of its entity, unless entity is
// -1) under their first folded word, and returns how many it filed.
func (t *Tagger) addAliases(i, entity int, match, ambiguous []string) int {
	unsure := map[string]bool{}
	for _, a := range ambiguous {
		unsure[Fold(a)] = true
	}
	n := 0
	for _, a := range slices.Concat(match, ambiguous) {
		words := Words(a)
		if len(words) == 0 {
			continue
		}
		n++
		t.first[words[0]] = append(t.first[words[0]], alias{rule: i, entity: entity, rest: words[1:], ambiguous: unsure[Fold(a)]})
	}
	return n
}

// closure returns rule i's slug and what it implies, transitively; path is
// the chain that led to i, to catch loops.
func (t *Tagger) closure(rules []Rule, i int, path []string) ([]string, error) {
	slug := rules[i].Slug
	if slices.Contains(path, slug) {
		return nil, fmt.Errorf("tag %q: implies loops: %s -> %s", path[0], strings.Join(path, " -> "), slug)
	}
	path = append(path, slug)
	out := []string{slug}
	for _, imp := range rules[i].Implies {
		j, ok := t.bySlug[imp]
		if !ok {
			out = append(out, imp) // a tag no rule defines, such as a source's
			continue
		}
		c, err := t.closure(rules, j, path)
		if err != nil {
			return nil, err
		}
		out = append(out, c...)
	}
	return out, nil
}

// version names a rule set and the matcher together: equal versions tag
// every story alike.
func version(rules []Rule) string {
	h := sha256.New()
	fmt.Fprintf(h, "matcher %s\n", matcherVersion)
	for _, r := range rules {
		fmt.Fprintf(h, "%q %q %q %q %t\n", r.Slug, r.Match, r.Ambiguous, r.Implies, r.Place)
		for _, e := range r.Entities {
			fmt.Fprintf(h, "  %q %q %q\n", e.Name, e.Match, e.Ambiguous)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// Defines reports whether a rule has the slug s.
func (t *Tagger) Defines(s string) bool {
	_, ok := t.bySlug[s]
	return ok
}

// Version returns a short name for the rules and the matcher: when it
// changes, stored stories may tag differently.
func (t *Tagger) Version() string { return t.version }

// Tags returns the story's tags, sorted: its source's tags; each category
// as a slug, unless it is one of a rule's aliases; every rule with an alias
// in the title, summary, content or a category; and what all of these
// imply. An ambiguous alias counts only when the story has, from the source,
// its categories or unambiguous aliases, one of the tags its rule implies.
// A place (Rule.Place) named in the summary or content but not the title
// counts only when the title names nothing the rules know; otherwise, as a
// place named as a point of departure, it is only evidence.
func (t *Tagger) Tags(in Input) []string {
	tk := t.pool.Get().(*tokenizer)
	defer t.pool.Put(tk)

	var sure, maybe, passing []int // rules hit by unambiguous, ambiguous and passing aliases
	hit := func(a alias) {
		if a.passing {
			passing = append(passing, a.rule)
		} else if a.ambiguous {
			maybe = append(maybe, a.rule)
		} else {
			sure = append(sure, a.rule)
		}
	}
	if in.Title != "" {
		tk.reset(in.Title, true)
		t.scan(tk, hit)
	}
	// A place the title does not name counts from the summary or content
	// only when the title names nothing the rules know: the place a
	// headline leaves out is where a meeting sat or a boat set off.
	ns, nm := len(sure), len(maybe) // the rules the title names
	body := func(a alias) {
		if ns+nm > 0 && t.rules[a.rule].place && !slices.Contains(sure[:ns], a.rule) && !slices.Contains(maybe[:nm], a.rule) {
			a.passing = true
		}
		hit(a)
	}
	for _, field := range []string{in.Summary, in.Content} {
		if field != "" {
			tk.reset(field, true)
			t.scan(tk, body)
		}
	}

	tags := slices.Clone(in.SourceTags)
	for _, c := range in.Categories {
		tk.reset(c, true)
		t.scan(tk, hit)
		if t.isAlias(tk) {
			continue // its rule's tag comes from the scan
		}
		if s := Slug(c); s != "" {
			tags = append(tags, s)
		}
	}
	for _, r := range sure {
		tags = append(tags, t.rules[r].slug)
	}
	tags = t.expand(tags)
	known := tags
	if passing != nil {
		known = slices.Clone(tags)
		for _, r := range passing {
			known = append(known, t.rules[r].evidence...)
		}
		slices.Sort(known)
	}
	var extra []string
	for _, r := range maybe {
		if slices.ContainsFunc(t.rules[r].evidence, func(e string) bool { return contains(known, e) }) {
			extra = append(extra, t.rules[r].closure...)
		}
	}
	tags = append(tags, extra...)
	slices.Sort(tags)
	return slices.Compact(tags)
}

// expand adds to tags what each rule among them implies, and returns the
// result sorted and without repeats.
func (t *Tagger) expand(tags []string) []string {
	for _, s := range tags {
		if i, ok := t.bySlug[s]; ok {
			tags = append(tags, t.rules[i].closure...)
		}
	}
	slices.Sort(tags)
	return slices.Compact(tags)
}

func contains(sorted []string, s string) bool {
	_, ok := slices.BinarySearch(sorted, s)
	return ok
}

// scan calls hit for every alias that occurs in the folded text, marked
// passing when it comes right after words of departure (see departures),
// except those inside a longer one: where two aliases overlap, the one of more
// words wins ("Saddam Haftar" is not also "Haftar"), and of two as long
// the one that starts first. Aliases that do not overlap all count.
func (t *Tagger) scan(tk *tokenizer, hit func(alias)) {
	tk.found = tk.found[:0]
	for i := range tk.words {
		forms(tk.word(i), func(w []byte) {
			for _, a := range t.first[string(w)] {
				if tk.follows(i+1, a.rest) {
					a.passing = tk.departs(i)
					tk.found = append(tk.found, found{start: i, end: i + 1 + len(a.rest), alias: a})
				}
			}
		})
	}
	found := tk.found
	if len(found) > 1 {
		tk.kept = longest(found, tk.kept[:0])
		found = tk.kept
	}
	for _, f := range found {
		hit(f.alias)
	}
}

// found is an alias scan met, over the words [start, end) of the text.
type found struct {
	start, end int
	alias      alias
}

// longest appends to kept, and returns, the aliases of fs that no longer
// one overlaps. fs comes in order of the aliases' first words; it is
// sorted in place, longest first.
func longest(fs, kept []found) []found {
	slices.SortStableFunc(fs, func(a, b found) int { return (b.end - b.start) - (a.end - a.start) })
	for _, f := range fs {
		// Of equal spans, all are kept: the same words naming several
		// rules, or one rule twice, are not an overlap to resolve.
		if !slices.ContainsFunc(kept, func(k found) bool {
			return f.start < k.end && k.start < f.end && (f.start != k.start || f.end != k.end)
		}) {
			kept = append(kept, f)
		}
	}
	return kept
}

// isAlias reports whether the whole folded text is one alias.
func (t *Tagger) isAlias(tk *tokenizer) bool {
	if len(tk.words) == 0 {
		return false
	}
	for _, a := range t.first[string(tk.word(0))] {
		if len(a.rest) == len(tk.words)-1 && tk.follows(1, a.rest) {
			return true
		}
	}
	return false
}

// departs reports whether the words before word i name a point of
// departure (see departures).
func (tk *tokenizer) departs(i int) bool {
	for _, d := range departures {
		if i >= len(d) && tk.follows(i-len(d), d) {
			return true
		}
	}
	return false
}

// follows reports whether the words from i on begin with words.
func (tk *tokenizer) follows(i int, words []string) bool {
	if i+len(words) > len(tk.words) {
		return false
	}
	for j, w := range words {
		if string(tk.word(i+j)) != w {
			return false
		}
	}
	return true
}

// MaxSlug is the most characters a tag that Slug makes has.
const MaxSlug = 64

// Slug turns a category into a tag: folded, with its words joined by
// hyphens, at most MaxSlug characters. "Oil & Gas" becomes "oil-gas"; "أخبار ليبيا"
// becomes "اخبار-ليبيا".
func Slug(s string) string {
	words := Words(s)
	var b strings.Builder
	n := 0
	for _, w := range words {
		for i, r := range w {
			if n == MaxSlug {
				return strings.TrimRight(b.String(), "-")
			}
			if i == 0 && b.Len() > 0 {
				b.WriteByte('-')
				n++
			}
			b.WriteRune(r)
			n++
		}
	}
	return b.String()
}

// isArabicLetter reports whether r is an Arabic letter.
func isArabicLetter(r rune) bool { return r >= 0x0600 && r <= 0x06FF && unicode.IsLetter(r) }

// Narrowest returns the tags of a sorted set that no other tag of the set
// implies: for a story tagged zawiya, tripolitania and libya, where zawiya
// implies the other two, just zawiya. These name what the story is about
// most precisely.
func (t *Tagger) Narrowest(tags []string) []string {
	var out []string
	for _, s := range tags {
		implied := false
		for _, u := range tags {
			if u == s {
				continue
			}
			if i, ok := t.bySlug[u]; ok && slices.Contains(t.rules[i].closure, s) {
				implied = true
				break
			}
		}
		if !implied {
			out = append(out, s)
		}
	}
	return out
}

// Matches returns the tags of the rules whose aliases a text names,
// sorted, without source tags, categories or what the rules imply: what
// the text itself is about. An ambiguous alias counts when evidence (the
// story's tags, say) or the text's unambiguous matches hold a tag its rule
// implies.
func (t *Tagger) Matches(text string, evidence []string) []string {
	out, _ := t.matches(text, evidence, false)
	return out
}

// Entities returns what a text names most precisely, sorted: the
// narrowest of the tags it names (see Narrowest), with each tag of a rule
// with entities given as the entities named, "oil-fields/sharara", unless
// the text names only the rule as a whole ("Libya's oil fields"). Two
// texts that name different entities of one rule name different things.
func (t *Tagger) Entities(text string, evidence []string) []string {
	_, entities := t.Named(text, evidence)
	return entities
}

// Named returns what Matches and Entities return for text, from one scan:
// the tags of the rules it names, and its entities.
func (t *Tagger) Named(text string, evidence []string) (tags, entities []string) {
	tags, named := t.matches(text, evidence, true)
	return tags, t.entitiesOf(tags, named)
}

// entitiesOf is Entities for the tags and the entities ("slug/name") a
// text names.
func (t *Tagger) entitiesOf(tags, named []string) []string {
	var out []string
	for _, s := range t.Narrowest(t.expand(tags)) {
		i, ok := t.bySlug[s]
		if !ok || len(t.rules[i].entities) == 0 {
			out = append(out, s)
			continue
		}
		n := len(out)
		for _, e := range named {
			if strings.HasPrefix(e, s+"/") {
				out = append(out, e)
			}
		}
		if len(out) == n {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// matches returns the tags of the rules whose aliases text names, as
// Matches does, and, when entities is set, the entities of those rules it
// names, "slug/name".
func (t *Tagger) matches(text string, evidence []string, entities bool) (tags, named []string) {
	tk := t.pool.Get().(*tokenizer)
	defer t.pool.Put(tk)
	var sure, maybe []alias
	tk.reset(text, true)
	t.scan(tk, func(a alias) {
		switch {
		case a.passing:
			evidence = append(slices.Clip(evidence), t.rules[a.rule].evidence...)
		case a.ambiguous:
			maybe = append(maybe, a)
		default:
			sure = append(sure, a)
		}
	})
	var hits []alias
	for _, a := range sure {
		tags = append(tags, t.rules[a.rule].slug)
		hits = append(hits, a)
	}
	known := t.expand(append(slices.Clone(evidence), tags...))
	for _, a := range maybe {
		if slices.ContainsFunc(t.rules[a.rule].evidence, func(e string) bool { return contains(known, e) }) {
			tags = append(tags, t.rules[a.rule].slug)
			hits = append(hits, a)
		}
	}
	if entities {
		for _, a := range hits {
			if a.entity >= 0 {
				named = append(named, t.rules[a.rule].entities[a.entity])
			}
		}
	}
	slices.Sort(tags)
	return slices.Compact(tags), named
}

// Implied returns tags with every tag they imply, sorted.
func (t *Tagger) Implied(tags []string) []string {
	return t.expand(slices.Clone(tags))
}
