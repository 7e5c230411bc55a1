package publish

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/libyawire/libyawire/internal/i18n"
	"github.com/libyawire/libyawire/store"
)

// getPage serves target and parses the page; it fails the test unless the
// status is want and the body is HTML.
func (f *fixture) getPage(t *testing.T, target string, want int) *html.Node {
	t.Helper()
	resp := f.get(t, http.MethodGet, target)
	body := readBody(t, resp)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %s, want %d\n%.500s", target, resp.Status, want, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", target, ct)
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return doc
}

// findAll returns the elements under n, in document order, for which match
// is true.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && match(d) {
			out = append(out, d)
		}
	}
	return out
}

// elems matches elements by tag and, optionally, attribute name/value pairs.
func elems(tag string, attrs ...string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		if n.Data != tag {
			return false
		}
		for i := 0; i+1 < len(attrs); i += 2 {
			if v, ok := attr(n, attrs[i]); !ok || v != attrs[i+1] {
				return false
			}
		}
		return true
	}
}

func hasClass(tag, class string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		v, _ := attr(n, "class")
		return n.Data == tag && slices.Contains(strings.Fields(v), class)
	}
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// articles returns the page's stories by title.
func articles(doc *html.Node) (titles []string, byTitle map[string]*html.Node) {
	byTitle = map[string]*html.Node{}
	for _, a := range findAll(doc, elems("article")) {
		h := findAll(a, elems("h3"))
		if len(h) != 1 {
			continue
		}
		titles = append(titles, text(h[0]))
		byTitle[text(h[0])] = a
	}
	return titles, byTitle
}

func TestHomeStories(t *testing.T) {
	f := newFixture(t)
	doc := f.getPage(t, "/", http.StatusOK)

	if html := findAll(doc, elems("html", "lang", "en")); len(html) != 1 {
		t.Error(`no <html lang="en">`)
	}
	if vp := findAll(doc, elems("meta", "name", "viewport")); len(vp) != 1 {
		t.Error("no viewport meta element")
	}

	// The page lists what the merged feed does, in its order.
	titles, byTitle := articles(doc)
	if want := feedTitles(t, f, "/feed.json"); len(want) != 8 || !slices.Equal(titles, want) {
		t.Errorf("stories:\n got %q\nwant %q", titles, want)
	}

	sirte := byTitle["Sirte council reopens the coastal road to Misrata"]
	if sirte == nil {
		t.Fatal("the Herald's Sirte story is missing")
	}
	if link := findAll(sirte, elems("a", "href", "https://libya-herald.example/2026/03/01/sirte-coastal-road/")); len(link) == 0 {
		t.Error("the Sirte story does not link to its article")
	}
	meta := text(sirte)
	for _, w := range []string{"Libya Herald", "UN News: Libya", "yesterday", "Sirte", "Misrata", "United Nations"} {
		if !strings.Contains(meta, w) {
			t.Errorf("the Sirte story lacks %q: %q", w, meta)
		}
	}
	if tm := findAll(sirte, elems("time", "datetime", "2026-03-01T08:00:00Z")); len(tm) != 1 || text(tm[0]) != "yesterday" {
		t.Errorf("the Sirte story's time: %d <time datetime=2026-03-01T08:00:00Z> elements", len(tm))
	}
	if tag := findAll(sirte, elems("a", "href", "./?tag=sirte")); len(tag) != 1 || text(tag[0]) != "Sirte" {
		t.Error("the Sirte story has no link to ?tag=sirte named Sirte")
	}

	ar := byTitle["بلدية سرت تعيد فتح الطريق الساحلي"]
	if ar == nil {
		t.Fatal("the Arabic story is missing")
	}
	if dir, _ := attr(ar, "dir"); dir != "auto" {
		t.Errorf("Arabic story: dir=%q, want auto", dir)
	}
	if lang, _ := attr(ar, "lang"); lang != "ar" {
		t.Errorf("Arabic story: lang=%q, want ar", lang)
	}
	if !strings.Contains(text(ar), "بوابة الوسط") {
		t.Errorf("the Arabic story does not name its outlet by the feed's title: %q", text(ar))
	}
	for _, a := range byTitle {
		if dir, _ := attr(a, "dir"); dir != "auto" {
			t.Errorf("an article has dir=%q", dir)
		}
	}
}

