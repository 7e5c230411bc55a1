package fetch_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/fetch"
)

// fakeNet is a network of names and addresses in front of the test's
// servers, which all listen on 127.0.0.1: a name resolves as hosts says,
// and a connection to any address reaches the server of its port.
type fakeNet map[string][]netip.Addr

func (n fakeNet) options() fetch.Options {
	return fetch.Options{
		LookupIP: func(_ context.Context, host string) ([]netip.Addr, error) {
			if ips, ok := n[host]; ok {
				return ips, nil
			}
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		},
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			_, port, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			var d net.Dialer
			return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		},
	}
}

func port(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

func TestRedirectToLocalAddress(t *testing.T) {
	addrs := func(s ...string) []netip.Addr {
		out := make([]netip.Addr, len(s))
		for i, a := range s {
			out[i] = netip.MustParseAddr(a)
		}
		return out
	}
	network := fakeNet{
		"news.example":     addrs("203.0.113.10"),
		"cdn.example":      addrs("2001:db8:77::5"),
		"intranet.example": addrs("10.20.30.40"),
		"metadata.example": addrs("169.254.169.254"),
		"mixed.example":    addrs("203.0.113.11", "192.168.7.7"),
		"mapped.example":   addrs("::ffff:127.0.0.1"),
		"nat64.example":    addrs("64:ff9b::a00:1"),
		"link.example":     addrs("fe80::1"),
		"feeds.intranet":   addrs("10.20.30.41"),
	}
	// inside is what only this machine's network should see.
	inside := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, rssWith(""))
	})
	in := port(t, inside.URL)

	tests := []struct {
		name       string
		configured string // host of the configured URL
		target     string // where it redirects
		followed   bool
	}{
		{"public to loopback literal", "news.example", "http://127.0.0.1:" + in + "/feed", false},
		{"public to IPv6 loopback", "news.example", "http://[::1]:" + in + "/feed", false},
		{"public to a name on a private address", "news.example", "http://intranet.example:" + in + "/feed", false},
		{"public to a name on the metadata address", "news.example", "http://metadata.example:" + in + "/latest", false},
		{"public to a name with one private address", "news.example", "http://mixed.example:" + in + "/feed", true},
		{"public to an IPv4-mapped loopback", "news.example", "http://mapped.example:" + in + "/feed", false},
		{"public to NAT64 of a private address", "news.example", "http://nat64.example:" + in + "/feed", false},
		{"public to link-local IPv6", "news.example", "http://link.example:" + in + "/feed", false},
		{"public to unspecified", "news.example", "http://0.0.0.0:" + in + "/feed", false},
		{"public to public", "news.example", "http://cdn.example:" + in + "/feed", true},
		{"loopback to private", "127.0.0.1", "http://intranet.example:" + in + "/feed", true},
		{"local name to loopback", "feeds.intranet", "http://127.0.0.1:" + in + "/feed", true},
		// Only the configured URL's own words make a source local: a name
		// whose owner adds a private address to its public one does not.
		{"name with one private address to loopback", "mixed.example", "http://127.0.0.1:" + in + "/feed", false},
		{"name on a private address to loopback", "intranet.example", "http://127.0.0.1:" + in + "/feed", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, network.options())
			before := inside.n.Load()
			front := serve(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tt.target, http.StatusFound)
			})
			src := fetch.Source{Name: "hostile", URL: "http://" + tt.configured + ":" + port(t, front.URL) + "/feed", Schedule: "@every 15m"}
			_, err := h.fetch(src)
			reached := inside.n.Load() > before
			if tt.followed {
				if err != nil || !reached {
					t.Fatalf("redirect to %s: err %v, reached %v; want it followed", tt.target, err, reached)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "non-public address") {
				t.Errorf("redirect to %s: err %v, want a refusal", tt.target, err)
			}
			if reached {
				t.Errorf("redirect to %s reached the server inside", tt.target)
			}
			if st := h.state("hostile"); st.Items != 0 || !strings.Contains(st.Error, "non-public address") {
				t.Errorf("state after the refusal: items %d, error %q", st.Items, st.Error)
			}
		})
	}
}
