package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// TestCrashSafety kills the built daemon with SIGKILL at random moments of
// its start-up ingest, twenty times over one database, while the feeds it
// reads grow and change between starts. After each kill it opens the
// database and checks that what was committed is whole: no story lost or
// renumbered, none stored twice, none that no feed served, and no source
// whose stored validators claim a feed that is not all there (a 304 would
// then hide the missing stories for good). A last start, stopped with
// SIGTERM, must leave every item the feeds serve stored exactly once.
//
// A failure names the seed; -crash.seed replays its feeds and kill plan
// (the moments of the kills depend on timing too, so a replay is close,
// not exact).
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the daemon and starts it 21 times")
	}
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL and SIGTERM")
	}
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with: go test -run TestCrashSafety -crash.seed=%d .)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x6c6962796177))

	bin := buildDaemon(t)
	feeds := newCrashFeeds(t, rng)
	dir := t.TempDir()
	configPath, dbPath := writeCrashConfig(t, dir, feeds)
	hist := &crashHistory{ids: map[itemRef]uint64{}}

	cut := 0 // kills that left some source's fetch unfinished
	for round := 1; round <= crashRounds; round++ {
		if round > 1 {
			feeds.grow(rng)
		}
		// Kill after a random number of fetches have ended, and a random
		// moment later: most often while other feeds are being stored.
		after := rng.IntN(len(feeds.list))
		delay := time.Duration(rng.Int64N(int64(crashMaxDelay) + 1))
		d := startCrashDaemon(t, bin, configPath, dbPath)
		start := time.Now()
		d.awaitFetches(after)
		timer := time.NewTimer(delay)
		<-timer.C
		done := d.kill()
		if done < len(feeds.list) {
			cut++
		}
		n := verifyCrashDB(t, dbPath, feeds, hist, false)
		point := "it listened"
		if after > 0 {
			point = fmt.Sprintf("fetch %d ended", after)
		}
		t.Logf("round %2d: killed %v after %s (%v after it listened); %2d of %d fetches had ended; %d stories",
			round, delay.Round(time.Millisecond), point, time.Since(start).Round(time.Millisecond), done, len(feeds.list), n)
		if t.Failed() {
			t.Fatalf("round %d (seed %d): the database is not as it should be after a kill; the daemon's log:\n%s", round, seed, d.log)
		}
	}
	t.Logf("%d of %d kills cut a start-up ingest short", cut, crashRounds)
	if cut < crashRounds/4 {
		// Ingest has become so fast that the kills land after it: the
		// test no longer tests much. Make the feeds bigger.
		t.Errorf("only %d of %d kills came before every fetch had ended", cut, crashRounds)
	}

	// The last start runs to the end: every source fetched, then a second
	// fetch finds nothing new, and SIGTERM stops it cleanly.
	feeds.grow(rng)
	d := startCrashDaemon(t, bin, configPath, dbPath)
	for _, l := range d.awaitFetches(len(feeds.list)) {
		if l.msg != "fetched" && l.msg != "not modified" {
			t.Errorf("last start: %s: %s", l.source, l.msg)
		}
	}
	d.checkSources(feeds)
	d.fetchAgain(len(feeds.list))
	d.terminate()
	n := verifyCrashDB(t, dbPath, feeds, hist, true)
	t.Logf("after the last start: %d stories from %d items served", n, feeds.itemCount())
	if t.Failed() {
		t.Fatalf("seed %d; the daemon's last log:\n%s", seed, d.log)
	}
}

var crashSeed = flag.Uint64("crash.seed", 0, "TestCrashSafety: replay this seed (0: a new one)")

const (
	crashSources  = 12                    // feeds
	crashRounds   = 20                    // kills
	crashMaxDelay = 30 * time.Millisecond // longest wait after the chosen fetch before a kill
	crashMaxItems = 600                   // items a feed grows to at most
	crashWait     = 30 * time.Second      // a bound for failure, not a wait for success
)

