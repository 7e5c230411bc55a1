package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // sources name IANA zones; this keeps them loadable on hosts without zoneinfo
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/libyawire/libyawire/fetch"
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
	CrossLanguage bool          `yaml:"cross_language"` // group English and Arabic by entities [false]
}

// Feed describes the merged feed.
type Feed struct {
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	Items       int    `yaml:"items"` // items per response when the request gives no limit
}

// TagRule is one tagging rule: an item that mentions one of the aliases gets
// the tag Slug, and with it every tag in Implies.
type TagRule struct {
	Slug      string   `yaml:"slug"`
	Title     string   `yaml:"title"`     // default: made from the slug
	Match     []string `yaml:"match"`     // aliases, any script
	Ambiguous []string `yaml:"ambiguous"` // aliases that count only with other evidence for an implied tag
	Implies   []string `yaml:"implies"`
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
		Stories:   Stories{Group: true, Window: group.DefaultWindow, Threshold: group.DefaultThreshold},
		Feed: Feed{
			Title:       "Libya news",
			Description: "Libya news from many outlets, merged and tagged by libyawire",
			Items:       50,
		},
	}
}

// Load reads the configuration at path, fills in defaults, makes the
// database path absolute and validates the result. Any problem in the file,
// from YAML syntax to an undefined tag, comes back as Errors; a file
// that cannot be read returns the error from os.ReadFile.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := defaultConfig()
	c.Path = path
	d := &decoder{file: path, pos: &positions{lines: map[string]int{}, failed: map[string]bool{}}}
	if !d.document(data, &c) {
		return nil, d.errs // a syntax error leaves nothing to check
	}
	c.pos = d.pos
	c.fillDefaults()
	if errs := sortProblems(append(d.errs, c.problems()...)); len(errs) > 0 {
		return nil, errs
	}
	return &c, nil
}

