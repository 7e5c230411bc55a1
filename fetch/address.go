package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/libyawire/libyawire/internal/netaddr"
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
			if !allowLocal && !netaddr.Public(ip) {
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
			return nil, fmt.Errorf("%w %s: only a source configured by a local address or name (an IP address, localhost, NAME.internal, NAME.lan, ...) may reach one", errLocalAddress, refused)
		case refused.IsValid():
			return nil, fmt.Errorf("%w: %s resolves to %s; only a source configured by a local address or name (an IP address, localhost, NAME.internal, NAME.lan, ...) may reach one", errLocalAddress, host, refused)
		}
		return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
}

// lookupIP is Options.LookupIP's default.
func lookupIP(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}
