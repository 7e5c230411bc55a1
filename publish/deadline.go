package publish

import (
	"net/http"
	"time"
)

// WriteTimeout is how long a response may take to be written, from the end
// of its request's header: the daemon's http.Server sets it, so that a
// client that never reads cannot hold a connection and its goroutine for
// longer than an idle one is kept (IdleTimeout, two minutes). A feed of a
// few megabytes reaches even a slow reader within it.
const WriteTimeout = time.Minute

// streamWriteTimeout is how long each write of a streamed answer (a fetch's
// progress, a backup) may take. Such an answer may rightly last longer than
// WriteTimeout, but a client that stops reading it is cut off as soon.
const streamWriteTimeout = time.Minute

// streaming serves h with a write deadline that each write, and each flush,
// moves to streamWriteTimeout from then, in place of the server's
// WriteTimeout for the whole answer.
func streaming(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dw := &deadlineWriter{ResponseWriter: w, rc: http.NewResponseController(w)}
		dw.extend()
		h.ServeHTTP(dw, r)
	})
}

// deadlineWriter moves its connection's write deadline before each write.
// Unwrap lets a ResponseController reach what it wraps.
type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
}

// extend sets the deadline. A writer that cannot have one (a test's
// recorder) needs none.
func (d *deadlineWriter) extend() {
	d.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
}

func (d *deadlineWriter) WriteHeader(code int) {
	d.extend()
	d.ResponseWriter.WriteHeader(code)
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	d.extend()
	return d.ResponseWriter.Write(p)
}

func (d *deadlineWriter) FlushError() error {
	d.extend()
	return d.rc.Flush()
}

func (d *deadlineWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }
