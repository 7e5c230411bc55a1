package publish

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// atomSchema is RFC 4287's RELAX NG grammar, in compact syntax.
const atomSchema = "testdata/atom.rnc"

// jing validates files against atomSchema and returns its complaints.
func jing(t *testing.T, files ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("jing", append([]string{"-c", atomSchema}, files...)...).CombinedOutput()
	return string(out), err
}

// TestAtomSchema validates the Atom feeds against RFC 4287's RELAX NG
// grammar with jing, and checks the rules the RFC states in Schematron
// beside it. The feeds cover a story carried by two outlets (a related
// link and a source), Arabic stories, a hub link, a filtered and an empty
// feed.
func TestAtomSchema(t *testing.T) {
	if _, err := exec.LookPath("jing"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("jing is needed in CI: apt-get install jing")
		}
		t.Skip("jing is missing: apt-get install jing")
	}
	f := newFixture(t)
	f.srv.opts.Hub = "https://hub.example/"
	mustIngest(t, f.db, "relief", []store.Item{{
		GUID:     "relief-9",
		Link:     "https://relief.example/reports/9",
		Title:    "Flood response in Derna: week two",
		Content:  `<p>Teams reached <a href="/maps/derna">the eastern districts</a>.</p><script>alert(1)</script>`,
		Author:   "Relief desk",
		Language: "en-GB",
		Tags:     []string{"libya"},
	}}, store.SourceState{Status: 200})

	dir := t.TempDir()
	var files []string
	for i, target := range []string{
		"/feed.atom",
		"/tags/sirte.atom",
		"/feed.atom?lang=ar",
		"/feed.atom?tag=sirte&notag=sport&q=road",
		"/feed.atom?tag=nowhere",
		"/feed.atom?source=relief",
	} {
		resp := f.get(t, http.MethodGet, target)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", target, resp.StatusCode)
		}
		if err := checkAtomRules(body); err != nil {
			t.Errorf("%s: %v", target, err)
		}
		name := filepath.Join(dir, fmt.Sprintf("feed-%d.atom", i))
		if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	if out, err := jing(t, files...); err != nil {
		t.Errorf("jing rejects the feeds (%v):\n%s", err, out)
	}

	// The check can fail: an entry without an id is invalid.
	body := readBody(t, f.get(t, http.MethodGet, "/feed.atom"))
	i := strings.Index(body, "<id>urn:libyawire:")
	j := strings.Index(body[i:], "</id>") + i + len("</id>")
	broken := filepath.Join(dir, "broken.atom")
	if err := os.WriteFile(broken, []byte(body[:i]+body[j:]), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := jing(t, broken); err == nil {
		t.Errorf("jing accepts an entry without an id:\n%s", out)
	}
}

// atomRulesDoc is what checkAtomRules reads of a feed.
type atomRulesDoc struct {
	Authors []struct{}      `xml:"author"`
	Links   []atomRulesLink `xml:"link"`
	Entries []struct {
		ID      string          `xml:"id"`
		Authors []struct{}      `xml:"author"`
		Links   []atomRulesLink `xml:"link"`
		Content *struct {
			Type string `xml:"type,attr"`
			Src  string `xml:"src,attr"`
		} `xml:"content"`
		Summary *struct{} `xml:"summary"`
	} `xml:"entry"`
}

type atomRulesLink struct {
	Rel      string `xml:"rel,attr"`
	Type     string `xml:"type,attr"`
	Hreflang string `xml:"hreflang,attr"`
}

// checkAtomRules checks the constraints RFC 4287 gives as Schematron
// rules beside its grammar: a feed without an author needs one in every
// entry; an entry needs content or an alternate link; out-of-line content
// needs a summary; and at most one alternate link per type and language.
func checkAtomRules(body string) error {
	var doc atomRulesDoc
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		return err
	}
	if err := uniqueAlternates(doc.Links); err != nil {
		return fmt.Errorf("feed: %w", err)
	}
	for _, e := range doc.Entries {
		if len(doc.Authors) == 0 && len(e.Authors) == 0 {
			return fmt.Errorf("entry %s: no author, and the feed has none", e.ID)
		}
		alternate := false
		for _, l := range e.Links {
			alternate = alternate || l.Rel == "" || l.Rel == "alternate"
		}
		if e.Content == nil && !alternate {
			return fmt.Errorf("entry %s: neither content nor an alternate link", e.ID)
		}
		if e.Content != nil && e.Content.Src != "" && e.Summary == nil {
			return fmt.Errorf("entry %s: out-of-line content without a summary", e.ID)
		}
		if err := uniqueAlternates(e.Links); err != nil {
			return fmt.Errorf("entry %s: %w", e.ID, err)
		}
	}
	return nil
}

