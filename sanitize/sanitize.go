// Package sanitize makes the HTML that feeds send safe to republish: what a
// reader shows from libyawire's feeds must not run script, load styles or
// frames, send forms, or track the reader.
//
// bluemonday's policy for user content does the cleaning: it keeps text
// formatting, links and images and drops scripts, styles, event handlers,
// iframes, objects and forms, and any URL whose scheme is not http, https
// or mailto (so javascript: and data: go). A second pass over its output
// makes relative links and images absolute against the article's own link
// and drops tracking pixels.
package sanitize

import (
	"net/url"
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
// resolved against base (the article's link; "" leaves them as they are).
// Text without markup comes back escaped as HTML text. It is safe for
// concurrent use.
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
	return rewrite(clean, base)
}

// needsRewrite reports whether clean has an image (which may be a pixel)
// or a link or source that is not absolute, the two things rewrite mends.
// Most feed HTML has neither, and skips the second pass.
func needsRewrite(clean string) bool {
	if strings.Contains(clean, "<img") {
		return true
	}
	for _, attr := range []string{` href="`, ` src="`} {
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

// rewrite resolves the href and src attributes of clean, bluemonday's
// output, against base, and drops images that are tracking pixels. Only
// links and images are taken apart; the rest is copied as it is.
func rewrite(clean, base string) string {
	b, _ := url.Parse(base)
	if b != nil && !b.IsAbs() {
		b = nil
	}
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
			if a := atom.Lookup(name); a != atom.A && a != atom.Img {
				out.WriteString(raw)
				continue
			}
			tok := html.Token{Type: tt, Data: string(name), DataAtom: atom.Lookup(name)}
			for more := hasAttr; more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				tok.Attr = append(tok.Attr, html.Attribute{Key: string(k), Val: string(v)})
			}
			if tok.DataAtom == atom.Img && isPixel(tok) {
				continue
			}
			for i, a := range tok.Attr {
				if (a.Key == "href" || a.Key == "src") && b != nil {
					if u, err := b.Parse(strings.TrimSpace(a.Val)); err == nil {
						tok.Attr[i].Val = u.String()
					}
				}
			}
			out.WriteString(tok.String())
		default:
			out.Write(z.Raw())
		}
	}
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
