package fetch

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/libyawire/libyawire/group"
	"github.com/libyawire/libyawire/sanitize"
	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
	"github.com/mmcdole/gofeed"
)

// maxCategories bounds the categories of one entry that count.
const maxCategories = 32

// convert turns a parsed feed's entries into items for the store, tagged by
// tg. Relative links are resolved against the feed's own link to its site
// (siteLink), else against feedURL, the URL the feed came from. An item
// keeps only a link that sanitize.Link keeps (http or https): one whose
// links are all something else, javascript: say, is kept without a link.
func convert(feed *gofeed.Feed, src Source, feedURL string, tg *tag.Tagger) []store.Item {
	base := feedURL
	if site := siteLink(feed, feedURL); site != "" {
		base = site
	}
	lang := strings.ToLower(strings.TrimSpace(feed.Language))
	if lang == "" {
		lang = strings.ToLower(src.Language)
	}
	items := make([]store.Item, 0, len(feed.Items))
	for _, e := range feed.Items {
		if e == nil {
			continue
		}
		it := store.Item{
			GUID:    strings.TrimSpace(e.GUID),
			Link:    entryLink(e, base),
			Title:   strings.TrimSpace(e.Title),
			Summary: strings.TrimSpace(e.Description),
			Content: strings.TrimSpace(e.Content),
			Author:  author(e),
		}
		categories := e.Categories[:min(len(e.Categories), maxCategories)]
		it.Categories = categories
		it.Tags = tg.Tags(tag.Input{
			Title: it.Title, Summary: it.Summary, Content: it.Content,
			Categories: categories, SourceTags: src.Tags,
		})
		if isGoogleNews(it.Link) {
			it.Outlet = group.PublisherSuffix(it.Title)
		}
		it.TitleEntities, it.Entities, it.Mentions = Entities(tg, it.Tags, it.Title, it.Summary)
		it.Language = lang
		if it.Language == "" && hasArabic(it.Title+" "+it.Summary) {
			it.Language = "ar"
		}
		if e.PublishedParsed != nil {
			it.Published = inZone(*e.PublishedParsed, e.Published, src.Location)
		} else if e.UpdatedParsed != nil {
			it.Published = inZone(*e.UpdatedParsed, e.Updated, src.Location)
		}
		if e.UpdatedParsed != nil {
			it.Updated = inZone(*e.UpdatedParsed, e.Updated, src.Location)
		}
		if it.GUID == "" && it.Link == "" && it.Title == "" && it.Summary == "" && it.Content == "" {
			continue // nothing to know it by, nothing to show
		}
		items = append(items, it)
	}
	return items
}

// Entities returns what a report names, for grouping: the narrowest
// tags (places, people, forces, topics) of its title, and of its title
// with its summary's first sentences, with the entities of a rule in
// place of its tag ("oil-fields/sharara", see tag.Tagger.Entities), and
// all the tags those bring with what they imply. An ambiguous alias counts
// with evidence, the story's tags.
func Entities(tg *tag.Tagger, evidence []string, title, summary string) (titleEntities, entities, mentions []string) {
	if tg == nil {
		return nil, nil, nil
	}
	lead := group.Lead(tag.Text(summary))
	text := title + " \n " + lead
	tags, entities := tg.Named(text, evidence)
	return tg.Entities(title, evidence), entities, tg.Implied(tags)
}

// isGoogleNews reports whether a link is Google News's, whose titles end
// in " - Publisher".
func isGoogleNews(link string) bool {
	u, err := url.Parse(link)
	return err == nil && (u.Host == "news.google.com" || strings.HasSuffix(u.Host, ".news.google.com"))
}

// siteLink returns the feed's link to its site, made absolute against
// feedURL, when it is one libyawire may publish (sanitize.Link); else "".
// A channel link of javascript: must neither be republished as the source's
// home nor become the base of the items' relative links.
func siteLink(feed *gofeed.Feed, feedURL string) string {
	return sanitize.Link(feedURL, feed.Link)
}

// entryLink returns the entry's first link that sanitize.Link keeps, made
// absolute against base; "" when it has none.
func entryLink(e *gofeed.Item, base string) string {
	if l := sanitize.Link(base, e.Link); l != "" {
		return l
	}
	for _, l := range e.Links {
		if l = sanitize.Link(base, l); l != "" {
			return l
		}
	}
	return ""
}

func author(e *gofeed.Item) string {
	if e.Author != nil && strings.TrimSpace(e.Author.Name) != "" {
		return strings.TrimSpace(e.Author.Name)
	}
	for _, a := range e.Authors {
		if a != nil && strings.TrimSpace(a.Name) != "" {
			return strings.TrimSpace(a.Name)
		}
	}
	return ""
}

// zoneSuffix matches the end of a date that names its zone: Z, an offset,
// or a zone's letters (GMT, EET).
var zoneSuffix = regexp.MustCompile(`(?i)(z|[+-]\d\d:?\d\d|[a-z]{2,5})$`)

// inZone reads a date the feed wrote without a zone (which gofeed takes as
// UTC) as a wall-clock time in loc: Libyan sites often publish local time
// so. A date with a zone, or a nil loc, stays as parsed.
func inZone(t time.Time, raw string, loc *time.Location) time.Time {
	if loc == nil || zoneSuffix.MatchString(strings.TrimSpace(raw)) {
		return t
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}

func hasArabic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Arabic, r) {
			return true
		}
	}
	return false
}

// filter applies a source's keep and drop lists to its items' tags.
func filter(items []store.Item, src Source) (kept []store.Item, dropped int) {
	if len(src.Keep) == 0 && len(src.Drop) == 0 {
		return items, 0
	}
	kept = items[:0:0]
	for _, it := range items {
		if anyOf(it.Tags, src.Drop) || len(src.Keep) > 0 && !anyOf(it.Tags, src.Keep) {
			dropped++
			continue
		}
		kept = append(kept, it)
	}
	return kept, dropped
}

func anyOf(have, want []string) bool {
	return slices.ContainsFunc(want, func(t string) bool { return slices.Contains(have, t) })
}