// LoadContext is Load that gives up when ctx is done: SIGINT and
// SIGTERM stop `check`, or a daemon starting, however long the file
// takes to read (one on a stalled network mount, say).
func LoadContext(ctx context.Context, path string) (*Config, error) {
	type result struct {
		cfg *Config
		err error
	}
	done := make(chan result, 1) // never blocks: the caller may be gone
	go func() {
		cfg, err := Load(path)
		done <- result{cfg, err}
	}()
	select {
	case r := <-done:
		return r.cfg, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: stopped while reading the configuration: %w", path, ctx.Err())
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

// Validate checks the configuration and returns every problem it finds as
// Errors, sorted by line, or nil. It expects the defaults to be filled
// in, as Load does before running the same checks.
func (c *Config) Validate() error {
	if errs := sortProblems(c.problems()); len(errs) > 0 {
		return errs
	}
	return nil
}

// sortProblems drops repeated problems and sorts the rest by line, keeping
// the order in which problems on one line were found.
func sortProblems(errs Errors) Errors {
	seen := make(map[Error]bool, len(errs))
	out := errs[:0:0]
	for _, e := range errs {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// positions records, for each key path such as "sources.3.schedule", the
// line it was written on, and which paths failed to decode, so that Validate
// does not pile a second complaint on a value already reported.
type positions struct {
	lines  map[string]int
	failed map[string]bool
}

// pathOf joins the parts of a key path: pathOf("sources", 3, "keep", 0).
func pathOf(parts ...any) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, ".")
}

// line is the line of path, else of the nearest enclosing key that was
// written (a missing source name is reported at its source), else 1.
func (p *positions) line(path string) int {
	if p == nil {
		return 0
	}
	for path != "" {
		if n, ok := p.lines[path]; ok {
			return n
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 1
}

// hasFailed reports whether the value at path, or one around it (the root
// is ""), could not be decoded.
func (p *positions) hasFailed(path string) bool {
	if p == nil {
		return false
	}
	for {
		if p.failed[path] {
			return true
		}
		if path == "" {
			return false
		}
		i := max(strings.LastIndexByte(path, '.'), 0)
		path = path[:i]
	}
}

// decoder fills a Config from the yaml.Node tree itself rather than through
// yaml.v3's Decode: it can then report every unknown key with the keys that
// would fit, word type errors for an operator, and record each key's line.
//
// Following aliases itself, it keeps the budget that yaml.v3's Decode
// keeps for it (see expand): a few hundred bytes of anchors that name
// one another can stand for billions of values.
type decoder struct {
	file   string
	pos    *positions
	errs   Errors
	said   map[Error]bool      // what errs holds: an alias met many times fails once
	inside map[*yaml.Node]bool // the nodes being decoded, to stop an alias that contains itself

	budget    int // how many more values and keys the walk may visit
	aliasLine int // the line of the outermost alias being followed, or 0
	exhausted bool
}

// fail records a problem that leaves the values around it usable.
func (d *decoder) fail(line int, format string, args ...any) {
	e := Error{File: d.file, Line: line, Msg: fmt.Sprintf(format, args...)}
	if d.said[e] {
		return
	}
	if d.said == nil {
		d.said = map[Error]bool{}
	}
	d.said[e] = true
	d.errs = append(d.errs, e)
}

// expand counts one value or key the walk visits against its budget, and
// reports false once the budget is spent: the walk then stops, and the
// alias that brought it there is reported.
//
// The budget is aliasBudget times the values and keys the file itself
// holds, and at least minAliasBudget: aliases may repeat what the file
// says many times over, never the thousands of times an alias bomb does.
func (d *decoder) expand() bool {
	if d.exhausted {
		return false
	}
	if d.budget--; d.budget >= 0 {
		return true
	}
	d.exhausted = true
	d.fail(d.aliasLine, "%s", errAliasBomb)
	return false
}

const errAliasBomb = "this alias stands for too many values (aliases that repeat other aliases multiply); write the values out, or use fewer aliases"

// How far aliases may repeat what a file says: see expand.
const (
	aliasBudget    = 10
	minAliasBudget = 10_000
)

// countNodes counts the nodes of a document as written, aliases not
// followed.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += countNodes(k)
	}
	return c
}

// failValue records a problem with the value at path, which keeps its default.
func (d *decoder) failValue(line int, path, format string, args ...any) {
	d.fail(line, format, args...)
	d.pos.failed[path] = true
}

// document decodes data into c. It returns false when the YAML could not be
// parsed, which leaves nothing else worth checking.
func (d *decoder) document(data []byte, c *Config) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return true // an empty file: all defaults, and Validate asks for sources
	} else if err != nil {
		d.syntaxError(err, data)
		return false
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		if len(next.Content) > 0 && next.Content[0].Tag != "!!null" {
			d.fail(next.Line, "a second YAML document starts here; keep the whole configuration in one (remove the ---)")
		}
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err, data)
		return false
	}
	if len(doc.Content) > 0 {
		d.budget = max(aliasBudget*countNodes(&doc), minAliasBudget)
		d.decode(doc.Content[0], reflect.ValueOf(c).Elem(), "", "")
	}
	if d.exhausted {
		// What the walk did not reach would be reported missing: only the
		// alias is worth saying.
		d.errs = Errors{d.errs[slices.IndexFunc(d.errs, func(e Error) bool { return e.Msg == errAliasBomb })]}
		return false
	}
	return true
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserErrors are the messages of yaml.v3's parser, as opposed to its
// scanner. For these it reports the 0-based line of the enclosing block (or of
// the problem), so one is added to get the line an editor shows.
var yamlParserErrors = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found undefined tag handle":             true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// syntaxError turns yaml.v3's "yaml: line 3: ..." into a Error, with a
// hint for the mistakes that cause most of them.
func (d *decoder) syntaxError(err error, data []byte) {
	line, msg := 0, strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if yamlParserErrors[msg] {
		line++
	}
	// yaml.v3 leaves out line 1, and counts the end of a file that ends in
	// a newline as a line of its own.
	lines := bytes.Count(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) + 1
	line = min(max(line, 1), lines)
	tabs := bytes.Contains(data, []byte("\n\t")) || bytes.HasPrefix(data, []byte("\t"))
	switch {
	case tabs && strings.Contains(msg, "cannot start any token"):
		msg += " (indent with spaces: YAML does not allow tabs)"
	case strings.Contains(msg, "mapping values are not allowed"):
		msg += ` (put quotes around a value that contains ": ")`
	case msg == "found unexpected end of stream":
		msg += " (is a quote or bracket left open?)"
	case msg == "did not find expected key" || msg == "did not find expected '-' indicator":
		msg += " (check the indentation here and in the lines below)"
	}
	d.fail(line, "%s", msg)
}

var durationType = reflect.TypeFor[time.Duration]()

