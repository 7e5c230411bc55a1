package publish

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
)

// Options are what the server needs from the configuration.
type Options struct {
	BaseURL     string // public URL for self links, e.g. http://127.0.0.1:8080
	Title       string // feed title, e.g. "Libya news"
	Description string // feed description
	// TitleAr and DescriptionAr are the title and description on the
	// Arabic side (hl=ar); "": the English ones.
	TitleAr, DescriptionAr string
	// Developing says when a story is still growing (developing=1, the
	// feeds' developing flag); zero: store.DefaultDeveloping.
	Developing  store.Developing
	Items       int               // stories in a response without ?limit=; 0 means store.DefaultLimit
	Sources     []Source          // the configured sources, in config order
	TagTitles   map[string]string // tag slug -> title, from the tag rules
	TagTitlesAr map[string]string // tag slug -> the tag's Arabic name, where its rule gives one
	Version     string            // libyawire's version, named as the feeds' generator
	Now         func() time.Time  // the clock; nil means time.Now
	Healthy     func() error      // nil error while the scheduler runs; a nil func means healthy
	Hub         string            // a WebSub hub the feeds name; "" for none

	// ConfigModified is when the configuration the Sources come from was
	// last changed: /sources.opml's dateCreated and Last-Modified. Zero
	// when unknown.
	ConfigModified time.Time

	// ConfigLoaded is when the running configuration was read; zero when
	// unknown.
	ConfigLoaded time.Time

	// ReloadFailed, if not nil, says why the last attempt to reload the
	// configuration failed: the daemon runs on the configuration it had,
	// and /healthz and the page say so.
	ReloadFailed *ReloadFailure

	// Metrics, if not nil, counts requests, renders and cache look-ups
	// and serves /metrics; nil means /metrics answers 404.
	Metrics *Metrics

	// FetchNow fetches the named sources, or all when names is empty, for
	// POST /api/fetch. It calls progress with one line per source as each
	// fetch ends, from one goroutine at a time, and returns a summary line
	// and whether any fetch failed. An error returned before any progress
	// is the request's fault (an unknown name) unless it is the context's.
	// Nil means the server cannot fetch: /api/fetch answers 503.
	FetchNow func(ctx context.Context, names []string, progress func(line string)) (summary string, failed bool, err error)
}

// ReloadFailure is a reload of the configuration that was refused.
type ReloadFailure struct {
	At       time.Time
	Problems []string // each "FILE:LINE: what is wrong"
}

// Source is a configured source as the server shows it.
type Source struct {
	Name  string   // unique slug, as used in ?source=
	Title string   // may be empty: the feed's own title is used then
	URL   string   // the feed's URL
	Tags  []string // the tags every item of the source gets
}

// server holds what the handlers share.
type server struct {
	db     *store.DB
	opts   Options
	logger *slog.Logger
	base   string // opts.BaseURL without a trailing slash
	cache  *cache
	clean  cleanCache // sanitised HTML by story version

	// maxSlug is the longest tag, notag or source name a query may give,
	// in characters: no longer one names anything (see longestSlug).
	maxSlug int
	// tagNames maps folded tag titles and Arabic names to slugs.
	tagNames map[string]string

	// private names the sources on private addresses, whose fetches'
	// details only clients on this machine see (see redactInternal).
	private map[string]bool
}

// NewServer returns the HTTP handler for the whole libyawire surface; its
// routes are listed in routes.go. A nil logger discards log output.
func NewServer(db *store.DB, opts Options, logger *slog.Logger) http.Handler {
	return newServer(db, opts, logger).routes()
}

// defaultTitle is the feeds' title when Options has none.
const defaultTitle = "libyawire"

func newServer(db *store.DB, opts Options, logger *slog.Logger) *server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Items <= 0 {
		opts.Items = store.DefaultLimit
	}
	opts.Items = min(opts.Items, maxLimit)
	if opts.Title == "" {
		opts.Title = defaultTitle
	}
	if opts.Developing.Outlets <= 0 || opts.Developing.Within <= 0 {
		opts.Developing = store.DefaultDeveloping
	}
	return &server{
		db:       db,
		opts:     opts,
		logger:   logger,
		base:     strings.TrimRight(opts.BaseURL, "/"),
		cache:    newCache(maxCacheEntries, maxCacheBytes),
		maxSlug:  longestSlug(opts),
		private:  privateSources(opts.Sources),
		tagNames: tagNames(opts),
	}
}

// tagNames maps the tags' titles and Arabic names, folded as the tagger
// folds, to their slugs, so that a person who types "سرت" or "Oil and gas"
// into the form's tag field gets the tag. A name two tags share names
// neither.
func tagNames(opts Options) map[string]string {
	m := map[string]string{}
	shared := map[string]bool{}
	add := func(name, slug string) {
		key := tag.Fold(name)
		if key == "" || key == slug {
			return
		}
		if s, ok := m[key]; ok && s != slug {
			shared[key] = true
		}
		m[key] = slug
	}
	for slug, title := range opts.TagTitles {
		add(title, slug)
	}
	for slug, title := range opts.TagTitlesAr {
		add(title, slug)
	}
	for key := range shared {
		delete(m, key)
	}
	return m
}

// withTagNames returns flt with each tag and notag that is no tag's slug
// but a tag's title or Arabic name replaced by the slug.
func (s *server) withTagNames(flt filter) filter {
	resolve := func(list []string) []string {
		changed := false
		out := slices.Clone(list)
		for i, name := range out {
			if _, isSlug := s.opts.TagTitles[name]; isSlug {
				continue
			}
			if slug, ok := s.tagNames[tag.Fold(name)]; ok {
				out[i], changed = slug, true
			}
		}
		if !changed {
			return list
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	groups := make([][]string, len(flt.Tags))
	for i, g := range flt.Tags {
		groups[i] = resolve(g)
	}
	slices.SortFunc(groups, slices.Compare)
	flt.Tags = slices.CompactFunc(groups, slices.Equal)
	flt.NoTags = resolve(flt.NoTags)
	return flt
}

// longestSlug is the length in characters of the longest name a tag or
// source can have: a tag from a feed's category has at most maxSlug, and a
// configured source or tag may have more.
func longestSlug(opts Options) int {
	n := maxSlug
	for _, src := range opts.Sources {
		n = max(n, utf8.RuneCountInString(src.Name))
		for _, t := range src.Tags {
			n = max(n, utf8.RuneCountInString(t))
		}
	}
	for slug := range opts.TagTitles {
		n = max(n, utf8.RuneCountInString(slug))
	}
	return n
}
