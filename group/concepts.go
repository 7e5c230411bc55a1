package group

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
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
	phrases map[string][]string // a phrase of one to maxPhrase words, joined by spaces
	known   map[string]bool     // every word of a phrase
	names   map[string]bool     // the concepts that are names
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
	lx := &lexicon{phrases: map[string][]string{}, known: map[string]bool{}, names: map[string]bool{}}
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
				continue // a phrase of stop words only
			}
			if len(ws) > maxPhrase {
				return nil, fmt.Errorf("line %d: %q is longer than %d words", n+1, strings.TrimSpace(p), maxPhrase)
			}
			key := strings.Join(ws, " ")
			if !slices.Contains(lx.phrases[key], name) {
				lx.phrases[key] = append(lx.phrases[key], name)
			}
			for _, w := range ws {
				lx.known[w] = true
			}
		}
	}
	return lx, nil
}

// read returns the concepts of a sequence of content words, and the names
// among them, each sorted: the longest phrase at each word wins.
func (lx *lexicon) read(seq []string) (all, names []string) {
	ws := make([]string, len(seq))
	for i, w := range seq {
		ws[i] = lx.spelling(w)
	}
	for i := 0; i < len(ws); {
		n := min(maxPhrase, len(ws)-i)
		for ; n > 0; n-- {
			if cs, ok := lx.phrases[strings.Join(ws[i:i+n], " ")]; ok {
				all = append(all, cs...)
				break
			}
		}
		i += max(n, 1)
	}
	all = sortedSet(all)
	for _, c := range all {
		if lx.names[c] {
			names = append(names, c)
		}
	}
	return all, names
}

// spelling returns a content word as the lexicon knows it: as it is, or
// without the Arabic preposition stuck to it (بمستودع, لانتخابات) or a
// closing tanween alef (مهاجرًا).
func (lx *lexicon) spelling(w string) string {
	if lx.known[w] || w == "" || w[0] < 0x80 {
		return w
	}
	for _, p := range []string{"ب", "ل", "ك"} {
		if rest, ok := strings.CutPrefix(w, p); ok && len([]rune(rest)) >= 2 {
			if s := string(arabicStem([]rune("ال" + rest))); lx.known[s] {
				return s
			}
			if lx.known[rest] {
				return rest
			}
		}
	}
	if rest, ok := strings.CutSuffix(w, "ا"); ok && lx.known[rest] {
		return rest
	}
	return w
}
