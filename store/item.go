package store

import (
	"slices"
	"time"
)

// Item is one story as libyawire keeps and republishes it. The fetcher fills
// the fields a feed provides and passes the item to Ingest; the store assigns
// ID, FirstSeen, Modified and Copies, and merges the item with any copy it
// already holds.
type Item struct {
	ID        uint64    `json:"id"`
	GUID      string    `json:"guid,omitempty"`
	Link      string    `json:"link,omitempty"`
	Title     string    `json:"title,omitempty"`
	Summary   string    `json:"summary,omitempty"` // HTML or text, as the feed sent it
	Content   string    `json:"content,omitempty"` // HTML or text, as the feed sent it
	Author    string    `json:"author,omitempty"`
	Language  string    `json:"lang,omitempty"`
	Published time.Time `json:"published"` // never after FirstSeen's clock; zero means first-seen
	Updated   time.Time `json:"updated,omitzero"`
	Tags      []string  `json:"tags,omitempty"` // slugs, sorted; for a stored story the union over Copies

	// Categories are the feed entry's raw categories, as the fetcher passes
	// them in. Ingest keeps them with the entry's copy, so that the copy can be
	// tagged again when the rules change; a stored story leaves this empty.
	Categories []string `json:"categories,omitempty"`

	// For grouping (see Options.Grouping), the fetcher passes in the
	// narrowest tags of the title and first sentences (Entities) and of the
	// title alone (TitleEntities), and the publisher when the feed names
	// one apart from itself, as Google News does (Outlet). Ingest keeps
	// them with the entry's copy.
	Entities      []string `json:"-"`
	TitleEntities []string `json:"-"`
	Mentions      []string `json:"-"` // the tags of title and first sentences, with what they imply
	Outlet        string   `json:"-"`

	FirstSeen time.Time `json:"first_seen"` // when the store first saw the story
	Modified  time.Time `json:"modified"`   // when the stored story last changed
	Copies    []Copy    `json:"copies,omitempty"`

	// Orphan is set when Prune took off the copy that stored the story:
	// the story keeps the title, link and text that copy gave, and no
	// other copy, now first, gives it new ones.
	Orphan bool `json:"orphan,omitempty"`
}

// Copy is one source's report of a story. The first copy is the one that
// stored the story and gave it its title and link (unless the story is an
// Orphan); only its own source's updates of it change them. A copy that
// joined the story because it tells the same news in other words (Grouped)
// keeps its own text, so that it can be compared again, or stand alone,
// when the grouping settings change.
type Copy struct {
	Source     string   `json:"source"`
	Key        string   `json:"key"` // the item's identity within its source
	Link       string   `json:"link,omitempty"`
	Tags       []string `json:"tags,omitempty"`       // the tags this copy brought
	Categories []string `json:"categories,omitempty"` // the entry's categories as its feed gave them

	Title         string    `json:"title,omitempty"`
	Outlet        string    `json:"outlet,omitempty"` // the publisher, when not the source itself
	Published     time.Time `json:"published,omitzero"`
	Entities      []string  `json:"entities,omitempty"`
	TitleEntities []string  `json:"title_entities,omitempty"`
	Mentions      []string  `json:"mentions,omitempty"`

	// Joined is when the copy joined the story: stored with it, or added
	// to it later. Zero in a database from before it was kept: the
	// story's first-seen time stands in.
	Joined time.Time `json:"joined,omitzero"`

	Grouped  bool   `json:"grouped,omitempty"`
	Summary  string `json:"summary,omitempty"` // a grouped copy's own text
	Content  string `json:"content,omitempty"`
	Author   string `json:"author,omitempty"`
	Language string `json:"lang,omitempty"`
}

// keepText makes c a grouped copy that keeps the text it tells, from
// the item it came as.
func (c *Copy) keepText(from *Item) {
	c.Grouped = true
	c.Summary, c.Content, c.Author, c.Language = from.Summary, from.Content, from.Author, from.Language
}

// dropText makes c a story's own copy, whose text is the story's.
func (c *Copy) dropText() {
	c.Grouped = false
	c.Summary, c.Content, c.Author, c.Language = "", "", "", ""
}

// asGrouped returns the story's i'th copy as a grouped copy with the text
// it tells: a grouped copy's own, else (the first copy, or one that joined
// it by link) the story's.
func (it *Item) asGrouped(i int) Copy {
	c := it.Copies[i]
	if c.Grouped {
		return c
	}
	c.keepText(it)
	if c.Title == "" {
		c.Title = it.Title
	}
	if c.Published.IsZero() {
		c.Published = it.Published
	}
	return c
}

// Sources returns the names of the sources that carried the story, first
// copy first.
func (it *Item) Sources() []string {
	names := make([]string, 0, len(it.Copies))
	for _, c := range it.Copies {
		if !slices.Contains(names, c.Source) {
			names = append(names, c.Source) // a source may carry several outlets' reports
		}
	}
	return names
}