// decode stores the value of n in v. path is the key path of v, label how
// messages name it ("fetch.timeout", `source "libya-herald": url`).
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path, label string) {
	n, leave, ok := d.enter(n, path, label)
	if !ok {
		return
	}
	defer leave()
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // "key:" with no value keeps the default
	}
	if u, ok := v.Addr().Interface().(yaml.Unmarshaler); ok {
		if err := u.UnmarshalYAML(n); err != nil {
			d.failValue(n.Line, path, "%s: %v", label, err)
		}
		return
	}
	switch {
	case v.Type() == durationType:
		if n.Kind != yaml.ScalarNode {
			d.failValue(n.Line, path, "%s: want a duration such as 30s, not %s", label, describe(n))
			return
		}
		dur, err := parseDuration(n.Value)
		if err != nil {
			d.failValue(n.Line, path, "%s: %v", label, err)
			return
		}
		v.SetInt(int64(dur))
	case v.Kind() == reflect.Int:
		i, err := strconv.Atoi(n.Value)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.failValue(n.Line, path, "%s: want a whole number, not %s", label, describe(n))
			return
		}
		v.SetInt(int64(i))
	case v.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.failValue(n.Line, path, "%s: want a number such as 0.6, not %s", label, describe(n))
			return
		}
		v.SetFloat(f)
	case v.Kind() == reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			d.failValue(n.Line, path, "%s: want true or false, not %s", label, describe(n))
			return
		}
		v.SetBool(b)
	case v.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.failValue(n.Line, path, "%s: want a single value, not %s", label, describe(n))
			return
		}
		v.SetString(n.Value)
	case v.Kind() == reflect.Struct:
		d.mapping(n, v, path, label)
	case v.Kind() == reflect.Slice:
		d.sequence(n, v, path, label)
	default:
		panic("config: no decoder for " + v.Type().String())
	}
}

// mapping decodes the keys of n into the fields of struct v, reporting keys
// the struct has no yaml tag for. Keys brought in by "<<: *anchor" come
// first so that the mapping's own keys override them.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path, label string) {
	names, fields := yamlFields(v.Type())
	if n.Kind != yaml.MappingNode {
		d.failValue(n.Line, path, "%s: want keys and values here (%s), not %s", orTop(label), strings.Join(names, ", "), describe(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Tag == "!!merge" {
			d.merge(n.Content[i+1], v, path, label)
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			continue
		}
		if !d.expand() {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k.Line, "%s: a key must be a plain name such as %s", orTop(label), names[0])
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k.Line, "%s: key %q is already set at line %d; keep one", orTop(label), k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		f, ok := fields[k.Value]
		if !ok {
			where := "at the top level"
			if label != "" {
				where = "in " + label
			}
			d.fail(k.Line, "unknown key %q %s (known: %s)", k.Value, where, strings.Join(names, ", "))
			continue
		}
		p := k.Value
		if path != "" {
			p = path + "." + k.Value
		}
		d.pos.lines[p] = k.Line
		d.decode(val, v.Field(f), p, fieldLabel(label, k.Value))
	}
}

// enter follows aliases to the node they name, counts it against the
// budget (see expand) and marks it as being decoded; leave undoes that. It
// reports false for a node past the budget, or one that is already being
// decoded: YAML lets an anchored value contain an alias to itself, which
// would never end.
func (d *decoder) enter(n *yaml.Node, path, label string) (_ *yaml.Node, leave func(), ok bool) {
	line := n.Line
	outermost := false
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
		if d.aliasLine == 0 {
			d.aliasLine, outermost = line, true
		}
	}
	left := func() {
		if outermost {
			d.aliasLine = 0
		}
	}
	if !d.expand() {
		left()
		return n, nil, false
	}
	if d.inside[n] {
		d.failValue(line, path, "%s: this alias refers to a value that contains it", orTop(label))
		left()
		return n, nil, false
	}
	if d.inside == nil {
		d.inside = map[*yaml.Node]bool{}
	}
	d.inside[n] = true
	return n, func() { delete(d.inside, n); left() }, true
}

// merge decodes the mappings named by a "<<" key into v.
func (d *decoder) merge(n *yaml.Node, v reflect.Value, path, label string) {
	n, leave, ok := d.enter(n, path, label)
	if !ok {
		return
	}
	defer leave()
	if n.Kind == yaml.SequenceNode {
		for i := len(n.Content) - 1; i >= 0; i-- { // earlier anchors win, as in YAML
			d.merge(n.Content[i], v, path, label)
		}
		return
	}
	d.mapping(n, v, path, label)
}