// buildDaemon builds this package's daemon into a temporary directory.
func buildDaemon(t *testing.T) string {
	t.Helper()
	// go test puts its own GOROOT/bin first on PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to build the daemon with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "libyawire")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeCrashConfig writes the daemon's config.yaml into dir, with the feeds
// as sources, and returns its path and the database's.
func writeCrashConfig(t *testing.T, dir string, feeds *crashFeeds) (configPath, dbPath string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`listen: 127.0.0.1:0
database: crash.db
schedule: "@every 1h"
fetch:
  concurrency: 4
# The feeds' titles are made from a template: grouping reworded reports
# is tested elsewhere; here every story is one article.
stories:
  group: false
tags:
  - slug: libya
    match: [Libya, ليبيا]
  - slug: sirte
    match: [Sirte, سرت]
    implies: [libya]
  - slug: benghazi
    match: [Benghazi, بنغازي]
    implies: [libya]
  - slug: tripoli
    match: [Tripoli, طرابلس]
    ambiguous: [Tripoli]
    implies: [libya]
sources:
`)
	for _, f := range feeds.list {
		fmt.Fprintf(&b, "  - name: %s\n    url: %s\n", f.name, f.srv.URL)
		if f.index%2 == 0 {
			b.WriteString("    tags: [libya]\n")
		}
	}
	configPath = filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(configPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return configPath, filepath.Join(dir, "crash.db")
}

// crashFeeds are the feeds the daemon reads: RSS, Atom and JSON Feed, each
// from an httptest server of its own, growing between starts.
type crashFeeds struct {
	mu     sync.Mutex // every feed's: handlers write what they served, the checks read it
	list   []*crashFeed
	byName map[string]*crashFeed
	t0     time.Time // the first item's published time
}

// crashFeed is one feed. Each change makes a new revision with an ETag of
// its own; the feed answers 304 to its current ETag.
type crashFeed struct {
	name   string
	index  int
	format string // rss, atom or json
	srv    *httptest.Server
	t0     time.Time

	mu    *sync.Mutex // the crashFeeds'
	items []feedItem  // oldest first
	revs  []feedRev   // every revision; the last is served
	// What has been served (sent with a 200): revisions, and each item's
	// versions, by GUID.
	served map[int]bool
	titles map[string]map[string]bool
	links  map[string]string
}

type feedItem struct {
	n         int // the item's number within its feed
	version   int // 0, then one more for each change
	guid      string
	link      string
	title     string
	summary   string
	content   string
	category  string
	published time.Time
	updated   time.Time
}

type feedRev struct {
	etag  string
	body  []byte
	items []feedItem
}

func newCrashFeeds(t *testing.T, rng *rand.Rand) *crashFeeds {
	t.Helper()
	fs := &crashFeeds{byName: map[string]*crashFeed{}, t0: time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Second)}
	for i := range crashSources {
		f := &crashFeed{
			name:   fmt.Sprintf("src-%02d", i),
			index:  i,
			format: []string{"rss", "atom", "rss", "json"}[i%4],
			t0:     fs.t0,
			mu:     &fs.mu,
			served: map[int]bool{},
			titles: map[string]map[string]bool{},
			links:  map[string]string{},
		}
		f.add(150 + rng.IntN(150))
		f.publish()
		f.srv = httptest.NewServer(f)
		t.Cleanup(f.srv.Close)
		fs.list = append(fs.list, f)
		fs.byName[f.name] = f
	}
	return fs
}

// grow changes most feeds: new items, a big batch now and then, and a few
// items edited. A quarter of them stay as they are, so some fetches are 304s.
func (fs *crashFeeds) grow(rng *rand.Rand) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.list {
		if rng.IntN(4) == 0 {
			continue
		}
		n := 5 + rng.IntN(30)
		if rng.IntN(6) == 0 {
			n = 60 + rng.IntN(100)
		}
		f.add(min(n, crashMaxItems-len(f.items)))
		for range rng.IntN(4) {
			f.edit(rng.IntN(len(f.items)))
		}
		f.publish()
	}
}

func (fs *crashFeeds) itemCount() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := 0
	for _, f := range fs.list {
		n += len(f.items)
	}
	return n
}

