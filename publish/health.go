package publish

import (
	"encoding/json"
	"net/http"
)

// healthy is the /healthz answer while all is well.
type healthy struct {
	Status     string `json:"status"` // "ok"
	Stories    int    `json:"stories"`
	Sources    int    `json:"sources"` // configured
	Generation uint64 `json:"generation"`
}

// unhealthy is the /healthz answer otherwise.
type unhealthy struct {
	Status string `json:"status"` // "unhealthy"
	Reason string `json:"reason"`
}

// handleHealthz answers 200 with the number of stories, the number of
// configured sources and the store's generation while s.opts.Healthy
// reports no error (a nil Healthy means always) and the store answers; 503
// with the reason otherwise. Both are JSON.
func handleHealthz(s *server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Healthy != nil {
			if err := s.opts.Healthy(); err != nil {
				writeHealth(w, http.StatusServiceUnavailable, unhealthy{"unhealthy", err.Error()})
				return
			}
		}
		stories, err := s.db.Count()
		if err != nil {
			writeHealth(w, http.StatusServiceUnavailable, unhealthy{"unhealthy", err.Error()})
			return
		}
		writeHealth(w, http.StatusOK, healthy{"ok", stories, len(s.opts.Sources), s.db.Generation()})
	})
}

func writeHealth(w http.ResponseWriter, code int, v any) {
	body, _ := json.Marshal(v) // strings and numbers only: it cannot fail
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(body, '\n'))
}
