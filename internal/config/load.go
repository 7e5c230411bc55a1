package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the configuration at path, fills in defaults, makes the
// database path absolute and validates the result. Any problem in the file,
// from YAML syntax to an undefined tag, comes back as Errors; a file
// that cannot be read returns the error from os.ReadFile.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(path, data)
}

// parse is Load of the file at path that holds data.
func parse(path string, data []byte) (*Config, error) {
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
// The budget is the values and keys the file itself holds, and as many
// again as aliases may add: aliasBudget times as many, between
// minAliasBudget and maxAliasBudget. Aliases may repeat what the file says
// many times over, never the thousands of times an alias bomb does. The
// most they may add is what yaml.v3's Decode allows before its ratio of
// aliases to values refuses a file, so this walk never expands aliases
// further than Decode would.
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
	aliasBudget    = 9
	minAliasBudget = 10_000
	maxAliasBudget = 400_000 // yaml.v3's alias_ratio_range_low
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
		n := countNodes(&doc)
		d.budget = n + min(max(aliasBudget*n, minAliasBudget), maxAliasBudget)
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
