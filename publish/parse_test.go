package publish

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"

	"github.com/libyawire/libyawire/store"
)

// fixtureStory is what the fixture database holds for a story, by title.
func fixtureStories(t *testing.T, f *fixture) map[string]store.Item {
	t.Helper()
	items, err := f.db.Items(store.Query{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[string]store.Item)
	for _, it := range items {
		m[it.Title] = it
	}
	return m
}

// TestParseBack reads the three formats with gofeed and checks that every
// item keeps its id, link, categories and author.
func TestParseBack(t *testing.T) {
	f := newFixture(t)
	stories := fixtureStories(t, f)
	for _, target := range []string{"/feed.rss", "/feed.atom", "/feed.json"} {
		t.Run(target, func(t *testing.T) {
			body := readBody(t, f.get(t, http.MethodGet, target))
			feed, err := gofeed.NewParser().ParseString(body)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := feed.Title, "Libya news"; got != want {
				t.Errorf("title: got %q, want %q", got, want)
			}
			if got, want := feed.FeedLink, "http://libyawire.test"+target; got != want {
				t.Errorf("feed link: got %q, want %q", got, want)
			}
			if len(feed.Items) != len(stories) {
				t.Fatalf("items: got %d, want %d", len(feed.Items), len(stories))
			}
			for _, item := range feed.Items {
				st, ok := stories[item.Title]
				if !ok {
					t.Errorf("unknown item %q", item.Title)
					continue
				}
				if want := storyID(f.db.Instance(), st.ID); item.GUID != want {
					t.Errorf("%q: id: got %q, want %q", item.Title, item.GUID, want)
				}
				if item.Link != st.Link {
					t.Errorf("%q: link: got %q, want %q", item.Title, item.Link, st.Link)
				}
				// gofeed reports an Atom category's label, the tag's title.
				want := st.Tags
				if target == "/feed.atom" {
					want = make([]string, len(st.Tags))
					for i, slug := range st.Tags {
						want[i] = testTagTitles[slug]
					}
				}
				if !slices.Equal(item.Categories, want) {
					t.Errorf("%q: categories: got %q, want %q", item.Title, item.Categories, want)
				}
				gotAuthor := ""
				if item.Author != nil {
					gotAuthor = item.Author.Name
				}
				if gotAuthor != st.Author {
					t.Errorf("%q: author: got %q, want %q", item.Title, gotAuthor, st.Author)
				}
				if item.PublishedParsed == nil || !item.PublishedParsed.Equal(st.Published) {
					t.Errorf("%q: published: got %v, want %v", item.Title, item.PublishedParsed, st.Published)
				}
			}
		})
	}
}

// TestAtomDetail checks with gofeed's Atom parser what its universal
// translation leaves out: category terms, related links and sources.
func TestAtomDetail(t *testing.T) {
	f := newFixture(t)
	stories := fixtureStories(t, f)
	body := readBody(t, f.get(t, http.MethodGet, "/feed.atom"))
	feed, err := (&atom.Parser{}).Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range feed.Entries {
		st := stories[e.Title]
		var terms, related []string
		for _, c := range e.Categories {
			terms = append(terms, c.Term)
		}
		for _, l := range e.Links {
			if l.Rel == "related" {
				related = append(related, l.Href)
			}
		}
		if !slices.Equal(terms, st.Tags) {
			t.Errorf("%q: terms: got %q, want %q", e.Title, terms, st.Tags)
		}
		var wantRelated []string
		for _, c := range st.Copies[1:] {
			wantRelated = append(wantRelated, c.Link)
		}
		if !slices.Equal(related, wantRelated) {
			t.Errorf("%q: related links: got %q, want %q", e.Title, related, wantRelated)
		}
		if e.Source == nil || e.Source.Title == "" {
			t.Errorf("%q: no source", e.Title)
		}
	}
}

// TestEmptyFeedIsValid: an unknown tag or source gives a valid feed with no
// items in every format.
func TestEmptyFeedIsValid(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{
		"/feed.rss?tag=nowhere", "/feed.atom?tag=nowhere", "/feed.json?tag=nowhere",
		"/tags/nowhere.atom", "/feed.rss?source=nobody",
	} {
		resp := f.get(t, http.MethodGet, target)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", target, resp.StatusCode)
			continue
		}
		feed, err := gofeed.NewParser().ParseString(body)
		if err != nil {
			t.Errorf("%s: %v", target, err)
			continue
		}
		if len(feed.Items) != 0 {
			t.Errorf("%s: %d items, want none", target, len(feed.Items))
		}
		if strings.HasSuffix(target, ".json") && !strings.Contains(body, `"items": []`) {
			t.Errorf("%s: JSON Feed needs an items array, even an empty one", target)
		}
	}
}