// feedTitles returns the titles of a JSON feed's items, in order.
func feedTitles(t *testing.T, f *fixture, target string) []string {
	t.Helper()
	resp := f.get(t, http.MethodGet, target)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", target, resp.Status)
	}
	var doc struct{ Items []struct{ Title string } }
	if err := json.Unmarshal([]byte(readBody(t, resp)), &doc); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	var titles []string
	for _, it := range doc.Items {
		titles = append(titles, it.Title)
	}
	return titles
}

func TestHomeFilter(t *testing.T) {
	f := newFixture(t)
	doc := f.getPage(t, "/?tag=sirte&notag=sport", http.StatusOK)

	const wantAtom = "http://libyawire.test/feed.atom?tag=sirte&notag=sport"
	input := findAll(doc, elems("input", "id", "feed-url"))
	if len(input) != 1 {
		t.Fatal("no feed URL input")
	}
	if v, _ := attr(input[0], "value"); v != wantAtom {
		t.Errorf("feed URL %q, want %q", v, wantAtom)
	}
	if _, ok := attr(input[0], "readonly"); !ok {
		t.Error("the feed URL input is not readonly")
	}
	for _, href := range []string{wantAtom, "http://libyawire.test/feed.rss?tag=sirte&notag=sport", "http://libyawire.test/feed.json?tag=sirte&notag=sport"} {
		if len(findAll(doc, elems("a", "href", href))) == 0 {
			t.Errorf("no link to %s", href)
		}
	}

	// The page shows what the feed it offers holds.
	titles, _ := articles(doc)
	if want := feedTitles(t, f, "/feed.json?tag=sirte&notag=sport"); !slices.Equal(titles, want) || len(want) != 2 {
		t.Errorf("stories %q, the feed has %q", titles, want)
	}

	// The form shows the filter it made.
	for name, want := range map[string]string{"tag": "sirte", "notag": "sport"} {
		in := findAll(doc, elems("input", "name", name))
		if len(in) != 1 {
			t.Fatalf("%d inputs named %s", len(in), name)
		}
		if v, _ := attr(in[0], "value"); v != want {
			t.Errorf("input %s = %q, want %q", name, v, want)
		}
	}
	form := findAll(doc, elems("form", "method", "get"))
	if len(form) != 1 {
		t.Fatal("no GET form")
	}
	var options []string
	for _, o := range findAll(form[0], elems("option")) {
		v, _ := attr(o, "value")
		options = append(options, v)
	}
	if want := []string{"", "libya-herald", "alwasat", "un-news", "relief", "", "en", "ar"}; !slices.Equal(options, want) {
		t.Errorf("source and language options %q, want %q", options, want)
	}

	// A form sends its empty fields: they are no filter.
	doc = f.getPage(t, "/?tag=&notag=&source=&lang=&q=", http.StatusOK)
	if titles, _ := articles(doc); len(titles) != 8 {
		t.Errorf("an empty form: %d stories, want 8", len(titles))
	}
	// Several sources are one choice of the select.
	doc = f.getPage(t, "/?source=un-news&source=alwasat", http.StatusOK)
	if sel := findAll(doc, elems("option", "value", "alwasat,un-news", "selected", "")); len(sel) != 1 {
		t.Error("source=un-news&source=alwasat is not selected in the form")
	}
}

func TestHomeAutodiscovery(t *testing.T) {
	f := newFixture(t)
	doc := f.getPage(t, "/?tag=sirte&notag=sport", http.StatusOK)
	links := findAll(doc, elems("link", "rel", "alternate"))
	want := map[string]string{
		"application/atom+xml":  "http://libyawire.test/feed.atom?tag=sirte&notag=sport",
		"application/rss+xml":   "http://libyawire.test/feed.rss?tag=sirte&notag=sport",
		"application/feed+json": "http://libyawire.test/feed.json?tag=sirte&notag=sport",
	}
	if len(links) != len(want) {
		t.Errorf("%d alternate links, want %d", len(links), len(want))
	}
	for _, l := range links {
		typ, _ := attr(l, "type")
		href, _ := attr(l, "href")
		title, _ := attr(l, "title")
		if href != want[typ] {
			t.Errorf("alternate %s: href %q, want %q", typ, href, want[typ])
		}
		if !strings.HasPrefix(title, "Libya news: Sirte, not Sport") {
			t.Errorf("alternate %s: title %q does not name the filter", typ, title)
		}
	}
}

