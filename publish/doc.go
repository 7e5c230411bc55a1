// Package publish is libyawire's HTTP server: it republishes the stories in
// the store as merged RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents, filtered
// by the query parameters that DESIGN.md lists, and reports source health.
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
// The store has no text index, so ?q= is matched here (search.go) over the
// newest store.MaxLimit stories that the other parameters select.
package publish
