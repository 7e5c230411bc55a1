// Package i18n holds the words libyawire says of itself (the page's, the
// feeds', the sentences of a 400) in each interface language, and picks
// the language of a request.
//
// Each language is one catalogue file, catalog/CODE.yaml: its name, its
// direction, its numerals, its month names and its messages, a message a
// string or, for a count, one string per plural form of the language
// (zero, one, two, few, many, other, as CLDR names them). English is the
// fallback for a message another catalogue lacks. Adding a language is
// adding a file: golang.org/x/text matches it against Accept-Language,
// picks its plural forms and writes its numbers.
package i18n

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

//go:embed catalog/*.yaml
var files embed.FS

// Locale is one interface language.
type Locale struct {
	Code string // the hl value: en, ar
	Name string // in its own words: English, العربية
	Dir  string // ltr or rtl

	printer *message.Printer
	months  [12]string
	has     map[string]bool // the messages its own catalogue gives
}

// file is a catalogue file as written.
type file struct {
	Code     string               `yaml:"code"`
	Name     string               `yaml:"name"`
	Dir      string               `yaml:"dir"`
	Numerals string               `yaml:"numerals"` // a CLDR numbering system: latn, arab
	Months   []string             `yaml:"months"`
	Messages map[string]yaml.Node `yaml:"messages"`
}

// pluralForms are CLDR's plural categories, in the order a message lists
// them.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// registry is what the catalogue files make.
type registry struct {
	locales []*Locale // sorted by code
	byCode  map[string]*Locale
	matcher language.Matcher
	matched []*Locale // the matcher's languages, in its order: English first
	// keys are the messages of the English catalogue, the fallback, with
	// whether each is a count.
	keys map[string]bool
}

var reg = mustLoad(files)

// English is the default language, and the fallback.
var English = reg.byCode["en"]

func mustLoad(fsys fs.FS) *registry {
	r, err := load(fsys)
	if err != nil {
		panic("i18n: " + err.Error())
	}
	return r
}

// load reads the catalogue files of fsys.
func load(fsys fs.FS) (*registry, error) {
	names, err := fs.Glob(fsys, "catalog/*.yaml")
	if err != nil {
		return nil, err
	}
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	var parsed []file
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var f file
		if err := yaml.Unmarshal(data, &f); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if f.Code+".yaml" != path.Base(name) {
			return nil, fmt.Errorf("%s: code is %q; a catalogue is named after its code", name, f.Code)
		}
		parsed = append(parsed, f)
	}
	// English first: the others are checked against it.
	slices.SortFunc(parsed, func(a, b file) int {
		switch {
		case a.Code == b.Code:
			return 0
		case a.Code == "en":
			return -1
		case b.Code == "en":
			return 1
		}
		return strings.Compare(a.Code, b.Code)
	})
	if len(parsed) == 0 || parsed[0].Code != "en" {
		return nil, errors.New("catalog/en.yaml is missing: English is the fallback")
	}
	r := &registry{byCode: map[string]*Locale{}, keys: map[string]bool{}}
	var tags []language.Tag
	for _, f := range parsed {
		l, tag, err := r.build(b, f)
		if err != nil {
			return nil, fmt.Errorf("catalog/%s.yaml: %w", f.Code, err)
		}
		r.locales = append(r.locales, l)
		r.matched = append(r.matched, l)
		r.byCode[l.Code] = l
		tags = append(tags, tag)
	}
	r.matcher = language.NewMatcher(tags) // English first: the match when nothing else does
	slices.SortFunc(r.locales, func(a, b *Locale) int { return strings.Compare(a.Code, b.Code) })
	return r, nil
}

// build adds one catalogue's messages to b and makes its Locale.
func (r *registry) build(b *catalog.Builder, f file) (*Locale, language.Tag, error) {
	tag, err := language.Parse(f.Code)
	if err != nil {
		return nil, tag, fmt.Errorf("code %q: %w", f.Code, err)
	}
	if f.Dir != "ltr" && f.Dir != "rtl" {
		return nil, tag, fmt.Errorf("dir is %q; want ltr or rtl", f.Dir)
	}
	if f.Name == "" {
		return nil, tag, errors.New("name is missing: the language's name in its own words")
	}
	if len(f.Months) != 12 {
		return nil, tag, fmt.Errorf("months lists %d names, want 12", len(f.Months))
	}
	english := f.Code == "en"
	has := map[string]bool{}
	for key, node := range f.Messages {
		has[key] = true
		plural, ok := r.keys[key]
		switch {
		case english:
			plural = node.Kind == yaml.MappingNode
			r.keys[key] = plural
		case !ok:
			return nil, tag, fmt.Errorf("line %d: %s is not a message of catalog/en.yaml", node.Line, key)
		}
		msg, err := message_(node, plural)
		if err != nil {
			return nil, tag, fmt.Errorf("line %d: %s: %w", node.Line, key, err)
		}
		if err := b.Set(tag, key, msg); err != nil {
			return nil, tag, fmt.Errorf("line %d: %s: %w", node.Line, key, err)
		}
	}
	// Numbers in the catalogue's numerals: Libya writes 0-9 in Arabic too.
	pt := tag
	if f.Numerals != "" {
		if pt, err = tag.SetTypeForKey("nu", f.Numerals); err != nil {
			return nil, tag, fmt.Errorf("numerals %q: %w", f.Numerals, err)
		}
	}
	l := &Locale{Code: f.Code, Name: f.Name, Dir: f.Dir, printer: message.NewPrinter(pt, message.Catalog(b)), has: has}
	copy(l.months[:], f.Months)
	return l, tag, nil
}