func TestHomeTags(t *testing.T) {
	f := newFixture(t)
	doc := f.getPage(t, "/", http.StatusOK)
	section := findAll(doc, elems("section", "id", "tags"))
	if len(section) != 1 {
		t.Fatal("no tag section")
	}
	items := findAll(section[0], elems("li"))
	var got []string
	for _, li := range items {
		got = append(got, text(li))
	}
	want := []string{"Libya 8 stories", "Misrata 2 stories", "Oil and gas 2 stories", "Sirte 2 stories", "United Nations 2 stories", "Benghazi 1 story", "Migration 1 story", "Sport 1 story", "Tripoli 1 story"}
	if len(got) != len(want) {
		t.Fatalf("tags %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("tag %d: %q, want %q…", i, got[i], want[i])
		}
	}
	sirte := items[3]
	for _, href := range []string{"./?tag=sirte", "tags/sirte.rss", "tags/sirte.atom", "tags/sirte.json"} {
		if len(findAll(sirte, elems("a", "href", href))) != 1 {
			t.Errorf("the Sirte tag has no link to %s", href)
		}
	}
	in := findAll(sirte, elems("input", "readonly", ""))
	if v, _ := attr(in[0], "value"); len(in) != 1 || v != "http://libyawire.test/tags/sirte.atom" {
		t.Errorf("the Sirte tag's feed URL: %q", v)
	}
	// The tag feed holds as many stories as the list says.
	if n := len(feedTitles(t, f, "/tags/sirte.json")); n != 2 {
		t.Errorf("/tags/sirte.json: %d stories", n)
	}
}

func TestHomeSources(t *testing.T) {
	f := newFixture(t)
	doc := f.getPage(t, "/", http.StatusOK)
	list := findAll(doc, hasClass("li", "source"))
	var got []string
	for _, li := range list {
		got = append(got, text(li))
	}
	if len(got) != 4 {
		t.Fatalf("sources %q", got)
	}
	// Failing first, then never fetched, then the rest in config order.
	for i, w := range []string{"UN News: Libya failing", "Relief updates not fetched yet", "Libya Herald ok", "بوابة الوسط ok"} {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("source %d: %q, want %q…", i, got[i], w)
		}
	}
	for _, w := range []string{"503 Service Unavailable", "HTTP 503", "last success 1 hour ago"} {
		if !strings.Contains(got[0], w) {
			t.Errorf("the failing source lacks %q: %q", w, got[0])
		}
	}
	if tm := findAll(list[0], elems("time", "datetime", "2026-03-02T08:02:00Z")); len(tm) != 1 {
		t.Error("the failing source's last success has no <time>")
	}
}

func TestHomeBadQuery(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"/?limit=abc", "/?since=yesterday", "/?tag=sirte,", "/?page=0", "/?page=11", "/?limit=100&page=6", "/?page=1&page=2"} {
		t.Run(target, func(t *testing.T) {
			u, _ := url.Parse(target)
			v := u.Query()
			flt, want := parseFilter(v, homePageSize, maxSlug)
			if want == nil {
				_, want = parsePage(v, flt.Limit)
			}
			if want == nil {
				t.Fatal("the query is not wrong")
			}
			doc := f.getPage(t, target, http.StatusBadRequest)
			alert := findAll(doc, hasClass("p", "error"))
			if len(alert) != 1 || text(alert[0]) != want.Error() {
				t.Errorf("error: %d alerts, want one saying %q", len(alert), want.Error())
			}
			if titles, _ := articles(doc); len(titles) != 0 {
				t.Errorf("stories on an error page: %q", titles)
			}
			if len(findAll(doc, elems("form"))) != 1 || len(findAll(doc, hasClass("li", "source"))) != 4 {
				t.Error("the error page lacks the form or the sources")
			}
		})
	}
	// The form keeps what was sent, for the person to correct.
	doc := f.getPage(t, "/?limit=abc&tag=sirte", http.StatusBadRequest)
	if in := findAll(doc, elems("input", "name", "limit", "value", "abc")); len(in) != 1 {
		t.Error("the form does not show limit=abc to correct")
	}
	if in := findAll(doc, elems("input", "name", "tag", "value", "sirte")); len(in) != 1 {
		t.Error("the form does not keep tag=sirte")
	}
}