// sequence decodes the items of n into slice v.
func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path, label string) {
	elem := v.Type().Elem()
	if n.Kind != yaml.SequenceNode {
		if elem.Kind() == reflect.Struct {
			names, _ := yamlFields(elem)
			d.failValue(n.Line, path, "%s: want a list of entries, each starting with \"- %s:\", not %s", label, names[0], describe(n))
		} else if n.Kind == yaml.ScalarNode {
			d.failValue(n.Line, path, "%s: want a list: write [%s]", label, n.Value)
		} else {
			d.failValue(n.Line, path, "%s: want a list such as [a, b], not %s", label, describe(n))
		}
		return
	}
	out := reflect.MakeSlice(v.Type(), 0, len(n.Content))
	for i, item := range n.Content {
		p := pathOf(path, i)
		d.pos.lines[p] = item.Line
		e := reflect.New(elem).Elem()
		d.decode(item, e, p, itemLabel(elem, item, i, label))
		out = reflect.Append(out, e)
	}
	v.Set(out)
}

var (
	sourceType = reflect.TypeFor[Source]()
	ruleType   = reflect.TypeFor[TagRule]()
)

// itemLabel names the i-th item of a list in messages: a source or rule by
// its name or slug when it has one, by its position otherwise.
func itemLabel(elem reflect.Type, n *yaml.Node, i int, list string) string {
	switch elem {
	case sourceType:
		return entryLabel("source", lookup(n, "name"), i)
	case ruleType:
		return entryLabel("tag", lookup(n, "slug"), i)
	}
	return fmt.Sprintf("%s entry %d", list, i+1)
}

func entryLabel(noun, name string, i int) string {
	if name != "" {
		return fmt.Sprintf("%s %q", noun, name)
	}
	return fmt.Sprintf("%s %d", noun, i+1)
}

// lookup returns the scalar value of key in mapping n, or "".
func lookup(n *yaml.Node, key string) string {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// fieldLabel names key inside label: "fetch.timeout" in a section,
// `source "x": url` in a list entry.
func fieldLabel(label, key string) string {
	switch {
	case label == "":
		return key
	case strings.ContainsAny(label, ` "`):
		return label + ": " + key
	}
	return label + "." + key
}

func orTop(label string) string {
	if label == "" {
		return "the top level"
	}
	return label
}

// describe says what kind of value n is, for "want X, not Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "keys and values"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

// yamlFields returns the yaml keys of struct t in order and the field index
// of each.
func yamlFields(t reflect.Type) ([]string, map[string]int) {
	var names []string
	fields := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		names = append(names, name)
		fields[name] = i
	}
	return names, fields
}

// parseDuration is time.ParseDuration with messages that say what to write.
func parseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		return 0, fmt.Errorf("%d has no unit: write %ds, %dm or %dh", n, n, n, n)
	}
	if days, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && strings.HasSuffix(s, "d") {
		return 0, fmt.Errorf("%q: durations have no days: write %dh", s, days*24)
	}
	return 0, fmt.Errorf("%q is not a duration: write a number and a unit (s, m or h), such as 30s, 15m or 2160h", s)
}

// ByteSize is a number of bytes. In YAML it is written as a plain number or
// with a unit: 10MiB, 512KiB, 1GiB (powers of 1024) or 10MB, 500kB (powers
// of 1000).
type ByteSize int64

// byteUnits, largest first, so that String picks the shortest form.
var byteUnits = []struct {
	name string
	size int64
}{
	{"TiB", 1 << 40}, {"TB", 1e12}, {"GiB", 1 << 30}, {"GB", 1e9},
	{"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"kB", 1e3}, {"B", 1},
}

// UnmarshalYAML reads a size such as 10MiB.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a size such as 10MiB, not %s", describe(n))
	}
	size, err := parseByteSize(n.Value)
	if err != nil {
		return err
	}
	*b = size
	return nil
}

// String returns the size in the largest unit that divides it, such as 10MiB.
func (b ByteSize) String() string {
	for _, u := range byteUnits {
		if b != 0 && int64(b)%u.size == 0 {
			return strconv.FormatInt(int64(b)/u.size, 10) + u.name
		}
	}
	return "0"
}

