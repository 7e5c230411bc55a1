package sanitize

import (
	"net/url"
	"strings"
)

// Link returns link, made absolute against base when it is relative, as
// libyawire may publish it: an http or https URL with a host. It returns ""
// for anything else, so that no feed can put script in front of a reader
// through a link: javascript:, vbscript:, data: and every other scheme in
// any case, a link that does not parse (net/url refuses control
// characters, which browsers would strip to find the scheme), and a
// relative link with nothing to resolve it against. base is used only when
// it is itself such a URL; "" resolves nothing.
//
// The fetcher keeps item, channel and source links through Link, and the
// publisher renders stored links through it again, so that a story stored
// before it did is not republished with such a link.
func Link(base, link string) string {
	u := resolve(parseBase(base), link)
	if u == nil || !isWeb(u) {
		return ""
	}
	return u.String()
}

// parseBase returns base parsed when it is a URL that links may be
// resolved against (one that Link keeps), else nil.
func parseBase(base string) *url.URL {
	if base == "" {
		return nil
	}
	b, err := url.Parse(strings.TrimSpace(base))
	if err != nil || !isWeb(b) {
		return nil
	}
	return b
}

// resolve parses link and makes it absolute against base (nil: none). It
// returns nil when link does not parse or stays relative.
func resolve(base *url.URL, link string) *url.URL {
	link = strings.TrimSpace(link)
	if link == "" {
		return nil
	}
	u, err := url.Parse(link)
	if err != nil {
		return nil
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if !u.IsAbs() {
		return nil
	}
	return u
}

// isWeb reports whether u is an http or https URL with a host: the only
// links that leave libyawire.
func isWeb(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != ""
}

// isMail reports whether u is a mailto: URL with an address, which content
// may carry beside web links.
func isMail(u *url.URL) bool {
	return u.Scheme == "mailto" && u.Opaque != ""
}
