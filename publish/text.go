package publish

import (
	"html"
	"strings"
	"unicode/utf8"
)

// xmlText returns s without the characters XML 1.0 forbids (control
// characters other than tab, newline and carriage return; surrogates;
// U+FFFE and U+FFFF), and with invalid UTF-8 replaced by U+FFFD. Feeds in
// the wild carry all of these, and one of them makes a whole document
// unreadable. encoding/xml escapes character data but writes CDATA and
// never checks a name, so every text is cleaned before it is rendered.
func xmlText(s string) string {
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < utf8.RuneSelf {
			i++ // printable ASCII, the bulk of most texts
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !xmlChar(r, size) {
			return xmlTextSlow(s, i)
		}
		i += size
	}
	return s // the common case: nothing to clean, nothing allocated
}

func xmlTextSlow(s string, clean int) string {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:clean])
	for i := clean; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case xmlChar(r, size):
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// xmlChar reports whether r, decoded from size bytes, may appear in an XML
// 1.0 document (the Char production).
func xmlChar(r rune, size int) bool {
	switch {
	case r == utf8.RuneError:
		return size == 3 // U+FFFD itself, not a decoding error
	case r < 0x20:
		return r == '\t' || r == '\n' || r == '\r'
	case r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	default:
		return r >= 0x10000 && r <= 0x10FFFF
	}
}

// plainText returns the text of an HTML fragment: tags dropped (with the
// contents of script and style), entities decoded, white space collapsed.
// It is for JSON Feed's plain-text summary and for matching q, not for
// sanitising.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.Join(strings.Fields(s), " ")
	}
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:lt])
		s = s[lt:]
		if len(s) < 2 || !isTagStart(s[1]) {
			b.WriteByte('<')
			s = s[1:]
			continue
		}
		for _, raw := range []string{"script", "style"} {
			if len(s) > len(raw) && strings.EqualFold(s[1:1+len(raw)], raw) {
				if end := indexFold(s, "</"+raw); end >= 0 {
					s = s[end:]
				}
			}
		}
		gt := strings.IndexByte(s, '>')
		if gt < 0 {
			break
		}
		b.WriteByte(' ') // <p>a</p><p>b</p> reads "a b"
		s = s[gt+1:]
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}

func isTagStart(c byte) bool {
	return c == '/' || c == '!' || c == '?' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// indexFold is strings.Index for an ASCII substr, ignoring case.
func indexFold(s, substr string) int {
	for i := 0; i+len(substr) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(substr)], substr) {
			return i
		}
	}
	return -1
}