// parseByteSize reads a plain number of bytes or a number and a unit, with
// or without a space between; units are case-insensitive, so 10mb is 10MB.
func parseByteSize(s string) (ByteSize, error) {
	bad := fmt.Errorf("%q is not a size: write a number of bytes or a number and a unit (kB, MB, GB, KiB, MiB, GiB), such as 10MiB", s)
	t := strings.TrimSpace(s)
	end := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if end < 0 {
		end = len(t)
	}
	num, unit := t[:end], strings.TrimSpace(t[end:])
	size := int64(1)
	if unit != "" {
		size = 0
		for _, u := range byteUnits {
			if strings.EqualFold(unit, u.name) {
				size = u.size
			}
		}
	}
	if num == "" || size == 0 {
		return 0, bad
	}
	if strings.Contains(num, ".") {
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, bad
		}
		if f*float64(size) >= math.MaxInt64 {
			return 0, fmt.Errorf("%q is too large", s)
		}
		return ByteSize(f * float64(size)), nil
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/size {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return ByteSize(n * size), nil
}

var (
	slugPattern     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	languagePattern = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$`)
)

const slugRule = "lower-case letters and digits, joined by single hyphens"

// checker collects the problems Validate finds.
type checker struct {
	c    *Config
	errs Errors
}

// fail records a problem at the line of path, unless decoding that value
// already failed and was reported.
func (ch *checker) fail(path, format string, args ...any) {
	if ch.c.pos.hasFailed(path) {
		return
	}
	ch.errs = append(ch.errs, Error{File: ch.c.Path, Line: ch.c.pos.line(path), Msg: fmt.Sprintf(format, args...)})
}

// earlier says where a duplicate was first written.
func (ch *checker) earlier(path, noun string, i int) string {
	if ch.c.pos != nil {
		return fmt.Sprintf("at line %d", ch.c.pos.line(path))
	}
	return fmt.Sprintf("by %s %d", noun, i+1)
}

// identity names the key that identifies an entry of a list: a rule's
// slug, a source's name.
type identity struct {
	list, key, noun, example string
}

// uniqueSlug checks entry i's identifying value: present, a slug, not used
// by an earlier entry (first maps values to the entries that hold them). It
// reports whether the value is good and new, and records it in first then.
func (ch *checker) uniqueSlug(id identity, i int, value, label string, first map[string]int) bool {
	at := pathOf(id.list, i, id.key)
	switch j, dup := first[value]; {
	case value == "":
		ch.fail(at, "%s has no %s: add %s: with a slug such as %s", label, id.key, id.key, id.example)
	case !slugPattern.MatchString(value):
		ch.fail(at, "%s: the %s must be %s, such as %s", label, id.key, slugRule, id.example)
	case dup:
		ch.fail(at, "%s: %s already used %s", label, id.key, ch.earlier(pathOf(id.list, j, id.key), id.noun, j))
	default:
		first[value] = i
		return true
	}
	return false
}

// problems runs every check, in file order as far as possible: the top-level
// keys, fetch, retention and feed, the tag rules, then the sources.
func (c *Config) problems() Errors {
	ch := &checker{c: c}
	ch.topLevel()
	ch.sections()
	defined := ch.rules()
	ch.sources(defined)
	return ch.errs
}

// splitListen splits a listen address into host and numeric port.
func splitListen(listen string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(listen)
	if addrErr := (*net.AddrError)(nil); errors.As(err, &addrErr) {
		return "", "", fmt.Errorf("%s (use host:port such as 127.0.0.1:8080, or :8080 for every interface)", addrErr.Err)
	} else if err != nil {
		return "", "", err
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return "", "", fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return host, port, nil
}

// topLevel checks listen, base_url, database and schedule.
func (ch *checker) topLevel() {
	c := ch.c
	_, _, listenErr := splitListen(c.Listen)
	if listenErr != nil {
		ch.fail("listen", "listen %q: %v", c.Listen, listenErr)
	}
	switch {
	case c.BaseURL == "" && listenErr == nil:
		ch.fail("base_url", "base_url is empty: give the public URL of this server, such as https://news.example.org")
	case c.BaseURL != "":
		if problem := URLProblem(c.BaseURL, "https://news.example.org"); problem != "" {
			ch.fail("base_url", "base_url %q: %s", c.BaseURL, problem)
		} else if u, _ := url.Parse(c.BaseURL); u.RawQuery != "" || u.Fragment != "" {
			ch.fail("base_url", "base_url %q: remove the query or fragment", c.BaseURL)
		}
	}
	if c.Database == "" {
		ch.fail("database", "database is empty: give a file name such as libyawire.db")
	}
	if c.WebSubHub != "" {
		if problem := URLProblem(c.WebSubHub, "https://pubsubhubbub.appspot.com/"); problem != "" {
			ch.fail("websub_hub", "websub_hub %q: %s", c.WebSubHub, problem)
		}
	}
	if _, err := fetch.ParseSchedule(c.Schedule); err != nil {
		ch.fail("schedule", "schedule %q: %v", c.Schedule, err)
	}
}

// sections checks fetch, retention and feed.
func (ch *checker) sections() {
	f, r, feed := ch.c.Fetch, ch.c.Retention, ch.c.Feed
	if f.Concurrency < 1 {
		ch.fail("fetch.concurrency", "fetch.concurrency is %d; it must be at least 1", f.Concurrency)
	}
	if f.PerHost < 1 {
		ch.fail("fetch.per_host", "fetch.per_host is %d; it must be at least 1", f.PerHost)
	}
	if f.Timeout <= 0 {
		ch.fail("fetch.timeout", "fetch.timeout is %s; it must be more than 0, such as 30s", f.Timeout)
	}
	if f.MaxBody <= 0 {
		ch.fail("fetch.max_body", "fetch.max_body is %s; it must be more than 0, such as 10MiB", f.MaxBody)
	}
	if strings.TrimSpace(f.UserAgent) == "" {
		ch.fail("fetch.user_agent", "fetch.user_agent is empty: some feeds refuse clients that do not identify themselves (remove the key for the default)")
	}
	if s := ch.c.Stories; s.Window <= 0 {
		ch.fail("stories.window", "stories.window is %s; it must be more than 0, such as 72h", s.Window)
	}
	if s := ch.c.Stories; s.Threshold <= 0 || s.Threshold > 1 {
		ch.fail("stories.threshold", "stories.threshold is %g; it must be more than 0 and at most 1, such as 0.6", s.Threshold)
	}
	if r.MaxAge < 0 {
		ch.fail("retention.max_age", "retention.max_age is %s; it must be 0 (keep forever) or more, such as 2160h", r.MaxAge)
	}
	if feed.Items < 1 || feed.Items > 500 {
		ch.fail("feed.items", "feed.items is %d; it must be from 1 to 500", feed.Items)
	}
	if strings.TrimSpace(feed.Title) == "" {
		ch.fail("feed.title", "feed.title is empty: feed readers show it as the feed's name")
	}
}

// rules checks the tagging rules and returns every tag that a rule or a
// source defines.
func (ch *checker) rules() map[string]bool {
	c := ch.c
	defined := map[string]bool{}
	for _, s := range c.Sources {
		for _, t := range s.Tags {
			defined[t] = true
		}
	}
	first := map[string]int{} // slug -> index of the rule that defines it
	for i, r := range c.Tags {
		label := entryLabel("tag", r.Slug, i)
		at := func(parts ...any) string { return pathOf(append([]any{"tags", i}, parts...)...) }
		if ch.uniqueSlug(identity{"tags", "slug", "tag", "green-mountain"}, i, r.Slug, label, first) {
			defined[r.Slug] = true
		}
		if len(r.Match)+len(r.Ambiguous) == 0 {
			ch.fail(at("match"), "%s has no aliases: list at least one spelling under match:", label)
		}
		for _, list := range []struct {
			key     string
			aliases []string
		}{{"match", r.Match}, {"ambiguous", r.Ambiguous}} {
			for j, a := range list.aliases {
				if strings.TrimSpace(a) == "" {
					ch.fail(at(list.key, j), "%s: %s entry %d is empty: write a spelling or remove it", label, list.key, j+1)
				}
			}
		}
	}
	for i, r := range c.Tags {
		label := entryLabel("tag", r.Slug, i)
		for j, t := range r.Implies {
			ch.tagRef(pathOf("tags", i, "implies", j), label, "implies", t, defined)
		}
	}
	ch.cycles(first)
	return defined
}

// cycles reports each loop in implies once, at the implies entry that
// closes it when the rules are walked in file order.
func (ch *checker) cycles(first map[string]int) {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(slug string)
	visit = func(slug string) {
		state[slug] = onPath
		path = append(path, slug)
		i := first[slug]
		for j, t := range ch.c.Tags[i].Implies {
			if _, ok := first[t]; !ok {
				continue
			}
			switch state[t] {
			case unseen:
				visit(t)
			case onPath:
				k := len(path) - 1
				for path[k] != t {
					k--
				}
				cycle := append(append([]string{}, path[k:]...), t)
				ch.fail(pathOf("tags", i, "implies", j), "%s: implies cycle %s: remove one of these implies",
					entryLabel("tag", slug, i), strings.Join(cycle, " -> "))
			}
		}
		path = path[:len(path)-1]
		state[slug] = done
	}
	for i, r := range ch.c.Tags {
		if j, ok := first[r.Slug]; ok && j == i && state[r.Slug] == unseen {
			visit(r.Slug)
		}
	}
}

// tagRef checks a tag named in keep, drop or implies.
func (ch *checker) tagRef(path, label, key, tag string, defined map[string]bool) {
	switch {
	case !slugPattern.MatchString(tag):
		ch.fail(path, "%s: %s %q is not a tag: tags are %s, such as libya", label, key, tag, slugRule)
	case !defined[tag]:
		hint := ""
		if near := nearest(tag, defined); near != "" {
			hint = fmt.Sprintf("; did you mean %q?", near)
		}
		ch.fail(path, "%s: %s %q: no tag rule or source defines this tag (add a rule with slug: %s under tags:)%s", label, key, tag, tag, hint)
	}
}

func (ch *checker) sources(defined map[string]bool) {
	c := ch.c
	if len(c.Sources) == 0 {
		ch.fail("sources", "no sources: add at least one under sources:, with a name and a url")
	}
	first := map[string]int{}
	for i, s := range c.Sources {
		label := entryLabel("source", s.Name, i)
		at := func(parts ...any) string { return pathOf(append([]any{"sources", i}, parts...)...) }
		ch.uniqueSlug(identity{"sources", "name", "source", "libya-herald"}, i, s.Name, label, first)
		if s.URL == "" {
			ch.fail(at("url"), "%s has no url: add url: with the feed's address", label)
		} else if problem := URLProblem(s.URL, "https://example.org/feed/"); problem != "" {
			ch.fail(at("url"), "%s: url %q: %s", label, s.URL, problem)
		}
		if s.Schedule != "" && s.Schedule != c.Schedule { // the top-level one is checked once
			if _, err := fetch.ParseSchedule(s.Schedule); err != nil {
				ch.fail(at("schedule"), "%s: schedule %q: %v", label, s.Schedule, err)
			}
		}
		if s.Language != "" && !languagePattern.MatchString(s.Language) {
			ch.fail(at("language"), "%s: language %q is not a language tag such as en, ar, fr or en-GB", label, s.Language)
		}
		if s.Timezone != "" {
			if _, err := time.LoadLocation(s.Timezone); err != nil {
				ch.fail(at("timezone"), "%s: timezone %q is not a known time zone (use an IANA name such as Africa/Tripoli or UTC)", label, s.Timezone)
			}
		}
		if s.MaxItems < 0 {
			ch.fail(at("max_items"), "%s: max_items is %d; it must be 0 (no limit) or more, such as 500", label, s.MaxItems)
		}
		for j, t := range s.Tags {
			if !slugPattern.MatchString(t) {
				ch.fail(at("tags", j), "%s: tags %q is not a tag: tags are %s, such as libya", label, t, slugRule)
			}
		}
		for j, t := range s.Keep {
			ch.tagRef(at("keep", j), label, "keep", t, defined)
		}
		for j, t := range s.Drop {
			ch.tagRef(at("drop", j), label, "drop", t, defined)
		}
	}
}

// URLProblem says what keeps s from being an absolute http or https URL
// with a host, or returns "".
func URLProblem(s, example string) string {
	u, err := url.Parse(s)
	var urlErr *url.Error
	switch {
	case errors.As(err, &urlErr):
		return urlErr.Err.Error()
	case err != nil:
		return err.Error()
	case u.Scheme != "http" && u.Scheme != "https":
		return "want an absolute http or https URL, such as " + example
	case u.Hostname() == "":
		return "the URL has no host"
	}
	return ""
}

// nearest returns the name in names closest to s within two edits, or "".
func nearest(s string, names map[string]bool) string {
	best, bestDist := "", 3
	for name := range names {
		if d := editDistance(s, name); d < bestDist || d == bestDist && name < best {
			best, bestDist = name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
