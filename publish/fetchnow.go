package publish

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// The fetch protocol: POST /api/fetch?source=NAME&source=NAME (none: every
// source) answers 200 text/plain, one line per source as its fetch ends,
// flushed at once, and then one status line:
//
//	libya-herald: 200, 12 new, 3 updated (340ms)
//	reliefweb: failed: HTTP 406 Not Acceptable
//	failed 2 sources: 1 fetched, 0 not modified, 1 failed
//
// The status line's first word says how the fetch went, and the rest of it
// is the summary or the reason:
//
//	ok SUMMARY        every source was fetched, or had nothing new
//	failed SUMMARY    at least one source failed
//	error REASON      the fetch stopped before it ended (the daemon stopped)
//
// A progress line begins with a source name and a colon, and names are
// slugs, so no progress line has one of these words as its first word. A
// stream that ends without a status line was cut short. Errors found before
// any fetch starts are plain HTTP errors instead: 400 for an unknown source,
// 403 for a client not on this machine, 503 when the server cannot fetch.
const (
	fetchOK     = "ok"
	fetchFailed = "failed"
	fetchError  = "error"
)

// handleFetchNow serves POST /api/fetch with fetchNow, for clients on this
// machine (see localOnly).
func handleFetchNow(fetchNow func(context.Context, []string, func(string)) (string, bool, error), logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fetchNow == nil {
			http.Error(w, "Fetching is not available on this server.", http.StatusServiceUnavailable)
			return
		}
		var names []string
		for _, v := range r.URL.Query()["source"] {
			for n := range strings.SplitSeq(v, ",") {
				if n = strings.TrimSpace(n); n != "" && !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
		asked := strings.Join(names, ",")
		if asked == "" {
			asked = "all"
		}
		logger.Info("fetch requested", "sources", asked)

		st := &fetchStream{w: w, rc: http.NewResponseController(w)}
		summary, failed, err := fetchNow(r.Context(), names, st.progress)
		st.mu.Lock()
		defer st.mu.Unlock()
		st.done = true
		switch {
		case err != nil && !st.started && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
			http.Error(w, "The fetch was cancelled before it began: "+err.Error(), http.StatusServiceUnavailable)
		case err != nil && !st.started:
			http.Error(w, err.Error()+": give ?source= the name of a configured source.", http.StatusBadRequest)
		case err != nil:
			st.writeLine(fetchError + " the fetch stopped before it ended: " + err.Error())
		case failed:
			st.writeLine(fetchFailed + " " + summary)
		default:
			st.writeLine(fetchOK + " " + summary)
		}
	})
}

// fetchStream writes the lines of one /api/fetch answer. The status is sent
// with the first line, so that an error before it can still be a 400.
type fetchStream struct {
	w  http.ResponseWriter
	rc *http.ResponseController

	mu      sync.Mutex
	started bool
	done    bool // the handler has returned or is about to: write no more progress
}

func (s *fetchStream) progress(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		s.writeLine(line)
	}
}

// writeLine writes one line and flushes it. A write error means the client
// has gone; its request's context then ends the fetch.
func (s *fetchStream) writeLine(line string) {
	if !s.started {
		s.started = true
		s.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		s.w.Header().Set("X-Content-Type-Options", "nosniff")
		s.w.WriteHeader(http.StatusOK)
	}
	io.WriteString(s.w, oneLine(line)+"\n")
	s.rc.Flush()
}

// oneLine keeps a line from breaking the protocol: an error's text may hold
// line breaks.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), " ")
}

// ReadFetchStream reads an answer of POST /api/fetch, as the fetch protocol
// above describes it: it calls progress with each progress line as it comes
// and returns the summary and whether any source failed. It returns an error
// when the server stopped the fetch, or the stream ends without its status
// line.
func ReadFetchStream(r io.Reader, progress func(line string)) (summary string, failed bool, err error) {
	br := bufio.NewReader(r)
	for {
		line, err := readLine(br, maxFetchLine)
		if err == io.EOF && line == "" {
			break
		}
		if err != nil && err != io.EOF {
			return "", false, fmt.Errorf("reading the fetch progress: %w", err)
		}
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case fetchOK:
			return rest, false, nil
		case fetchFailed:
			return rest, true, nil
		case fetchError:
			return "", false, errors.New(rest)
		}
		progress(line)
		if err == io.EOF {
			break
		}
	}
	return "", false, errors.New("the fetch progress ended without saying how the fetch went: the daemon may have stopped")
}

// maxFetchLine is how much of one line of the fetch progress is kept.
const maxFetchLine = 4 << 10

// readLine reads a line of any length from br and returns at most its first
// max bytes (cut on a character boundary, with an ellipsis), without the
// line break; io.EOF when the stream ends, with the last line if it had no
// line break.
func readLine(br *bufio.Reader, max int) (string, error) {
	var line []byte
	long := false
	for {
		chunk, err := br.ReadSlice('\n')
		if err == nil {
			chunk = chunk[:len(chunk)-1]
		}
		if room := max - len(line); len(chunk) > room {
			line, long = append(line, chunk[:room]...), true
		} else {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if !long {
			return strings.TrimSuffix(string(line), "\r"), err
		}
		// Drop the start of a character the cut split.
		for i := len(line) - 1; i >= 0 && i >= len(line)-utf8.UTFMax; i-- {
			if utf8.RuneStart(line[i]) {
				if !utf8.FullRune(line[i:]) {
					line = line[:i]
				}
				break
			}
		}
		return string(line) + "…", err
	}
}
