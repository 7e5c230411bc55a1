package publish

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/internal/i18n"
	"github.com/libyawire/libyawire/store"
)

// TestTagPage: /tags/{slug} has the tag's 90-day chart, its top stories
// of the day and the week, the tags found with it and the sources that
// carry it, with counts, and its feeds; in Arabic too.
func TestTagPage(t *testing.T) {
	f := newFixture(t)
	doc := f.getPage(t, "/tags/sirte", http.StatusOK)
	if got := text(findAll(doc, elems("h2", "id", "tag-h"))[0]); !strings.HasPrefix(got, "Sirte ") {
		t.Errorf("heading %q", got)
	}
	svg := findAll(doc, hasClass("svg", "chart"))
	if len(svg) != 1 {
		t.Fatal("no chart")
	}
	if n := len(findAll(svg[0], hasClass("rect", "bar"))); n != 90 {
		t.Errorf("%d bars, want 90", n)
	}
	if label, _ := attr(svg[0], "aria-label"); !strings.HasPrefix(label, "Sirte: ") || !strings.Contains(label, "in the last 90 days") {
		t.Errorf("chart label %q", label)
	}
	tops := findAll(doc, hasClass("section", "top"))
	if len(tops) != 2 {
		t.Fatalf("%d top lists, want the day's and the week's", len(tops))
	}
	if week := text(tops[1]); !strings.Contains(week, "Sirte council reopens the coastal road to Misrata 2 outlets in all") {
		t.Errorf("the week's top: %q", week)
	}
	related := text(findAll(doc, elems("section", "id", "related"))[0])
	if !strings.Contains(related, "Libya") || !strings.Contains(related, "stories") && !strings.Contains(related, "story") {
		t.Errorf("related tags: %q", related)
	}
	if src := text(findAll(doc, elems("section", "id", "tag-sources"))[0]); !strings.Contains(src, "Libya Herald") {
		t.Errorf("sources: %q", src)
	}
	if got := attrOf(t, doc, elems("a", "href", "sirte.atom"), "href"); got != "sirte.atom" {
		t.Errorf("feed link %q", got)
	}

	ar, _ := f.pageHTML(t, "/tags/sirte?hl=ar", http.StatusOK)
	if len(findAll(ar, elems("html", "lang", "ar", "dir", "rtl"))) != 1 {
		t.Error("the Arabic tag page is not lang=ar dir=rtl")
	}
	if got := text(findAll(ar, elems("h2", "id", "tag-h"))[0]); !strings.HasPrefix(got, "سرت ") {
		t.Errorf("Arabic heading %q", got)
	}
	if got := attrOf(t, ar, elems("a", "href", "sirte.atom?hl=ar"), "href"); got != "sirte.atom?hl=ar" {
		t.Errorf("Arabic feed link %q", got)
	}
	if resp := f.get(t, http.MethodGet, "/tags/sirte,misrata"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("/tags/sirte,misrata: %s, want 400", resp.Status)
	}
}

// TestBarChart compares the chart of a made-up month with
// testdata/chart.svg.golden.
func TestBarChart(t *testing.T) {
	days := make([]store.DayCount, 30)
	for i := range days {
		days[i] = store.DayCount{Date: time.Date(2026, 11, 1+i, 0, 0, 0, 0, time.UTC), Stories: (i * 3) % 7}
	}
	got := string(barChart(i18n.English, "Sirte", days))
	compareGolden(t, "chart.svg", got)
	for _, s := range []string{`>1 November</text>`, `>30 November</text>`, `<title>4 November: 2 stories</title>`, `>6</text>`} {
		if !strings.Contains(got, s) {
			t.Errorf("chart lacks %s", s)
		}
	}
}
