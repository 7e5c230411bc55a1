package tag

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold returns s as the matcher sees it: lower case, Arabic letters folded to
// one form each, diacritics and tatweel removed, Arabic-Indic digits made
// ASCII, and words separated by single spaces. Anything that is not a letter,
// digit or mark separates words, so hyphens and apostrophes inside names split
// them ("Al-Zawiya" is "al zawiya"); an English possessive "'s" is dropped.
// Fold(Fold(s)) == Fold(s).
func Fold(s string) string {
	var tk tokenizer
	tk.reset(s, false)
	return string(tk.joined())
}

// Words returns the folded words of s, as Fold separates them.
func Words(s string) []string {
	f := Fold(s)
	if f == "" {
		return nil
	}
	return strings.Split(f, " ")
}

// foldRune maps one rune to its folded form: -1 drops it, ' ' separates
// words, anything else is kept.
func foldRune(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		switch {
		case 'A' <= r && r <= 'Z':
			return r + 'a' - 'A'
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return r
		}
		return ' '
	case r >= 0x0600 && r <= 0x06FF:
		return foldArabic(r)
	case unicode.Is(unicode.Cf, r):
		return -1 // zero-width joiners, direction marks: invisible, not a break
	case unicode.Is(unicode.Mn, r):
		return -1 // combining accents: "é" written as e + ◌́ folds to "e"
	case unicode.IsLetter(r):
		return foldCase(r)
	case unicode.IsDigit(r):
		return r
	}
	return ' '
}

// foldCase returns the lower case of the smallest letter that r's case
// folds with, so that every case form of a letter folds alike: Σ, σ and ς
// give σ, and the Kelvin sign gives k. (Some orbits hold a combining mark,
// such as Greek iota's U+0345, which is no letter.)
func foldCase(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < least && unicode.IsLetter(f) {
			least = f
		}
	}
	return unicode.ToLower(least)
}

func foldArabic(r rune) rune {
	switch {
	case r >= 0x064B && r <= 0x065F, r == 0x0670, r >= 0x06D6 && r <= 0x06ED, r == 0x0640:
		return -1 // tashkeel, superscript alef, Quranic marks, tatweel
	case r >= 0x0660 && r <= 0x0669:
		return '0' + r - 0x0660 // Arabic-Indic digits
	case r >= 0x06F0 && r <= 0x06F9:
		return '0' + r - 0x06F0 // Eastern Arabic-Indic digits
	}
	switch r {
	case 'أ', 'إ', 'آ', 'ٱ':
		return 'ا'
	case 'ة':
		return 'ه'
	case 'ى', 'ی': // alef maqsura, Farsi yeh
		return 'ي'
	case 'ؤ':
		return 'و'
	case 'ئ':
		return 'ي'
	case 'ک': // keheh
		return 'ك'
	case '،', '؛', '؟', '٪', '٫', '٬', '۔':
		return ' '
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return r
	}
	return ' '
}

// tokenizer folds text into a buffer of words separated by single spaces,
// and remembers where each word starts and ends.
type tokenizer struct {
	buf   []byte
	words [][2]int32 // [start, end) of each word in buf
	found []found    // scan's: the aliases met
	kept  []found    // scan's: those no longer alias overlaps
}

// reset folds s, with its HTML markup removed first when html is set.
func (tk *tokenizer) reset(s string, html bool) {
	tk.buf = tk.buf[:0]
	tk.words = tk.words[:0]
	if html {
		stripHTML(s, tk.add)
	} else {
		tk.add(s)
	}
}

// add folds a piece of text onto the buffer. Pieces never join: the end of
// one is the end of a word (stripHTML passes the text between tags).
func (tk *tokenizer) add(s string) {
	start := -1
	prevApos := false
	for i, r := range s {
		f := foldRune(r)
		if f == -1 {
			continue
		}
		if f == ' ' {
			// An apostrophe right after a word may start a possessive.
			prevApos = isApostrophe(r) && start >= 0
			if start >= 0 {
				tk.words = append(tk.words, [2]int32{int32(start), int32(len(tk.buf))})
				start = -1
			}
			continue
		}
		if start < 0 {
			// An English possessive: "Haftar's" is "Haftar". The s is
			// dropped when an apostrophe joins it to a word and nothing
			// follows it.
			if prevApos && f == 's' && possessiveEnd(s[i+1:]) {
				prevApos = false
				continue
			}
			if len(tk.buf) > 0 {
				tk.buf = append(tk.buf, ' ')
			}
			start = len(tk.buf)
		}
		prevApos = false
		tk.buf = utf8.AppendRune(tk.buf, f)
	}
	if start >= 0 {
		tk.words = append(tk.words, [2]int32{int32(start), int32(len(tk.buf))})
	}
}

func (tk *tokenizer) joined() []byte { return tk.buf }

func (tk *tokenizer) word(i int) []byte { return tk.buf[tk.words[i][0]:tk.words[i][1]] }

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' || r == '‘' }

// possessiveEnd reports whether the text after an "s" ends the word.
func possessiveEnd(rest string) bool {
	r, _ := utf8.DecodeRuneInString(rest)
	return rest == "" || foldRune(r) == ' '
}