func TestHomePaging(t *testing.T) {
	f := newFixture(t)
	all := feedTitles(t, f, "/feed.json")
	var got []string
	target := "/?limit=3"
	for page := 1; target != ""; page++ {
		doc := f.getPage(t, target, http.StatusOK)
		titles, _ := articles(doc)
		got = append(got, titles...)
		newer := findAll(doc, elems("a", "rel", "prev"))
		if (page > 1) != (len(newer) == 1) {
			t.Errorf("page %d: %d Newer links", page, len(newer))
		}
		target = ""
		if older := findAll(doc, elems("a", "rel", "next")); len(older) == 1 {
			href, _ := attr(older[0], "href")
			target = "/" + strings.TrimPrefix(href, "./")
		}
		if page > 5 {
			t.Fatal("no last page")
		}
	}
	if !slices.Equal(got, all) {
		t.Errorf("pages of 3:\n got %q\nwant %q", got, all)
	}
	if doc := f.getPage(t, "/?limit=3&page=3", http.StatusOK); len(findAll(doc, elems("a", "href", "./?limit=3&page=2"))) != 1 {
		t.Error("page 3 does not link to page 2 with its limit")
	}
}

func TestHomeCache(t *testing.T) {
	f := newFixture(t)
	first := f.get(t, http.MethodGet, "/")
	body := readBody(t, first)
	if !strings.Contains(body, ">3 minutes ago</time>") {
		t.Fatalf("the Herald's fetch 3 minutes ago is not in the page:\n%s", body)
	}

	// Within the minute the page is the cached one; conditional requests
	// get 304.
	f.clock.Advance(30 * time.Second)
	again := f.get(t, http.MethodGet, "/")
	if readBody(t, again) != body || again.Header.Get("ETag") != first.Header.Get("ETag") {
		t.Error("the page changed within the minute")
	}
	if resp := f.get(t, http.MethodGet, "/", "If-None-Match", first.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %s", resp.Status)
	}

	// The next minute has its own words.
	f.clock.Advance(time.Minute)
	later := readBody(t, f.get(t, http.MethodGet, "/"))
	if !strings.Contains(later, ">4 minutes ago</time>") {
		t.Error("a minute later the page still says 3 minutes ago")
	}
}

func TestHomeRoute(t *testing.T) {
	f := newFixture(t)
	if resp := f.get(t, http.MethodGet, "/nothing-here"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing-here: %s", resp.Status)
	}
	resp := f.get(t, http.MethodHead, "/")
	if resp.StatusCode != http.StatusOK || readBody(t, resp) != "" {
		t.Errorf("HEAD /: %s", resp.Status)
	}
	resp = f.get(t, http.MethodGet, "/", "Accept-Encoding", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Error("the page is not gzipped")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
}

func TestTimeAgo(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		ago  time.Duration
		want string
	}{
		{-time.Hour, "just now"},
		{0, "just now"},
		{59 * time.Second, "just now"},
		{time.Minute, "1 minute ago"},
		{59 * time.Minute, "59 minutes ago"},
		{time.Hour, "1 hour ago"},
		{2*time.Hour + 59*time.Minute, "2 hours ago"},
		{23 * time.Hour, "23 hours ago"},
		{24 * time.Hour, "yesterday"},
		{47 * time.Hour, "yesterday"},
		{48 * time.Hour, "2 days ago"},
		{30 * 24 * time.Hour, "30 days ago"},
		{40 * 24 * time.Hour, "on 21 January 2026"},
	}
	for _, tt := range tests {
		if got := i18n.English.Ago(now.Add(-tt.ago), now); got != tt.want {
			t.Errorf("Ago(now-%v) = %q, want %q", tt.ago, got, tt.want)
		}
	}
}

