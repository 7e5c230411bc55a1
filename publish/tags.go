package publish

import (
	"cmp"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
)

// tagInfo is one tag in /api/tags.
type tagInfo struct {
	Slug  string `json:"slug"`
	Title string `json:"title"`
	Count int    `json:"count"`
}

// handleTags serves every tag that a story carries or a rule defines, with
// its title and story count, most stories first.
func handleTags(s *server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		counts, err := s.db.Tags()
		if err != nil {
			s.logger.Error("read tag counts", "err", err)
			http.Error(w, "The tags could not be read; the server log says why.", http.StatusInternalServerError)
			return
		}
		list := make([]tagInfo, 0, len(counts)+len(s.opts.TagTitles))
		seen := make(map[string]bool, len(counts))
		for _, tc := range counts {
			list = append(list, tagInfo{Slug: tc.Slug, Title: s.tagTitle(tc.Slug), Count: tc.Count})
			seen[tc.Slug] = true
		}
		for slug := range s.opts.TagTitles {
			if !seen[slug] {
				list = append(list, tagInfo{Slug: slug, Title: s.tagTitle(slug)})
			}
		}
		slices.SortFunc(list, func(a, b tagInfo) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Slug, b.Slug))
		})
		writeJSON(w, list, s.logger)
	})
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
