package publish

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/libyawire/libyawire/internal/i18n"
	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
)

const (
	maxLimit  = 500 // the most stories one response may ask for
	maxValues = 64  // tag, notag and source values in one query, in all
	maxQ      = 256 // bytes in q, UTF-8 encoded, spaces collapsed

	// maxSlug is the longest a tag made from a feed's category can be, in
	// characters. The server's bound on a tag, notag or source value is
	// this or its longest configured slug, if longer: a longer value names
	// nothing that can exist.
	maxSlug = tag.MaxSlug
)

// filter is a feed request's query parameters, checked and normalised:
// slugs lower-cased, trimmed, de-duplicated and sorted, so that two requests
// that ask for the same stories have the same canonical encoding.
type filter struct {
	Tags    [][]string // AND of OR groups
	NoTags  []string
	Sources []string
	Lang    string
	Q       string    // words and "quoted phrases", spaces collapsed
	Since   time.Time // UTC
	Limit   int       // the effective limit, 1..maxLimit

	Sort       string        // "" (newest), "top" or "relevance"
	Window     time.Duration // with sort=top: how far back, 0 for store.DefaultWindow
	Developing bool          // only developing stories

	limitSet bool     // whether the request named a limit
	pathTags []string // an OR group named in the path (/tags/{slug}.rss), not in the query

	// loc is the language of the response's own words (hl); hlSet says
	// the request named it, rather than its Accept-Language header.
	loc   *i18n.Locale
	hlSet bool
}

// locale is the language of f's response: English unless hl or the
// Accept-Language header chose another.
func (f filter) locale() *i18n.Locale {
	if f.loc == nil {
		return i18n.English
	}
	return f.loc
}

// interfaceLanguage reads hl, the language of the page's and the feeds'
// own words, else picks it from the Accept-Language header (the first of
// the interface languages it names, else English); set says hl named it.
// A bad hl is an error in every interface language, as its sentence
// cannot know which the reader reads.
func interfaceLanguage(v url.Values, acceptLanguage string) (loc *i18n.Locale, set bool, err error) {
	if n := len(v["hl"]); n > 1 {
		return nil, false, errors.New(i18n.InAll("error.repeated", "hl", strconv.Itoa(n)))
	}
	raw := strings.TrimSpace(v.Get("hl"))
	if raw == "" {
		return i18n.Match(acceptLanguage), false, nil
	}
	loc, ok := i18n.Lookup(strings.ToLower(raw))
	if !ok {
		return nil, false, errors.New(i18n.InAll("error.hl", i18n.Codes(), quoteShort(strings.ToValidUTF8(v.Get("hl"), "\uFFFD"))))
	}
	return loc, true, nil
}

// hlValue is the hl that f's links carry: its language's code when the
// request named it or when it is not English, else "".
func (f filter) hlValue() string {
	if f.loc != nil && (f.hlSet || f.loc != i18n.English) {
		return f.loc.Code
	}
	return ""
}

// hlParam is hlValue as a query parameter, "hl=ar", or "".
func (f filter) hlParam() string {
	if hl := f.hlValue(); hl != "" {
		return "hl=" + hl
	}
	return ""
}

// switchLinks are links to a page in each interface language but loc,
// link giving the page's link in the other.
func switchLinks(loc *i18n.Locale, link func(other *i18n.Locale) string) []langLink {
	var out []langLink
	for _, other := range i18n.Locales() {
		if other != loc {
			out = append(out, langLink{Code: other.Code, Name: other.Name, Link: link(other)})
		}
	}
	return out
}