// SourceState is what the store remembers about a source between fetches.
type SourceState struct {
	Name         string    `json:"name"`
	URL          string    `json:"url,omitempty"` // the URL the validators below belong to
	LastFetch    time.Time `json:"last_fetch,omitzero"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	Status       int       `json:"status,omitempty"` // HTTP status of the last response; 0 if none came
	Error        string    `json:"error,omitempty"`  // why the last fetch failed; empty after a success
	Failures     int       `json:"failures,omitempty"`
	ETag         string    `json:"etag,omitempty"`          // validators of the last 200
	LastModified string    `json:"last_modified,omitempty"` //
	FeedTitle    string    `json:"feed_title,omitempty"`
	FeedLink     string    `json:"feed_link,omitempty"`
	MovedTo      string    `json:"moved_to,omitempty"`    // where a permanent redirect sends the configured URL
	NotBefore    time.Time `json:"not_before,omitzero"`   // no request before this time:
	Waiting      string    `json:"waiting,omitempty"`     // why (Retry-After, max-age, back-off)
	BackingOff   bool      `json:"backing_off,omitempty"` // the pause is libyawire's own, after failures
	New          int       `json:"new"`                   // stories the last fetch added
	Dropped      int       `json:"dropped"`               // items keep/drop rules have turned away, in all
	Items        int       `json:"items"`                 // stories this source has contributed, in all

	// The fetcher's bound on the tags a source's categories give: the
	// distinct ones it has admitted, in a form of the fetcher's, and how
	// many it has turned away, in all.
	CategoryTags      string `json:"category_tags,omitempty"`
	CategoriesDropped int    `json:"categories_dropped,omitempty"`
}

// Query selects stories, newest first. The zero Query selects the newest
// DefaultLimit stories.
type Query struct {
	// Tags is an AND of OR groups: a story matches when, for every group,
	// it carries at least one of the group's tags.
	Tags    [][]string
	NoTags  []string  // a story carrying any of these is left out
	Sources []string  // when set, a story must have a copy from one of these
	Lang    string    // when set, a story must be in this language
	Since   time.Time // when set, a story must be published at or after it
	Limit   int       // at most this many; 0 means DefaultLimit

	// Top ranks the stories published within Window before now by how
	// many outlets carry them, most first, then newest.
	Top    bool
	Window time.Duration // with Top: 0 means DefaultWindow
	// Developing, when set, keeps only the stories developing under it
	// (see Item.IsDeveloping), among those published within MaxWindow.
	Developing *Developing
}

// DefaultWindow is how far back a Top query looks without a Window;
// MaxWindow is the furthest any ranked query looks.
const (
	DefaultWindow = 24 * time.Hour
	MaxWindow     = 168 * time.Hour
)

// DefaultLimit is the number of stories a Query with no Limit returns.
const DefaultLimit = 50

// TagCount is a tag and the number of stories that carry it.
type TagCount struct {
	Slug  string
	Count int
}

// Outlet is one outlet's share of a story: a source, or a publisher that
// a source passes on (Google News's), and when it first joined.
type Outlet struct {
	Source string    `json:"source"`
	Outlet string    `json:"outlet,omitempty"`
	At     time.Time `json:"at"`
}

// Outlets returns the distinct outlets that carried the story, each with
// the time its first copy joined, earliest first: the first is who
// reported it first (the story's face when several joined at once).
func (it *Item) Outlets() []Outlet {
	out := make([]Outlet, 0, len(it.Copies))
	for _, c := range it.Copies {
		at := c.Joined
		if at.IsZero() {
			at = it.FirstSeen
		}
		i := slices.IndexFunc(out, func(o Outlet) bool { return o.Source == c.Source && o.Outlet == c.Outlet })
		switch {
		case i < 0:
			out = append(out, Outlet{Source: c.Source, Outlet: c.Outlet, At: at})
		case at.Before(out[i].At):
			out[i].At = at
		}
	}
	slices.SortStableFunc(out, func(a, b Outlet) int { return a.At.Compare(b.At) })
	return out
}

// Developing is the rule that says a story is still growing: at least
// Outlets outlets joined it within the last Within.
type Developing struct {
	Outlets int
	Within  time.Duration
}

// DefaultDeveloping is config.yaml's default: 3 outlets within 6 hours.
var DefaultDeveloping = Developing{Outlets: 3, Within: 6 * time.Hour}

// Holds reports whether outlets, joined at the times given (Unix
// nanoseconds), make a story developing at now.
func (d Developing) holds(joined []int64, now time.Time) bool {
	since := now.Add(-d.Within).UnixNano()
	n := 0
	for _, at := range joined {
		if at >= since && at <= now.UnixNano() {
			n++
		}
	}
	return d.Outlets > 0 && n >= d.Outlets
}

// IsDeveloping reports whether the story is developing at now under d.
func (it *Item) IsDeveloping(d Developing, now time.Time) bool {
	return d.Holds(it.Outlets(), now)
}

// Holds reports whether a story's outlets, as Item.Outlets gives them,
// make it developing at now: for a caller that has them already.
func (d Developing) Holds(outlets []Outlet, now time.Time) bool {
	return d.holds(unixTimes(outlets), now)
}

// joinTimes returns when each of the story's outlets joined it, in Unix
// nanoseconds, earliest first.
func joinTimes(it *Item) []int64 { return unixTimes(it.Outlets()) }

func unixTimes(outlets []Outlet) []int64 {
	out := make([]int64, len(outlets))
	for i, o := range outlets {
		out[i] = o.At.UnixNano()
	}
	return out
}
