// Package config is libyawire's config.yaml: its types and defaults
// (config.go), Load, which decodes it with the line of every key
// (load.go, decode.go), the checks that say what to change (check.go,
// suggest.go) and byte sizes (size.go). Every problem in a file comes
// back at once as Errors, each with its line.
package config

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // sources name IANA zones; this keeps them loadable on hosts without zoneinfo
	"unicode"
	"unicode/utf8"

	"github.com/libyawire/libyawire/group"
)

// Config is config.yaml as the operator wrote it, with defaults filled in.
// Load is the only way to get one that knows its line numbers; a Config
// built in code validates too, but its problems carry no position.
type Config struct {
	Path      string    `yaml:"-"` // the file it was loaded from, as given to Load
	Listen    string    `yaml:"listen"`
	BaseURL   string    `yaml:"base_url"`
	Database  string    `yaml:"database"` // absolute once loaded: relative paths resolve against the config file's folder
	Schedule  string    `yaml:"schedule"`
	Fetch     Fetch     `yaml:"fetch"`
	Retention Retention `yaml:"retention"`
	Stories   Stories   `yaml:"stories"`
	Feed      Feed      `yaml:"feed"`
	Tags      []TagRule `yaml:"tags"`
	Sources   []Source  `yaml:"sources"`
	WebSubHub string    `yaml:"websub_hub"` // optional: a WebSub hub the feeds name and that is told when they change

	pos *positions // where each key was written, for Validate's messages
}

// Fetch tunes how sources are fetched.
type Fetch struct {
	Concurrency int           `yaml:"concurrency"` // fetches in flight at once
	PerHost     int           `yaml:"per_host"`    // of which at most this many to one host
	Timeout     time.Duration `yaml:"timeout"`     // per request, body included
	MaxBody     ByteSize      `yaml:"max_body"`    // larger responses are refused
	UserAgent   string        `yaml:"user_agent"`  // the text VERSION is replaced, see Config.UserAgent
}

// Retention says how long stories are kept.
type Retention struct {
	MaxAge time.Duration `yaml:"max_age"` // older stories are pruned; 0 keeps them forever
}

// Stories says when reports of different outlets are one story.
type Stories struct {
	Group         bool          `yaml:"group"`          // group reworded reports at all [true]
	Window        time.Duration `yaml:"window"`         // how far apart they may be published [72h]
	Threshold     float64       `yaml:"threshold"`      // least word overlap, 0 to 1 [0.6]
	CrossLanguage bool          `yaml:"cross_language"` // group English and Arabic by entities [true]
	Developing    Developing    `yaml:"developing"`
}

// Developing says when a story is still growing: at least Outlets outlets
// joined it within the last Within.
type Developing struct {
	Outlets int           `yaml:"outlets"` // [3]
	Within  time.Duration `yaml:"within"`  // [6h]
}

// Feed describes the merged feed.
type Feed struct {
	Title         string `yaml:"title"`
	Description   string `yaml:"description"`
	TitleAr       string `yaml:"title_ar"`       // the title on the Arabic side (hl=ar); "": Title
	DescriptionAr string `yaml:"description_ar"` // likewise
	Items         int    `yaml:"items"`          // items per response when the request gives no limit
}

// TagRule is one tagging rule: an item that mentions one of the aliases gets
// the tag Slug, and with it every tag in Implies.
type TagRule struct {
	Slug      string   `yaml:"slug"`
	Title     string   `yaml:"title"`     // default: made from the slug
	TitleAr   string   `yaml:"title_ar"`  // the tag's Arabic name; "": none, readers see Title
	Match     []string `yaml:"match"`     // aliases, any script
	Ambiguous []string `yaml:"ambiguous"` // aliases that count only with other evidence for an implied tag
	Implies   []string `yaml:"implies"`
	Entities  []Entity `yaml:"entities"` // distinct things the tag covers, such as the oil fields of oil-fields
	Place     bool     `yaml:"place"`    // a place: from a summary it counts only if the title names nothing else
}