// Words for invented stories.
var (
	crashPlaces = []struct{ en, ar string }{
		{"Sirte", "سرت"}, {"Benghazi", "بنغازي"}, {"Misrata", "مصراتة"}, {"Tripoli", "طرابلس"},
		{"Derna", "درنة"}, {"Sabha", "سبها"}, {"Zawiya", "الزاوية"}, {"Tobruk", "طبرق"},
		{"Ghat", "غات"}, {"Kufra", "الكفرة"}, {"Ghadames", "غدامس"}, {"Zliten", "زليتن"},
		{"Bayda", "البيضاء"}, {"Ajdabiya", "أجدابيا"}, {"Murzuq", "مرزق"}, {"Brega", "البريقة"},
		{"Nalut", "نالوت"}, {"Gharyan", "غريان"}, {"Bani Walid", "بني وليد"}, {"Jalu", "جالو"},
	}
	crashSubjects = []string{
		"council meets on water supply", "port resumes grain shipments", "hospital opens new wing",
		"university reopens engineering faculty", "power station adds a turbine",
		"municipality repairs coastal road", "court hears land dispute", "oil terminal reports higher exports",
		"desalination plant tender announced", "schools receive new textbooks", "flood defences inspected",
		"airport extends runway", "fishermen protest fuel prices", "market traders elect committee",
		"bus service links old town", "date harvest beats forecasts", "clinic starts vaccination drive",
		"youth league final postponed", "library digitises manuscripts", "bakeries warn of flour shortage",
	}
	crashCategories = []string{"Water", "Energy", "Health", "Transport", "Education", "Oil & Gas", "Local government"}
)

// add appends n new items to the feed. Some items of the second feed of
// each four, and of the fourth, are other outlets' copies of an article
// of the feed before them, under a link that canonicalises to the same.
func (f *crashFeed) add(n int) {
	for range n {
		j := len(f.items)
		place := crashPlaces[(j*7+f.index*3)%len(crashPlaces)]
		subject := crashSubjects[(j*11+f.index)%len(crashSubjects)]
		it := feedItem{
			n:         j,
			link:      fmt.Sprintf("https://src-%02d.example.ly/news/%04d", f.index, j),
			title:     fmt.Sprintf("%s %s %d", place.en, subject, j),
			category:  crashCategories[(j+f.index)%len(crashCategories)],
			published: f.t0.Add(time.Duration(j) * 2 * time.Minute),
		}
		switch {
		case f.index%4 == 1 && j%3 == 0:
			it.link = fmt.Sprintf("http://SRC-%02d.Example.ly/news/%04d/?utm_source=%s&utm_medium=rss", f.index-1, j, f.name)
			it.title = "Wire: " + it.title
			it.published = it.published.Add(90 * time.Second)
		case f.index%4 == 3 && j%4 == 0:
			it.link = fmt.Sprintf("https://src-%02d.example.ly/news/%04d#comments", f.index-3, j)
			it.published = it.published.Add(3 * time.Minute)
		}
		switch f.format {
		case "atom":
			it.guid = fmt.Sprintf("urn:libyawire-test:%s:%04d", f.name, j)
		case "json":
			it.guid = fmt.Sprintf("%s/%d", f.name, j)
		default:
			it.guid = fmt.Sprintf("%s-%04d", f.name, j)
		}
		f.items = append(f.items, it)
		f.write(len(f.items)-1, place.en, place.ar, subject)
	}
}

// edit changes an item's title, summary and content, as an outlet that
// corrects a story does.
func (f *crashFeed) edit(i int) {
	it := &f.items[i]
	it.version++
	it.updated = it.published.Add(time.Duration(it.version) * 10 * time.Minute)
	place := crashPlaces[(it.n*7+f.index*3)%len(crashPlaces)]
	subject := crashSubjects[(it.n*11+f.index)%len(crashSubjects)]
	f.write(i, place.en, place.ar, subject)
}

// write fills in an item's text for its version.
func (f *crashFeed) write(i int, place, placeAr, subject string) {
	it := &f.items[i]
	base, _, _ := strings.Cut(it.title, " (update")
	it.title = base
	if it.version > 0 {
		it.title = fmt.Sprintf("%s (update %d)", base, it.version)
	}
	it.summary = fmt.Sprintf("Officials in %s, Libya, said the %s story (%s, item %d) would be followed up this week.",
		place, subject, f.name, it.n)
	if it.version > 0 {
		it.summary += fmt.Sprintf(" Corrected %d times.", it.version)
	}
	it.content = fmt.Sprintf("<p>%s: residents and local officials discussed the matter at a public meeting "+
		"held at the municipal hall. Figures given at the meeting could not be checked independently.</p>"+
		"<p lang=\"ar\">خبر تجريبي من %s، ليبيا.</p><p>Version %d of this report.</p>", place, placeAr, it.version)
}

