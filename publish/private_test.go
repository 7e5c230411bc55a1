package publish

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/store"
)

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
