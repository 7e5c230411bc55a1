package publish

import (
	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
)

// searchScan is how many of the newest stories that match the other
// parameters a q search looks through: the most one store query returns.
// The store has no text index and no cursor to page with, so q filters a
// window of recent stories; that is what a feed reader polling for new
// matches needs, and it keeps a search cheap.
const searchScan = store.MaxLimit

// search returns the first limit stories whose title or summary holds
// every term of q, folded as tags are folded (see tag.ParseSearch), in
// the order of items; by relevance, those whose title alone holds every
// term come first, each part in the order of items.
func search(items []store.Item, q string, limit int, relevance bool) []store.Item {
	s := tag.ParseSearch(q)
	var inTitle, rest []store.Item
	for i := range items {
		if !relevance && len(rest) == limit {
			break
		}
		switch {
		case relevance && s.Match(items[i].Title):
			inTitle = append(inTitle, items[i])
		case s.Match(items[i].Title, items[i].Summary):
			rest = append(rest, items[i])
		}
	}
	out := append(inTitle, rest...)
	return out[:min(limit, len(out))]
}
