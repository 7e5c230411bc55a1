package fetch

import (
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"slices"

	"github.com/libyawire/libyawire/tag"
)

// A feed's categories become tags, and every tag is listed and indexed, so
// a feed that gives each entry thousands of made-up categories would grow
// the store, the tag index and every page that lists tags. The tags that
// categories give by themselves are therefore bounded, per entry and per
// source; the tags of rules (a category that names a rule's alias or slug)
// and of the source are never dropped.
const (
	maxItemCategoryTags   = 16   // category tags one entry may give
	maxSourceCategoryTags = 2000 // distinct category tags one source may give, ever
)

// categoryCap admits the category tags of one fetch of a source, against
// the distinct ones the source has given before.
type categoryCap struct {
	tg         *tag.Tagger
	sourceTags []string
	known      []uint64 // hashes of the admitted tags, sorted
	dropped    int      // tags turned away by this fetch
}

// newCategoryCap returns a cap that starts from the tags recorded, as
// SourceState.CategoryTags holds them.
func newCategoryCap(tg *tag.Tagger, sourceTags []string, recorded string) *categoryCap {
	c := &categoryCap{tg: tg, sourceTags: sourceTags}
	raw, err := base64.RawStdEncoding.DecodeString(recorded)
	if err != nil {
		return c // unreadable: start afresh
	}
	for len(raw) >= 8 {
		c.known = append(c.known, binary.BigEndian.Uint64(raw))
		raw = raw[8:]
	}
	slices.Sort(c.known)
	return c
}

// recorded returns the admitted tags as SourceState.CategoryTags holds them.
func (c *categoryCap) recorded() string {
	raw := make([]byte, 0, 8*len(c.known))
	for _, h := range c.known {
		raw = binary.BigEndian.AppendUint64(raw, h)
	}
	return base64.RawStdEncoding.EncodeToString(raw)
}

// admit returns an entry's tags and categories without the category tags
// that exceed the caps: at most maxItemCategoryTags, each one the source
// has given before or, while it has given fewer than maxSourceCategoryTags,
// a new one. A category whose tag is dropped is dropped too, unless it
// gives a rule's tag, so that re-tagging the stored entry gives what it
// has now.
func (c *categoryCap) admit(tags, categories []string) ([]string, []string) {
	if len(categories) == 0 {
		return tags, categories
	}
	slugs := make(map[string]bool, len(categories))
	for _, cat := range categories {
		slugs[tag.Slug(cat)] = true
	}
	var dropped map[string]bool
	kept, n := tags[:0:0], 0
	for _, t := range tags {
		if !slugs[t] || c.tg.Defines(t) || slices.Contains(c.sourceTags, t) {
			kept = append(kept, t)
			continue
		}
		if n < maxItemCategoryTags && c.allow(t) {
			n++
			kept = append(kept, t)
			continue
		}
		c.dropped++
		if dropped == nil {
			dropped = map[string]bool{}
		}
		dropped[t] = true
	}
	if dropped == nil {
		return tags, categories
	}
	keptCats := categories[:0:0]
	for _, cat := range categories {
		if dropped[tag.Slug(cat)] && !c.givesRule(cat) {
			continue
		}
		keptCats = append(keptCats, cat)
	}
	return kept, keptCats
}

// allow reports whether the source may give the category tag t: it has
// before, or it has room for one more, which t then takes.
func (c *categoryCap) allow(t string) bool {
	h := fnv.New64a()
	h.Write([]byte(t))
	sum := h.Sum64()
	i, found := slices.BinarySearch(c.known, sum)
	if found {
		return true
	}
	if len(c.known) >= maxSourceCategoryTags {
		return false
	}
	c.known = slices.Insert(c.known, i, sum)
	return true
}

// givesRule reports whether a category by itself gives a rule's tag.
func (c *categoryCap) givesRule(category string) bool {
	return slices.ContainsFunc(c.tg.Tags(tag.Input{Categories: []string{category}}), c.tg.Defines)
}
