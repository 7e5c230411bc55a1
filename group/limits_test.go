package group

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestIndexLimits: whatever one source, or many, send, the index holds
// no more than its limits, lets go of the oldest first, and a report of
// a source within its share is still found.
func TestIndexLimits(t *testing.T) {
	limits := Limits{Bytes: 2 << 20, SourceBytes: 512 << 10}
	herald := sig("NOC restores output at Sharara oilfield", "", 0, "noc", "sharara")
	rewrite := sig("Sharara oilfield: NOC restores output", "", 3, "noc", "sharara")
	tests := []struct {
		name    string
		flood   func(i int) (source string, s *Sig)
		reports int
		found   bool     // herald's report, filed first, is still found
		full    []string // what OnFull was told, in order
	}{
		{"one source, new words in every title",
			func(i int) (string, *Sig) {
				return "flood", sig(fmt.Sprintf("Qz%dk announces vx%dy plan for wq%dz", i, i, i), "", 1)
			}, 20_000, true, []string{"flood"}},
		{"one source, one title over and over",
			func(i int) (string, *Sig) {
				return "flood", sig("Libya Libya Libya oil oil Tripoli breaking news", "", 1, "tripoli")
			}, 20_000, true, []string{"flood"}},
		{"one source, long summaries and many entities",
			func(i int) (string, *Sig) {
				ents := make([]string, 40)
				for j := range ents {
					ents[j] = fmt.Sprintf("entity-%d-%d", i, j)
				}
				return "flood", sig(fmt.Sprintf("Report %d", i), strings.Repeat(fmt.Sprintf("word%d ", i), 300), 1, ents...)
			}, 5_000, true, []string{"flood"}},
		{"sixteen sources within their shares fill the index",
			func(i int) (string, *Sig) {
				return fmt.Sprintf("s%d", i%16), sig(fmt.Sprintf("Zr%dq meets delegation of kt%dw", i, i), "", 1)
			}, 20_000, false, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var full []string
			l := limits
			l.OnFull = func(source string) { full = append(full, source) }
			x := NewLimitedIndex(l)
			if x.Add(1, herald, "herald", "herald") == 0 {
				t.Fatal("herald's report was not filed")
			}
			for i := range tt.reports {
				source, s := tt.flood(i)
				x.Add(uint64(i+2), s, source, source)
			}
			st := x.Stats()
			if st.Bytes > l.Bytes {
				t.Errorf("the index holds %d bytes, over its limit of %d", st.Bytes, l.Bytes)
			}
			for source, sh := range x.sources {
				if sh.bytes > l.SourceBytes {
					t.Errorf("%s holds %d bytes, over its share of %d", source, sh.bytes, l.SourceBytes)
				}
			}
			if st.Evicted == 0 {
				t.Error("no report was let go of")
			}
			if x.entries > 4*len(x.reports)*64+2*minStale {
				t.Errorf("the lists hold %d handles for %d reports", x.entries, len(x.reports))
			}
			id, ok := x.Find(rewrite, DefaultConfig(), "wire")
			if found := ok && id == 1; found != tt.found {
				t.Errorf("herald's story found: %v (%d, %v), want %v", found, id, ok, tt.found)
			}
			if !slices.Equal(full, tt.full) {
				t.Errorf("OnFull told %q, want %q", full, tt.full)
			}
		})
	}
}

// TestIndexTooLarge: a report larger than a share is not filed at all.
func TestIndexTooLarge(t *testing.T) {
	x := NewLimitedIndex(Limits{Bytes: 1 << 20, SourceBytes: 64 << 10})
	huge := sig(strings.Repeat("Sharara oilfield output restored by NOC engineers ", 2000), "", 0, "noc")
	if n := x.Add(1, huge, "flood", "flood"); n != 0 || x.Len() != 0 {
		t.Errorf("a report of %d bytes was filed (handle %d) in a share of 64 KiB", Cost(huge, "flood", "flood"), n)
	}
	x.Forget(0) // no report: nothing to do
}

// TestIndexMemory: the heap an index of floods takes stays within its
// limit, whatever Cost estimates.
func TestIndexMemory(t *testing.T) {
	const limit = 8 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := NewLimitedIndex(Limits{Bytes: limit, SourceBytes: limit / 4})
	for i := range 60_000 {
		source := fmt.Sprintf("s%d", i%5)
		x.Add(uint64(i+1), sig(fmt.Sprintf("Xq%dv announces jz%dk plan for wm%dp in %d", i, i, i, i), "A summary of the plan, in words.", 1), source, source)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if grew > limit {
		t.Errorf("the heap grew by %d bytes, over the index's limit of %d", grew, limit)
	}
	t.Logf("the heap grew by %d bytes for %d reports held", grew, x.Len())
	runtime.KeepAlive(x)
}
