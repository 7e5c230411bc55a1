package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// A feed on the internet must not steer libyawire into the network it runs
// in: a redirect to 127.0.0.1, 10.0.0.5 or 169.254.169.254 would have the
// daemon read (and republish) what only this machine may see. So a fetch
// connects only to public addresses unless the configured URL itself is on
// a local one, the operator's choice. The check is made on the addresses a
// connection is actually opened to, after name resolution, so a host name
// that resolves to a local address is refused as the address itself is.

// errLocalAddress is the error of a connection refused by the check.
var errLocalAddress = errors.New("refused to connect to a non-public address")

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

// public reports whether ip is an address on the internet.
func public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() {
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
			return public(netip.AddrFrom4([4]byte(b[e.at : e.at+4])))
		}
	}
	return true
}

// resolver looks up and dials as Options.LookupIP and Options.Dial say.
type resolver struct {
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	dial   func(ctx context.Context, network, address string) (net.Conn, error)
}

// addrs returns the addresses of host, an IP address or a name.
func (r resolver) addrs(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{ip}, nil
	}
	return r.lookup(ctx, host)
}

// local reports whether rawURL, a configured URL, is on a non-public
// address: then its fetch may connect to such addresses, its redirects
// too. A host that cannot be resolved is taken as public, and its fetch
// reports the lookup's error.
func (r resolver) local(ctx context.Context, rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return false
	}
	ips, err := r.addrs(ctx, u.Hostname())
	if err != nil {
		return false
	}
	for _, ip := range ips {
		if !public(ip) {
			return true
		}
	}
	return false
}

// dialer returns a transport's DialContext that resolves the host and
// connects to the first of its addresses that answers, skipping the
// non-public ones unless allowLocal.
func (r resolver) dialer(allowLocal bool) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		ips, err := r.addrs(ctx, host)
		if err != nil {
			return nil, err
		}
		var refused netip.Addr
		var errs []error
		for _, ip := range ips {
			if !allowLocal && !public(ip) {
				refused = ip
				continue
			}
			conn, err := r.dial(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
			if err == nil {
				return conn, nil
			}
			errs = append(errs, err)
		}
		switch {
		case len(errs) > 0:
			return nil, errs[0]
		case refused.IsValid() && refused.String() == strings.Trim(host, "[]"):
			return nil, fmt.Errorf("%w %s: only a source whose configured URL is on such an address may reach one", errLocalAddress, refused)
		case refused.IsValid():
			return nil, fmt.Errorf("%w: %s resolves to %s; only a source whose configured URL is on such an address may reach one", errLocalAddress, host, refused)
		}
		return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
}

// lookupIP is Options.LookupIP's default.
func lookupIP(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}
