package fetch_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/store"

	"github.com/libyawire/libyawire/internal/shared"
)

// corpusFolders are the corpus's folders of feeds; sanitize/ is inside
// wellformed/.
var corpusFolders = []string{"wellformed", "illformed", "encoding", "entities"}

// corpusFile is one feed of the corpus and what fetching it left in the store.
type corpusFile struct {
	path string // relative to the corpus's folder, with slashes
	name string // the source's name
	body []byte

	took     time.Duration
	out      fetch.Outcome
	err      error
	panicked string // the value and stack of a panic in Fetch
	state    store.SourceState
}

// TestFeedparserCorpus runs every feed of feedparser's test corpus through
// Fetch into one store: nothing may panic or hang, every feed must leave a
// recorded outcome, and each folder must parse at least as well as it does
// now. The corpus's Expect lines are Python over feedparser's result, so they
// are read here only to pick the few cases checked by hand at the end.
func TestFeedparserCorpus(t *testing.T) {
	files := loadCorpus(t)

	bodies := make(map[string]*corpusFile, len(files))
	for _, f := range files {
		bodies["/"+f.path] = f
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", corpusContentType(f.path))
		w.Write(f.body)
	}))
	t.Cleanup(srv.Close)

	db := openDB(t)
	const timeout = 5 * time.Second
	// A fetch that runs past its own timeout by this much is hung: the
	// timeout bounds the request, and nothing after it waits on the network.
	const margin = 10 * time.Second
	fetcher := fetch.New(db, fetch.Options{Now: clock, Timeout: timeout})
	t.Cleanup(fetcher.Close)

	start := time.Now()
	runCorpus(t, files, 4, timeout+margin, func(f *corpusFile) {
		f.out, f.err = fetcher.Fetch(context.Background(), fetch.Source{Name: f.name, URL: srv.URL + "/" + f.path})
	})
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}

	for _, f := range files {
		if f.panicked != "" {
			t.Errorf("%s: Fetch panicked: %s", f.path, f.panicked)
			continue
		}
		st, err := db.State(f.name)
		if err != nil {
			t.Errorf("%s: no state recorded: %v", f.path, err)
			continue
		}
		if st.LastFetch.IsZero() {
			t.Errorf("%s: state has no last fetch: %+v", f.path, st)
		}
		// The store records the cause of the error Fetch returned, without
		// the source's name that Fetch puts before it.
		want := ""
		if f.err != nil {
			want = f.err.Error()
			var fe *fetch.Error
			if errors.As(f.err, &fe) && fe.Source == f.name {
				want = fe.Err.Error()
			} else {
				t.Errorf("%s: Fetch returned %v, not a *fetch.Error for %s", f.path, f.err, f.name)
			}
		}
		if st.Error != want {
			t.Errorf("%s: Fetch returned %v, the store recorded %q", f.path, f.err, st.Error)
		}
		f.state = st
	}

	slowest := slices.MaxFunc(files, func(a, b *corpusFile) int { return cmp.Compare(a.took, b.took) })
	tally := tallyCorpus(files)
	t.Logf("feedparser corpus, %d files in %s, slowest %s in %s:\n%s", len(files),
		time.Since(start).Round(time.Millisecond), slowest.path, slowest.took.Round(time.Millisecond), tally)

	// Floors a little under what the corpus gives now, so that a regression
	// in fetch, its charset handling, convert or gofeed shows. Measured with
	// gofeed v1.4.2, as files parsed (with or without items) and files that
	// stored at least one item, of all in the folder:
	//
	//	wellformed  1,734 (99.1%) parsed, 815 (46.6%) stored items, of 1,749
	//	illformed       6 (31.6%) parsed,   0 stored items, of 19
	//	encoding       70 (85.4%) parsed,  11 stored items, of 82
	//	entities      244 (95.3%) parsed,   0 stored items, of 256
	//
	// Many of the corpus's entries have no title, link, guid or text (a
	// case tests one element), and convert drops such entries. The failures
	// are XML that is not well-formed (12 files of entities/ end in "</rss"
	// or "</feed"; illformed/chardet/ has legacy bytes and no declaration),
	// CDF in wellformed/cdf/, which gofeed does not read, and the UTF-32
	// feeds of encoding/, which neither decodeCharset nor gofeed decodes.
	floors := []struct {
		folder        string
		parsed, items float64
	}{
		{"wellformed", 0.97, 0.44},
		{"illformed", 0.25, 0},
		{"encoding", 0.83, 0.10},
		{"entities", 0.93, 0},
	}
	for _, fl := range floors {
		c := tally.folders[fl.folder]
		if c == nil {
			t.Errorf("%s: no files", fl.folder)
			continue
		}
		if got := float64(c.items+c.empty) / float64(c.total()); got < fl.parsed {
			t.Errorf("%s: %.1f%% of files parse, want at least %.0f%%", fl.folder, 100*got, 100*fl.parsed)
		}
		if got := float64(c.items) / float64(c.total()); got < fl.items {
			t.Errorf("%s: %.1f%% of files store items, want at least %.0f%%", fl.folder, 100*got, 100*fl.items)
		}
	}

	checkCorpusCases(t, db, files)
}

