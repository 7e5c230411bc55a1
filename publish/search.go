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
// every term of q, folded as tags are folded (see tag.ParseSearch).
func search(items []store.Item, q string, limit int) []store.Item {
	s := tag.ParseSearch(q)
	out := items[:0:0]
	for i := range items {
		if len(out) == limit {
			break
		}
		if s.Match(items[i].Title, items[i].Summary) {
			out = append(out, items[i])
		}
	}
	return out
}
