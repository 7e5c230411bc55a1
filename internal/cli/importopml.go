package cli

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/unicode/norm"

	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/publish"
	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
)

// importOPMLCommand is `libyawire import-opml`: it reads the OPML file at
// opmlPath, such as a feed reader exports, and writes its feeds to stdout
// as entries for the sources: list of the config at configPath, for the
// operator to paste there. Feeds the config has already, by URL or by
// name, are left out with a comment that says so.
func importOPMLCommand(configPath, opmlPath string, stdout io.Writer) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(configPath)
	if err != nil {
		return err
	}
	doc, err := readOPML(opmlPath)
	if err != nil {
		return err
	}
	lines := importSources(cfg, doc)
	if len(lines) == 0 {
		return fmt.Errorf("%s has no feeds: no outline in it has an xmlUrl", opmlPath)
	}
	_, err = io.WriteString(stdout, formatImport(lines, sourcesIndent(raw), opmlPath, configPath))
	return err
}

// readOPML parses the OPML file at path. Files exported by other programs
// may be in a legacy charset or use HTML's entities; both are accepted.
func readOPML(path string) (*publish.OPML, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	dec.CharsetReader = charset.NewReaderLabel
	dec.Entity = xml.HTMLEntity
	var doc publish.OPML
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s is not an OPML file: %w", path, err)
	}
	return &doc, nil
}

// importLine is one feed of an OPML file: an entry for config.yaml, or,
// when skip is set, why there is none.
type importLine struct {
	name, title, url string
	tags             []string
	skip             string // such as "already configured"
}

// importSources turns the feeds of doc, in document order and folders
// flattened, into config entries. Each gets a name made from its title
// (else its URL's host), unique among them; a feed whose URL or name cfg
// has already is skipped, and a feed listed twice is listed once, with
// the categories of both.
func importSources(cfg *config.Config, doc *publish.OPML) []importLine {
	im := &importer{
		configured:    map[string]bool{},
		configuredURL: map[string]string{},
		taken:         map[string]bool{},
		seen:          map[string]int{},
	}
	for _, s := range cfg.Sources {
		im.configured[s.Name] = true
		im.configuredURL[store.CanonicalLink(s.URL)] = s.Name
	}
	im.walk(doc.Body)
	return im.lines
}

// importer is the state of one importSources.
type importer struct {
	configured    map[string]bool   // the config's source names
	configuredURL map[string]string // canonical URL -> the config's name for it
	taken         map[string]bool   // names given in this import
	seen          map[string]int    // canonical URL -> its index in lines
	lines         []importLine
}

func (im *importer) walk(outlines []publish.Outline) {
	for _, o := range outlines {
		im.add(o)
		im.walk(o.Outlines)
	}
}

// add adds the feed o, if it is one, to im.lines.
func (im *importer) add(o publish.Outline) {
	title := oneLine(o.Title)
	if title == "" {
		title = oneLine(o.Text)
	}
	u := strings.TrimSpace(o.XMLURL)
	if u == "" {
		if t := strings.ToLower(o.Type); t == "rss" || t == "atom" {
			im.lines = append(im.lines, importLine{name: cmp.Or(title, "a feed outline"), skip: "it has no xmlUrl"})
		}
		return // a folder, or a link to something else
	}
	tags := categoryTags(o.Categories())
	canon := store.CanonicalLink(u)
	if i, ok := im.seen[canon]; ok {
		for _, t := range tags {
			if !slices.Contains(im.lines[i].tags, t) {
				im.lines[i].tags = append(im.lines[i].tags, t)
			}
		}
		return
	}
	im.seen[canon] = len(im.lines)
	if name, ok := im.configuredURL[canon]; ok {
		im.lines = append(im.lines, importLine{name: name, skip: "already configured"})
		return
	}
	line := importLine{name: im.name(title, u), title: title, url: u, tags: tags}
	switch problem := config.URLProblem(u, "https://example.org/feed/"); {
	case problem != "":
		line.skip = fmt.Sprintf("url %q: %s", u, problem)
	case im.configured[line.name]:
		line.skip = "already configured"
	default:
		im.taken[line.name] = true
	}
	im.lines = append(im.lines, line)
}

