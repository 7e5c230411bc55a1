package publish

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// pageHTML serves target with the header pairs and parses it.
func (f *fixture) pageHTML(t *testing.T, target string, want int, header ...string) (*html.Node, *http.Response) {
	t.Helper()
	resp := f.get(t, http.MethodGet, target, header...)
	body := readBody(t, resp)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %s, want %d\n%.500s", target, resp.Status, want, body)
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc, resp
}

// TestArabicPage: with hl=ar the page is Arabic and right to left, its
// own words all Arabic, its feed URLs and links keep hl=ar, and a link
// switches to English with the same filter.
func TestArabicPage(t *testing.T) {
	f := newFixture(t)
	doc, resp := f.pageHTML(t, "/?hl=ar&tag=sirte", http.StatusOK)
	if len(findAll(doc, elems("html", "lang", "ar", "dir", "rtl"))) != 1 {
		t.Error(`no <html lang="ar" dir="rtl">`)
	}
	if v := resp.Header.Values("Vary"); slices.Contains(v, "Accept-Language") {
		t.Errorf("Vary %q: with hl the page does not vary with Accept-Language", v)
	}
	if got := text(findAll(doc, elems("title"))[0]); got != "أخبار ليبيا: سرت" {
		t.Errorf("title %q, want أخبار ليبيا: سرت", got)
	}
	if got := attrOf(t, doc, elems("input", "id", "feed-url"), "value"); got != "http://libyawire.test/feed.atom?tag=sirte&hl=ar" {
		t.Errorf("feed URL %q, want it with hl=ar", got)
	}
	if got := attrOf(t, doc, elems("a", "id", "hl-en"), "href"); got != "./?tag=sirte&hl=en" {
		t.Errorf("the switch to English links to %q, want ./?tag=sirte&hl=en", got)
	}
	if got := attrOf(t, doc, elems("input", "name", "hl"), "value"); got != "ar" {
		t.Errorf("the form sends hl=%q, want ar", got)
	}
	// Tags by their Arabic names, their links and feeds in Arabic.
	var tags []string
	for _, li := range findAll(findAll(doc, elems("section", "id", "tags"))[0], elems("li")) {
		a := findAll(li, elems("a"))
		tags = append(tags, text(a[0]))
		if href, _ := attr(a[0], "href"); !strings.HasSuffix(href, "&hl=ar") {
			t.Errorf("tag link %q lacks hl=ar", href)
		}
		atom := false
		for _, l := range a {
			href, _ := attr(l, "href")
			atom = atom || strings.HasSuffix(href, ".atom?hl=ar")
		}
		if !atom {
			t.Errorf("tag %q: no Atom feed with hl=ar", text(a[0]))
		}
	}
	for _, want := range []string{"سرت", "ليبيا", "مصراتة", "Sport"} { // sport has no Arabic name
		if !slices.Contains(tags, want) {
			t.Errorf("tags %q lack %q", tags, want)
		}
	}

	// Each story's meta line is in the page's language and direction,
	// whatever the story's; outlets and times are isolated in it.
	_, byTitle := articles(doc)
	art := byTitle["Sirte council reopens the coastal road to Misrata"]
	if art == nil {
		t.Fatal("no Sirte story")
	}
	meta := findAll(art, hasClass("div", "meta"))[0]
	if d, _ := attr(meta, "dir"); d != "rtl" {
		t.Errorf("the meta line's dir is %q, want rtl", d)
	}
	if len(findAll(meta, elems("bdi", "class", "outlet"))) != 1 || len(findAll(meta, func(n *html.Node) bool { return n.Data == "time" && n.Parent.Data == "bdi" })) != 1 {
		t.Error("the outlet and the time are not isolated in <bdi>")
	}
	if got := text(meta); !strings.HasPrefix(got, "مصدران: ") || !strings.HasSuffix(got, "· أمس") {
		t.Errorf("meta line %q, want two outlets and yesterday, in Arabic", got)
	}

	// Every word the page says of itself is Arabic: what is left in Latin
	// letters, once the stories' titles and the outlets' and sources' names
	// are set aside, is names (Atom, JSON, libyawire).
	allowed := map[string]bool{"RSS": true, "Atom": true, "JSON": true, "Feed": true, "OPML": true, "HTTP": true, "libyawire": true, "test": true, "Sport": true, "English": true}
	var own strings.Builder
	for n := range doc.Descendants() {
		if n.Type != html.TextNode || n.Parent == nil {
			continue
		}
		if inside(n, "h3") || inside(n, "bdi") || inside(n, "style") || inside(n, "option") || inside(n, "code") || inLang(n, "en") {
			continue // stories' titles, outlets, sources, the form's choices, a fetch's error as the fetcher wrote it
		}
		own.WriteString(n.Data + " ")
	}
	for _, w := range regexp.MustCompile(`[A-Za-z][A-Za-z.=]+`).FindAllString(own.String(), -1) {
		if !allowed[w] && !strings.Contains(w, "=") {
			t.Errorf("the Arabic page says %q in Latin letters", w)
		}
	}
}

// inLang reports whether n lies within an element marked as written in
// lang.
func inLang(n *html.Node, lang string) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if v, ok := attr(p, "lang"); ok {
			return v == lang
		}
	}
	return false
}

// inside reports whether n lies within an element named tag.
func inside(n *html.Node, tag string) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == tag {
			return true
		}
	}
	return false
}