// Entity is one of the distinct things a tag rule covers, with aliases of
// its own: they give the rule's tag, and grouping tells two reports that
// name different entities of one rule apart.
type Entity struct {
	Name      string   `yaml:"name"` // lower-case letters, digits and hyphens; unique in its rule
	Match     []string `yaml:"match"`
	Ambiguous []string `yaml:"ambiguous"`
}

// Source is one feed to fetch.
type Source struct {
	Name     string   `yaml:"name"` // unique slug, used in URLs and logs
	Title    string   `yaml:"title"`
	URL      string   `yaml:"url"`
	Schedule string   `yaml:"schedule"`  // default: the top-level schedule
	Tags     []string `yaml:"tags"`      // every item of this source gets these
	Keep     []string `yaml:"keep"`      // when set, only items with one of these tags are stored
	Drop     []string `yaml:"drop"`      // items with any of these tags are not stored
	Language string   `yaml:"language"`  // for feeds that do not say
	Timezone string   `yaml:"timezone"`  // for dates published without a zone
	MaxItems int      `yaml:"max_items"` // keep only the source's newest this many stories; 0: no limit
}

// Error is one problem in a configuration file.
type Error struct {
	File string // the path as given to Load; empty for a Config built in code
	Line int    // 1-based; 0 when unknown
	Msg  string // what is wrong and what to change
}

// Error returns the problem as FILE:LINE: message, leaving out what is unknown.
func (e Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	case e.File != "":
		return e.File + ": " + e.Msg
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Errors is every problem found in one configuration, sorted by line.
// Load and Validate return it as their error; use errors.As to get at
// the individual problems.
type Errors []Error

// Error returns one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

const defaultUserAgent = "libyawire/VERSION (+https://github.com/libyawire/libyawire)"

func defaultConfig() Config {
	return Config{
		Listen:   "127.0.0.1:8080",
		Database: "libyawire.db",
		Schedule: "@every 15m",
		Fetch: Fetch{
			Concurrency: 8,
			PerHost:     2,
			Timeout:     30 * time.Second,
			MaxBody:     10 << 20,
			UserAgent:   defaultUserAgent,
		},
		Retention: Retention{MaxAge: 90 * 24 * time.Hour},
		Stories: Stories{Group: true, Window: group.DefaultWindow, Threshold: group.DefaultThreshold, CrossLanguage: true,
			Developing: Developing{Outlets: 3, Within: 6 * time.Hour}},
		Feed: Feed{
			Title:       "Libya news",
			Description: "Libya news from many outlets, merged and tagged by libyawire",
			Items:       50,
		},
	}
}

// fillDefaults sets the defaults that depend on other settings.
func (c *Config) fillDefaults() {
	if c.BaseURL == "" {
		c.BaseURL = defaultBaseURL(c.Listen)
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/") // so that callers can append "/feed.rss"
	if c.Database != "" && !filepath.IsAbs(c.Database) {
		db := filepath.Join(filepath.Dir(c.Path), c.Database)
		if abs, err := filepath.Abs(db); err == nil {
			db = abs
		}
		c.Database = db
	}
	for i := range c.Sources {
		if c.Sources[i].Schedule == "" {
			c.Sources[i].Schedule = c.Schedule
		}
	}
	for i := range c.Tags {
		if c.Tags[i].Title == "" {
			c.Tags[i].Title = titleFromSlug(c.Tags[i].Slug)
		}
	}
}

// defaultBaseURL is the URL of the listen address, or "" when listen is not
// host:port (Validate reports that). A wildcard host becomes localhost,
// because "http://:8080" is no URL a reader can follow.
func defaultBaseURL(listen string) string {
	host, port, err := splitListen(listen)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// titleFromSlug turns "green-mountain" into "Green mountain".
func titleFromSlug(slug string) string {
	r, size := utf8.DecodeRuneInString(slug)
	return strings.ReplaceAll(string(unicode.ToUpper(r))+slug[size:], "-", " ")
}

// UserAgent returns fetch.user_agent with the text VERSION replaced by version
// ("dev" when version is empty).
func (c *Config) UserAgent(version string) string {
	if version == "" {
		version = "dev"
	}
	return strings.ReplaceAll(c.Fetch.UserAgent, "VERSION", version)
}
