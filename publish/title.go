package publish

import (
	"cmp"
	"strings"
	"time"

	"github.com/libyawire/libyawire/internal/i18n"
	"github.com/libyawire/libyawire/store"
)

// describe returns the feed's title and description, both naming the
// filter in the filter's language: "Libya news: Sirte + (Tripoli or
// Misrata), from Libya Herald", "أخبار ليبيا: سرت".
func (s *server) describe(flt filter, sources map[string]sourceInfo) (title, desc string) {
	loc := flt.locale()
	tagTitle := func(slug string) string { return s.tagTitleIn(loc, slug) }
	var short, long []string
	if groups := flt.tags(); len(groups) > 0 {
		expr := make([]string, len(groups))
		for i, g := range groups {
			expr[i] = orList(loc, g, tagTitle)
			if len(g) > 1 && len(groups) > 1 {
				expr[i] = "(" + expr[i] + ")"
			}
		}
		short = append(short, strings.Join(expr, " + "))
		long = append(long, loc.T("feed.tagged", strings.Join(expr, " + ")))
	}
	if len(flt.NoTags) > 0 {
		list := orList(loc, flt.NoTags, tagTitle)
		short = append(short, loc.T("feed.not", list))
		long = append(long, loc.T("feed.not_tagged", list))
	}
	if len(flt.Sources) > 0 {
		list := loc.T("feed.from", orList(loc, flt.Sources, func(name string) string {
			if si, ok := sources[name]; ok {
				return si.title
			}
			return name
		}))
		short = append(short, list)
		long = append(long, list)
	}
	if flt.Lang != "" {
		in := loc.T("feed.in", languageName(loc, flt.Lang))
		short = append(short, in)
		long = append(long, in)
	}
	if flt.Q != "" {
		short = append(short, loc.T("feed.matching", flt.Q))
		long = append(long, loc.T("feed.matching", flt.Q))
	}
	if !flt.Since.IsZero() {
		long = append(long, loc.T("feed.since", flt.Since.Format(time.RFC3339)))
	}
	if flt.Sort == "top" {
		top := loc.T("feed.top", formatWindow(cmp.Or(flt.Window, store.DefaultWindow)))
		short = append(short, top)
		long = append(long, top)
	}
	if flt.Developing {
		short = append(short, loc.T("feed.developing"))
		long = append(long, loc.T("feed.developing"))
	}

	title, desc = s.siteTitle(loc)
	if desc == "" {
		desc = title
	}
	comma := loc.T("list.comma")
	if len(short) > 0 {
		title = loc.T("feed.title", title, strings.Join(short, comma))
	}
	if len(long) > 0 {
		desc = loc.T("feed.description", strings.TrimRight(desc, ". "), strings.Join(long, comma))
	}
	return title, desc
}

// siteTitle returns the configured title and description in loc's
// language where config.yaml gives them (feed.title_ar), else the
// English ones.
func (s *server) siteTitle(loc *i18n.Locale) (title, desc string) {
	title, desc = s.opts.Title, s.opts.Description
	if loc.Code == "ar" {
		title = cmp.Or(s.opts.TitleAr, title)
		desc = cmp.Or(s.opts.DescriptionAr, desc)
	}
	return title, desc
}

func orList(loc *i18n.Locale, names []string, title func(string) string) string {
	titles := make([]string, len(names))
	for i, n := range names {
		titles[i] = title(n)
	}
	return strings.Join(titles, loc.T("list.or"))
}

// languageName names the language code in loc's words, for the languages
// Libya's outlets write in (the catalogues' lang.CODE); other codes are
// shown as they are.
func languageName(loc *i18n.Locale, code string) string {
	if i18n.Known("lang." + code) {
		return loc.T("lang." + code)
	}
	return code
}
