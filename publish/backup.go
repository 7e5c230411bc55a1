package publish

import (
	"net/http"
	"time"
)

// handleBackup serves POST /api/backup: a consistent copy of the database
// as one read transaction sees it, taken while fetching and serving go on,
// for `libyawire backup` while the daemon holds the file, for clients on
// this machine (see localOnly). A copy that fails
// part-way ends the response without its last chunk, so the client sees a
// cut stream, never a short file that looks whole.
func handleBackup(s *server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="libyawire.db"`)
		n, err := s.db.Backup(w)
		if err != nil {
			s.logger.Error("backup failed", "written", n, "err", err)
			if n == 0 {
				http.Error(w, "The backup failed: "+err.Error(), http.StatusInternalServerError)
				return
			}
			panic(http.ErrAbortHandler)
		}
		s.logger.Info("backup taken", "bytes", n, "took", time.Since(start).Round(time.Millisecond))
	})
}
