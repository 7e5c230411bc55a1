package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/group"
	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/internal/daemon"
	"github.com/libyawire/libyawire/tag"
)

// labelledPair is one pair of testdata/grouping/pairs.yaml.
type labelledPair struct {
	ID   int    `yaml:"id"`
	Kind string `yaml:"kind"`
	Same bool   `yaml:"same"`
	Note string `yaml:"note"`
	A, B labelledReport
}

type labelledReport struct {
	Outlet    string    `yaml:"outlet"`
	GNSource  string    `yaml:"gn_source"`
	Lang      string    `yaml:"lang"`
	Published time.Time `yaml:"published"`
	Link      string    `yaml:"link"`
	Title     string    `yaml:"title"`
	Summary   string    `yaml:"summary"`
}

// sig prepares a labelled report as fetch and the store do: entities of
// the title and first sentences under the shipped rules, and a Google
// News title without its publisher.
func (r labelledReport) sig(tg *tag.Tagger) *group.Sig {
	outlet := r.GNSource
	if strings.Contains(r.Link, "news.google.com") {
		outlet = group.PublisherSuffix(r.Title)
	}
	// The story's tags, the evidence for ambiguous aliases, as a source
	// about Libya gives them.
	tags := tg.Tags(tag.Input{Title: r.Title, Summary: r.Summary, SourceTags: []string{"libya"}})
	titleEnt, ent, mentions := fetch.Entities(tg, tags, r.Title, r.Summary)
	return group.NewSig(group.Report{
		Title: r.Title, Summary: r.Summary, Published: r.Published, Outlet: outlet,
		TitleEntities: titleEnt, Entities: ent, Mentions: mentions,
	})
}

// score counts a grouping's decisions on the pairs.
type score struct{ tp, fp, fn, tn int }

func (s score) precision() float64 { return ratio(s.tp, s.tp+s.fp) }
func (s score) recall() float64    { return ratio(s.tp, s.tp+s.fn) }
func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// readPairs reads a labelled set of testdata/grouping.
func readPairs(t *testing.T, file string) []labelledPair {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var pairs []labelledPair
	if err := yaml.Unmarshal(data, &pairs); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return pairs
}

