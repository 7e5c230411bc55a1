package publish

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/libyawire/libyawire/internal/i18n"
)

// filterForm fills the form from flt: the sources a select offers are the
// configured ones, and a list of several (source=a,b) or one no longer
// configured is offered as it stands.
func (s *server) filterForm(flt filter, sources map[string]sourceInfo) homeForm {
	loc := flt.locale()
	f := homeForm{NoTags: strings.Join(flt.NoTags, ","), Q: flt.Q, HL: flt.hlValue()}
	for _, g := range flt.Tags {
		f.Tags = append(f.Tags, strings.Join(g, ","))
	}
	if len(f.Tags) == 0 {
		f.Tags = []string{""}
	}
	if flt.limitSet {
		f.Limit = strconv.Itoa(flt.Limit)
	}
	if !flt.Since.IsZero() {
		f.Since = flt.Since.Format(time.RFC3339)
	}

	selected := strings.Join(flt.Sources, ",")
	f.Sources = []option{{Value: "", Label: loc.T("form.any_source"), Selected: selected == ""}}
	found := selected == ""
	for _, src := range s.opts.Sources {
		title := src.Name
		if si, ok := sources[src.Name]; ok {
			title = si.title
		}
		f.Sources = append(f.Sources, option{Value: src.Name, Label: title, Selected: src.Name == selected})
		found = found || src.Name == selected
	}
	if !found {
		f.Sources = append(f.Sources, option{Value: selected, Label: orList(loc, flt.Sources, func(name string) string { return name }), Selected: true})
	}

	f.Langs = langOptions(loc, flt.Lang, languageName(loc, flt.Lang))
	return f
}

// langOptions are the choices of the form's language field: any, English,
// Arabic, and lang when it is another, under label.
func langOptions(loc *i18n.Locale, lang, label string) []option {
	opts := []option{
		{Value: "", Label: loc.T("form.any_lang"), Selected: lang == ""},
		{Value: "en", Label: languageName(loc, "en"), Selected: lang == "en"},
		{Value: "ar", Label: languageName(loc, "ar"), Selected: lang == "ar"},
	}
	if lang != "" && lang != "en" && lang != "ar" {
		opts = append(opts, option{Value: lang, Label: label, Selected: true})
	}
	return opts
}

// rawForm fills the form with what the person sent, for them to correct,
// each value as echoText gives it back.
func rawForm(loc *i18n.Locale, v url.Values, configured []option) homeForm {
	clean := make(url.Values, len(v))
	for name, values := range v {
		for _, value := range values {
			clean[name] = append(clean[name], echoText(value))
		}
	}
	v = clean
	f := homeForm{
		Tags:   v["tag"],
		NoTags: strings.Join(v["notag"], ","),
		Q:      v.Get("q"),
		Limit:  v.Get("limit"),
		Since:  v.Get("since"),
	}
	if loc, ok := i18n.Lookup(strings.ToLower(strings.TrimSpace(v.Get("hl")))); ok {
		f.HL = loc.Code // a bad one is not sent again
	}
	if len(f.Tags) == 0 {
		f.Tags = []string{""}
	}
	selected := strings.Join(v["source"], ",")
	found := false
	for _, o := range configured {
		o.Selected = o.Value == selected
		found = found || o.Selected
		f.Sources = append(f.Sources, o)
	}
	if !found {
		f.Sources = append(f.Sources, option{Value: selected, Label: selected, Selected: true})
	}
	lang := v.Get("lang")
	f.Langs = langOptions(loc, lang, lang)
	return f
}

// maxEcho is the most of one value the page gives back, in bytes: more
// than any value that is not refused for its length.
const maxEcho = 4096

// echoText is a value from the request as the page may show it again:
// valid UTF-8 (each invalid run becomes U+FFFD) and at most maxEcho bytes,
// cut at a character's end.
func echoText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
