package publish

import (
	"encoding/json"
	"net/http"
	"time"
)

// healthy is the /healthz answer while all is well.
type healthy struct {
	Status       string         `json:"status"` // "ok"
	Stories      int            `json:"stories"`
	Sources      int            `json:"sources"` // configured
	Generation   uint64         `json:"generation"`
	ConfigLoaded string         `json:"config_loaded,omitempty"` // RFC 3339
	ReloadFailed *reloadFailure `json:"reload_failed,omitempty"`
}

// reloadFailure is a refused reload in /healthz: the daemon is healthy,
// on the configuration it had before.
type reloadFailure struct {
	At       string   `json:"at"` // RFC 3339
	Problems []string `json:"problems"`
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
		h := healthy{Status: "ok", Stories: stories, Sources: len(s.opts.Sources), Generation: s.db.Generation()}
		if !s.opts.ConfigLoaded.IsZero() {
			h.ConfigLoaded = s.opts.ConfigLoaded.UTC().Format(time.RFC3339)
		}
		if f := s.opts.ReloadFailed; f != nil {
			h.ReloadFailed = &reloadFailure{At: f.At.UTC().Format(time.RFC3339), Problems: f.Problems}
		}
		writeHealth(w, http.StatusOK, h)
	})
}

func writeHealth(w http.ResponseWriter, code int, v any) {
	body, _ := json.Marshal(v) // strings and numbers only: it cannot fail
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(body, '\n'))
}
