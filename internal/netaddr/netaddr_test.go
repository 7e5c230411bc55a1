package netaddr

import (
	"net/netip"
	"testing"
)

func TestPublic(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
	}{
		{"203.0.113.10", true},
		{"2a00:1450:4001:80b::200e", true},
		{"41.208.72.5", true},
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"::1", false},
		{"10.20.30.40", false},
		{"172.31.255.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"fe80::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"0.1.2.3", false},
		{"100.72.0.9", false},
		{"198.19.4.4", false},
		{"255.255.255.255", false},
		{"224.0.0.251", false},
		{"fd12:3456::9", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.1.1.1", false},
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of 169.254.169.254
		{"64:ff9b::29d0:4805", true},  // NAT64 of 41.208.72.5
		{"2002:c0a8:0101::1", false},  // 6to4 of 192.168.1.1
		{"::7f00:1", false},           // IPv4-compatible 127.0.0.1
		{"fec0::5", false},
	}
	for _, tt := range tests {
		if got := Public(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("Public(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
}

func TestLocalURL(t *testing.T) {
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
		if got := LocalURL(tt.url); got != tt.want {
			t.Errorf("LocalURL(%q): got %v, want %v", tt.url, got, tt.want)
		}
	}
}