// name returns a source name for a feed titled title at feedURL: a slug
// of the title, else of the URL's host, with -2, -3 ... added when an
// earlier feed of the import took it. An added number never makes a name
// the config has; the bare slug may be one, and then the feed is skipped.
func (im *importer) name(title, feedURL string) string {
	base := asciiSlug(title)
	if base == "" {
		if u, err := url.Parse(feedURL); err == nil {
			base = asciiSlug(strings.TrimPrefix(u.Hostname(), "www."))
		}
	}
	if base == "" {
		base = "source"
	}
	name := base
	for n := 2; im.taken[name] || name != base && im.configured[name]; n++ {
		name = fmt.Sprintf("%s-%d", base, n)
	}
	return name
}

// categoryTags returns the tags that OPML category paths such as
// "/News/Sirte" stand for: each path's last part, as a slug.
func categoryTags(paths []string) []string {
	var tags []string
	for _, p := range paths {
		p = strings.TrimRight(p, "/")
		t := asciiSlug(p[strings.LastIndexByte(p, '/')+1:])
		if t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// asciiSlug returns tag.Slug of s in the letters config.yaml's names and
// tags may have: accents come off ("Misrātah" gives "misratah"), and what
// is left outside a-z and 0-9, such as Arabic, is dropped. It is empty
// when nothing is left.
func asciiSlug(s string) string {
	var words []string
	for w := range strings.SplitSeq(tag.Slug(norm.NFKD.String(s)), "-") {
		w = strings.Map(func(r rune) rune {
			if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
				return r
			}
			return -1
		}, w)
		if w != "" {
			words = append(words, w)
		}
	}
	return strings.Join(words, "-")
}

// sourcesItemRe finds the first entry of the sources: list, past any
// blank or comment lines, and captures its indent.
var sourcesItemRe = regexp.MustCompile(`(?m)^sources:[ \t]*(?:#.*)?\n(?:[ \t]*(?:#.*)?\n)*([ \t]*)- `)

// sourcesIndent returns the indent of the entries under sources: in the
// config text raw, so that the import's entries line up with them; two
// spaces, as the shipped config has, when there are none.
func sourcesIndent(raw []byte) string {
	if m := sourcesItemRe.FindSubmatch(raw); m != nil {
		return string(m[1])
	}
	return "  "
}

// formatImport writes lines as YAML list entries indented by indent, with
// comments for the feeds skipped.
func formatImport(lines []importLine, indent, opmlPath, configPath string) string {
	var b strings.Builder
	n := 0
	for _, l := range lines {
		if l.skip == "" {
			n++
		}
	}
	fmt.Fprintf(&b, "%s# %d %s from %s: paste %s under sources: in %s, then run libyawire check.\n",
		indent, n, plural(n, "feed", "feeds"), oneLine(opmlPath), plural(n, "it", "them"), oneLine(configPath))
	afterEntry := false
	for _, l := range lines {
		if l.skip != "" {
			if afterEntry {
				b.WriteByte('\n')
			}
			fmt.Fprintf(&b, "%s# skipped: %s (%s)\n", indent, oneLine(l.name), oneLine(l.skip))
			afterEntry = false
			continue
		}
		afterEntry = true
		fmt.Fprintf(&b, "\n%s- name: %s\n", indent, yamlScalar(l.name))
		if l.title != "" {
			fmt.Fprintf(&b, "%s  title: %s\n", indent, yamlScalar(l.title))
		}
		fmt.Fprintf(&b, "%s  url: %s\n", indent, yamlScalar(l.url))
		if len(l.tags) > 0 {
			tags := make([]string, len(l.tags))
			for i, t := range l.tags {
				tags[i] = yamlScalar(t)
			}
			fmt.Fprintf(&b, "%s  tags: [%s]\n", indent, strings.Join(tags, ", "))
		}
	}
	return b.String()
}

// yamlScalar returns s as a YAML scalar, quoted when it must be: a title
// with a colon, a slug that reads as a number or a boolean.
func yamlScalar(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s) // a YAML double-quoted string too
	}
	return strings.TrimSuffix(string(out), "\n")
}

// oneLine returns s with its runs of white space, line breaks included,
// made single spaces, so that it fits in a comment.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// plural returns one when n is 1 and many otherwise.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