// publish makes the current items the served revision.
func (f *crashFeed) publish() {
	rev := len(f.revs)
	etag := fmt.Sprintf(`"%s-r%d"`, f.name, rev)
	f.revs = append(f.revs, feedRev{etag: etag, body: f.render(), items: slices.Clone(f.items)})
}

func (f *crashFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	rev := len(f.revs) - 1
	cur := f.revs[rev]
	if r.Header.Get("If-None-Match") == cur.etag {
		f.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if !f.served[rev] {
		f.served[rev] = true
		for _, it := range cur.items {
			if f.titles[it.guid] == nil {
				f.titles[it.guid] = map[string]bool{}
			}
			f.titles[it.guid][it.title] = true
			f.links[it.guid] = it.link
		}
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", map[string]string{
		"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json",
	}[f.format])
	w.Header().Set("ETag", cur.etag)
	w.Write(cur.body)
}

// render writes the feed, newest item first.
func (f *crashFeed) render() []byte {
	var b bytes.Buffer
	esc := html.EscapeString
	newest := slices.Clone(f.items)
	slices.Reverse(newest)
	switch f.format {
	case "rss":
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>%s test outlet</title><link>https://%s.example.ly/</link><description>Invented Libya news for a test</description>
`, f.name, f.name)
		for _, it := range newest {
			fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid isPermaLink=\"false\">%s</guid><pubDate>%s</pubDate><category>%s</category><description>%s</description></item>\n",
				esc(it.title), esc(it.link), esc(it.guid), it.published.Format(time.RFC1123Z), esc(it.category), esc(it.summary+" "+it.content))
		}
		b.WriteString("</channel></rss>\n")
	case "atom":
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>%s test outlet</title><id>urn:libyawire-test:%s</id><updated>%s</updated><link href="https://%s.example.ly/"/>
`, f.name, f.name, f.t0.Format(time.RFC3339), f.name)
		for _, it := range newest {
			updated := it.updated
			if updated.IsZero() {
				updated = it.published
			}
			fmt.Fprintf(&b, "<entry><title>%s</title><id>%s</id><link href=\"%s\"/><published>%s</published><updated>%s</updated><category term=\"%s\"/><summary>%s</summary><content type=\"html\">%s</content></entry>\n",
				esc(it.title), esc(it.guid), esc(it.link), it.published.Format(time.RFC3339), updated.Format(time.RFC3339),
				esc(it.category), esc(it.summary), esc(it.content))
		}
		b.WriteString("</feed>\n")
	case "json":
		type jsonItem struct {
			ID            string   `json:"id"`
			URL           string   `json:"url"`
			Title         string   `json:"title"`
			Summary       string   `json:"summary"`
			ContentHTML   string   `json:"content_html"`
			DatePublished string   `json:"date_published"`
			DateModified  string   `json:"date_modified,omitempty"`
			Tags          []string `json:"tags"`
		}
		feed := struct {
			Version string     `json:"version"`
			Title   string     `json:"title"`
			Home    string     `json:"home_page_url"`
			Items   []jsonItem `json:"items"`
		}{Version: "https://jsonfeed.org/version/1.1", Title: f.name + " test outlet", Home: "https://" + f.name + ".example.ly/"}
		for _, it := range newest {
			ji := jsonItem{ID: it.guid, URL: it.link, Title: it.title, Summary: it.summary, ContentHTML: it.content,
				DatePublished: it.published.Format(time.RFC3339), Tags: []string{it.category}}
			if !it.updated.IsZero() {
				ji.DateModified = it.updated.Format(time.RFC3339)
			}
			feed.Items = append(feed.Items, ji)
		}
		json.NewEncoder(&b).Encode(feed)
	}
	return b.Bytes()
}

// crashDaemon is the built daemon running in a process of its own.
type crashDaemon struct {
	t      *testing.T
	cmd    *exec.Cmd
	log    *logWatch
	base   string
	exited chan struct{}
	err    error // cmd.Wait's, once exited is closed
}

