package publish

import (
	"cmp"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/libyawire/libyawire/internal/i18n"
	"github.com/libyawire/libyawire/store"
)

// tagInfo is one tag in /api/tags.
type tagInfo struct {
	Slug    string `json:"slug"`
	Title   string `json:"title"`
	TitleAr string `json:"title_ar"` // the Arabic name; the title where the rule gives none
	Count   int    `json:"count"`
}

// apiTagsPage is the most tags one answer of /api/tags lists.
const apiTagsPage = 1000

// handleTags serves the tags that a story carries or a rule defines, with
// their title and story count, most stories first, apiTagsPage at a time:
// ?page=N (from 1) gives the Nth page, and every page but the last names
// the next in a Link header (rel="next"), as the previous (rel="prev"). A
// page past the last is empty.
func handleTags(s *server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, err := parsePageNumber(r.URL.Query(), "page")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		counts, err := s.tagCounts(s.db.Generation())
		if err != nil {
			s.logger.Error("read tag counts", "err", err)
			http.Error(w, "The tags could not be read; the server log says why.", http.StatusInternalServerError)
			return
		}
		start := min((page-1)*apiTagsPage, len(counts))
		end := min(start+apiTagsPage, len(counts))
		var links []string
		if page > 1 {
			links = append(links, fmt.Sprintf(`<%s/api/tags?page=%d>; rel="prev"`, s.base, min(page-1, lastPage(len(counts), apiTagsPage))))
		}
		if end < len(counts) {
			links = append(links, fmt.Sprintf(`<%s/api/tags?page=%d>; rel="next"`, s.base, page+1))
		}
		if links != nil {
			w.Header().Set("Link", strings.Join(links, ", "))
		}
		list := make([]tagInfo, end-start)
		for i, tc := range counts[start:end] {
			list[i] = tagInfo{Slug: tc.Slug, Title: s.tagTitle(tc.Slug), TitleAr: s.tagTitleAr(tc.Slug), Count: tc.Count}
		}
		writeJSON(w, list, s.logger)
	})
}

// tagCounts returns the tags that a story carries or a rule defines (with
// a count of 0), most stories first, then by slug, as of generation gen:
// read and sorted once a generation, so that each page of /api/tags or of
// the page's tags costs only its own tags.
func (s *server) tagCounts(gen uint64) ([]store.TagCount, error) {
	if tags := s.cache.tagCounts(gen); tags != nil {
		return tags, nil
	}
	counts, err := s.db.Tags()
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(counts))
	for _, tc := range counts {
		seen[tc.Slug] = true
	}
	for slug := range s.opts.TagTitles {
		if !seen[slug] {
			counts = append(counts, store.TagCount{Slug: slug})
		}
	}
	slices.SortFunc(counts, func(a, b store.TagCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Slug, b.Slug))
	})
	s.cache.putTagCounts(gen, counts)
	return counts, nil
}

// maxPageNumber bounds a page number, far past any last page.
const maxPageNumber = 1_000_000

// parsePageNumber reads the page number named name from v: from 1, and 1
// when empty.
func parsePageNumber(v url.Values, name string) (int, error) {
	if n := len(v[name]); n > 1 {
		return 0, i18n.Errorf("error.repeated", name, strconv.Itoa(n))
	}
	raw := strings.TrimSpace(v.Get(name))
	if raw == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxPageNumber {
		return 0, i18n.Errorf("error.page_number", name, quoteShort(raw))
	}
	return n, nil
}

// lastPage is the number of the last page of n things, size a page; 1 when
// there are none.
func lastPage(n, size int) int {
	return max(1, (n+size-1)/size)
}

// writeJSON writes v as an indented JSON answer that is not to be cached.
func writeJSON(w http.ResponseWriter, v any, logger *slog.Logger) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		logger.Error("encode JSON answer", "err", err)
		http.Error(w, "The answer could not be encoded; the server log says why.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(append(body, '\n'))
}
