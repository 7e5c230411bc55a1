package publish

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// fakeFetchNow knows the sources herald, wasat and un-news; un-news fails.
// It reports each named source, or all, and records what it was asked.
type fakeFetchNow struct {
	asked [][]string
}

func (f *fakeFetchNow) fetchNow(ctx context.Context, names []string, progress func(string)) (string, bool, error) {
	f.asked = append(f.asked, names)
	all := []string{"herald", "wasat", "un-news"}
	for _, n := range names {
		if !slices.Contains(all, n) {
			return "", false, fmt.Errorf("no source is named %q", n)
		}
	}
	if len(names) == 0 {
		names = all
	}
	failed := 0
	for _, n := range names {
		if n == "un-news" {
			failed++
			progress(n + ": failed: HTTP 503 Service Unavailable\nRetry later")
			continue
		}
		progress(n + ": 200, 1 new, 0 updated (5ms)")
	}
	return fmt.Sprintf("%d sources: %d fetched, 0 not modified, %d failed", len(names), len(names)-failed, failed), failed > 0, nil
}

// postFetch serves POST target from remote with the fixture's handler, to
// Host 127.0.0.1:8080 unless header names another.
func postFetch(t *testing.T, f *fixture, target, remote string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, nil)
	req.RemoteAddr = remote
	req.Host = "127.0.0.1:8080"
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header[header[i]] = append(req.Header[header[i]], header[i+1])
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec.Result()
}

func TestFetchNow(t *testing.T) {
	tests := []struct {
		name       string
		target     string
		remote     string
		header     []string
		noFetch    bool // Options.FetchNow is nil
		wantStatus int
		wantBody   string   // in full, or the start of it for errors
		wantAsked  []string // nil: FetchNow is not called; empty: called for every source
	}{
		{
			name: "all", target: "/api/fetch", remote: "127.0.0.1:50000", wantStatus: 200,
			wantBody: "herald: 200, 1 new, 0 updated (5ms)\nwasat: 200, 1 new, 0 updated (5ms)\n" +
				"un-news: failed: HTTP 503 Service Unavailable Retry later\nfailed 3 sources: 2 fetched, 0 not modified, 1 failed\n",
			wantAsked: []string{},
		},
		{
			name: "named", target: "/api/fetch?source=wasat&source=herald", remote: "[::1]:50000", wantStatus: 200,
			wantBody: "wasat: 200, 1 new, 0 updated (5ms)\nherald: 200, 1 new, 0 updated (5ms)\n" +
				"ok 2 sources: 2 fetched, 0 not modified, 0 failed\n",
			wantAsked: []string{"wasat", "herald"},
		},
		{
			name: "comma list", target: "/api/fetch?source=wasat,+herald", remote: "127.0.0.1:50000", wantStatus: 200,
			wantBody:  "wasat: 200, 1 new, 0 updated (5ms)\nherald: 200, 1 new, 0 updated (5ms)\nok 2 sources: 2 fetched, 0 not modified, 0 failed\n",
			wantAsked: []string{"wasat", "herald"},
		},
		{
			name: "repeated names", target: "/api/fetch?source=wasat&source=herald,wasat&source=+wasat+&source=herald", remote: "127.0.0.1:50000", wantStatus: 200,
			wantBody:  "wasat: 200, 1 new, 0 updated (5ms)\nherald: 200, 1 new, 0 updated (5ms)\nok 2 sources: 2 fetched, 0 not modified, 0 failed\n",
			wantAsked: []string{"wasat", "herald"},
		},
		{
			name: "unknown source", target: "/api/fetch?source=herald&source=nowhere", remote: "127.0.0.1:50000",
			wantStatus: 400, wantBody: `no source is named "nowhere": give ?source=`, wantAsked: []string{"herald", "nowhere"},
		},
		{
			name: "not loopback", target: "/api/fetch", remote: "192.0.2.7:50000",
			wantStatus: 403, wantBody: "Fetches can be started only from this machine",
		},
		{
			name: "through a proxy", target: "/api/fetch", remote: "127.0.0.1:50000", header: []string{"X-Forwarded-For", "192.0.2.7"},
			wantStatus: 403, wantBody: "Fetches can be started only from this machine",
		},
		{
			name: "from a web page", target: "/api/fetch", remote: "127.0.0.1:50000", header: []string{"Sec-Fetch-Site", "cross-site"},
			wantStatus: 403, wantBody: "Fetches can be started only from this machine",
		},
		{
			name: "not available", target: "/api/fetch", remote: "127.0.0.1:50000", noFetch: true,
			wantStatus: 503, wantBody: "Fetching is not available on this server.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			fake := &fakeFetchNow{}
			if !tt.noFetch {
				f.srv.opts.FetchNow = fake.fetchNow
			}
			f.handler = f.srv.routes()
			resp := postFetch(t, f, tt.target, tt.remote, tt.header...)
			body := readBody(t, resp)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d; body %q", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantStatus == 200 && body != tt.wantBody || tt.wantStatus != 200 && !strings.HasPrefix(body, tt.wantBody) {
				t.Errorf("body:\n%s\nwant:\n%s", body, tt.wantBody)
			}
			if got := resp.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if tt.wantAsked == nil && len(fake.asked) > 0 {
				t.Errorf("FetchNow was called with %q", fake.asked)
			}
			if tt.wantAsked != nil && (len(fake.asked) != 1 || !slices.Equal(fake.asked[0], tt.wantAsked)) {
				t.Errorf("FetchNow asked %q, want once, %q", fake.asked, tt.wantAsked)
			}
		})
	}
}