// startCrashDaemon starts the daemon and waits until it listens.
func startCrashDaemon(t *testing.T, bin, configPath, dbPath string) *crashDaemon {
	t.Helper()
	lg := newLogWatch()
	cmd := exec.Command(bin, "-config", configPath)
	// Debug, for the 304s; the database named outright, whatever the
	// environment says.
	cmd.Env = append(os.Environ(), "LIBYAWIRE_LOG=debug", "LIBYAWIRE_DATABASE="+dbPath)
	cmd.Stderr = lg
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &crashDaemon{t: t, cmd: cmd, log: lg, exited: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		fmt.Fprintf(lg, "exited: %v\n", d.err)
		close(d.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-d.exited
	})
	d.base = "http://" + lg.await(t, 0, addrRe, 1, d.exited, crashWait)[0][1]
	return d
}

// fetchEnd is how one fetch ended, as the daemon's log says.
type fetchEnd struct{ source, msg string }

// awaitFetches waits until n fetches have ended and returns them.
func (d *crashDaemon) awaitFetches(n int) []fetchEnd {
	d.t.Helper()
	var ends []fetchEnd
	for _, m := range d.log.await(d.t, 0, fetchRe, n, d.exited, crashWait) {
		ends = append(ends, fetchEnd{source: m[2], msg: m[1]})
	}
	return ends
}

// kill kills the daemon with SIGKILL and returns how many fetches had
// ended by then, as its log says.
func (d *crashDaemon) kill() int {
	d.t.Helper()
	if err := d.cmd.Process.Kill(); err != nil {
		d.t.Fatalf("kill: %v; log:\n%s", err, d.log)
	}
	select {
	case <-d.exited:
	case <-time.After(crashWait):
		d.t.Fatalf("the daemon did not die of SIGKILL within %v", crashWait)
	}
	var exit *exec.ExitError
	if !errors.As(d.err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		d.t.Fatalf("the daemon ended with %v before it was killed; log:\n%s", d.err, d.log)
	}
	return len(fetchRe.FindAllString(d.log.String(), -1))
}

// terminate stops the daemon with SIGTERM, as systemd does, and wants a
// clean exit.
func (d *crashDaemon) terminate() {
	d.t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		d.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-d.exited:
	case <-time.After(crashWait):
		d.t.Fatalf("the daemon did not stop within %v of SIGTERM; log:\n%s", crashWait, d.log)
	}
	if d.err != nil {
		d.t.Errorf("after SIGTERM the daemon exited with %v; log:\n%s", d.err, d.log)
	}
}

