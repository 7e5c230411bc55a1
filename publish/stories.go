package publish

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/libyawire/libyawire/store"
)

// storyInfo is /api/stories/{id}: a story and every report of it.
type storyInfo struct {
	ID        string       `json:"id"` // as in the feeds
	Number    uint64       `json:"number"`
	Title     string       `json:"title"`
	Link      string       `json:"link"`
	Published string       `json:"published"` // RFC 3339
	Updated   string       `json:"updated"`
	Language  string       `json:"language,omitempty"`
	Tags      []string     `json:"tags"`
	Reports   []reportInfo `json:"reports"` // the first is the story's own
}

type reportInfo struct {
	Source    string `json:"source"` // the configured source's name
	Outlet    string `json:"outlet"` // who reported it
	Title     string `json:"title,omitempty"`
	Link      string `json:"link,omitempty"`
	Published string `json:"published,omitempty"`
	// Grouped is true for a report that joined the story as the same news
	// in other words, false for the story's own and its exact copies.
	Grouped bool `json:"grouped"`
}

// handleStory serves /api/stories/{id}, where id is the story's number
// or its whole id as the feeds give it (urn:libyawire:...:N).
func handleStory(s *server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.PathValue("id")
		n, err := strconv.ParseUint(raw[strings.LastIndexByte(raw, ':')+1:], 10, 64)
		if err != nil || n == 0 {
			http.Error(w, fmt.Sprintf("%s is not a story id: use the number at the end of an item's id, such as 1234 for urn:libyawire:%s:1234.", quoteShort(raw), s.db.Instance()), http.StatusBadRequest)
			return
		}
		it, err := s.db.Item(n)
		if errors.Is(err, store.ErrNotFound) {
			http.Error(w, fmt.Sprintf("No story %d: it was never stored, or retention has pruned it.", n), http.StatusNotFound)
			return
		}
		if err != nil {
			s.logger.Error("read story", "id", n, "err", err)
			http.Error(w, "The story could not be read; the server log says why.", http.StatusInternalServerError)
			return
		}
		sources, err := s.sourceInfo(s.db.Generation())
		if err != nil {
			s.logger.Error("read sources", "err", err)
			http.Error(w, "The story could not be read; the server log says why.", http.StatusInternalServerError)
			return
		}
		published := it.Published
		if published.IsZero() {
			published = it.FirstSeen
		}
		info := storyInfo{
			ID: storyID(s.db.Instance(), it.ID), Number: it.ID, Title: it.Title, Link: webLink(it.Link),
			Published: published.UTC().Format(time.RFC3339), Updated: it.Modified.UTC().Format(time.RFC3339),
			Language: it.Language, Tags: it.Tags, Reports: make([]reportInfo, len(it.Copies)),
		}
		if info.Tags == nil {
			info.Tags = []string{}
		}
		for i, c := range it.Copies {
			ri := reportInfo{Source: c.Source, Outlet: outletTitle(c, sources), Title: c.Title, Link: webLink(c.Link), Grouped: c.Grouped}
			if i == 0 && ri.Title == "" {
				ri.Title = it.Title
			}
			if !c.Published.IsZero() {
				ri.Published = c.Published.UTC().Format(time.RFC3339)
			}
			info.Reports[i] = ri
		}
		writeJSON(w, info, s.logger)
	})
}
