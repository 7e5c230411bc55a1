package store

import (
	"net/url"
	"sort"
	"strings"
)

// trackingParams are query parameters that say how a reader arrived at an
// article, not which article it is.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "yclid": true, "igshid": true, "mc_cid": true, "mc_eid": true,
	"_ga": true, "_gl": true, "ocid": true, "cmpid": true, "ito": true,
}

// CanonicalLink returns the form of an article link under which copies of
// one article from different sources compare equal: scheme dropped (http and
// https alike), host lower-cased, the path left as it is; no
// default port, fragment, tracking parameters or a trailing slash; the
// remaining query parameters sorted; the path percent-encoded one way only.
// It returns "" for a link that is not an absolute http or https URL.
func CanonicalLink(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" || u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); port != "" && port != "80" && port != "443" {
		host += ":" + port
	}
	// Clearing RawPath makes EscapedPath encode from the decoded path, so
	// %d8%b3, %D8%B3 and a raw Arabic letter all come out as %D8%B3.
	u.RawPath = ""
	path := strings.TrimRight(u.EscapedPath(), "/")

	var b strings.Builder
	b.WriteString("//")
	b.WriteString(host)
	b.WriteString(path)
	if q := canonicalQuery(u.RawQuery); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	return b.String()
}

func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		// Keep what cannot be parsed as it is: dropping it could merge
		// two different articles.
		return raw
	}
	for k := range values {
		if trackingParams[strings.ToLower(k)] || strings.HasPrefix(strings.ToLower(k), "utm_") {
			delete(values, k)
		}
	}
	for _, vs := range values {
		sort.Strings(vs)
	}
	return values.Encode() // sorted by key
}