func uniqueAlternates(links []atomRulesLink) error {
	seen := map[[2]string]bool{}
	for _, l := range links {
		if l.Rel != "" && l.Rel != "alternate" {
			continue
		}
		k := [2]string{l.Type, l.Hreflang}
		if seen[k] {
			return fmt.Errorf("two alternate links of type %q and language %q", l.Type, l.Hreflang)
		}
		seen[k] = true
	}
	return nil
}

// JSON Feed 1.1's keys (jsonfeed.org/version/1.1); a key starting with
// "_" is an extension.
var (
	jsonFeedKeys = keySet("version title home_page_url feed_url description user_comment next_url icon " +
		"favicon authors author language expired hubs items")
	jsonItemKeys = keySet("id url external_url title content_html content_text summary image banner_image " +
		"date_published date_modified authors author tags language attachments")
	jsonAuthorKeys = keySet("name url avatar")
	jsonHubKeys    = keySet("type url")
)

func keySet(s string) map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(s) {
		m[k] = true
	}
	return m
}

// TestJSONFeedSpec checks the JSON feeds against JSON Feed 1.1: only its
// keys (or extensions), the required ones present, each of its type, and
// dates in RFC 3339. (Debian's feedparser, 6.0, reads no JSON Feed.)
func TestJSONFeedSpec(t *testing.T) {
	f := newFixture(t)
	f.srv.opts.Hub = "https://hub.example/"
	for _, target := range []string{"/feed.json", "/tags/sirte.json", "/feed.json?lang=ar", "/feed.json?tag=nowhere"} {
		var doc map[string]any
		if err := json.Unmarshal([]byte(readBody(t, f.get(t, http.MethodGet, target))), &doc); err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		for _, err := range checkJSONFeed(doc) {
			t.Errorf("%s: %v", target, err)
		}
	}
	// The check can fail.
	bad := map[string]any{"version": "https://jsonfeed.org/version/1", "items": []any{map[string]any{"id": 7, "tags": "x"}}}
	if errs := checkJSONFeed(bad); len(errs) < 4 {
		t.Errorf("a bad feed passes with %d complaints: %v", len(errs), errs)
	}
}

func checkJSONFeed(doc map[string]any) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	keys := func(where string, m map[string]any, allowed map[string]bool) {
		for k := range m {
			if !allowed[k] && !strings.HasPrefix(k, "_") {
				fail("%s: %q is not a JSON Feed 1.1 key", where, k)
			}
		}
	}
	str := func(where string, m map[string]any, k string, required bool) {
		v, ok := m[k]
		if !ok {
			if required {
				fail("%s: %q is required", where, k)
			}
			return
		}
		if s, ok := v.(string); !ok || s == "" {
			fail("%s: %q is %v, want a non-empty string", where, k, v)
		}
	}
	date := func(where string, m map[string]any, k string) {
		if s, ok := m[k].(string); ok {
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				fail("%s: %q: %v", where, k, err)
			}
		}
	}
	authors := func(where string, m map[string]any) {
		if v, ok := m["authors"]; ok {
			list, ok := v.([]any)
			if !ok {
				fail("%s: authors is not an array", where)
			}
			for _, a := range list {
				obj, ok := a.(map[string]any)
				if !ok {
					fail("%s: an author is not an object", where)
					continue
				}
				keys(where+" author", obj, jsonAuthorKeys)
			}
		}
	}

	keys("feed", doc, jsonFeedKeys)
	if doc["version"] != "https://jsonfeed.org/version/1.1" {
		fail("feed: version is %v", doc["version"])
	}
	str("feed", doc, "title", true)
	str("feed", doc, "home_page_url", false)
	str("feed", doc, "feed_url", false)
	str("feed", doc, "language", false)
	authors("feed", doc)
	if v, ok := doc["hubs"]; ok {
		hubs, _ := v.([]any)
		for _, h := range hubs {
			obj, _ := h.(map[string]any)
			keys("hub", obj, jsonHubKeys)
			str("hub", obj, "type", true)
			str("hub", obj, "url", true)
		}
	}
	items, ok := doc["items"].([]any)
	if !ok {
		fail("feed: items is %T, want an array", doc["items"])
	}
	for i, v := range items {
		item, ok := v.(map[string]any)
		where := fmt.Sprintf("item %d", i)
		if !ok {
			fail("%s: not an object", where)
			continue
		}
		keys(where, item, jsonItemKeys)
		str(where, item, "id", true)
		for _, k := range []string{"url", "title", "content_html", "content_text", "summary", "language"} {
			str(where, item, k, false)
		}
		if item["content_html"] == nil && item["content_text"] == nil {
			fail("%s: neither content_html nor content_text", where)
		}
		date(where, item, "date_published")
		date(where, item, "date_modified")
		if v, ok := item["tags"]; ok {
			tags, ok := v.([]any)
			if !ok {
				fail("%s: tags is not an array", where)
			}
			for _, tag := range tags {
				if _, ok := tag.(string); !ok {
					fail("%s: a tag is %v, not a string", where, tag)
				}
			}
		}
		authors(where, item)
	}
	return errs
}