// TestHomePagingReach pages through more stories than one store query
// returns: the last page says that older stories are out of its reach.
func TestHomePagingReach(t *testing.T) {
	c := newClock()
	db := mustOpenDB(t, c)
	items := make([]store.Item, store.MaxLimit+10)
	for i := range items {
		items[i] = store.Item{
			GUID:      "bulk-" + strconv.Itoa(i),
			Title:     "Bulletin number " + strconv.Itoa(i),
			Link:      "https://bulletins.example/" + strconv.Itoa(i),
			Published: c.Now().Add(-time.Duration(i) * time.Hour),
		}
	}
	mustIngest(t, db, "relief", items, store.SourceState{LastFetch: c.Now(), LastSuccess: c.Now(), Status: 200})
	f := newFixtureServer(t, c, db)

	last := store.MaxLimit / homePageSize
	doc := f.getPage(t, "/?page="+strconv.Itoa(last), http.StatusOK)
	titles, _ := articles(doc)
	if len(titles) != homePageSize || titles[0] != "Bulletin number "+strconv.Itoa((last-1)*homePageSize) {
		t.Errorf("page %d: %d stories from %q", last, len(titles), titles[0])
	}
	if len(findAll(doc, elems("a", "rel", "next"))) != 0 {
		t.Error("the last page links to an older one")
	}
	if !strings.Contains(text(doc), "The pages reach this far back") {
		t.Error("the last page does not say that older stories exist")
	}
	if doc := f.getPage(t, "/?page=2", http.StatusOK); strings.Contains(text(doc), "The pages reach this far back") {
		t.Error("page 2 says it is the last")
	}
	f.getPage(t, "/?page="+strconv.Itoa(last+1), http.StatusBadRequest)
}

// TestHomeEchoesValidUTF8: invalid UTF-8 in a query value is never written
// back raw, neither on the page nor on its error page nor in a feed, and a
// huge value is not given back whole.
func TestHomeEchoesValidUTF8(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		target string
		status int
	}{
		{"/?q=%FFsirte%C0", http.StatusOK},
		{"/?q=road+%ED%A0%80", http.StatusOK},               // an encoded surrogate
		{"/?q=%F0%9F%98", http.StatusOK},                    // a cut four-byte sequence
		{"/?q=%FE%FFoil&limit=0", http.StatusBadRequest},    // the error page gives back the form
		{"/?tag=%C3%28&since=x%80y", http.StatusBadRequest}, // each field of it
		{"/?lang=%E2%82&notag=%FF&source=%C0%AF", http.StatusBadRequest},
		{"/?limit=x&q=" + strings.Repeat("%D8", 10000), http.StatusBadRequest},
		{"/feed.rss?q=%FFsirte", http.StatusOK},
		{"/feed.atom?tag=%FF", http.StatusOK},
		{"/feed.json?q=%C0%80", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			resp := f.get(t, http.MethodGet, tt.target)
			body := readBody(t, resp)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if !utf8.ValidString(body) {
				i := 0
				for i < len(body) {
					r, size := utf8.DecodeRuneInString(body[i:])
					if r == utf8.RuneError && size == 1 {
						break
					}
					i += size
				}
				t.Errorf("invalid UTF-8 at byte %d: %q", i, body[max(0, i-40):min(len(body), i+40)])
			}
			if len(body) > 200_000 {
				t.Errorf("the answer has %d bytes", len(body))
			}
		})
	}
}

// TestErrorsEchoLittle: an error that quotes what was sent quotes at most
// its start, escaped, however long the value.
func TestErrorsEchoLittle(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("%FFoil", 20000)
	for _, target := range []string{
		"/api/stories/" + long,
		"/feed.rss?limit=" + long,
		"/?page=" + long,
		"/api/tags?page=" + long,
		"/feed.atom?lang=" + long,
	} {
		resp := f.get(t, http.MethodGet, target)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusBadRequest || len(body) > 64<<10 || !utf8.ValidString(body) || strings.Count(body, "oil") > 50 {
			t.Errorf("%.30s…: %s, %d bytes, valid UTF-8 %v", target, resp.Status, len(body), utf8.ValidString(body))
		}
	}
}
