package publish

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/libyawire/libyawire/store"
)

// sourceStatus is one source in /api/sources.
type sourceStatus struct {
	Name        string    `json:"name"`
	Title       string    `json:"title"`
	URL         string    `json:"url"`
	LastFetch   time.Time `json:"last_fetch,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	Status      int       `json:"status,omitempty"` // HTTP status of the last response
	Error       string    `json:"error,omitempty"`
	Items       int       `json:"items"`
	Failures    int       `json:"failures"`
	New         int       `json:"new"`
	Dropped     int       `json:"dropped"`
	// Category tags turned away by the fetcher's caps, in all.
	CategoriesDropped int       `json:"categories_dropped"`
	MovedTo           string    `json:"moved_to,omitempty"`  // a permanent redirect's target: put it in config.yaml
	NotBefore         time.Time `json:"not_before,omitzero"` // no request before this time,
	Waiting           string    `json:"waiting,omitempty"`   // because of this
}

// handleSources serves the configured sources, in config order, with what
// the store remembers of their fetches. A source never fetched is listed
// with empty fields. The details of the sources named in private are for
// clients on this machine (see redactInternal).
func handleSources(db *store.DB, sources []Source, private map[string]bool, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := sourceStatuses(db, sources)
		if err != nil {
			logger.Error("read source states", "err", err)
			http.Error(w, "The source states could not be read; the server log says why.", http.StatusInternalServerError)
			return
		}
		if !fromThisMachine(r) {
			redactInternal(list, private)
		}
		writeJSON(w, list, logger)
	})
}

// sourceStatuses returns the configured sources, in config order, with what
// the store remembers of their fetches; a source never fetched has empty
// fields. It is what /api/sources lists.
func sourceStatuses(db *store.DB, sources []Source) ([]sourceStatus, error) {
	states, err := db.States()
	if err != nil {
		return nil, fmt.Errorf("read source states: %w", err)
	}
	byName := make(map[string]store.SourceState, len(states))
	for _, st := range states {
		byName[st.Name] = st
	}
	list := make([]sourceStatus, len(sources))
	for i, src := range sources {
		st := byName[src.Name]
		list[i] = sourceStatus{
			Name:              src.Name,
			Title:             cmp.Or(src.Title, st.FeedTitle),
			URL:               src.URL,
			LastFetch:         st.LastFetch,
			LastSuccess:       st.LastSuccess,
			Status:            st.Status,
			Error:             st.Error,
			Items:             st.Items,
			Failures:          st.Failures,
			New:               st.New,
			Dropped:           st.Dropped,
			CategoriesDropped: st.CategoriesDropped,
			MovedTo:           st.MovedTo,
			NotBefore:         st.NotBefore,
			Waiting:           st.Waiting,
		}
	}
	return list, nil
}