func TestFetchNowMethod(t *testing.T) {
	f := newFixture(t)
	f.srv.opts.FetchNow = (&fakeFetchNow{}).fetchNow
	f.handler = f.srv.routes()
	if resp := f.get(t, http.MethodGet, "/api/fetch"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/fetch: %d, want 405", resp.StatusCode)
	}
}

// TestFetchNowStreams shows that each progress line reaches the client
// while the fetch goes on: the fake does not end until the client has read
// its first line. Then the daemon stops, and the stream ends with an error.
func TestFetchNowStreams(t *testing.T) {
	f := newFixture(t)
	read := make(chan struct{})
	f.srv.opts.FetchNow = func(ctx context.Context, names []string, progress func(string)) (string, bool, error) {
		progress("herald: 200, 1 new, 0 updated (5ms)")
		select {
		case <-read:
		case <-time.After(20 * time.Second): // a bound for failure, not a wait for success
			return "", false, errors.New("the client never read the first line")
		}
		progress("wasat: failed: context canceled")
		return "", false, context.Canceled
	}
	srv := httptest.NewServer(f.srv.routes())
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/api/fetch", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	first, err := br.ReadString('\n')
	if err != nil || first != "herald: 200, 1 new, 0 updated (5ms)\n" {
		t.Fatalf("first line %q, %v", first, err)
	}
	close(read)
	var lines []string
	summary, failed, err := ReadFetchStream(br, func(line string) { lines = append(lines, line) })
	if want := "the fetch stopped before it ended: context canceled"; err == nil || err.Error() != want || summary != "" || failed {
		t.Errorf("got %q, %v, %v; want the error %q", summary, failed, err, want)
	}
	if !slices.Equal(lines, []string{"wasat: failed: context canceled"}) {
		t.Errorf("progress %q", lines)
	}
}

func TestReadFetchStream(t *testing.T) {
	tests := []struct {
		name        string
		stream      string
		wantLines   []string
		wantSummary string
		wantFailed  bool
		wantErr     string
	}{
		{"ok", "a: not modified\nb: 200, 1 new, 0 updated (1ms)\nok 2 sources: 1 fetched, 1 not modified, 0 failed\n",
			[]string{"a: not modified", "b: 200, 1 new, 0 updated (1ms)"}, "2 sources: 1 fetched, 1 not modified, 0 failed", false, ""},
		{"failed", "a: failed: HTTP 404 Not Found\nfailed 1 source: 0 fetched, 0 not modified, 1 failed",
			[]string{"a: failed: HTTP 404 Not Found"}, "1 source: 0 fetched, 0 not modified, 1 failed", true, ""},
		{"a source named ok", "ok: not modified\nok 1 source: 0 fetched, 1 not modified, 0 failed\n",
			[]string{"ok: not modified"}, "1 source: 0 fetched, 1 not modified, 0 failed", false, ""},
		{"error", "a: not modified\nerror the fetch stopped before it ended: context canceled\n",
			[]string{"a: not modified"}, "", false, "the fetch stopped before it ended: context canceled"},
		{"cut short", "a: not modified\nb: 200, 1 n",
			[]string{"a: not modified", "b: 200, 1 n"}, "", false, "the fetch progress ended without saying how the fetch went"},
		{"empty", "", nil, "", false, "the fetch progress ended without saying how the fetch went"},
		{"a line longer than any buffer", "a: failed: " + strings.Repeat("x", 3<<20) + "\nb: not modified\nfailed 2 sources: 0 fetched, 1 not modified, 1 failed\n",
			[]string{"a: failed: " + strings.Repeat("x", maxFetchLine-len("a: failed: ")) + "…", "b: not modified"}, "2 sources: 0 fetched, 1 not modified, 1 failed", true, ""},
		{"a long line cut between the bytes of a letter", "a: failed: x" + strings.Repeat("ل", maxFetchLine) + "\r\nok 1 source: 1 fetched, 0 not modified, 0 failed\r\n",
			[]string{"a: failed: x" + strings.Repeat("ل", (maxFetchLine-len("a: failed: x"))/2) + "…"}, "1 source: 1 fetched, 0 not modified, 0 failed", false, ""},
		{"a long status line", "ok " + strings.Repeat("9", 1<<20),
			nil, strings.Repeat("9", maxFetchLine-3) + "…", false, ""},
		{"line breaks only", "\n\r\n\n", []string{"", "", ""}, "", false, "the fetch progress ended without saying how the fetch went"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []string
			summary, failed, err := ReadFetchStream(strings.NewReader(tt.stream), func(line string) { lines = append(lines, line) })
			if !slices.Equal(lines, tt.wantLines) {
				t.Errorf("progress %q, want %q", lines, tt.wantLines)
			}
			if summary != tt.wantSummary || failed != tt.wantFailed {
				t.Errorf("got %q, %v; want %q, %v", summary, failed, tt.wantSummary, tt.wantFailed)
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestBackupLocalOnly: POST /api/backup gives a copy that opens with the
// stories to a client on this machine, and is refused like /api/fetch to
// others and to forwarded requests.
func TestBackupLocalOnly(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		remote string
		header []string
	}{
		{"192.0.2.7:4000", nil},
		{"127.0.0.1:4000", []string{"X-Forwarded-For", "192.0.2.7"}},
	} {
		if resp := postFetch(t, f, "/api/backup", tt.remote, tt.header...); resp.StatusCode != http.StatusForbidden {
			t.Errorf("from %s %v: %s, want 403", tt.remote, tt.header, resp.Status)
		}
	}
	resp := postFetch(t, f, "/api/backup", "127.0.0.1:4000")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("from this machine: %s", resp.Status)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, []byte(readBody(t, resp)), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, _ := db.Count(); n != 8 {
		t.Errorf("the copy holds %d stories, want the fixture's 8", n)
	}
}
