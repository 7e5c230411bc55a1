package publish

import (
	"strings"
	"time"
)

// describe returns the feed's title and description, both naming the
// filter: "Libya news: Sirte + (Tripoli or Misrata), from Libya Herald".
func (s *server) describe(flt filter, sources map[string]sourceInfo) (title, desc string) {
	var short, long []string
	if groups := flt.tags(); len(groups) > 0 {
		expr := make([]string, len(groups))
		for i, g := range groups {
			expr[i] = orList(g, s.tagTitle)
			if len(g) > 1 && len(groups) > 1 {
				expr[i] = "(" + expr[i] + ")"
			}
		}
		short = append(short, strings.Join(expr, " + "))
		long = append(long, "tagged "+strings.Join(expr, " + "))
	}
	if len(flt.NoTags) > 0 {
		list := orList(flt.NoTags, s.tagTitle)
		short = append(short, "not "+list)
		long = append(long, "not tagged "+list)
	}
	if len(flt.Sources) > 0 {
		list := "from " + orList(flt.Sources, func(name string) string {
			if si, ok := sources[name]; ok {
				return si.title
			}
			return name
		})
		short = append(short, list)
		long = append(long, list)
	}
	if flt.Lang != "" {
		short = append(short, "in "+languageName(flt.Lang))
		long = append(long, "in "+languageName(flt.Lang))
	}
	if flt.Q != "" {
		short = append(short, "matching “"+flt.Q+"”")
		long = append(long, "matching “"+flt.Q+"”")
	}
	if !flt.Since.IsZero() {
		long = append(long, "published since "+flt.Since.Format(time.RFC3339))
	}

	title, desc = s.opts.Title, s.opts.Description
	if desc == "" {
		desc = title
	}
	if len(short) > 0 {
		title += ": " + strings.Join(short, ", ")
	}
	if len(long) > 0 {
		desc = strings.TrimRight(desc, ". ") + ". This feed: stories " + strings.Join(long, ", ") + "."
	}
	return title, desc
}

func orList(names []string, title func(string) string) string {
	titles := make([]string, len(names))
	for i, n := range names {
		titles[i] = title(n)
	}
	return strings.Join(titles, " or ")
}

// languageNames names the languages Libya's outlets write in; other codes
// are shown as they are.
var languageNames = map[string]string{
	"ar":  "Arabic",
	"ber": "Berber",
	"de":  "German",
	"en":  "English",
	"es":  "Spanish",
	"fr":  "French",
	"it":  "Italian",
	"ru":  "Russian",
	"tr":  "Turkish",
	"tzm": "Tamazight",
}

func languageName(code string) string {
	if name, ok := languageNames[code]; ok {
		return name
	}
	return code
}
