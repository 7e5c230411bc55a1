package publish

import (
	"net"
	"net/http"
	"strings"
)

// localOnly serves h only to clients on this machine (see fromThisMachine),
// answering others 403 with refusal, as it answers a cross-origin request
// from a browser. Every endpoint that acts rather than reads (/api/fetch,
// /api/backup) is behind it. Its answers are not cached.
func localOnly(refusal string, h http.Handler) http.Handler {
	csrf := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !fromThisMachine(r) || csrf.Check(r) != nil {
			http.Error(w, refusal, http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// fromThisMachine reports whether r came from a client on this machine that
// meant to reach this machine: it came from a loopback address, it names a
// loopback host, and no proxy says it forwarded it.
//
// The Host is checked because a page on any web site can reach a loopback
// port through DNS rebinding: its own name, re-pointed at 127.0.0.1, is
// then the same origin as the page, so the browser's origin checks pass,
// but the request still names that site in Host. Proxy headers are checked
// because a reverse proxy on this machine makes every client look local; a
// proxy adds some of them, so any one of them, even empty, is enough.
func fromThisMachine(r *http.Request) bool {
	return loopbackAddr(r.RemoteAddr) && loopbackHost(r.Host) && !proxied(r.Header)
}

// loopbackAddr reports whether addr, an IP address with or without a
// port, is a loopback address.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackHost reports whether host, a request's Host, names this machine
// without asking DNS: localhost, or a loopback address (127.0.0.0/8,
// [::1]), with or without a port. Other names, even ones that resolve to a
// loopback address today, are refused: how they resolve is what a
// rebinding attack controls.
func loopbackHost(host string) bool {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	} else if h, ok := strings.CutPrefix(host, "["); ok {
		if name, ok = strings.CutSuffix(h, "]"); !ok {
			return false
		}
	}
	if strings.EqualFold(name, "localhost") {
		return true
	}
	ip := net.ParseIP(name)
	return ip != nil && ip.IsLoopback()
}

// proxyHeaders are the header fields, lower-cased, by which proxies, load
// balancers and CDNs say that they forwarded a request, and for whom.
var proxyHeaders = map[string]bool{
	"forwarded":                true,
	"via":                      true,
	"x-real-ip":                true,
	"x-client-ip":              true,
	"client-ip":                true,
	"true-client-ip":           true,
	"cf-connecting-ip":         true,
	"cf-connecting-ipv6":       true,
	"fastly-client-ip":         true,
	"x-cluster-client-ip":      true,
	"x-original-forwarded-for": true,
	"x-proxyuser-ip":           true,
	"x-azure-clientip":         true,
	"x-appengine-user-ip":      true,
	"x-envoy-external-address": true,
	"cdn-loop":                 true,
}

// proxied reports whether h holds any sign that a proxy forwarded the
// request: a field of proxyHeaders or any X-Forwarded-* field, whatever its
// value, empty included, and in any case, with "_" for "-" too.
func proxied(h http.Header) bool {
	for name := range h {
		name = strings.ReplaceAll(strings.ToLower(name), "_", "-")
		if proxyHeaders[name] || strings.HasPrefix(name, "x-forwarded-") {
			return true
		}
	}
	return false
}