// loadCorpus reads the corpus's feeds, which are shared beside the
// repository and never copied into it, or skips the test when they are not
// there (but fails it in CI, where a missing corpus is a broken set-up).
func loadCorpus(t *testing.T) []*corpusFile {
	t.Helper()
	corpusDir := shared.Path(t, "corpus/feedparser")
	var files []*corpusFile
	names := map[string]string{}
	for _, folder := range corpusFolders {
		err := filepath.WalkDir(filepath.Join(corpusDir, folder), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(corpusDir, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			body, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			name := corpusSlug(rel)
			if other, ok := names[name]; ok {
				return fmt.Errorf("%s and %s make the same source name %s", other, rel, name)
			}
			names[name] = rel
			files = append(files, &corpusFile{path: rel, name: name, body: body})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) == 0 {
		t.Fatalf("no feeds in %s", corpusDir)
	}
	return files
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// corpusSlug makes a source name of a corpus path:
// wellformed/atom10/entry_title.xml becomes wellformed-atom10-entry-title-xml.
func corpusSlug(p string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(p), "-"), "-")
}

// corpusContentType is the type a feed's file name suggests, without a
// charset, so that the feed's own declaration decides.
func corpusContentType(p string) string {
	switch path.Ext(p) {
	case ".rss":
		return "application/rss+xml"
	case ".atom":
		return "application/atom+xml"
	case ".rdf":
		return "application/rdf+xml"
	case ".json":
		return "application/feed+json"
	}
	return "application/xml"
}

// runCorpus calls fetch for every file in a few goroutines. It fails the test,
// naming the files in flight and with every goroutine's stack, as soon as
// one call has run longer than limit; the calls left running are abandoned.
// A panic in fetch is kept in the file's panicked field.
func runCorpus(t *testing.T, files []*corpusFile, workers int, limit time.Duration, fetch func(*corpusFile)) {
	t.Helper()
	work := make(chan *corpusFile)
	hung := make(chan *corpusFile, len(files))
	var wg sync.WaitGroup
	var mu sync.Mutex
	inFlight := map[*corpusFile]time.Time{}
	for range workers {
		wg.Go(func() {
			for f := range work {
				start := time.Now()
				mu.Lock()
				inFlight[f] = start
				mu.Unlock()
				watchdog := time.AfterFunc(limit, func() { hung <- f })
				func() {
					defer func() {
						if v := recover(); v != nil {
							buf := make([]byte, 64<<10)
							f.panicked = fmt.Sprintf("%v\n%s", v, buf[:runtime.Stack(buf, false)])
						}
					}()
					fetch(f)
				}()
				watchdog.Stop()
				f.took = time.Since(start)
				mu.Lock()
				delete(inFlight, f)
				mu.Unlock()
			}
		})
	}
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer wg.Wait()
		defer close(work)
		for _, f := range files {
			select {
			case work <- f:
			case <-stop:
				return
			}
		}
	}()
	select {
	case <-finished:
		// A watchdog may have fired just before its call returned: a call
		// that took longer than limit is a hang all the same.
		for _, f := range files {
			if f.took > limit {
				t.Errorf("%s: fetch took %s, more than %s", f.path, f.took.Round(time.Millisecond), limit)
			}
		}
	case f := <-hung:
		close(stop)
		mu.Lock()
		var names []string
		for g, start := range inFlight {
			names = append(names, fmt.Sprintf("%s (%s)", g.path, time.Since(start).Round(time.Millisecond)))
		}
		mu.Unlock()
		slices.Sort(names)
		buf := make([]byte, 1<<20)
		t.Fatalf("%s: fetch still running after %s; in flight: %s\n%s",
			f.path, limit, strings.Join(names, ", "), buf[:runtime.Stack(buf, true)])
	}
}

// corpusCounts are the outcomes of one folder's files.
type corpusCounts struct {
	items   int            // parsed, at least one item stored
	empty   int            // parsed, no item stored
	unkeyed int            // of empty, feeds whose entries convert dropped
	failed  map[string]int // by the kind of error
}

func (c *corpusCounts) total() int {
	n := c.items + c.empty
	for _, k := range c.failed {
		n += k
	}
	return n
}

type corpusTally struct {
	order   []string
	folders map[string]*corpusCounts
}

// tallyCorpus counts outcomes by top folder, and wellformed/sanitize apart.
func tallyCorpus(files []*corpusFile) *corpusTally {
	tl := &corpusTally{folders: map[string]*corpusCounts{}}
	count := func(folder string, f *corpusFile) {
		c := tl.folders[folder]
		if c == nil {
			c = &corpusCounts{failed: map[string]int{}}
			tl.folders[folder] = c
			tl.order = append(tl.order, folder)
		}
		switch {
		case f.panicked != "":
			c.failed["panic"]++
		case f.state.Error != "":
			c.failed[errorKind(f.state.Error)]++
		case f.state.Items > 0:
			c.items++
		default:
			c.empty++
			if f.out.Items > 0 {
				c.unkeyed++
			}
		}
	}
	for _, f := range files {
		folder, _, _ := strings.Cut(f.path, "/")
		count(folder, f)
		if strings.HasPrefix(f.path, "wellformed/sanitize/") {
			count("(wellformed/sanitize)", f)
		}
	}
	return tl
}