// checkSources reads /api/sources and wants every source fetched without
// an error.
func (d *crashDaemon) checkSources(feeds *crashFeeds) {
	d.t.Helper()
	resp, err := http.Get(d.base + "/api/sources")
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	var sources []struct {
		Name     string `json:"name"`
		Status   int    `json:"status"`
		Error    string `json:"error"`
		Failures int    `json:"failures"`
		Items    int    `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&sources); err != nil || resp.StatusCode != http.StatusOK {
		d.t.Fatalf("GET /api/sources: %s, %v", resp.Status, err)
	}
	if len(sources) != len(feeds.list) {
		d.t.Errorf("/api/sources lists %d sources, want %d", len(sources), len(feeds.list))
	}
	for _, s := range sources {
		if s.Status != http.StatusOK && s.Status != http.StatusNotModified || s.Error != "" || s.Failures != 0 || s.Items == 0 {
			d.t.Errorf("/api/sources: %+v", s)
		}
	}
}

// fetchAgain has the daemon fetch every source again, over POST
// /api/fetch, and wants each to answer 304: the validators stored match
// the feeds stored.
func (d *crashDaemon) fetchAgain(n int) {
	d.t.Helper()
	resp, err := http.Post(d.base+"/api/fetch", "", nil)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		d.t.Fatalf("POST /api/fetch: %s, %v\n%s", resp.Status, err, body)
	}
	want := fmt.Sprintf("ok %d sources: 0 fetched, %d not modified, 0 failed", n, n)
	if lines := strings.Split(strings.TrimSpace(string(body)), "\n"); lines[len(lines)-1] != want {
		d.t.Errorf("POST /api/fetch, right after every source was fetched: want the last line %q, got:\n%s", want, body)
	}
}

// itemRef names an item a feed served: its source and GUID.
type itemRef struct{ source, guid string }

// crashHistory is what the checks after earlier kills found.
type crashHistory struct {
	ids map[itemRef]uint64 // the id of the story that holds each stored item
}

// verifyCrashDB opens the database as the next start would, checks it
// against what the feeds served and what earlier checks found, and
// returns how many stories it holds. With final, every item the feeds
// serve now must be stored. It reports with t.Errorf.
func verifyCrashDB(t *testing.T, dbPath string, feeds *crashFeeds, hist *crashHistory, final bool) int {
	t.Helper()
	db, err := store.Open(dbPath, nil)
	if err != nil {
		t.Fatalf("the database does not open: %v", err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing the database: %v", err)
		}
	}()
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	defer func() {
		if len(problems) > 20 {
			problems = append(problems[:20], fmt.Sprintf("... and %d more", len(problems)-20))
		}
		for _, p := range problems {
			t.Error(p)
		}
	}()

	// Verify recounts every index and count from the stories.
	if err := db.Verify(); err != nil {
		fail("Verify: %v", err)
	}
	count, err := db.Count()
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	// Every story, by id. Items returns at most store.MaxLimit stories, so
	// the walk goes by id instead: ids are handed out in order, and in this
	// test no story is ever deleted, so a long run of missing ids is the end.
	stories := map[uint64]store.Item{}
	var ids []uint64
	for id, missing := uint64(1), 0; missing < 256; id++ {
		it, err := db.Item(id)
		if errors.Is(err, store.ErrNotFound) {
			missing++
			continue
		}
		if err != nil {
			t.Fatalf("story %d: %v", id, err)
		}
		missing = 0
		if it.ID != id {
			fail("story %d says its id is %d", id, it.ID)
		}
		stories[id] = it
		ids = append(ids, id)
	}
	if len(stories) != count {
		fail("Count says %d stories; the stories bucket holds %d", count, len(stories))
	}

	// The time index agrees with the stories.
	newest, err := db.Items(store.Query{Limit: store.MaxLimit})
	if err != nil {
		fail("Items: %v", err)
	}
	if want := min(len(stories), store.MaxLimit); len(newest) != want {
		fail("Items returns %d stories, want %d", len(newest), want)
	}
	for i, it := range newest {
		if s, ok := stories[it.ID]; !ok || s.Title != it.Title {
			fail("Items returns story %d %q, which the stories bucket does not hold so", it.ID, it.Title)
		}
		if i > 0 && it.Published.After(newest[i-1].Published) {
			fail("Items: story %d is newer than the one before it", it.ID)
		}
	}
	// So do the tag counts.
	tagCounts := map[string]int{}
	for _, s := range stories {
		for _, tg := range s.Tags {
			tagCounts[tg]++
		}
	}
	tags, err := db.Tags()
	if err != nil {
		fail("Tags: %v", err)
	}
	for _, tc := range tags {
		if tc.Count != tagCounts[tc.Slug] {
			fail("Tags says %d stories carry %s; %d do", tc.Count, tc.Slug, tagCounts[tc.Slug])
		}
		delete(tagCounts, tc.Slug)
	}
	for slug, n := range tagCounts {
		fail("%d stories carry tag %s, which Tags does not list", n, slug)
	}

	// Each story is made of items the feeds served, each item is in one
	// story, and each article (canonical link) is one story.
	feeds.mu.Lock()
	defer feeds.mu.Unlock()
	held := map[itemRef]uint64{}
	byLink := map[string]uint64{}
	copies := map[string]int{}
	for _, id := range ids {
		s := stories[id]
		if len(s.Copies) == 0 {
			fail("story %d %q has no copies", id, s.Title)
			continue
		}
		canon := store.CanonicalLink(s.Link)
		if other, ok := byLink[canon]; ok {
			fail("stories %d and %d are one article, %s", other, id, canon)
		}
		byLink[canon] = id
		var sources []string
		for i, c := range s.Copies {
			if slices.Contains(sources, c.Source) {
				fail("story %d %q has two copies from %s", id, s.Title, c.Source)
			}
			sources = append(sources, c.Source)
			copies[c.Source]++
			f := feeds.byName[c.Source]
			guid, ok := strings.CutPrefix(c.Key, "g:")
			if f == nil || !ok {
				fail("story %d %q: a copy from %s under key %q, which no feed served", id, s.Title, c.Source, c.Key)
				continue
			}
			ref := itemRef{c.Source, guid}
			if other, ok := held[ref]; ok {
				fail("item %s of %s is in two stories, %d and %d", guid, c.Source, other, id)
			}
			held[ref] = id
			titles, served := f.titles[guid]
			if !served {
				fail("story %d %q: %s never served item %s", id, s.Title, c.Source, guid)
				continue
			}
			if c.Link != f.links[guid] {
				fail("story %d: %s's copy has link %q; the feed served %q", id, c.Source, c.Link, f.links[guid])
			}
			if store.CanonicalLink(c.Link) != canon {
				fail("story %d %s: copy from %s links to another article: %s", id, s.Link, c.Source, c.Link)
			}
			if i == 0 && (!titles[s.Title] || s.Link != f.links[guid]) {
				fail("story %d is %q, %s; %s never served item %s so", id, s.Title, s.Link, c.Source, guid)
			}
		}
	}

	// What an earlier check found stored is still stored, in the same story.
	for ref, id := range hist.ids {
		if got, ok := held[ref]; !ok {
			fail("item %s of %s, stored in story %d before, is gone", ref.guid, ref.source, id)
		} else if got != id {
			fail("item %s of %s moved from story %d to %d", ref.guid, ref.source, id, got)
		}
	}
	for ref, id := range held {
		hist.ids[ref] = id
	}

	// A source's stored ETag says which revision of its feed was stored
	// last; with it, the whole of that revision must be there, as it was
	// then: the next fetch sends the ETag and gets a 304.
	states, err := db.States()
	if err != nil {
		t.Fatalf("States: %v", err)
	}
	stateOf := map[string]store.SourceState{}
	for _, st := range states {
		stateOf[st.Name] = st
		f := feeds.byName[st.Name]
		if f == nil {
			fail("state of a source no one configured: %s", st.Name)
			continue
		}
		if st.Items != copies[st.Name] {
			fail("%s's state says it brought %d stories; %d stories have a copy from it", st.Name, st.Items, copies[st.Name])
		}
		if st.ETag == "" {
			continue
		}
		rev := slices.IndexFunc(f.revs, func(r feedRev) bool { return r.etag == st.ETag })
		if rev < 0 || !f.served[rev] {
			fail("%s's state has ETag %s, which the feed never sent", st.Name, st.ETag)
			continue
		}
		var missing []string
		for _, it := range f.revs[rev].items {
			id, ok := held[itemRef{f.name, it.guid}]
			if !ok {
				missing = append(missing, it.guid)
				continue
			}
			s := stories[id]
			if s.Copies[0].Source == f.name && s.Title != it.title {
				fail("%s's state has ETag %s, whose item %s is %q; story %d is %q", f.name, st.ETag, it.guid, it.title, id, s.Title)
			}
		}
		if len(missing) > 0 {
			fail("%s's state has ETag %s, but %d of the %d items of that feed are not stored (%s ...): the next fetch gets a 304 and never stores them",
				f.name, st.ETag, len(missing), len(f.revs[rev].items), strings.Join(missing[:min(len(missing), 3)], ", "))
		}
	}

	if final {
		articles := map[string]bool{}
		for _, f := range feeds.list {
			cur := f.revs[len(f.revs)-1]
			st, ok := stateOf[f.name]
			if !ok || st.ETag != cur.etag || st.Error != "" || st.Failures != 0 {
				fail("%s: after a full fetch its state is %+v; want ETag %s and no error", f.name, st, cur.etag)
			}
			for _, it := range cur.items {
				articles[store.CanonicalLink(it.link)] = true
				if _, ok := held[itemRef{f.name, it.guid}]; !ok {
					fail("after a full fetch, item %s of %s (%q) is not stored", it.guid, f.name, it.title)
				}
			}
		}
		if len(stories) != len(articles) {
			fail("after a full fetch: %d stories; the feeds serve %d articles", len(stories), len(articles))
		}
	}
	return len(stories)
}
