package publish

import (
	"net/netip"
	"net/url"
	"strings"
)

// The state of a source on this machine's network (a feed at 10.0.0.5, at
// http://intranet/ or on localhost) tells about that network: an error
// names its addresses and ports, a redirect its other hosts. Such a
// source's details are for the operator, on this machine; everyone else
// sees only whether its last fetch failed (see redactInternal).

// privateURL reports whether the feed at raw is on a loopback or private
// address as far as its URL says, without asking DNS: an IP address that is
// not a public one, localhost, a name of one label, a name under a suffix
// kept for local networks, or a host that is unreadable or looks numeric
// (127.1, 0x7f000001) as some resolvers read them.
func privateURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return true
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return true
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return !publicAddr(addr)
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

// publicAddr reports whether addr is one anybody on the internet reaches
// as the same host.
func publicAddr(addr netip.Addr) bool {
	addr = addr.Unmap()
	switch {
	case addr.IsLoopback(), addr.IsPrivate(), addr.IsUnspecified(),
		addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast(),
		addr.Zone() != "":
		return false
	}
	for _, p := range nonPublicPrefixes {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// nonPublicPrefixes are ranges, beyond those netip names, that are not on
// the public internet.
var nonPublicPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and broadcast
	netip.MustParsePrefix("fec0::/10"),      // site-local, deprecated but routed by some
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
}

// internalDetails is what a source's error says to a client not on this
// machine, when the source is on a private address.
const internalDetails = "the last fetch failed; the details are shown only on the server itself (libyawire sources)"

// redactInternal blanks, in list, what the fetches of the sources on
// private addresses said: their errors (but that there was one), HTTP
// statuses, redirect targets and reasons to wait.
func redactInternal(list []sourceStatus, private map[string]bool) {
	for i := range list {
		st := &list[i]
		if !private[st.Name] {
			continue
		}
		if st.Error != "" {
			st.Error = internalDetails
		}
		st.Status, st.MovedTo, st.Waiting = 0, "", ""
	}
}

// privateSources returns the names of the sources on private addresses,
// or nil when there are none.
func privateSources(sources []Source) map[string]bool {
	var m map[string]bool
	for _, src := range sources {
		if privateURL(src.URL) {
			if m == nil {
				m = make(map[string]bool)
			}
			m[src.Name] = true
		}
	}
	return m
}
