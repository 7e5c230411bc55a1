package publish

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// TestHostileRequestsMemory: 50 requests built to grow the server's memory
// (names and words near the size of a whole request header, each one new,
// and queries at every bound) leave the heap within a few megabytes of
// where it was, the render cache within its bounds, and each answer small.
func TestHostileRequestsMemory(t *testing.T) {
	f := newFixture(t)
	huge := func(i int, sep string) string {
		// 900 kB, under the 1 MB a server takes in a request's header.
		return fmt.Sprintf("x%d", i) + strings.Repeat(sep+"libya", 150_000)
	}
	// target is the kth request, made when it is sent so that the test's
	// own strings are not counted.
	target := func(k int) string {
		i := k / 5
		switch k % 5 {
		case 0:
			return "/feed.rss?tag=" + huge(i, "-")
		case 1:
			return "/feed.atom?q=" + huge(i, "+")
		case 2:
			return fmt.Sprintf("/?source=%s&tagpage=%d", huge(i, "-"), i+2)
		case 3:
			return "/tags/" + huge(i, "-") + ".json"
		}
		// At the bounds, and each new: 64 names of 64 characters, and a q
		// of 254 bytes.
		names := make([]string, 64)
		for j := range names {
			names[j] = fmt.Sprintf("%02d-%02d-", i, j) + strings.Repeat("s", maxSlug-6)
		}
		q := fmt.Sprintf("w%d", i) + strings.Repeat("+سرت", 36)
		return "/feed.json?limit=500&notag=" + strings.Join(names, ",") + "&q=" + q
	}

	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	f.get(t, http.MethodGet, "/feed.rss") // the one-time costs: templates, pools
	before := heap()
	for k := range 50 {
		resp := f.get(t, http.MethodGet, target(k))
		if body := readBody(t, resp); len(body) > 256<<10 || k%5 == 4 && resp.StatusCode != http.StatusOK {
			t.Errorf("request %d: %s with %d bytes", k, resp.Status, len(body))
		}
	}
	after := heap()
	const most = 8 << 20
	if after > before+most {
		t.Errorf("the heap grew by %d MB over 50 requests, want at most %d", (after-before)>>20, most>>20)
	}
	f.srv.cache.mu.Lock()
	defer f.srv.cache.mu.Unlock()
	if n, b := len(f.srv.cache.feeds), f.srv.cache.bytes; n > maxCacheEntries || b > maxCacheBytes {
		t.Errorf("the cache holds %d responses, %d bytes", n, b)
	}
	t.Logf("heap %d kB before, %d kB after; cache %d responses, %d kB", before>>10, after>>10, len(f.srv.cache.feeds), f.srv.cache.bytes>>10)
}
