package publish

import (
	"bytes"
	"compress/gzip"
	"sync"
	"time"

	"github.com/libyawire/libyawire/store"
)

// maxCacheEntries bounds the rendered responses kept for one generation.
// Subscribers poll a few dozen distinct URLs; the bound only guards against
// someone walking through every combination of parameters.
const maxCacheEntries = 512

// maxCacheBytes bounds the bytes those responses hold, so that 512 pages
// of 500 long stories cannot take the heap: a response that would pass it
// alone is served but not kept.
const maxCacheBytes = 64 << 20

// rendered is one feed response, ready to send again and again.
type rendered struct {
	body         []byte
	etag         string    // quoted, strong
	gzETag       string    // the gzipped body's: etag with "-gz" inside the quotes
	lastModified time.Time // zero when unknown

	gzOnce sync.Once
	gz     []byte // body, gzipped on first demand
}

func newRendered(body []byte, lastModified time.Time) *rendered {
	etag := bodyETag(body)
	return &rendered{
		body:         body,
		etag:         etag,
		gzETag:       etag[:len(etag)-1] + `-gz"`,
		lastModified: lastModified,
	}
}

// gzipped returns the gzipped body, compressing it the first time only.
func (r *rendered) gzipped() []byte {
	r.gzOnce.Do(func() {
		var buf bytes.Buffer
		buf.Grow(len(r.body) / 4)
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&buf)
		// Writes to a bytes.Buffer do not fail.
		zw.Write(r.body)
		zw.Close()
		gzipWriters.Put(zw)
		r.gz = buf.Bytes()
	})
	return r.gz
}

// gzipWriters recycles compressors, whose set-up costs more than
// compressing a typical feed.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// size is what r holds, or will once gzipped, under a key of keyLen bytes:
// the body, its gzipped form at the most that deflate can make of it (a
// little over the body, for bytes that do not compress), and the key.
func (r *rendered) size(keyLen int) int {
	const overhead = 256 // the struct, its ETags and the map entry
	gz := len(r.body) + len(r.body)/1000 + 64
	return keyLen + len(r.body) + gz + overhead
}

// cache holds the responses rendered for one store generation, at most max
// of them and maxBytes in all (as rendered.size counts). A change of
// generation (new stories, changed source states) empties it.
type cache struct {
	mu       sync.Mutex
	max      int
	maxBytes int
	bytes    int // the entries' sizes, summed
	gen      uint64
	feeds    map[string]*rendered // by path and canonical query
	sources  map[string]sourceInfo
	tags     []store.TagCount // most stories first, then by slug
}

func newCache(max, maxBytes int) *cache {
	return &cache{max: max, maxBytes: maxBytes, feeds: make(map[string]*rendered)}
}

// sync drops everything when gen is not the generation the cache holds.
// The caller holds c.mu.
func (c *cache) sync(gen uint64) {
	if gen != c.gen {
		c.gen = gen
		clear(c.feeds)
		c.bytes = 0
		c.sources = nil
		c.tags = nil
	}
}

// feed returns the response cached under key for generation gen, or nil.
func (c *cache) feed(gen uint64, key string) *rendered {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sync(gen)
	return c.feeds[key]
}

// putFeed caches r under key for generation gen. A response rendered for a
// generation that has since passed is not kept, nor one larger than the
// whole budget. When the cache is full, by count or by bytes, arbitrary
// entries make room.
func (c *cache) putFeed(gen uint64, key string, r *rendered) {
	c.mu.Lock()
	defer c.mu.Unlock()
	size := r.size(len(key))
	if gen != c.gen || size > c.maxBytes {
		return
	}
	if old, ok := c.feeds[key]; ok {
		c.bytes -= old.size(len(key))
		delete(c.feeds, key)
	}
	for k, old := range c.feeds {
		if len(c.feeds) < c.max && c.bytes+size <= c.maxBytes {
			break
		}
		c.bytes -= old.size(len(k))
		delete(c.feeds, k)
	}
	c.feeds[key] = r
	c.bytes += size
}

// sourceInfo returns the source details cached for generation gen, or nil.
func (c *cache) sourceInfo(gen uint64) map[string]sourceInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sync(gen)
	return c.sources
}

func (c *cache) putSourceInfo(gen uint64, m map[string]sourceInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		c.sources = m
	}
}

// tagCounts returns the tag counts cached for generation gen, or nil.
func (c *cache) tagCounts(gen uint64) []store.TagCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sync(gen)
	return c.tags
}

func (c *cache) putTagCounts(gen uint64, tags []store.TagCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		c.tags = tags
	}
}

// reset empties the cache; the benchmark uses it to measure a cold render.
func (c *cache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.feeds)
	c.bytes = 0
	c.sources = nil
}
