package cli

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

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
