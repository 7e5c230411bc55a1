package publish

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// pipeListener hands the server one end of each net.Pipe that dial makes,
// as if it came from 127.0.0.1, so that a test in a synctest bubble runs a
// real http.Server on connections whose deadlines follow the bubble's
// clock.
type pipeListener struct {
	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return loopbackPipe{} }

// dial connects a client and returns its end.
func (l *pipeListener) dial() net.Conn {
	server, client := net.Pipe()
	l.conns <- loopbackConn{server}
	return client
}

type loopbackConn struct{ net.Conn }

func (loopbackConn) RemoteAddr() net.Addr { return loopbackPipe{} }

type loopbackPipe struct{}

func (loopbackPipe) Network() string { return "tcp" }
func (loopbackPipe) String() string  { return "127.0.0.1:50000" }

// serveOnPipes runs an http.Server set as the daemon sets it, with h, and
// returns its listener and a channel that receives once a connection
// closes.
func serveOnPipes(t *testing.T, h http.Handler) (*pipeListener, <-chan struct{}) {
	ln := newPipeListener()
	closed := make(chan struct{}, 8)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateClosed {
				closed <- struct{}{}
			}
		},
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln, closed
}

// request sends a request for target on c, to this machine.
func request(t *testing.T, c net.Conn, method, target string) {
	t.Helper()
	go fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", method, target)
}

// TestClientThatNeverReads: a client that sends a request and never reads
// the answer has its connection closed once the answer could not be
// written in time, for a feed, the page, a backup and a fetch's progress.
func TestClientThatNeverReads(t *testing.T) {
	tests := []struct {
		method, target string
		within         time.Duration
	}{
		{"GET", "/feed.atom?limit=500", WriteTimeout},
		{"GET", "/", WriteTimeout},
		{"GET", "/feed.json", WriteTimeout},
		{"POST", "/api/backup", streamWriteTimeout},
		{"POST", "/api/fetch", streamWriteTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t)
				stopped := make(chan error, 1)
				f.srv.opts.FetchNow = func(ctx context.Context, _ []string, progress func(string)) (string, bool, error) {
					// A long fetch: a line a second, until the client goes.
					for i := 0; ; i++ {
						progress(fmt.Sprintf("source-%d: 200, 1 new, 0 updated (1s) %s", i, strings.Repeat("x", 200)))
						select {
						case <-ctx.Done():
							stopped <- ctx.Err()
							return "", false, ctx.Err()
						case <-time.After(time.Second):
						}
					}
				}
				ln, closed := serveOnPipes(t, f.srv.routes())
				c := ln.dial()
				defer c.Close()
				request(t, c, tt.method, tt.target)
				start := time.Now()
				select {
				case <-closed:
				case <-time.After(tt.within + 5*time.Second):
					t.Fatalf("the connection is still open %v after the request", time.Since(start))
				}
				if tt.target == "/api/fetch" {
					if err := <-stopped; err == nil {
						t.Error("the fetch went on after its client was cut off")
					}
				}
			})
		})
	}
}

// TestLongFetchStreams: a fetch whose progress takes longer than
// WriteTimeout reaches a client that reads it, to its status line.
func TestLongFetchStreams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		f.srv.opts.FetchNow = func(ctx context.Context, _ []string, progress func(string)) (string, bool, error) {
			for i := range 4 {
				time.Sleep(WriteTimeout) // each source takes a minute
				progress(fmt.Sprintf("source-%d: 200, 1 new, 0 updated (1m0s)", i))
			}
			return "4 sources: 4 fetched, 0 not modified, 0 failed", false, nil
		}
		ln, _ := serveOnPipes(t, f.srv.routes())
		c := ln.dial()
		defer c.Close()
		request(t, c, "POST", "/api/fetch")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("after %q: %v", body, err)
		}
		if !strings.HasSuffix(string(body), "\nok 4 sources: 4 fetched, 0 not modified, 0 failed\n") {
			t.Errorf("the progress ends %q", body)
		}
	})
}