// TestWellFormedXML checks every XML document the fixtures produce with
// encoding/xml, which rejects the characters XML 1.0 forbids.
func TestWellFormedXML(t *testing.T) {
	f := newFixture(t)
	mustIngest(t, f.db, "libya-herald", []store.Item{{
		GUID:     "herald-bad-bytes",
		Link:     "https://libya-herald.example/bad-bytes",
		Title:    "Control\x01 characters\x1f and \uFFFE in a title",
		Summary:  "A summary with a NUL \x00 and invalid UTF-8 \xff\xfe.",
		Content:  "<p>Content with \x0c form feed and ]]> twice ]]></p>",
		Author:   "Desk\x07",
		Language: "en",
		Tags:     []string{"libya"},
	}}, store.SourceState{Status: 200})
	for _, target := range []string{"/feed.rss", "/feed.atom"} {
		body := readBody(t, f.get(t, http.MethodGet, target))
		d := xml.NewDecoder(strings.NewReader(body))
		for {
			_, err := d.Token()
			if err != nil {
				if err.Error() != "EOF" {
					t.Errorf("%s: %v", target, err)
				}
				break
			}
		}
		if !strings.Contains(body, "Control characters and  in a title") {
			t.Errorf("%s: the cleaned title is missing", target)
		}
	}
}

// TestFeedparser runs Python's feedparser, the parser most feed readers'
// behaviour is measured against, over the three formats as served (so
// through its gzip and content-type handling too).
func TestFeedparser(t *testing.T) {
	// apt-get installs the module for /usr/bin/python3, which a python3
	// earlier on PATH (pyenv, a virtualenv) does not see.
	python := ""
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import feedparser").Run() == nil {
			python = py
			break
		}
	}
	if python == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 feedparser is needed in CI: apt-get install python3-feedparser")
		}
		t.Skip("python3 feedparser is missing: apt-get install python3-feedparser")
	}
	f := newFixture(t)
	srv := httptest.NewServer(f.handler)
	defer srv.Close()
	tests := []struct {
		path        string
		wantEntries int
	}{
		{"/feed.rss", 8},
		{"/feed.atom", 8},
		{"/feed.json", 8},
		{"/tags/sirte.atom", 2},
		{"/tags/sirte.rss?lang=ar", 1},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			// feedparser reads JSON Feed only from 6.1 on; Debian 12 has 6.0.
			if strings.Contains(tt.path, ".json") && exec.Command(python, "-c", "import feedparser.parsers.json").Run() != nil {
				t.Skip("this feedparser does not read JSON Feed")
			}
			out, err := exec.Command(python, "-c", `
import sys, feedparser
d = feedparser.parse(sys.argv[1])
print(int(d.bozo), len(d.entries), repr(d.get("bozo_exception", "")))
`, srv.URL+tt.path).CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			want := fmt.Sprintf("0 %d", tt.wantEntries)
			if got := strings.Join(strings.Fields(string(out))[:2], " "); got != want {
				t.Errorf("feedparser says bozo, entries = %s; want %s", out, want)
			}
		})
	}
}

// TestFurtherOutlets: a story two outlets carried names the second in
// every format: RSS and Atom as a related link and in the content, JSON
// Feed in its extension and the content.
func TestFurtherOutlets(t *testing.T) {
	f := newFixture(t)
	const (
		title  = "Sirte council reopens the coastal road to Misrata"
		second = "https://libya-herald.example/2026/03/01/sirte-coastal-road/?utm_source=un"
		also   = `Also reported by: <a href="` + "https://libya-herald.example/2026/03/01/sirte-coastal-road/?utm_source=un" + `"><bdi>UN News: Libya</bdi></a>`
	)
	for _, target := range []string{"/feed.rss", "/feed.atom", "/feed.json"} {
		feed, err := gofeed.NewParser().ParseString(readBody(t, f.get(t, http.MethodGet, target)))
		if err != nil {
			t.Fatal(err)
		}
		var item *gofeed.Item
		for _, it := range feed.Items {
			if it.Title == title {
				item = it
			}
		}
		if item == nil {
			t.Fatalf("%s: no item %q", target, title)
		}
		if !strings.Contains(item.Content, also) {
			t.Errorf("%s: content does not end with the further outlet: %q", target, item.Content)
		}
		// Atom's related links are checked in TestAtomDetail; JSON Feed's
		// extension in TestGolden.
		if target == "/feed.rss" {
			var related []string
			for _, l := range item.Extensions["atom"]["link"] {
				if l.Attrs["rel"] == "related" {
					related = append(related, l.Attrs["href"])
				}
			}
			if !slices.Equal(related, []string{second}) {
				t.Errorf("%s: related links %q, want the second outlet's copy", target, related)
			}
		}
	}
}
