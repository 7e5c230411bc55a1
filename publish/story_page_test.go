package publish

import (
	"net/http"
	"strings"
	"testing"
)

// TestStoryPage: /stories/{id} lists every report of a story in the
// order they came, who was first and how many outlets, in either
// language; a bad or unknown id is a sentence.
func TestStoryPage(t *testing.T) {
	f := newFixture(t)
	doc := f.getPage(t, "/", http.StatusOK)
	_, byTitle := articles(doc)
	art := byTitle["Sirte council reopens the coastal road to Misrata"]
	if art == nil {
		t.Fatal("no Sirte story on the page")
	}
	link := findAll(art, hasClass("a", "outlets"))
	if len(link) != 1 {
		t.Fatal("the two-outlet story does not link to its page")
	}
	href, _ := attr(link[0], "href")
	if !strings.HasPrefix(href, "stories/") {
		t.Fatalf("story link %q", href)
	}

	page := f.getPage(t, "/"+href, http.StatusOK)
	if got := text(findAll(page, elems("span", "id", "outlets"))[0]); got != "2 outlets in all" {
		t.Errorf("outlets %q", got)
	}
	var reports []string
	for _, li := range findAll(page, hasClass("li", "report")) {
		reports = append(reports, text(findAll(li, hasClass("bdi", "outlet"))[0]))
	}
	if strings.Join(reports, "|") != "Libya Herald|UN News: Libya" {
		t.Errorf("reports in the order they came: %q", reports)
	}
	if got := text(findAll(page, hasClass("div", "meta"))[0]); !strings.Contains(got, "first: Libya Herald") {
		t.Errorf("meta %q, want who was first", got)
	}

	ar, _ := f.pageHTML(t, "/"+href+"?hl=ar", http.StatusOK)
	if len(findAll(ar, elems("html", "lang", "ar", "dir", "rtl"))) != 1 {
		t.Error("the Arabic story page is not lang=ar dir=rtl")
	}
	if got := text(findAll(ar, elems("span", "id", "outlets"))[0]); got != "مصدران في المجموع" {
		t.Errorf("Arabic outlets %q", got)
	}
	if got := attrOf(t, ar, elems("a", "id", "hl-en"), "href"); !strings.HasSuffix(got, "?hl=en") {
		t.Errorf("switch link %q", got)
	}

	for target, want := range map[string]struct {
		status int
		text   string
	}{
		"/stories/abc":          {http.StatusBadRequest, `"abc" is not a story`},
		"/stories/999999":       {http.StatusNotFound, "No story 999999"},
		"/stories/999999?hl=ar": {http.StatusNotFound, "لا خبر برقم 999999"},
	} {
		resp := f.get(t, http.MethodGet, target)
		if body := readBody(t, resp); resp.StatusCode != want.status || !strings.Contains(body, want.text) {
			t.Errorf("%s: %s %q", target, resp.Status, body)
		}
	}
}
