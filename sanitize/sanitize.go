// Package sanitize makes the HTML that feeds send safe to republish: what a
// reader shows from libyawire's feeds must not run script, load styles or
// frames, send forms, or track the reader.
//
// bluemonday's policy for user content does the cleaning: it keeps text
// formatting, links and images and drops scripts, styles, event handlers,
// iframes, objects and forms, and any URL whose scheme is not http, https
// or mailto (so javascript: and data: go). A second pass over its output
// makes relative links and images absolute against the article's own link
// and drops tracking pixels. A link is checked again after it is made
// absolute, since the article's link is the feed's to choose: every href,
// src and cite that leaves HTML is an http, https or mailto URL, or it goes.
//
// Link decides which links libyawire may publish at all (http and https
// only), for the fetcher and the publisher as much as for content.
package sanitize

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowRelativeURLs(true) // made absolute below, against the article
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowAttrs("dir", "lang").Globally() // Arabic text keeps its direction
	return p
}()

// HTML returns fragment cleaned for republishing, with relative URLs
// resolved against base (the article's link). A URL that is not an http,
// https or mailto URL once resolved is dropped: a relative one when base is
// not an http or https URL (or ""), and any whose base made it something
// else. An image that loses its source goes. Text without markup comes back
// escaped as HTML text. It is safe for concurrent use.
func HTML(fragment, base string) string {
	if strings.TrimSpace(fragment) == "" {
		return ""
	}
	if !strings.ContainsAny(fragment, "<&") {
		return html.EscapeString(fragment)
	}
	clean := policy.Sanitize(fragment)
	if !needsRewrite(clean) {
		return clean
	}
	return rewrite(clean, parseBase(base))
}

// urlAttrs are the attributes whose values bluemonday's policy checks as
// URLs, and rewrite checks again once resolved.
var urlAttrs = []string{"href", "src", "cite"}

// needsRewrite reports whether clean has an image (which may be a pixel)
// or a URL that does not plainly start with an allowed scheme, the two
// things rewrite mends. Most feed HTML has neither, and skips the second
// pass. bluemonday writes every attribute as ` name="value"`, its value a
// URL that net/url parsed and wrote again.
func needsRewrite(clean string) bool {
	if strings.Contains(clean, "<img") {
		return true
	}
	for _, name := range urlAttrs {
		attr := " " + name + `="`
		for rest := clean; ; {
			i := strings.Index(rest, attr)
			if i < 0 {
				break
			}
			rest = rest[i+len(attr):]
			if !strings.HasPrefix(rest, "http://") && !strings.HasPrefix(rest, "https://") && !strings.HasPrefix(rest, "mailto:") {
				return true
			}
		}
	}
	return false
}

// rewrite resolves the URL attributes of clean, bluemonday's output,
// against base (nil: none), drops those that do not come out as http,
// https or mailto URLs, and drops images that are tracking pixels or have
// no source left. Only tags with URLs are taken apart; the rest is copied
// as it is.
func rewrite(clean string, base *url.URL) string {
	z := html.NewTokenizerFragment(strings.NewReader(clean), "div")
	var out strings.Builder
	out.Grow(len(clean))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			raw := string(z.Raw())
			name, hasAttr := z.TagName()
			tok := html.Token{Type: tt, Data: string(name), DataAtom: atom.Lookup(name)}
			hasURL := false
			for more := hasAttr; more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				a := html.Attribute{Key: string(k), Val: string(v)}
				hasURL = hasURL || slices.Contains(urlAttrs, a.Key)
				tok.Attr = append(tok.Attr, a)
			}
			if tok.DataAtom != atom.Img && !hasURL {
				out.WriteString(raw)
				continue
			}
			if tok.DataAtom == atom.Img && isPixel(tok) {
				continue
			}
			kept, hasSrc := tok.Attr[:0], false
			for _, a := range tok.Attr {
				if slices.Contains(urlAttrs, a.Key) {
					if a.Val = contentURL(base, a.Val); a.Val == "" {
						continue
					}
					hasSrc = hasSrc || a.Key == "src"
				}
				kept = append(kept, a)
			}
			if tok.DataAtom == atom.Img && !hasSrc {
				continue
			}
			tok.Attr = kept
			out.WriteString(tok.String())
		default:
			out.Write(z.Raw())
		}
	}
}

// contentURL returns v resolved against base when the result may stay in
// content: an http or https URL with a host (as Link keeps), or a mailto:
// address; else "".
func contentURL(base *url.URL, v string) string {
	u := resolve(base, v)
	if u == nil || !isWeb(u) && !isMail(u) {
		return ""
	}
	return u.String()
}

// isPixel reports whether an image is a tracking pixel: one pixel or less
// wide or high, or served by a known counter.
func isPixel(tok html.Token) bool {
	for _, a := range tok.Attr {
		switch a.Key {
		case "width", "height":
			n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(a.Val), "px"), 64)
			if err == nil && n <= 1 {
				return true
			}
		case "src":
			if u, err := url.Parse(a.Val); err == nil && trackers[strings.ToLower(u.Hostname())] {
				return true
			}
		}
	}
	return false
}

// trackers are hosts that serve counting images, not pictures.
var trackers = map[string]bool{
	"feeds.feedburner.com": true, "feedproxy.google.com": true, "pixel.wp.com": true,
	"stats.wordpress.com": true, "www.google-analytics.com": true, "pixel.quantserve.com": true,
	"b.scorecardresearch.com": true, "sb.scorecardresearch.com": true, "www.facebook.com": true,
}
