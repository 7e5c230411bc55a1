package publish

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/store"
)

func TestPrivateURL(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"http://127.0.0.1:9000/feed", true},
		{"http://127.9.9.9/feed", true},
		{"http://10.20.30.40/rss", true},
		{"http://172.16.5.4:8443/atom", true},
		{"https://192.168.1.20/feed.xml", true},
		{"http://100.72.0.9/feed", true},
		{"http://169.254.169.254/latest/meta-data/", true},
		{"http://0.0.0.0:8080/", true},
		{"http://[::1]:9000/feed", true},
		{"http://[fd12:3456::7]/feed", true},
		{"http://[fe80::1%25eth0]/feed", true},
		{"http://[::ffff:10.0.0.1]/feed", true},
		{"http://localhost:9000/feed", true},
		{"http://feeds.localhost/feed", true},
		{"http://LOCALHOST./feed", true},
		{"http://intranet/news.rss", true},
		{"http://wiki.corp.internal/feed", true},
		{"http://nas.lan:5000/rss", true},
		{"http://printer.home.arpa/feed", true},
		{"http://newsroom.local/feed", true},
		{"http://2130706433/feed", true},
		{"http://127.1/feed", true},
		{"http://0x7f.0.0.1/feed", true},
		{"::not a url", true},

		{"https://libyaherald.com/feed/", false},
		{"https://news.un.example/feed/libya", false},
		{"http://203.0.113.10/feed", false},
		{"http://[2001:db8::10]/feed", false},
		{"https://localhost.example/feed", false},
		{"https://lan-news.example.org/rss", false},
	}
	for _, tt := range tests {
		if got := privateURL(tt.url); got != tt.want {
			t.Errorf("privateURL(%q): got %v, want %v", tt.url, got, tt.want)
		}
	}
}

// TestInternalDetails: a client not on this machine sees, for a source on a
// private address, that its last fetch failed but not how, nor where it
// was redirected; a client on this machine sees everything, and a public
// source's details are public.
func TestInternalDetails(t *testing.T) {
	c := newClock()
	db := mustOpenDB(t, c)
	// What the fetches said, beyond the configured URLs, which are public.
	secrets := []string{"connection refused", "intranet-2", "upstream", "/new?token=s3cret"}
	states := map[string]store.SourceState{
		"lab":     {Status: 502, Error: "dial tcp 10.9.8.7:5433: connection refused", Failures: 2},
		"wiki":    {Status: 200, MovedTo: "http://wiki.corp.internal/new?token=s3cret", Waiting: "max-age from intranet-2"},
		"nas":     {Status: 503, Error: "HTTP 503 from nas.lan upstream intranet-2", Waiting: "Retry-After from intranet-2"},
		"reuters": {Status: 500, Error: "HTTP 500 Internal Server Error"},
	}
	sources := []Source{
		{Name: "lab", URL: "http://10.9.8.7:5433/feed"},
		{Name: "wiki", URL: "http://wiki.corp.internal/feed"},
		{Name: "nas", URL: "http://nas.lan/rss"},
		{Name: "reuters", URL: "https://reuters.example/libya"},
	}
	for name, st := range states {
		st.Name, st.LastFetch = name, c.Now()
		mustIngest(t, db, name, nil, st)
	}
	srv := newServer(db, Options{BaseURL: "http://libyawire.test", Sources: sources, Now: c.Now}, nil)
	h := srv.routes()

	tests := []struct {
		name   string
		remote string
		host   string
		header []string
		local  bool
	}{
		{"this machine", "127.0.0.1:40000", "127.0.0.1:8080", nil, true},
		{"this machine by name", "[::1]:40000", "localhost:8080", nil, true},
		{"another machine", "198.51.100.4:40000", "libyawire.example", nil, false},
		{"a proxy on this machine", "127.0.0.1:40000", "libyawire.example", []string{"X-Forwarded-For", "198.51.100.4"}, false},
		{"a rebound name", "127.0.0.1:40000", "rebound.example:8080", nil, false},
		{"an empty proxy header", "127.0.0.1:40000", "127.0.0.1:8080", []string{"Via", ""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, target := range []string{"/api/sources", "/", "/?limit=x"} {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.RemoteAddr, req.Host = tt.remote, tt.host
				for i := 0; i+1 < len(tt.header); i += 2 {
					req.Header[tt.header[i]] = []string{tt.header[i+1]}
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				body := rec.Body.String()
				for _, secret := range secrets {
					if strings.Contains(body, secret) != tt.local {
						t.Errorf("%s: %q shown %v, want %v", target, secret, !tt.local, tt.local)
					}
				}
				if !strings.Contains(body, "HTTP 500 Internal Server Error") {
					t.Errorf("%s: the public source's error is not shown", target)
				}
				if target != "/api/sources" {
					continue
				}
				var list []sourceStatus
				if err := json.Unmarshal([]byte(body), &list); err != nil {
					t.Fatal(err)
				}
				if !tt.local && (list[0].Error != internalDetails || list[1].MovedTo != "" || list[0].Status != 0) {
					t.Errorf("the lab source is shown as %+v", list[0])
				}
				if list[3].Status != 500 {
					t.Errorf("the public source's status: %d", list[3].Status)
				}
			}
		})
	}
}
