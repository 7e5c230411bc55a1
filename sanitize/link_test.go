package sanitize_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/libyawire/libyawire/sanitize"
	"golang.org/x/net/html"
)

func TestLink(t *testing.T) {
	const site = "https://libyaobserver.example/news/"
	tests := []struct{ name, base, link, want string }{
		{"web link kept", "", "https://libyaherald.example/2026/03/sirte-port/", "https://libyaherald.example/2026/03/sirte-port/"},
		{"scheme case and spaces", "", "  HTTPS://alwasat.example/a?id=7 \n", "https://alwasat.example/a?id=7"},
		{"relative against the site", site, "../2026/derna", "https://libyaobserver.example/2026/derna"},
		{"scheme-relative", site, "//cdn.libyaobserver.example/p/1", "https://cdn.libyaobserver.example/p/1"},
		{"relative without base", "", "/2026/03/benghazi", ""},
		{"javascript", "", "javascript:void(0)", ""},
		{"javascript in mixed case behind spaces", site, "   JaVaScRiPt:alert(document.cookie)", ""},
		{"javascript after a control byte", site, "\x01javascript:alert(1)", ""},
		{"javascript split by a tab", site, "java\tscript:alert(1)", ""},
		{"javascript split by a newline", site, "java\nscript:alert(1)", ""},
		{"javascript behind a no-break space", site, "\u00a0javascript:alert(1)", ""},
		{"javascript behind a zero-width space", site, "\u200bjavascript:alert(1)", ""},
		{"vbscript", site, "VBScript:MsgBox(\"Tobruk\")", ""},
		{"data", site, "data:text/html;base64,PGgxPk1pc3JhdGE8L2gxPg==", ""},
		{"percent-encoded colon stays a path", site, "javascript%3Aalert(1)", "https://libyaobserver.example/news/javascript%3Aalert(1)"},
		{"entity stays text", site, "javascript&#58;alert(1)", "https://libyaobserver.example/news/javascript&#58;alert(1)"},
		{"mailto is not an item link", "", "mailto:desk@libyaherald.example", ""},
		{"ftp", "", "ftp://files.libyaherald.example/a.pdf", ""},
		{"no host", "", "http:///sabha", ""},
		{"opaque http", "", "http:sabha", ""},
		// The case: a feed names javascript: as the item's link, and
		// relative links resolved against it came out as javascript:///x.
		{"relative against a javascript base", "javascript:void(0)", "x%0Aalert(1)", ""},
		{"relative against a data base", "data:text/html,x", "/2026/zawiya", ""},
		{"relative against a vbscript base", " vbscript:x", "zuwara", ""},
		{"absolute against a javascript base", "javascript:void(0)", "https://alwasat.example/2026/ghat", "https://alwasat.example/2026/ghat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sanitize.Link(tt.base, tt.link); got != tt.want {
				t.Errorf("Link(%q, %q) = %q, want %q", tt.base, tt.link, got, tt.want)
			}
		})
	}
}