// answerLanguage reads a request's interface language for a page or an
// answer whose words follow it: a bad hl is answered 400 here (ok false);
// one chosen by Accept-Language makes the answer say Vary.
func answerLanguage(w http.ResponseWriter, r *http.Request) (loc *i18n.Locale, set, ok bool) {
	loc, set, err := interfaceLanguage(r.URL.Query(), r.Header.Get("Accept-Language"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false, false
	}
	if !set {
		w.Header().Set("Vary", "Accept-Language") // serveRendered adds Accept-Encoding
	}
	return loc, set, true
}

// withLanguage returns f answered in loc, as interfaceLanguage gave it.
func (f filter) withLanguage(loc *i18n.Locale, set bool) filter {
	f.loc, f.hlSet = loc, set
	return f
}

// parseFilter reads the feed query parameters from v, each tag, notag and
// source name at most longest characters. Its errors are
// sentences for the person who wrote the URL: what is wrong, what to send.
// Parameters it does not know are ignored: feed readers append their own.
// An empty lang, q, limit or since counts as none, as an HTML form sends
// them; an empty tag, notag or source value is an error, since it most
// likely comes from a broken URL. Invalid UTF-8 in a value becomes U+FFFD,
// so no page or feed echoes it raw.
func parseFilter(v url.Values, defaultLimit, longest int) (filter, error) {
	f := filter{Limit: defaultLimit}
	for _, name := range []string{"lang", "q", "limit", "since", "sort", "window", "developing"} {
		if n := len(v[name]); n > 1 {
			return filter{}, i18n.Errorf("error.repeated", name, strconv.Itoa(n))
		}
	}

	count := 0
	for _, raw := range v["tag"] {
		group, err := slugList("tag", raw, longest)
		if err != nil {
			return filter{}, err
		}
		count += len(group)
		f.Tags = append(f.Tags, group)
	}
	slices.SortFunc(f.Tags, slices.Compare)
	f.Tags = slices.CompactFunc(f.Tags, slices.Equal)
	for _, name := range []string{"notag", "source"} {
		var all []string
		for _, raw := range v[name] {
			list, err := slugList(name, raw, longest)
			if err != nil {
				return filter{}, err
			}
			all = append(all, list...)
		}
		slices.Sort(all)
		all = slices.Compact(all)
		count += len(all)
		if name == "notag" {
			f.NoTags = all
		} else {
			f.Sources = all
		}
	}
	if count > maxValues {
		return filter{}, i18n.Errorf("error.too_many", strconv.Itoa(maxValues), strconv.Itoa(count))
	}

	if lang := strings.ToLower(strings.TrimSpace(v.Get("lang"))); lang != "" {
		if !isLanguageCode(lang) {
			return filter{}, i18n.Errorf("error.lang", quoteShort(v.Get("lang")))
		}
		f.Lang = lang
	}

	if q := strings.Join(strings.Fields(strings.ToValidUTF8(v.Get("q"), "\uFFFD")), " "); q != "" {
		if n := len(q); n > maxQ {
			return filter{}, i18n.Errorf("error.q_long", strconv.Itoa(maxQ), strconv.Itoa(maxQ), strconv.Itoa(maxQ/2), strconv.Itoa(n))
		}
		f.Q = q
	}

	if raw := strings.TrimSpace(v.Get("limit")); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxLimit {
			return filter{}, i18n.Errorf("error.limit", strconv.Itoa(maxLimit), quoteShort(v.Get("limit")))
		}
		f.Limit, f.limitSet = n, true
	}

	if raw := strings.TrimSpace(v.Get("since")); raw != "" {
		t, err := parseSince(raw)
		if err != nil {
			return filter{}, i18n.Errorf("error.since", quoteShort(v.Get("since")))
		}
		f.Since = t.UTC()
	}
	if err := f.parseRanking(v); err != nil {
		return filter{}, err
	}
	return f, nil
}

// parseRanking reads sort, window and developing.
func (f *filter) parseRanking(v url.Values) error {
	switch raw := strings.ToLower(strings.TrimSpace(v.Get("sort"))); raw {
	case "", "newest":
	case "top":
		f.Sort = raw
	case "relevance":
		if f.Q == "" {
			return i18n.Errorf("error.relevance")
		}
		f.Sort = raw
	default:
		return i18n.Errorf("error.sort", quoteShort(v.Get("sort")))
	}
	if raw := strings.TrimSpace(v.Get("window")); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d < time.Hour || d > store.MaxWindow {
			return i18n.Errorf("error.window", quoteShort(v.Get("window")))
		}
		if f.Sort == "top" { // window ranks only sort=top; elsewhere it is checked and left
			f.Window = d
		}
	}
	switch raw := strings.TrimSpace(v.Get("developing")); raw {
	case "", "0", "false":
	case "1", "true":
		f.Developing = true
	default:
		return i18n.Errorf("error.developing", quoteShort(v.Get("developing")))
	}
	return nil
}

// slugList splits one tag, notag or source value at its commas; a name
// longer than longest characters is an error.
func slugList(name, raw string, longest int) ([]string, error) {
	raw = strings.ToValidUTF8(raw, "\uFFFD")
	parts := strings.Split(raw, ",")
	if len(parts) > maxValues {
		return nil, i18n.Errorf("error.too_many_in_one", strconv.Itoa(maxValues), strconv.Itoa(len(parts)), name)
	}
	list := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			return nil, i18n.Errorf("error.empty_value", name, quoteShort(raw))
		}
		if n := utf8.RuneCountInString(p); n > longest {
			return nil, i18n.Errorf("error.long_name", name, quoteShort(p), strconv.Itoa(n), strconv.Itoa(longest))
		}
		list = append(list, p)
	}
	slices.Sort(list)
	return slices.Compact(list), nil
}

