package publish

import (
	"io"
	"net/http"
)

// handleHealthz answers 200 "ok" while healthy reports no error (a nil
// healthy means always), and 503 with the error's text otherwise.
func handleHealthz(healthy func() error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if healthy != nil {
			if err := healthy(); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
}