// TestGroupingQuality measures the grouping on the labelled pairs of
// testdata/grouping, written for this project: syndicated copies,
// rewrites, Google News copies and English-Arabic pairs that are the same
// news, and hard negatives that share words, actors or places but not the
// event. pairs.yaml and events.yaml are the sets the grouping was tuned
// on; heldout.yaml was never tuned on. With the shipped settings the whole
// set must keep precision 0.98 and recall 0.85, and the held-out part
// precision 0.97. The figures go in README.
func TestGroupingQuality(t *testing.T) {
	sets := map[string][]labelledPair{}
	var pairs []labelledPair
	for _, f := range groupingSets {
		sets[f] = readPairs(t, "testdata/grouping/"+f)
		pairs = append(pairs, sets[f]...)
	}
	if len(pairs) < 380 {
		t.Fatalf("%d labelled pairs; the sets hold at least 380", len(pairs))
	}
	cfg, err := config.Load("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := daemon.NewTagger(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cross := func(p labelledPair) bool { return (p.A.Lang == "ar") != (p.B.Lang == "ar") }

	measureIn := func(pairs []labelledPair, gc group.Config, include func(labelledPair) bool) (score, map[string]*score, []string) {
		var all score
		byKind := map[string]*score{}
		var wrong []string
		for _, p := range pairs {
			if !include(p) {
				continue
			}
			a, b := p.A.sig(tg), p.B.sig(tg)
			got, why := group.Same(a, b, gc)
			k := byKind[p.Kind]
			if k == nil {
				k = &score{}
				byKind[p.Kind] = k
			}
			for _, s := range []*score{&all, k} {
				switch {
				case got && p.Same:
					s.tp++
				case got && !p.Same:
					s.fp++
				case !got && p.Same:
					s.fn++
				default:
					s.tn++
				}
			}
			if got != p.Same {
				wrong = append(wrong, fmt.Sprintf("pair %d (%s, same: %t): %q / %q: %s; score %.2f",
					p.ID, p.Kind, p.Same, p.A.Title, p.B.Title, why, group.Score(a, b)))
			}
		}
		return all, byKind, wrong
	}
	measure := func(gc group.Config, include func(labelledPair) bool) (score, map[string]*score, []string) {
		return measureIn(pairs, gc, include)
	}
	every := func(labelledPair) bool { return true }
	report := func(what string, s score) {
		t.Logf("%s: %d pairs, precision %.3f, recall %.3f (%d true, %d false positives, %d missed, %d true negatives)",
			what, s.tp+s.fp+s.fn+s.tn, s.precision(), s.recall(), s.tp, s.fp, s.fn, s.tn)
	}

	shipped := group.Config{Window: cfg.Stories.Window, Threshold: cfg.Stories.Threshold, CrossLanguage: cfg.Stories.CrossLanguage}
	all, byKind, wrong := measure(shipped, every)
	report("all sets, shipped settings", all)
	for kind, s := range byKind {
		t.Logf("  %-15s grouped %d of %d same, %d of %d different", kind, s.tp, s.tp+s.fn, s.fp, s.fp+s.tn)
	}
	for _, w := range wrong {
		t.Log("  wrong: " + w)
	}
	if all.precision() < 0.98 || all.recall() < 0.85 {
		t.Errorf("all sets: precision %.3f (want 0.98 or more), recall %.3f (want 0.85 or more)", all.precision(), all.recall())
	}
	for _, f := range groupingSets {
		s, _, _ := measureIn(sets[f], shipped, every)
		report("  "+f, s)
	}
	held, _, _ := measureIn(sets["heldout.yaml"], shipped, every)
	if held.precision() < 0.97 {
		t.Errorf("heldout.yaml: precision %.3f, want 0.97 or more", held.precision())
	}

	// How the threshold trades precision for recall, and what each
	// language setting does, for README.
	one := shipped
	one.CrossLanguage = false
	s, _, _ := measure(one, func(p labelledPair) bool { return !cross(p) })
	report("one language", s)
	for _, th := range []float64{0.4, 0.5, 0.6, 0.7, 0.8} {
		c := one
		c.Threshold = th
		s, _, _ := measure(c, func(p labelledPair) bool { return !cross(p) })
		t.Logf("  threshold %.1f: precision %.3f, recall %.3f", th, s.precision(), s.recall())
	}
	xl := shipped
	xl.CrossLanguage = true
	xs, _, xwrong := measure(xl, cross)
	report("English with Arabic, cross_language on", xs)
	for _, w := range xwrong {
		t.Log("  wrong: " + w)
	}
}

// groupingSets are the labelled sets of testdata/grouping.
var groupingSets = []string{"pairs.yaml", "events.yaml", "heldout.yaml"}

// TestGroupingEndToEnd: an outlet's report, another outlet's rewrite and
// Google News's copy of it are one story in the feeds, the API and the
// page; a report of a different event with the same words stays apart;
// and a stricter threshold, saved while the daemon runs, splits the story
// again in the background.
func TestGroupingEndToEnd(t *testing.T) {
	herald := serveString(t, "application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>Herald</title><link>https://herald.example/</link><description>t</description>
<item><title>NOC restores output at Sharara oilfield after shutdown</title><link>https://herald.example/sharara</link><guid>h-1</guid><pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate><description>The National Oil Corporation said pumping resumed on Monday.</description></item>
</channel></rss>`)
	wire := serveString(t, "application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link><description>t</description>
<item><title>NOC restores Sharara oilfield output after stoppage</title><link>https://wire.example/sharara-restored</link><guid>w-1</guid><pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate><description>Libya's largest field is pumping again.</description></item>
<item><title>NOC halts output at Sharara oilfield</title><link>https://wire.example/sharara-halt</link><guid>w-2</guid><pubDate>Sat, 21 Nov 2026 09:00:00 +0000</pubDate><description>Protesters closed the valves.</description></item>
</channel></rss>`)
	gnews := serveString(t, "application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>Google News</title><link>https://news.google.com/</link><description>t</description>
<item><title>NOC restores Sharara oilfield output after stoppage - Wire Service</title><link>https://news.google.com/rss/articles/CBMiTest?oc=5</link><guid>gn-1</guid><pubDate>Mon, 23 Nov 2026 10:30:00 +0000</pubDate><source url="https://wire.example">Wire Service</source></item>
</channel></rss>`)
	path := filepath.Join(t.TempDir(), "config.yaml")
	config := `listen: 127.0.0.1:0
database: group.db
schedule: "@every 1h"
tags:
  - slug: libya
    match: [Libya]
  - slug: noc
    match: [NOC, National Oil Corporation]
    implies: [libya]
  - slug: sharara
    match: [Sharara]
    implies: [libya]
sources:
  - name: herald
    title: Libya Herald
    url: ` + herald + `
    tags: [libya]
  - name: wire
    title: Wire Service
    url: ` + wire + `
  - name: google-news
    url: ` + gnews + `
`
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, path, 3)
	defer d.stop()

	f := d.feed("/feed.json")
	if len(f.Items) != 2 {
		t.Fatalf("%d stories, want 2 (the restored output, once, and the halt); %+v", len(f.Items), f.Items)
	}
	restored := f.Items[0]
	if restored.Title != "NOC restores output at Sharara oilfield after shutdown" {
		t.Fatalf("the grouped story is %q, want the earliest report's", restored.Title)
	}
	if !strings.Contains(restored.ContentHTML, "Also reported by: ") || !strings.Contains(restored.ContentHTML, "Wire Service</bdi></a>, ") {
		t.Errorf("content does not list the other outlets: %s", restored.ContentHTML)
	}
	_, atom := d.get("/feed.atom")
	if n := strings.Count(string(atom), `rel="related"`); n != 2 {
		t.Errorf("the Atom feed has %d related links, want 2", n)
	}
	id := restored.ID[strings.LastIndexByte(restored.ID, ':')+1:]
	resp, body := d.get("/api/stories/" + id)
	if resp.StatusCode != 200 {
		t.Fatalf("/api/stories/%s: %s", id, resp.Status)
	}
	var story struct {
		Reports []struct {
			Source, Outlet string
			Grouped        bool
		}
	}
	if err := json.Unmarshal(body, &story); err != nil {
		t.Fatal(err)
	}
	// The earliest report first; the others in the order they came.
	var others []string
	for _, r := range story.Reports[1:] {
		others = append(others, fmt.Sprint(r))
	}
	slices.Sort(others)
	if got := fmt.Sprint(story.Reports[:1], others); got != "[{herald Libya Herald false}] [{google-news Wire Service true} {wire Wire Service true}]" {
		t.Errorf("reports: %s", got)
	}
	if _, page := d.get("/"); !strings.Contains(string(page), "3 outlets:") {
		t.Error(`the page does not say "3 outlets"`)
	}

	// A stricter threshold splits the story in the background: the wire's
	// report and Google News's copy of it leave the Herald's story, and
	// are one story of their own.
	from := d.log.next()
	if err := os.WriteFile(path, []byte(strings.Replace(config, "sources:", "stories:\n  threshold: 0.95\nsources:", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	d.log.waitLine(t, from, "regrouped", "split=2", "merged=1")
	if n := len(d.feed("/feed.json").Items); n != 3 {
		t.Errorf("after the stricter threshold: %d stories, want 3", n)
	}
}

// TestEntitiesApart: two fields of one rule are two things. A report in
// Arabic is matched with one in English by the things they name (their
// words differ): a shutdown at Sharara and one at El Feel tag alike
// (oil-fields) but are not one story; two reports on Sharara are.
func TestEntitiesApart(t *testing.T) {
	tg := shippedTagger(t)
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	report := func(lang, title, summary string) labelledReport {
		return labelledReport{Title: title, Summary: summary, Published: at, Lang: lang}
	}
	sharara := report("en", "Guards shut Sharara oil field in Ubari over unpaid wages", "Output stopped on Monday, the NOC said.")
	shararaAr := report("ar", "حرس المنشآت يغلقون حقل الشرارة في أوباري بسبب الرواتب", "توقف الإنتاج يوم الإثنين، بحسب المؤسسة الوطنية للنفط.")
	feelAr := report("ar", "حرس المنشآت يغلقون حقل الفيل في أوباري بسبب الرواتب", "توقف الإنتاج يوم الإثنين، بحسب المؤسسة الوطنية للنفط.")
	for _, r := range []labelledReport{sharara, shararaAr, feelAr} {
		if tags := tg.Tags(tag.Input{Title: r.Title, SourceTags: []string{"libya"}}); !slices.Contains(tags, "oil-fields") {
			t.Errorf("%q: tags %v, want oil-fields among them", r.Title, tags)
		}
	}
	gc := group.DefaultConfig()
	gc.CrossLanguage = true // stories.cross_language
	if same, why := group.Same(sharara.sig(tg), shararaAr.sig(tg), gc); !same {
		t.Errorf("Sharara in English and in Arabic not grouped: %s", why)
	}
	if same, why := group.Same(sharara.sig(tg), feelAr.sig(tg), gc); same {
		t.Errorf("Sharara and El Feel grouped as one story (%s)", why)
	}
}

// TestCrossLanguageEndToEnd: with the shipped rules and settings, an
// English and an Arabic outlet's reports of one event are one story with
// both outlets, while another event with the same actors and place, the
// same day, stays a story of its own.
func TestCrossLanguageEndToEnd(t *testing.T) {
	english := serveString(t, "application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>Herald</title><link>https://herald.example/</link><description>t</description>
<item><title>NOC restores output at Sharara oil field in Ubari after shutdown</title><link>https://herald.example/sharara</link><guid>e-1</guid><pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate><description>The National Oil Corporation said pumping resumed on Monday.</description></item>
<item><title>NOC announces tender for Ubari power plant near Sharara</title><link>https://herald.example/tender</link><guid>e-2</guid><pubDate>Mon, 23 Nov 2026 09:00:00 +0000</pubDate><description>Bids are due in January.</description></item>
</channel></rss>`)
	arabic := serveString(t, "application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>Wasat</title><link>https://wasat.example/</link><description>t</description>
<item><title>المؤسسة الوطنية للنفط تعلن استئناف الإنتاج في حقل الشرارة بأوباري</title><link>https://wasat.example/1</link><guid>a-1</guid><pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate><description>عاد الضخ في أكبر حقول ليبيا بعد توقف.</description></item>
</channel></rss>`)
	path := filepath.Join(t.TempDir(), "config.yaml")
	cfg := "listen: 127.0.0.1:0\ndatabase: cross.db\nschedule: \"@every 1h\"\n" + shippedTags(t) +
		"sources:\n  - name: herald\n    url: " + english + "\n    tags: [libya]\n  - name: wasat\n    url: " + arabic + "\n    tags: [libya]\n    language: ar\n"
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, path, 2)
	defer d.stop()
	items := d.feed("/feed.json").Items
	if len(items) != 2 {
		var titles []string
		for _, it := range items {
			titles = append(titles, it.Title)
		}
		t.Fatalf("%d stories, want 2 (the restart in two languages, and the tender): %q", len(items), titles)
	}
	for _, it := range items {
		if strings.Contains(it.Title, "restores output") && !strings.Contains(it.ContentHTML, "Also reported by") {
			t.Errorf("the restart does not list the Arabic outlet: %s", it.ContentHTML)
		}
	}
}
