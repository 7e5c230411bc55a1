package publish

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// format is one of the three feed formats.
type format int

const (
	formatRSS format = iota
	formatAtom
	formatJSON
)

var formats = [...]struct {
	ext         string
	contentType string
}{
	formatRSS:  {".rss", "application/rss+xml; charset=utf-8"},
	formatAtom: {".atom", "application/atom+xml; charset=utf-8"},
	formatJSON: {".json", "application/feed+json; charset=utf-8"},
}

// handleFeed serves the merged feed, filtered by the query, in format f.
func handleFeed(s *server, f format) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serveFeed(w, r, f, "")
	})
}

// handleTagFeed serves /tags/{slug}.rss, .atom and .json: the same as the
// merged feed with ?tag={slug} added; /tags/{slug} is the tag's page. An
// unknown extension is 404.
func handleTagFeed(s *server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file := r.PathValue("file")
		i := strings.LastIndexByte(file, '.')
		if i < 0 {
			s.serveTagPage(w, r, file)
			return
		}
		for j, fi := range formats {
			if i > 0 && file[i:] == fi.ext {
				s.serveFeed(w, r, format(j), file[:i])
				return
			}
		}
		http.NotFound(w, r)
	})
}

// serveFeed answers a feed request from the cache, rendering on a miss:
// the merged feed, or with pathTags (/tags/{pathTags}.rss) that OR group
// of tags added. The canonical path, with the canonical query, keys the
// cache and makes the feed's self link.
func (s *server) serveFeed(w http.ResponseWriter, r *http.Request, f format, pathTags string) {
	loc, hlSet, ok := answerLanguage(w, r)
	if !ok {
		return
	}
	path := "/feed" + formats[f].ext
	var group []string
	if pathTags != "" {
		var err error
		if group, err = slugList("tag", pathTags, s.maxSlug); err != nil {
			http.Error(w, loc.Error(err), http.StatusBadRequest)
			return
		}
		path = "/tags/" + url.PathEscape(strings.Join(group, ",")) + formats[f].ext
	}
	flt, err := parseFilter(r.URL.Query(), s.opts.Items, s.maxSlug)
	if err != nil {
		http.Error(w, loc.Error(err), http.StatusBadRequest)
		return
	}
	flt = s.withTagNames(flt).withLanguage(loc, hlSet)
	flt.pathTags = group
	key := path
	if q := flt.encode(); q != "" {
		key += "?" + q
	}
	// A ranked feed moves with the clock (its window, who is still
	// developing) as well as with the stories: it is cached for the
	// minute, as the page is.
	cacheKey := key
	if flt.ranked() {
		cacheKey += " " + s.opts.Now().UTC().Truncate(time.Minute).Format(time.RFC3339)
	}

	// The generation is read before the stories, so that a response is
	// never cached under a generation newer than its content.
	gen := s.db.Generation()
	resp := s.cache.feed(gen, cacheKey)
	s.opts.Metrics.cacheLookup(resp != nil)
	if resp == nil {
		start := time.Now()
		resp, err = s.render(gen, f, flt, s.base+key)
		s.opts.Metrics.observeRender(f, time.Since(start))
		if err != nil {
			s.logger.Error("render feed", "url", key, "err", err)
			http.Error(w, loc.T("feed.render_failed"), http.StatusInternalServerError)
			return
		}
		s.cache.putFeed(gen, cacheKey, resp)
	}
	serveRendered(w, r, formats[f].contentType, resp)
}

// render reads the stories flt selects and renders them in format f.
func (s *server) render(gen uint64, f format, flt filter, self string) (*rendered, error) {
	q := flt.query(s.opts.Developing)
	if flt.Q != "" {
		q.Limit = searchScan
	}
	items, err := s.db.Items(q)
	if err != nil {
		return nil, fmt.Errorf("read stories: %w", err)
	}
	if flt.Q != "" {
		items = search(items, flt.Q, flt.Limit, flt.Sort == "relevance")
	}
	sources, err := s.sourceInfo(gen)
	if err != nil {
		return nil, err
	}
	p := s.newPage(flt, items, sources, self)

	var body []byte
	switch f {
	case formatRSS:
		body, err = renderRSS(p)
	case formatAtom:
		body, err = renderAtom(p)
	case formatJSON:
		body, err = renderJSON(p)
	}
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", formats[f].ext, err)
	}
	return newRendered(body, p.lastModified), nil
}