// TestHTMLHostileBase sanitises content whose article link, the base of
// its relative URLs, is the feed's choice and hostile: no URL may come out
// with a scheme but http, https or mailto.
func TestHTMLHostileBase(t *testing.T) {
	tests := []struct{ name, base, in, want string }{
		{"the issue's link", "javascript:void(0)", `<a href="x%0Aalert(1)">go</a>`, `<a rel="nofollow">go</a>`},
		{"path against javascript", "JAVASCRIPT:alert(1)//", `<p><a href="/2026/kufra">Kufra</a></p>`, `<p><a rel="nofollow">Kufra</a></p>`},
		{"image against data", "data:text/html,<b>x</b>", `<p>Port</p><img src="port.jpg" alt="Misrata port">`, `<p>Port</p>`},
		{"quote against vbscript", "  vbscript:msgbox", `<blockquote cite="../statement">We agree.</blockquote>`, `<blockquote>We agree.</blockquote>`},
		{"image map against javascript", "javascript:x", `<map name="m"><area href="zone" shape="rect" coords="0,0,9,9"></map>`, `<map name="m"><area shape="rect" coords="0,0,9,9" rel="nofollow"></map>`},
		{"relative without base", "", `<a href="/2026/ghadames">Ghadames</a><img src="g.jpg">`, `<a rel="nofollow">Ghadames</a>`},
		{"absolute kept against javascript", "javascript:x", `<img src="https://alwasat.example/p.jpg"><a href="mailto:desk@alwasat.example">mail</a>`, `<img src="https://alwasat.example/p.jpg"><a href="mailto:desk@alwasat.example" rel="nofollow">mail</a>`},
		{"entity-encoded scheme", "https://ok.example/a/", `<a href="&#x6A;avascript:alert(1)">x</a><a href="jav&#x09;ascript:alert(1)">y</a>`, "xy"},
		{"relative against a good base", "https://libyaherald.example/2026/03/story/", `<q cite="src">q</q>`, `<q cite="https://libyaherald.example/2026/03/story/src">q</q>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sanitize.HTML(tt.in, tt.base)
			if got != tt.want {
				t.Errorf("HTML(%q, %q)\n got %q\nwant %q", tt.in, tt.base, got, tt.want)
			}
			if bad := badURL(got); bad != "" {
				t.Errorf("HTML(%q, %q) keeps %q", tt.in, tt.base, bad)
			}
		})
	}
}

// FuzzHTML checks what no content may come out with: a URL in any
// attribute that a browser would read with a scheme other than http, https
// or mailto, or without one (a relative URL resolves against whatever the
// reader takes for the article's link). Its check reads schemes as the
// WHATWG URL standard does, not with net/url, which the code under test
// uses.
func FuzzHTML(f *testing.F) {
	seeds := []struct{ fragment, base string }{
		{`<a href="x%0Aalert(1)">go</a>`, "javascript:void(0)"},
		{`<p><a href="/2026/kufra">Kufra</a><img src="k.jpg"></p>`, "JAVASCRIPT:alert(1)//"},
		{`<blockquote cite="../statement">We agree.</blockquote>`, " vbscript:msgbox"},
		{`<map name="m"><area href="zone" shape="rect" coords="0,0,9,9"></map>`, "data:text/html,x"},
		{`<a href="&#x6A;avascript:alert(1)">x</a><a href="jav&#x09;ascript:alert(1)">y</a>`, "https://ok.example/a/"},
		{`<a href=" &#1;javascript:alert(1)">x</a>`, ""},
		{`<img src="//tracker.example/p.gif"><a href="?page=2">next</a>`, "https://libyaherald.example/2026/"},
		{`<a href="mailto:desk@alwasat.example">mail</a><q cite="src">q</q>`, "\x00javascript:x"},
		{`<a href="https:\\evil.example">x</a><a href="http:javascript:alert(1)">y</a>`, "http:x"},
	}
	for _, s := range seeds {
		f.Add(s.fragment, s.base)
	}
	f.Fuzz(func(t *testing.T, fragment, base string) {
		out := sanitize.HTML(fragment, base)
		if bad := badURL(out); bad != "" {
			t.Errorf("HTML(%q, %q) = %q keeps %q", fragment, base, out, bad)
		}
		if link := sanitize.Link(base, fragment); link != "" {
			if s := browserScheme(link); s != "http" && s != "https" {
				t.Errorf("Link(%q, %q) = %q, scheme %q", base, fragment, link, s)
			}
		}
	})
}

// badURL returns the first URL attribute in fragment whose value a browser
// would read with a scheme other than http, https or mailto, or as
// relative; "" when there is none.
func badURL(fragment string) string {
	z := html.NewTokenizerFragment(strings.NewReader(fragment), "div")
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			for _, a := range z.Token().Attr {
				if !isURLAttr(a.Key) {
					continue
				}
				switch browserScheme(a.Val) {
				case "http", "https", "mailto":
				default:
					return a.Key + "=" + a.Val
				}
			}
		}
	}
}

// isURLAttr reports whether a browser reads attribute key as a URL (or
// URLs), on any element.
func isURLAttr(key string) bool {
	switch key {
	case "href", "src", "cite", "action", "formaction", "poster", "background",
		"srcset", "longdesc", "data", "codebase", "classid", "manifest",
		"ping", "xlink:href", "lowsrc", "dynsrc", "profile", "itemtype":
		return true
	}
	return false
}

// browserScheme returns the scheme a browser finds in an attribute's URL,
// lower-cased, or "" for a relative URL: leading and trailing C0 controls
// and spaces are stripped and tabs and newlines removed anywhere, as the
// URL standard's parser does, before the scheme is read.
func browserScheme(v string) string {
	v = strings.Trim(v, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\v\f\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	v = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(v)
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == ':' && i > 0:
			return strings.ToLower(v[:i])
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case i > 0 && ('0' <= r && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return ""
		}
		i += n
	}
	return ""
}
