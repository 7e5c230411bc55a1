package publish

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/libyawire/libyawire/internal/i18n"
)

// homePage is what the template renders.
type homePage struct {
	L               *i18n.Locale // the page's language
	Switch          []langLink   // the page in each other language, with its filter
	Title           string       // names the filter
	SiteTitle       string
	SiteDescription string // the configured one
	Description     string // names the filter
	Error           string // the query's fault, as a sentence; no stories then
	ReloadFailed    *ReloadFailure
	Filtered        bool // whether the query selects fewer than all stories

	Feeds feedLinks // of the current filter
	Form  homeForm

	Top            []homeStory // the day's stories most outlets carried, on the first page
	Developing     []homeStory // the stories still growing, likewise
	TopLink        string      // the page of all top stories
	DevelopingLink string

	Stories     []homeStory
	Page        int
	Newer       string // link to the newer page; empty on the first
	Older       string // link to the older page; empty on the last
	Truncated   bool   // older stories exist beyond what the pages reach
	SearchScope int    // how many stories q looks through

	Rising    []homeRisingTag // the tags whose coverage is rising (api/rising), on the first page of tags
	Tags      []homeTag       // one page of them
	TagsPrev  string          // link to the previous page of tags; empty on the first
	TagsNext  string          // link to the next page of tags; empty on the last
	TagsTotal int             // how many tags there are in all
	Sources   []homeSource
	Version   string

	sources map[string]sourceInfo // for the stories' outlets
	query   string                // readableQuery of the filter
	hl      string                // "hl=ar" when links carry the language, else ""
}

// langLink is the page in another interface language.
type langLink struct{ Code, Name, Link string }

// feedLinks are one filter's feeds: absolute, for a feed reader.
type feedLinks struct {
	Title, RSS, Atom, JSON string
}

// homeForm fills the filter form.
type homeForm struct {
	Tags    []string // one input per AND group, each an OR list
	NoTags  string
	Sources []option
	Langs   []option
	Q       string
	Limit   string // shown only when the query sets it
	Since   string // likewise
	HL      string // sent again, hidden, when the page's links carry it
}

type option struct {
	Value, Label string
	Selected     bool
}

type homeStory struct {
	Title, Link string
	Page        string // the story's own page
	Lang        string
	Outlet      string
	Also        []outletLink // the further outlets that carried it
	Outlets     int          // how many outlets reported it
	Published   string       // RFC 3339
	Exact       string       // for the tooltip: 2026-03-01 08:00 UTC
	Ago         string
	Tags        []homeTagLink
}

type outletLink struct{ Title, Link string }

type homeTagLink struct{ Title, Page string }

type homeRisingTag struct {
	Title, Page string
	Last24h     int
}

type homeTag struct {
	Slug, Title string
	Count       int
	Page        string // this page filtered by the tag
	RSS, Atom   string // relative feed links
	JSON        string
	AtomURL     string        // absolute, to copy
	Spark       template.HTML // its stories per day over 30 days, as an inline SVG
	TagPage     string        // the tag's own page
}

type homeSource struct {
	Title, URL  string
	Name        string
	State       string // in words: failing, not fetched yet, ok
	Failing     bool
	rank        int    // failing first, then not fetched yet
	LastSuccess string // RFC 3339; empty when never
	Exact       string
	Ago         string
	Status      int
	Error       string
	MovedTo     string
	Waiting     string
	Items       int
}

// ErrorLines are Error's lines: a bad hl's sentence is one per language.
func (d *homePage) ErrorLines() []string {
	if d.Error == "" {
		return nil
	}
	return strings.Split(d.Error, "\n")
}

// renderHome executes the page's template.
func renderHome(d *homePage) ([]byte, error) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, "home.html", d); err != nil {
		return nil, fmt.Errorf("render page: %w", err)
	}
	return buf.Bytes(), nil
}
