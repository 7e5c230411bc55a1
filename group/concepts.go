package group

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// concepts.txt holds what news is made of (explosions, arrests, fuel,
// bridges, flights...) in English and Arabic: reports in two languages,
// and rewrites in one, share concepts where they share no words.
//
//go:embed concepts.txt
var conceptsText string

// lexicon maps the words of concepts.txt, as a title's content words read,
// to their concepts.
type lexicon struct {
	phrases map[string][]phrase // by their first word, the longest first
	names   map[string]bool     // the concepts that are names
}

// phrase is one phrase of concepts.txt: the words after its first, and the
// concepts it names.
type phrase struct {
	rest     []string
	concepts []string
}

// maxPhrase is the longest phrase of concepts.txt, in words.
const maxPhrase = 4

var concepts = mustLexicon(conceptsText)

func mustLexicon(text string) *lexicon {
	lx, err := parseLexicon(text)
	if err != nil {
		panic("group: concepts.txt: " + err.Error())
	}
	return lx
}

// parseLexicon reads concepts.txt: "name: english, ... | arabic, ...",
// comments after #.
func parseLexicon(text string) (*lexicon, error) {
	lx := &lexicon{phrases: map[string][]phrase{}, names: map[string]bool{}}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		name, list, ok := strings.Cut(line, ":")
		en, ar, bar := strings.Cut(list, "|")
		if !ok || !bar || strings.TrimSpace(en) == "" || strings.TrimSpace(ar) == "" {
			return nil, fmt.Errorf("line %d: want \"concept: english words | arabic words\"", n+1)
		}
		name = strings.TrimSpace(name)
		if n, ok := strings.CutPrefix(name, "="); ok {
			name = n
			lx.names[name] = true
		}
		for p := range strings.SplitSeq(en+","+ar, ",") {
			ws := contentSeq(words(p))
			if len(ws) == 0 {
				return nil, fmt.Errorf("line %d: %q is all stop words or numbers, which a title's words never hold", n+1, strings.TrimSpace(p))
			}
			if len(ws) > maxPhrase {
				return nil, fmt.Errorf("line %d: %q is longer than %d words", n+1, strings.TrimSpace(p), maxPhrase)
			}
			lx.add(ws, name)
		}
	}
	for _, ps := range lx.phrases {
		slices.SortStableFunc(ps, func(a, b phrase) int { return len(b.rest) - len(a.rest) })
	}
	return lx, nil
}

// add files a phrase under its first word, or adds a concept to it.
func (lx *lexicon) add(ws []string, concept string) {
	ps := lx.phrases[ws[0]]
	for i := range ps {
		if slices.Equal(ps[i].rest, ws[1:]) {
			if !slices.Contains(ps[i].concepts, concept) {
				ps[i].concepts = append(ps[i].concepts, concept)
			}
			return
		}
	}
	lx.phrases[ws[0]] = append(ps, phrase{rest: ws[1:], concepts: []string{concept}})
	for _, w := range ws[1:] {
		if _, ok := lx.phrases[w]; !ok {
			lx.phrases[w] = nil // known, as a later word of a phrase
		}
	}
}

// read returns the concepts of a sequence of content words, and the names
// among them, each sorted: the longest phrase at each word wins.
func (lx *lexicon) read(seq []string) (all, names []string) {
	for i := 0; i < len(seq); {
		n := 1
		for _, p := range lx.phrases[lx.spelling(seq[i])] {
			if lx.follows(seq[i+1:], p.rest) {
				all = append(all, p.concepts...)
				n += len(p.rest)
				break
			}
		}
		i += n
	}
	all = sortedSet(all)
	for _, c := range all {
		if lx.names[c] {
			names = append(names, c)
		}
	}
	return all, names
}

// follows reports whether seq begins with the words of rest.
func (lx *lexicon) follows(seq, rest []string) bool {
	if len(seq) < len(rest) {
		return false
	}
	for i, w := range rest {
		if seq[i] != w && lx.spelling(seq[i]) != w {
			return false
		}
	}
	return true
}

// spelling returns a content word as the lexicon knows it: as it is, or
// without the Arabic preposition stuck to it (بمستودع, لانتخابات) or a
// closing tanween alef (مهاجرًا).
func (lx *lexicon) spelling(w string) string {
	if _, known := lx.phrases[w]; known || w == "" || w[0] < 0x80 {
		return w
	}
	if r, size := utf8.DecodeRuneInString(w); (r == 'ب' || r == 'ل' || r == 'ك') && len(w) > size+2 {
		rest := w[size:]
		if _, known := lx.phrases[rest]; known {
			return rest
		}
		if s := string(arabicStem([]rune("ال" + rest))); s != rest {
			if _, known := lx.phrases[s]; known {
				return s
			}
		}
	}
	if rest, ok := strings.CutSuffix(w, "ا"); ok {
		if _, known := lx.phrases[rest]; known {
			return rest
		}
	}
	return w
}
