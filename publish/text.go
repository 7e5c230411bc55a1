package publish

import (
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
