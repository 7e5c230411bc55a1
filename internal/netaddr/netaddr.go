// Package netaddr says which network addresses are on the public
// internet. fetch connects only to those (unless a source is configured on
// a local one), and publish shows what the fetches of a source on a local
// address said only to clients on this machine; both decide by the same
// ranges, here.
package netaddr

import (
	"net/netip"
	"net/url"
	"strings"
)

// nonPublic are the ranges, beyond what netip names (loopback, private,
// link-local, multicast, unspecified), that are not on the internet:
// "this network", shared address space (carrier-grade NAT), IETF protocol
// assignments, benchmarking, the reserved class E and broadcast, IPv4-
// compatible IPv6 and the deprecated site-local IPv6.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::/96"),
	netip.MustParsePrefix("fec0::/10"),
}

// embedding are IPv6 ranges that carry an IPv4 address, as NAT64 and 6to4
// do: they are as public as the IPv4 address they carry.
var embedding = []struct {
	prefix netip.Prefix
	at     int // the byte at which the IPv4 address starts
}{
	{netip.MustParsePrefix("64:ff9b::/96"), 12},
	{netip.MustParsePrefix("64:ff9b:1::/48"), 12},
	{netip.MustParsePrefix("2002::/16"), 2},
}

// Public reports whether ip is an address anybody on the internet reaches
// as the same host. An IPv4 address inside IPv6 (mapped, NAT64, 6to4) is
// judged by the IPv4 address; an address with a zone is never public.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.Zone() != "" {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	for _, e := range embedding {
		if e.prefix.Contains(ip) {
			b := ip.As16()
			return Public(netip.AddrFrom4([4]byte(b[e.at : e.at+4])))
		}
	}
	return true
}

// LocalURL reports whether the URL raw names a host on a loopback or
// private network as far as the URL itself says, without asking DNS: an IP
// address that is not Public, localhost, a name of one label, a name under
// a suffix kept for local networks, or a host that is unreadable or looks
// numeric (127.1, 0x7f000001), as some resolvers read such names.
func LocalURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return true
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return true
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return !Public(addr)
	}
	labels := strings.Split(host, ".")
	if len(labels) == 1 || numericLabel(labels[len(labels)-1]) {
		return true
	}
	for _, suffix := range localSuffixes {
		if host == suffix || strings.HasSuffix(host, "."+suffix) {
			return true
		}
	}
	return false
}

// localSuffixes are the domains that name hosts of a local network only.
var localSuffixes = []string{"localhost", "local", "internal", "lan", "home.arpa", "intranet", "localdomain"}

// numericLabel reports whether a top-level label looks like part of a
// number, which no real top-level domain is.
func numericLabel(s string) bool {
	if strings.HasPrefix(s, "0x") {
		return true
	}
	return strings.Trim(s, "0123456789") == ""
}
