package cli

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestWriteSources(t *testing.T) {
	long := strings.Repeat("x", 70)
	var out bytes.Buffer
	err := writeSources(&out, []sourceRow{
		{Name: "herald", LastSuccess: time.Date(2026, 3, 2, 10, 0, 0, 0, time.FixedZone("", 2*3600)), Status: 200, New: 3},
		{Name: "wasat", Status: 500, Failures: 4, Error: long + "\nsecond line", MovedTo: "https://alwasat.example/feed"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "NAME    LAST SUCCESS          STATUS  NEW  FAILURES  ERROR                                                         MOVED TO\n" +
		"herald  2026-03-02T08:00:00Z  200     3    0                                                                       \n" +
		"wasat   never                 500     0    4         " + strings.Repeat("x", 59) + "…  https://alwasat.example/feed\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestRunningDaemon(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "the scheduler is not running", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	tests := []struct{ listen, want string }{
		{"127.0.0.1:" + port, "http://127.0.0.1:" + port}, // a 503 is an answer
		{"0.0.0.0:" + port, "http://127.0.0.1:" + port},
		{":" + port, "http://127.0.0.1:" + port},
		{"127.0.0.1:0", ""},
		{closedAddr, ""},
	}
	for _, tt := range tests {
		if got := runningDaemon(context.Background(), tt.listen); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.listen, got, tt.want)
		}
	}
}

func TestDialAddr(t *testing.T) {
	tests := []struct{ listen, want string }{
		{"127.0.0.1:8080", "127.0.0.1:8080"},
		{"0.0.0.0:8080", "127.0.0.1:8080"},
		{":8080", "127.0.0.1:8080"},
		{"[::]:8080", "[::1]:8080"},
		{"[::1]:8080", "[::1]:8080"},
		{"news.example:8080", "news.example:8080"},
		{"127.0.0.1:0", ""},
		{"8080", ""},
	}
	for _, tt := range tests {
		if got := dialAddr(tt.listen); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.listen, got, tt.want)
		}
	}
}