// message_ reads one message: a string, or a mapping of plural forms for a
// count, its first argument.
func message_(node yaml.Node, isPlural bool) (catalog.Message, error) {
	if !isPlural {
		if node.Kind != yaml.ScalarNode {
			return nil, errors.New("want a string, as catalog/en.yaml has it")
		}
		return catalog.String(node.Value), nil
	}
	var forms map[string]string
	if err := node.Decode(&forms); err != nil {
		return nil, errors.New("want one string for each plural form (one, other, ...), as catalog/en.yaml has it")
	}
	if forms["other"] == "" {
		return nil, errors.New("the plural form other is missing")
	}
	var cases []any
	for _, form := range pluralForms {
		if s, ok := forms[form]; ok {
			cases = append(cases, form, s)
			delete(forms, form)
		}
	}
	for form := range forms {
		return nil, fmt.Errorf("%s is not a plural form; use %s", form, strings.Join(pluralForms, ", "))
	}
	return plural.Selectf(1, "%d", cases...), nil
}

// Locales returns the interface languages, by code.
func Locales() []*Locale { return slices.Clone(reg.locales) }

// Codes returns the hl values, sorted: "ar, en".
func Codes() string {
	codes := make([]string, len(reg.locales))
	for i, l := range reg.locales {
		codes[i] = l.Code
	}
	return strings.Join(codes, ", ")
}

// Lookup returns the language whose code is hl.
func Lookup(hl string) (*Locale, bool) {
	l, ok := reg.byCode[hl]
	return l, ok
}

// Match returns the first interface language an Accept-Language header
// names, as its q-values order them (ar-LY is Arabic; q=0 refuses one),
// or English when it names none of them or cannot be read.
func Match(acceptLanguage string) *Locale {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, confidence := reg.matcher.Match(tags...)
	if confidence == language.No {
		return English
	}
	return reg.matched[i]
}

// T returns the message key in l's words, with args set in it as the
// message's verbs say (%s, %d, %[2]s): the plural form of a count message
// is chosen by its first argument.
func (l *Locale) T(key string, args ...any) string {
	return l.printer.Sprintf(key, args...)
}

// Num writes n in l's numerals, grouped as l groups thousands.
func (l *Locale) Num(n int) string { return l.printer.Sprintf("%d", n) }

// Date writes t's day in l's words: "2 January 2026", "2 يناير 2026".
func (l *Locale) Date(t time.Time) string {
	return l.T("date", t.Day(), l.months[t.Month()-1], strconv.Itoa(t.Year()))
}

// DayMonth writes t's day and month in l's words: "2 January", "2 يناير".
func (l *Locale) DayMonth(t time.Time) string {
	return l.T("date.day_month", t.Day(), l.months[t.Month()-1])
}

// Ago says how long before now t was: "just now", "5 minutes ago",
// "yesterday", "3 days ago", and beyond a month the date.
func (l *Locale) Ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return l.T("ago.now")
	case d < time.Hour:
		return l.T("ago.minutes", int(d/time.Minute))
	case d < 24*time.Hour:
		return l.T("ago.hours", int(d/time.Hour))
	case d < 48*time.Hour:
		return l.T("ago.yesterday")
	case d < 31*24*time.Hour:
		return l.T("ago.days", int(d/(24*time.Hour)))
	}
	return l.T("ago.on", l.Date(t.UTC()))
}

// Message is an error whose sentence is a message of the catalogues: its
// Error is the English one, and Locale.Error gives it in any language.
type Message struct {
	Key  string
	Args []any
}

// Errorf returns the error whose sentence is the message key with args.
func Errorf(key string, args ...any) error { return &Message{Key: key, Args: args} }

func (m *Message) Error() string { return English.T(m.Key, m.Args...) }

// Error returns err's sentence in l's words when it is a Message, and as
// it is otherwise.
func (l *Locale) Error(err error) string {
	if m, ok := errors.AsType[*Message](err); ok {
		return l.T(m.Key, m.Args...)
	}
	return err.Error()
}

// InAll returns the message key in every interface language, English
// first, for when the language is not known: a bad hl.
func InAll(key string, args ...any) string {
	out := []string{English.T(key, args...)}
	for _, l := range reg.locales {
		if l != English {
			out = append(out, l.T(key, args...))
		}
	}
	return strings.Join(out, "\n")
}

// Known reports whether key is a message of the catalogues.
func Known(key string) bool {
	_, known := reg.keys[key]
	return known
}
