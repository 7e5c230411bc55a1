package publish

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/libyawire/libyawire/store"
)

// searchScan is how many of the newest stories that match the other
// parameters a q search looks through: the most one store query returns.
// The store has no text index and no cursor to page with, so q filters a
// window of recent stories; that is what a feed reader polling for new
// matches needs, and it keeps a search cheap.
const searchScan = store.MaxLimit

// search returns the first limit stories whose title or summary contains
// every term of q: a word (whole word) or a "quoted phrase" (those words in
// a row), folded as tagging folds: case, Arabic letter forms, diacritics,
// tatweel, the proclitics و ف ب ل ك ال, an English possessive.
func search(items []store.Item, q string, limit int) []store.Item {
	terms := searchTerms(q)
	if len(terms) == 0 {
		return items[:min(limit, len(items))]
	}
	out := items[:0:0]
	for i := range items {
		if len(out) == limit {
			break
		}
		words := wordsOf(items[i].Title + " \n " + plainText(items[i].Summary))
		if matchAll(words, terms) {
			out = append(out, items[i])
		}
	}
	return out
}

// searchTerms splits q into terms, each a sequence of folded words: a
// quoted phrase is one term, every other word a term of its own. An
// unclosed quote runs to the end.
func searchTerms(q string) [][]string {
	var terms [][]string
	quoted := false
	for len(q) > 0 {
		i := strings.IndexAny(q, `"“”`)
		if i < 0 {
			i = len(q)
		}
		words := wordsOf(q[:i])
		if quoted && len(words) > 0 {
			terms = append(terms, words)
		} else {
			for _, w := range words {
				terms = append(terms, []string{w})
			}
		}
		if i == len(q) {
			break
		}
		_, size := utf8.DecodeRuneInString(q[i:])
		q = q[i+size:]
		quoted = !quoted
	}
	return terms
}

func matchAll(words []string, terms [][]string) bool {
	for _, t := range terms {
		if !matchPhrase(words, t) {
			return false
		}
	}
	return true
}

func matchPhrase(words, phrase []string) bool {
	for i := 0; i+len(phrase) <= len(words); i++ {
		ok := true
		for j, p := range phrase {
			if !wordMatches(words[i+j], p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// wordMatches reports whether a folded word of the text is the folded query
// word, possibly behind Arabic proclitics.
func wordMatches(word, want string) bool {
	if word == want {
		return true
	}
	if !strings.HasSuffix(word, want) || !isArabic(want) {
		return false
	}
	return isProclitics(word[:len(word)-len(want)])
}

// isProclitics reports whether p is a run of proclitics, as in وبال:
// an optional و or ف, then an optional ب, ل or ك, then an optional ال
// (ل before ال makes لل).
func isProclitics(p string) bool {
	p, _ = strings.CutPrefix(p, "و")
	if p2, ok := strings.CutPrefix(p, "ف"); ok {
		p = p2
	}
	if p == "لل" {
		return true
	}
	for _, c := range []string{"ب", "ل", "ك"} {
		if p2, ok := strings.CutPrefix(p, c); ok {
			p = p2
			break
		}
	}
	return p == "" || p == "ال"
}

func isArabic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Arabic, r) {
			return true
		}
	}
	return false
}

// wordsOf splits text into folded words: runs of letters and digits. An
// English possessive ('s, ’s) is dropped with its apostrophe.
func wordsOf(text string) []string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	runes := []rune(text)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		if (r == '\'' || r == '’') && b.Len() > 0 && i+1 < len(runes) && (runes[i+1] == 's' || runes[i+1] == 'S') &&
			(i+2 == len(runes) || !isWordRune(runes[i+2])) {
			i++ // skip the possessive
			continue
		}
		if !isWordRune(r) {
			flush()
			continue
		}
		if f := foldRune(r); f != 0 {
			b.WriteRune(f)
		}
	}
	flush()
	return words
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// foldRune folds one rune of a word; 0 means drop it.
func foldRune(r rune) rune {
	switch {
	case r == 'ـ': // tatweel
		return 0
	case r >= 0x064B && r <= 0x065F, r == 0x0670: // harakat, superscript alef
		return 0
	case r == 'أ', r == 'إ', r == 'آ', r == 'ٱ':
		return 'ا'
	case r == 'ى':
		return 'ي'
	case r == 'ة':
		return 'ه'
	}
	return unicode.ToLower(r)
}