// quoteShort quotes s for an error message, cut to its first 40
// characters: a query may be as long as a request's header allows.
func quoteShort(s string) string {
	const most = 40
	if utf8.RuneCountInString(s) <= most {
		return strconv.Quote(s)
	}
	cut := 0
	for range most {
		_, size := utf8.DecodeRuneInString(s[cut:])
		cut += size
	}
	return strconv.Quote(s[:cut]) + "…"
}

// parseSince parses an RFC 3339 time. An unescaped "+" in a URL's query
// arrives as a space, so a space where the zone offset starts is read as "+".
func parseSince(raw string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil && strings.Contains(raw, " ") {
		if t2, err2 := time.Parse(time.RFC3339, strings.Replace(raw, " ", "+", 1)); err2 == nil {
			return t2, nil
		}
	}
	return t, err
}

// isLanguageCode reports whether s looks like a BCP 47 tag: a primary
// subtag of two or three letters, then subtags of one to eight letters or
// digits, separated by hyphens.
func isLanguageCode(s string) bool {
	for i, sub := range strings.Split(s, "-") {
		if len(sub) < 1 || len(sub) > 8 || (i == 0 && (len(sub) < 2 || len(sub) > 3)) {
			return false
		}
		for _, r := range sub {
			letter := r >= 'a' && r <= 'z'
			if !letter && (i == 0 || r < '0' || r > '9') {
				return false
			}
		}
	}
	return true
}

// tags is the AND of OR groups f selects: the path's group, if any, first.
func (f filter) tags() [][]string {
	if f.pathTags == nil {
		return f.Tags
	}
	return append([][]string{f.pathTags}, f.Tags...)
}

// encode returns the canonical query string of f: equal filters give equal
// strings. It keys the cache and ends the feed's self link. The path's tags
// are the path's to say.
func (f filter) encode() string {
	var b strings.Builder
	add := func(name, value string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(queryUnescaper.Replace(url.QueryEscape(value)))
	}
	// hl when the request named it, or when Accept-Language chose other
	// than English: the answer differs, and a link to it says so.
	if hl := f.hlValue(); hl != "" {
		add("hl", hl)
	}
	if f.Developing {
		add("developing", "1")
	}
	if f.Lang != "" {
		add("lang", f.Lang)
	}
	if f.limitSet {
		add("limit", strconv.Itoa(f.Limit))
	}
	if len(f.NoTags) > 0 {
		add("notag", strings.Join(f.NoTags, ","))
	}
	if f.Q != "" {
		add("q", f.Q)
	}
	if !f.Since.IsZero() {
		add("since", f.Since.Format(time.RFC3339Nano))
	}
	if f.Sort != "" {
		add("sort", f.Sort)
	}
	if len(f.Sources) > 0 {
		add("source", strings.Join(f.Sources, ","))
	}
	for _, g := range f.Tags {
		add("tag", strings.Join(g, ","))
	}
	if f.Window != 0 && f.Window != store.DefaultWindow {
		add("window", formatWindow(f.Window))
	}
	return b.String()
}

// queryUnescaper restores the characters RFC 3986 allows in a query that
// url.QueryEscape escapes anyway, for readable links: tag=oil,sirte and
// since=2026-03-01T00:00:00Z.
var queryUnescaper = strings.NewReplacer("%2C", ",", "%3A", ":", "%2F", "/")

// query is the store query for f.
func (f filter) query(developing store.Developing) store.Query {
	q := store.Query{
		Tags:    f.tags(),
		NoTags:  f.NoTags,
		Sources: f.Sources,
		Lang:    f.Lang,
		Since:   f.Since,
		Limit:   f.Limit,
		Top:     f.Sort == "top",
		Window:  f.Window,
	}
	if f.Developing {
		q.Developing = &developing
	}
	return q
}

// formatWindow writes a window as a person would: 48h, 90m.
func formatWindow(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

// ranked reports whether f's stories depend on the clock as well as on
// the store: sort=top's window and developing move with the time.
func (f filter) ranked() bool { return f.Sort == "top" || f.Developing }
