package publish

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/libyawire/libyawire/store"
)

type rankedItem struct {
	Title     string `json:"title"`
	Libyawire struct {
		Outlets    int  `json:"outlets"`
		Developing bool `json:"developing"`
		First      *struct {
			Source, Outlet string
			At             time.Time
		} `json:"first"`
	} `json:"_libyawire"`
}

func (f *fixture) rankedFeed(t *testing.T, target string) []rankedItem {
	t.Helper()
	resp := f.get(t, http.MethodGet, target)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", target, resp.Status, body)
	}
	var doc struct{ Items []rankedItem }
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Items
}

// TestTopStories: sort=top puts the stories most outlets carry first,
// within the window; developing=1 keeps those still growing, and stops
// keeping them as time passes; the JSON Feed says how many outlets, who
// was first, and whether it is developing.
func TestTopStories(t *testing.T) {
	f := newFixture(t)
	const sirte = "Sirte council reopens the coastal road to Misrata" // two outlets
	items := f.rankedFeed(t, "/feed.json?sort=top&window=72h")
	if len(items) < 2 || items[0].Title != sirte || items[0].Libyawire.Outlets != 2 || items[1].Libyawire.Outlets != 1 {
		t.Fatalf("sort=top: %+v", items)
	}
	first := items[0].Libyawire.First
	if first == nil || first.Source != "libya-herald" || first.Outlet != "Libya Herald" || !first.At.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("first: %+v", first)
	}
	if newest := f.rankedFeed(t, "/feed.json"); newest[0].Title == sirte {
		t.Error("without sort=top the Sirte story leads too: the test shows nothing")
	}
	// A window of one hour holds only the stories of the last hour.
	if got := f.rankedFeed(t, "/feed.json?sort=top&window=1h"); len(got) == 0 || len(got) >= len(items) {
		t.Errorf("sort=top&window=1h: %d stories, 72h: %d", len(got), len(items))
	}

	f.srv.opts.Developing = store.Developing{Outlets: 2, Within: 6 * time.Hour}
	dev := f.rankedFeed(t, "/feed.json?developing=1")
	if len(dev) != 1 || dev[0].Title != sirte || !dev[0].Libyawire.Developing {
		t.Errorf("developing=1: %+v", dev)
	}
	f.clock.Advance(7 * time.Hour)
	if dev := f.rankedFeed(t, "/feed.json?developing=1"); len(dev) != 0 {
		t.Errorf("7 hours on, developing=1 still has %+v", dev)
	}

	// The self link names the ranking canonically.
	resp := f.get(t, http.MethodGet, "/feed.atom?window=48h&developing=1&sort=TOP")
	if body := readBody(t, resp); !strings.Contains(body, `href="http://libyawire.test/feed.atom?developing=1&amp;sort=top&amp;window=48h" rel="self"`) {
		t.Errorf("self link: %.600s", body)
	}
}

func TestBadRanking(t *testing.T) {
	f := newFixture(t)
	for target, want := range map[string]string{
		"/feed.json?sort=oldest":         `sort must be newest, top or relevance, got "oldest"`,
		"/feed.json?sort=relevance":      "sort=relevance ranks a word search: give q as well",
		"/feed.json?sort=top&window=30m": `window must be a duration from 1h to 168h, such as 24h or 72h, got "30m"`,
		"/feed.json?window=200h":         `window must be a duration from 1h to 168h`,
		"/feed.json?developing=yes":      `developing must be 1 (only developing stories) or 0, got "yes"`,
		"/feed.json?sort=top&sort=top":   "sort is given 2 times; send it once",
	} {
		resp := f.get(t, http.MethodGet, target)
		if body := readBody(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s: %s %q, want 400 %q", target, resp.Status, body, want)
		}
	}
	// By relevance, a title that holds every word comes before a newer
	// story whose summary completes them.
	items := f.rankedFeed(t, "/feed.json?q=sirte+road&sort=relevance")
	if len(items) == 0 || items[0].Title != "Sirte council reopens the coastal road to Misrata" {
		t.Errorf("sort=relevance: %+v", items)
	}
}

// TestHomeRanked: the first page shows the day's stories that more than
// one outlet carried, and the developing ones, each linking to its page,
// and links to all of them.
func TestHomeRanked(t *testing.T) {
	f := newFixture(t)
	f.srv.opts.Developing = store.Developing{Outlets: 2, Within: 6 * time.Hour}
	now := f.clock.Now()
	for _, src := range []string{"libya-herald", "alwasat"} {
		mustIngest(t, f.db, src, []store.Item{{GUID: src + "-port", Link: "https://herald.example/port-today", Title: "Tripoli port reopens to tankers", Published: now}}, store.SourceState{Status: 200})
	}
	f.clock.Advance(time.Minute)
	doc := f.getPage(t, "/", http.StatusOK)
	for _, id := range []string{"top", "developing"} {
		sec := findAll(doc, elems("div", "id", id))
		if len(sec) != 1 {
			t.Fatalf("no #%s on the page", id)
		}
		if got := text(findAll(sec[0], elems("li"))[0]); !strings.HasPrefix(got, "Tripoli port reopens to tankers 2 outlets in all") {
			t.Errorf("#%s: %q", id, got)
		}
	}
	if got := attrOf(t, findAll(doc, elems("div", "id", "top"))[0], elems("a", "href", "./?sort=top"), "href"); got != "./?sort=top" {
		t.Errorf("top link %q", got)
	}
	// The page of top stories says so, and shows no second list of them.
	top := f.getPage(t, "/?sort=top", http.StatusOK)
	if got := text(findAll(top, elems("h2", "id", "stories-h"))[0]); got != "Libya news: most carried in the last 24h" {
		t.Errorf("sort=top heading %q", got)
	}
	if len(findAll(top, elems("div", "id", "top"))) != 0 {
		t.Error("the top stories' page repeats them above")
	}
}

// TestDevelopingReplaySynctest replays, on testing/synctest's clock, a
// story growing from one outlet to six over eight hours, as a reader of
// /feed.json?developing=1 sees it: in the feed from the third outlet, out
// of it once fewer than three joined within six hours.
func TestDevelopingReplaySynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db, err := store.Open(filepath.Join(t.TempDir(), "replay.db"), &store.Options{Now: time.Now, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		srv := newServer(db, Options{BaseURL: "http://libyawire.test/", Now: time.Now, Sources: testSources}, nil)
		f := &fixture{db: db, srv: srv, handler: srv.routes()}
		developing := func() bool {
			items := f.rankedFeed(t, "/feed.json?developing=1")
			return len(items) == 1 && items[0].Libyawire.Developing
		}
		start := time.Now()
		// Minutes after the first at which each outlet joins.
		for i, m := range []int{0, 90, 200, 300, 420, 480} {
			time.Sleep(time.Until(start.Add(time.Duration(m) * time.Minute)))
			src := "outlet-" + strconv.Itoa(i)
			mustIngest(t, db, src, []store.Item{{GUID: src, Link: "https://herald.example/ceasefire", Title: "Ceasefire holds in Tripoli", Published: start}}, store.SourceState{Status: 200})
			if got, want := developing(), i >= 2; got != want {
				t.Errorf("after outlet %d at +%dm: developing %t, want %t", i+1, m, got, want)
			}
		}
		// Joins at +300, +420 and +480 minutes: three within six hours
		// until +660 minutes.
		time.Sleep(time.Until(start.Add(659 * time.Minute)))
		if !developing() {
			t.Error("at +659m: not developing")
		}
		time.Sleep(2 * time.Minute)
		if developing() {
			t.Error("at +661m: still developing")
		}
	})
}
