package tag

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Text returns the text of an HTML fragment as matching sees it: markup and
// the contents of script and style left out, entities decoded, white space
// collapsed, and a break between the text of two elements ("<p>a</p><p>b</p>"
// reads "a b"). It is also what a plain-text field made from HTML shows.
func Text(fragment string) string {
	var words []string
	stripHTML(fragment, func(s string) { words = append(words, strings.Fields(s)...) })
	return strings.Join(words, " ")
}

// stripHTML calls text with each run of text in an HTML fragment, entities
// decoded, and leaves out markup and the contents of script and style. A
// fragment without a '<' or '&' is passed whole.
func stripHTML(s string, text func(string)) {
	if !strings.ContainsAny(s, "<&") {
		text(s)
		return
	}
	z := html.NewTokenizerFragment(strings.NewReader(s), "div")
	skip := 0 // inside script or style
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.TextToken:
			if skip == 0 {
				text(string(z.Text()))
			}
		case html.StartTagToken:
			if a := tagAtom(z); a == atom.Script || a == atom.Style {
				skip++
			}
		case html.EndTagToken:
			if a := tagAtom(z); (a == atom.Script || a == atom.Style) && skip > 0 {
				skip--
			}
		}
	}
}

func tagAtom(z *html.Tokenizer) atom.Atom {
	name, _ := z.TagName()
	return atom.Lookup(name)
}
