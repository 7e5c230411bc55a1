package group

import "unsafe"

// Cost estimates the bytes a report filed in an Index takes: its
// signature, its entry, and its handles in the lists (twice, for the
// handles of removed reports that the lists may hold until compacted).
func Cost(s *Sig, source, from string) int64 {
	return cost(s, len(keys(s)), source, from)
}

func cost(s *Sig, keys int, source, from string) int64 {
	strs := func(ss []string) int {
		n := 16 * cap(ss)
		for _, s := range ss {
			n += len(s)
		}
		return n
	}
	n := int(unsafe.Sizeof(Sig{})) + 8*(cap(s.Title)+cap(s.Words)) +
		strs(s.Numbers) + strs(s.Entities) + strs(s.titleEnt) + strs(s.mentions) +
		strs(s.titleStems) + strs(s.titleSeq) + len(s.report) +
		len(source) + len(from) + entryBytes + keys*keyBytes
	return int64(n)
}

// What Cost counts for a report's entry in the maps, and for each key it
// is filed under: a posting list's entry and handle, twice, for the
// room of a removed report's key that the lists hold until compacted
// (measured: TestIndexMemory).
const (
	entryBytes = 256
	keyBytes   = 128
)

// A Budget chooses, among reports offered newest first, those an Index
// under its Limits would hold: to build one without making more
// signatures, or reading more stories, than it can hold. File the chosen
// reports oldest first, so that the Index lets go of the oldest first.
type Budget struct {
	limits  Limits
	bytes   int64
	sources map[string]int64
}

// Budget returns an empty Budget for l.
func (l Limits) Budget() *Budget { return &Budget{limits: l, sources: map[string]int64{}} }

// Full reports whether the budget holds all an Index may hold: no older
// report need be read.
func (b *Budget) Full() bool {
	return b.limits.Bytes > 0 && b.bytes+minCost > b.limits.Bytes
}

// Room reports whether the source's share has room for another report.
func (b *Budget) Room(source string) bool {
	return !b.Full() && (b.limits.SourceBytes == 0 || b.sources[source]+minCost <= b.limits.SourceBytes)
}

// Take counts a report in, if it fits, and reports whether it did.
func (b *Budget) Take(s *Sig, source, from string) bool {
	c := Cost(s, source, from)
	l := b.limits
	if l.Bytes > 0 && b.bytes+c > l.Bytes || l.SourceBytes > 0 && b.sources[source]+c > l.SourceBytes {
		return false
	}
	b.bytes += c
	b.sources[source] += c
	return true
}

// minCost is less than any report costs.
const minCost = entryBytes + int64(unsafe.Sizeof(Sig{}))
