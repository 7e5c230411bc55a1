package publish

import (
	"net/http"
	"strings"
	"testing"
)

// TestFromThisMachine: the guard of the endpoints that act lets through a
// client on this machine that names this machine, and nothing else: not a
// remote client, not a page that rebound its name to 127.0.0.1, not a
// request any proxy forwarded, whatever the header's case or value.
func TestFromThisMachine(t *testing.T) {
	tests := []struct {
		name   string
		remote string
		host   string
		header []string // name, value, ...
		want   bool
	}{
		{name: "ipv4 with port", remote: "127.0.0.1:5000", host: "127.0.0.1:8080", want: true},
		{name: "ipv4 without port", remote: "127.0.0.1:5000", host: "127.0.0.1", want: true},
		{name: "elsewhere in 127/8", remote: "127.3.4.5:5000", host: "127.200.0.9:80", want: true},
		{name: "localhost", remote: "127.0.0.1:5000", host: "localhost:8080", want: true},
		{name: "localhost in capitals", remote: "[::1]:5000", host: "LocalHost", want: true},
		{name: "ipv6 with port", remote: "[::1]:5000", host: "[::1]:8080", want: true},
		{name: "ipv6 without port", remote: "[::1]:5000", host: "[::1]", want: true},
		{name: "unrelated header", remote: "127.0.0.1:5000", host: "127.0.0.1:8080", header: []string{"X-Requested-With", "curl"}, want: true},

		{name: "remote client", remote: "198.51.100.20:5000", host: "127.0.0.1:8080"},
		{name: "remote client naming localhost", remote: "[2001:db8::4]:5000", host: "localhost"},
		{name: "rebound name", remote: "127.0.0.1:5000", host: "attacker.example:8080"},
		{name: "rebound name without port", remote: "127.0.0.1:5000", host: "tripoli-news.example"},
		{name: "a subdomain of localhost", remote: "127.0.0.1:5000", host: "evil.localhost:8080"},
		{name: "localhost with a trailing dot", remote: "127.0.0.1:5000", host: "localhost.:8080"},
		{name: "name that starts like a loopback address", remote: "127.0.0.1:5000", host: "127.0.0.1.nip.example"},
		{name: "private address", remote: "127.0.0.1:5000", host: "10.1.2.3:8080"},
		{name: "any address", remote: "127.0.0.1:5000", host: "0.0.0.0:8080"},
		{name: "half a bracket", remote: "[::1]:5000", host: "[::1:8080"},
		{name: "no host", remote: "127.0.0.1:5000", host: ""},

		{name: "empty X-Forwarded-For", remote: "127.0.0.1:5000", host: "127.0.0.1:8080", header: []string{"X-Forwarded-For", ""}},
		{name: "Via", remote: "127.0.0.1:5000", host: "127.0.0.1:8080", header: []string{"Via", "1.1 edge-cache"}},
		{name: "X-Forwarded-Host", remote: "127.0.0.1:5000", host: "127.0.0.1:8080", header: []string{"X-Forwarded-Host", "libya.example"}},
		{name: "X-Forwarded-Proto", remote: "127.0.0.1:5000", host: "127.0.0.1:8080", header: []string{"X-Forwarded-Proto", "https"}},
		{name: "an X-Forwarded field of its own", remote: "127.0.0.1:5000", host: "127.0.0.1:8080", header: []string{"X-Forwarded-Ssl", "on"}},
		{name: "Forwarded", remote: "127.0.0.1:5000", host: "localhost", header: []string{"Forwarded", "for=203.0.113.60"}},
		{name: "X-Real-IP", remote: "127.0.0.1:5000", host: "localhost", header: []string{"X-Real-IP", "203.0.113.61"}},
		{name: "X-Client-IP", remote: "127.0.0.1:5000", host: "localhost", header: []string{"X-Client-IP", "203.0.113.62"}},
		{name: "True-Client-IP", remote: "127.0.0.1:5000", host: "localhost", header: []string{"True-Client-IP", "203.0.113.63"}},
		{name: "CF-Connecting-IP", remote: "127.0.0.1:5000", host: "localhost", header: []string{"CF-Connecting-IP", "203.0.113.64"}},
		{name: "lower case, not canonical", remote: "127.0.0.1:5000", host: "localhost", header: []string{"x-forwarded-for", "203.0.113.65"}},
		{name: "underscores", remote: "127.0.0.1:5000", host: "localhost", header: []string{"X_Forwarded_For", "203.0.113.66"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodPost, "/api/fetch", nil)
			if err != nil {
				t.Fatal(err)
			}
			r.RemoteAddr, r.Host = tt.remote, tt.host
			for i := 0; i+1 < len(tt.header); i += 2 {
				// As sent, not canonicalised: the server keeps names it
				// cannot canonicalise as they came.
				r.Header[tt.header[i]] = append(r.Header[tt.header[i]], tt.header[i+1])
			}
			if got := fromThisMachine(r); got != tt.want {
				t.Errorf("fromThisMachine: got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestLocalOnlyRoutes: both endpoints that act refuse a rebound name and
// each proxy sign with 403 and their sentence.
func TestLocalOnlyRoutes(t *testing.T) {
	f := newFixture(t)
	f.srv.opts.FetchNow = (&fakeFetchNow{}).fetchNow
	f.handler = f.srv.routes()
	for _, target := range []string{"/api/fetch", "/api/backup"} {
		for _, header := range [][]string{
			{"Host", "rebound.example:8080"},
			{"Host", "127.0.0.1.rebound.example"},
			{"Via", "1.1 proxy"},
			{"X-Forwarded-For", ""},
			{"X-Forwarded-Host", "libya.example"},
			{"True-Client-IP", "203.0.113.9"},
		} {
			resp := postFetch(t, f, target, "127.0.0.1:5000", header...)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "only from this machine") {
				t.Errorf("%s with %q: %s %q, want 403 and the sentence", target, header, resp.Status, body)
			}
		}
		if resp := postFetch(t, f, target, "127.0.0.1:5000", "Host", "localhost:8080"); resp.StatusCode != http.StatusOK {
			t.Errorf("%s from this machine: %s, want 200", target, resp.Status)
		}
	}
}
