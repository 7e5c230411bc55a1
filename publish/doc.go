// Package publish is libyawire's HTTP server: it republishes the stories in
// the store as merged RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents, filtered
// by the query parameters that README.md lists (its HTTP section, "Feed query
// parameters"), and reports source health.
//
// Feeds are rendered with github.com/gorilla/feeds. Where gorilla's structs
// cannot say what a rich, valid feed needs (several categories, a source with
// a URL, a self link, xml:lang, a JSON Feed extension), the files rss.go,
// atom.go and json.go wrap them in types that embed the gorilla types and add
// the missing elements, so no document is written by hand.
//
// Rendered bytes are cached, keyed by the store's generation, the format and
// the canonical form of the query (see cache.go): a feed reader polling an
// unchanged feed costs a map look-up, and its conditional request a 304.
//
// What an anonymous client can make the server hold is bounded: the cache
// by entries and bytes (cache.go), a query's names and words by the longest
// that can exist (query.go), a list of tags by a page (tags.go, home_lists.go),
// a response's writing by a deadline (deadline.go). The endpoints that act
// (/api/fetch, /api/backup) serve only this machine (local.go), and so do
// the fetch details of sources on private addresses (private.go).
//
// The store has no text index, so ?q= is matched here (search.go) over the
// newest store.MaxLimit stories that the other parameters select.
package publish
