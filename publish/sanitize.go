package publish

import (
	"sync"
	"time"

	"github.com/libyawire/libyawire/sanitize"
	"github.com/libyawire/libyawire/store"
)

// maxCleanEntries bounds the stories whose cleaned HTML is kept: a few
// feeds' worth of pages.
const maxCleanEntries = 4096

// cleanKey names one version of a story.
type cleanKey struct {
	id       uint64
	modified time.Time
}

// cleaned is a story's summary and content, safe to republish.
type cleaned struct {
	summary, content string
}

// cleanCache keeps each story's sanitised HTML by version, so that a feed
// rendered again after one new story sanitises that one only. The store
// keeps what the feed sent, so a better policy applies to old stories too.
type cleanCache struct {
	mu sync.Mutex
	m  map[cleanKey]cleaned
}

// clean returns it's summary and content sanitised, with relative URLs
// resolved against its link.
func (c *cleanCache) clean(it *store.Item) cleaned {
	key := cleanKey{it.ID, it.Modified}
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = cleaned{summary: sanitize.HTML(it.Summary, it.Link), content: sanitize.HTML(it.Content, it.Link)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCleanEntries {
		c.m = make(map[cleanKey]cleaned, 256)
	}
	c.m[key] = v
	return v
}

// reset empties the cache (for benchmarks that measure a cold start).
func (c *cleanCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}