func (tl *corpusTally) String() string {
	var b strings.Builder
	b.WriteString("items: parsed, stored at least one item; empty: parsed, stored none (unkeyed: the feed had entries,\n" +
		"but none with a title, link, guid or text); failed: the fetch recorded an error\n")
	fmt.Fprintf(&b, "%-22s %6s %6s %6s %9s %6s  %s\n", "folder", "files", "items", "empty", "(unkeyed)", "failed", "failures by kind")
	for _, folder := range tl.order {
		c := tl.folders[folder]
		var kinds []string
		failed := 0
		for k, n := range c.failed {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
			failed += n
		}
		slices.SortFunc(kinds, func(a, b string) int {
			var na, nb int
			fmt.Sscan(a, &na)
			fmt.Sscan(b, &nb)
			if na != nb {
				return nb - na
			}
			return strings.Compare(a, b)
		})
		fmt.Fprintf(&b, "%-22s %6d %6d %6d %9s %6d  %s\n", folder, c.total(), c.items, c.empty,
			fmt.Sprintf("(%d)", c.unkeyed), failed, strings.Join(kinds, "; "))
	}
	return b.String()
}

// errorDetail matches the part of an error that differs from feed to feed:
// a position, a quoted name, what follows the first clause.
var errorDetail = regexp.MustCompile(`( on line \d+| at line \d+|:\d+|"[^"]*"|'[^']*'|\(.*\)).*$`)

// errorKind groups an error by its first words: "parse: XML syntax error",
// "not a feed", "body larger than 10 MiB".
func errorKind(msg string) string {
	kind := errorDetail.ReplaceAllString(msg, "")
	if i := strings.Index(kind, ": "); i >= 0 {
		// Keep one clause after a "parse: " prefix, drop the rest.
		if j := strings.Index(kind[i+2:], ": "); j >= 0 {
			kind = kind[:i+2+j]
		}
	}
	return strings.TrimSpace(kind)
}

// checkCorpusCases checks a few cases whose Expect line says something
// libyawire must also get right, in the store the corpus was fetched into.
func checkCorpusCases(t *testing.T, db *store.DB, files []*corpusFile) {
	t.Helper()
	byPath := map[string]*corpusFile{}
	for _, f := range files {
		byPath[f.path] = f
	}
	feedTitle := func(f *corpusFile) (string, error) { return f.state.FeedTitle, nil }
	// item returns a field of the one story the file's source carries. (A
	// story another file carried first keeps that file's fields; these
	// files' stories have no link they could share.)
	item := func(field func(store.Item) string) func(*corpusFile) (string, error) {
		return func(f *corpusFile) (string, error) {
			items, err := db.Items(store.Query{Sources: []string{f.name}})
			if err != nil {
				return "", err
			}
			if len(items) != 1 {
				return "", fmt.Errorf("%d stories, want 1", len(items))
			}
			return field(items[0]), nil
		}
	}
	tests := []struct {
		path string
		what string
		got  func(*corpusFile) (string, error)
		want string
	}{
		// Expect: feed['title'] == '\ub144', from EUC-KR bytes the XML
		// declaration names.
		{"encoding/euc-kr.xml", "feed title", feedTitle, "\ub144"},
		// Expect: entries[0]['description'] == 'This is a \xa3\u201ctest.\u201d':
		// a declared iso-8859-1 is read as windows-1252, as browsers do, so
		// bytes 0x93 and 0x94 are quotation marks, not C1 controls.
		{"encoding/http_text_xml_charset_overrides_encoding_2.xml", "summary",
			item(func(it store.Item) string { return it.Summary }), "This is a \u00a3\u201ctest.\u201d"},
		// Expect: feed['title'] == 'testing \xe1 entity': an HTML entity
		// that the feed uses without declaring it.
		{"entities/aacute.xml", "feed title", feedTitle, "testing \u00e1 entity"},
		// Expect: entries[0]['title'] == 'Example <b>Atom</b>': an Atom
		// title of a binary type is base64.
		{"wellformed/atom10/entry_title_base64.xml", "title",
			item(func(it store.Item) string { return it.Title }), "Example <b>Atom</b>"},
	}
	for _, tt := range tests {
		f := byPath[tt.path]
		if f == nil {
			t.Errorf("%s: not in the corpus", tt.path)
			continue
		}
		if f.panicked != "" {
			continue // reported already
		}
		if f.state.Error != "" {
			t.Errorf("%s: %s", tt.path, f.state.Error)
			continue
		}
		got, err := tt.got(f)
		if err != nil {
			t.Errorf("%s: %v", tt.path, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: %s: got %q, want %q", tt.path, tt.what, got, tt.want)
		}
	}
}