func attrOf(t *testing.T, doc *html.Node, match func(*html.Node) bool, name string) string {
	t.Helper()
	els := findAll(doc, match)
	if len(els) != 1 {
		t.Fatalf("%d elements match, want 1", len(els))
	}
	v, _ := attr(els[0], name)
	return v
}

// TestInterfaceLanguage: hl picks the language, else Accept-Language,
// else English; the answer says it varies with Accept-Language when hl is
// absent.
func TestInterfaceLanguage(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		target, accept string
		want           string // the html element's lang
		vary           bool
	}{
		{"/", "", "en", true},
		{"/", "ar-LY,ar;q=0.9,en;q=0.5", "ar", true},
		{"/", "fr-FR,fr;q=0.9,ar;q=0.4", "ar", true},
		{"/", "ar;q=0,en", "en", true},
		{"/", "de", "en", true},
		{"/?hl=en", "ar", "en", false},
		{"/?hl=ar", "en", "ar", false},
		{"/?hl=AR", "", "ar", false},
	}
	for _, tt := range tests {
		doc, resp := f.pageHTML(t, tt.target, http.StatusOK, "Accept-Language", tt.accept)
		if len(findAll(doc, elems("html", "lang", tt.want))) != 1 {
			t.Errorf("%s with Accept-Language %q: not lang=%s", tt.target, tt.accept, tt.want)
		}
		if got := slices.Contains(resp.Header.Values("Vary"), "Accept-Language"); got != tt.vary {
			t.Errorf("%s: Vary Accept-Language %t, want %t", tt.target, got, tt.vary)
		}
	}
	// An Arabic browser's feed URL names the language, so that a feed
	// reader, which sends no Accept-Language, gets the same words.
	doc, _ := f.pageHTML(t, "/", http.StatusOK, "Accept-Language", "ar")
	if got := attrOf(t, doc, elems("input", "id", "feed-url"), "value"); got != "http://libyawire.test/feed.atom?hl=ar" {
		t.Errorf("feed URL %q", got)
	}
	// The feeds choose alike.
	resp := f.get(t, http.MethodGet, "/feed.json", "Accept-Language", "ar")
	if body := readBody(t, resp); !strings.Contains(body, `"title":"أخبار ليبيا"`) {
		t.Errorf("/feed.json with Accept-Language ar: %.200s", body)
	}
}

// TestBadLanguage: a bad hl is a 400 whose sentence is in both languages,
// for the page and the feeds; a bad parameter under hl=ar is an Arabic
// sentence.
func TestBadLanguage(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"/?hl=fr", "/feed.atom?hl=fr", "/feed.rss?hl=ar&hl=en", "/tags/sirte.json?hl=xx"} {
		resp := f.get(t, http.MethodGet, target)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %s, want 400", target, resp.Status)
		}
		if !strings.Contains(body, "hl") || !strings.Contains(body, "send it once") && !strings.Contains(body, "hl must be one of ar, en") || !strings.Contains(body, "يجب أن تكون hl") && !strings.Contains(body, "أرسله مرة واحدة") {
			t.Errorf("%s: %q, want the sentence in English and Arabic", target, body)
		}
	}
	resp := f.get(t, http.MethodGet, "/feed.atom?hl=ar&limit=abc")
	if body := readBody(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `يجب أن تكون limit عددًا صحيحًا من 1 إلى 500، ووصلت "abc"`) {
		t.Errorf("/feed.atom?hl=ar&limit=abc: %s %q", resp.Status, body)
	}
	doc, _ := f.pageHTML(t, "/?hl=ar&since=yesterday", http.StatusBadRequest)
	if len(findAll(doc, elems("html", "dir", "rtl"))) != 1 {
		t.Error("the 400 page under hl=ar is not right to left")
	}
	if got := text(findAll(doc, hasClass("p", "error"))[0]); !strings.Contains(got, "يجب أن تكون since") {
		t.Errorf("the 400 page's sentence: %q", got)
	}
}

// TestTagNames: a tag typed into the form by its Arabic name or its title
// is the tag; the page offers the tags' names as suggestions.
func TestTagNames(t *testing.T) {
	f := newFixture(t)
	doc, _ := f.pageHTML(t, "/?hl=ar&tag=سرت&notag=Oil+and+gas", http.StatusOK)
	if got := attrOf(t, doc, elems("input", "id", "feed-url"), "value"); got != "http://libyawire.test/feed.atom?tag=sirte&notag=oil&hl=ar" {
		t.Errorf("feed URL %q, want tag=sirte&notag=oil", got)
	}
	titles, _ := articles(doc)
	if want := feedTitles(t, f, "/feed.json?tag=sirte&notag=oil"); !slices.Equal(titles, want) || len(want) == 0 {
		t.Errorf("stories %q, want those of tag=sirte&notag=oil: %q", titles, want)
	}
	var labels []string
	for _, o := range findAll(doc, func(n *html.Node) bool { return n.Data == "option" && n.Parent.Data == "datalist" }) {
		v, _ := attr(o, "value")
		l, _ := attr(o, "label")
		labels = append(labels, v+"="+l)
	}
	if !slices.Contains(labels, "sirte=سرت") {
		t.Errorf("the tag suggestions %q lack sirte=سرت", labels)
	}
	if resp := f.get(t, http.MethodGet, "/feed.json?tag=سرت"); !strings.Contains(readBody(t, resp), "/feed.json?tag=sirte") {
		t.Error("the feed of tag=سرت is not the feed of tag=sirte")
	}
}
