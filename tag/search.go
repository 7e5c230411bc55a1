package tag

import (
	"strings"
	"unicode/utf8"
)

// Search is a text query folded as tagging folds: every term must occur in
// a text for Match to hold. A term is a word, or a "quoted phrase" whose
// words must stand in a row; a text word behind Arabic proclitics counts,
// so سرت finds بسرت.
type Search struct {
	terms [][]string
}

// ParseSearch splits q into terms. An unclosed quote runs to the end.
func ParseSearch(q string) Search {
	var s Search
	quoted := false
	for len(q) > 0 {
		i := strings.IndexAny(q, `"“”`)
		if i < 0 {
			i = len(q)
		}
		words := Words(q[:i])
		if quoted && len(words) > 0 {
			s.terms = append(s.terms, words)
		} else {
			for _, w := range words {
				s.terms = append(s.terms, []string{w})
			}
		}
		if i == len(q) {
			break
		}
		_, size := utf8.DecodeRuneInString(q[i:])
		q = q[i+size:]
		quoted = !quoted
	}
	return s
}

// Empty reports whether the query has no terms, and so matches everything.
func (s Search) Empty() bool { return len(s.terms) == 0 }

// Match reports whether every term occurs in the texts, which may be HTML.
func (s Search) Match(texts ...string) bool {
	found := make([]bool, len(s.terms))
	var tk tokenizer
	for _, text := range texts {
		tk.reset(text, true)
		for i := range tk.words {
			forms(tk.word(i), func(w []byte) {
				for t, term := range s.terms {
					if !found[t] && string(w) == term[0] && tk.follows(i+1, term[1:]) {
						found[t] = true
					}
				}
			})
		}
	}
	for _, f := range found {
		if !f {
			return false
		}
	}
	return true
}
