package fetch

import "net/netip"
import "testing"

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
		if got := public(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("public(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
}
