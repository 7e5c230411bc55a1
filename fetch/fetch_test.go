package fetch_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
	"golang.org/x/text/encoding/charmap"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "libyawire.db"), &store.Options{Now: clock, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newFetcher(db *store.DB) *fetch.Fetcher {
	return fetch.New(db, fetch.Options{UserAgent: "libyawire/test (+https://example.org)", Now: clock, Timeout: 5 * time.Second})
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// feedServer serves one body with a fixed ETag and Last-Modified, answers
// 304 to matching validators, and records the requests it saw.
type feedServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
}

func serveFeed(t *testing.T, contentType string, body []byte) *feedServer {
	t.Helper()
	fs := &feedServer{}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.requests = append(fs.requests, r.Clone(context.Background()))
		fs.mu.Unlock()
		const etag = `"v1"`
		const lastMod = "Fri, 20 Nov 2026 10:00:00 GMT"
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Write(body)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) request(i int) *http.Request {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.requests[i]
}

func TestFetchFormats(t *testing.T) {
	arabic, err := charmap.Windows1256.NewEncoder().Bytes(readFile(t, "arabic-utf8-as-1256.xml"))
	if err != nil {
		t.Fatal(err)
	}
	undeclared, err := charmap.Windows1256.NewEncoder().Bytes(
		bytes.Replace(readFile(t, "arabic-utf8-as-1256.xml"), []byte(` encoding="windows-1256"`), nil, 1))
	if err != nil {
		t.Fatal(err)
	}
	arabicItem := store.Item{Title: "افتتاح مدرسة جديدة في سرت", Link: "https://sirtenews.example/school", Language: "ar",
		Published: time.Date(2026, 11, 20, 7, 0, 0, 0, time.UTC), Tags: []string{"libya", "تعليم"}}
	tests := []struct {
		name        string
		contentType string
		body        []byte
		src         fetch.Source
		want        []store.Item // the fields compared: Title, Link, Author, Language, Published, Tags
	}{
		{
			name: "rss2", contentType: "application/rss+xml", body: readFile(t, "rss2.xml"),
			src: fetch.Source{Name: "tripoli-desk", Tags: []string{"libya"}},
			want: []store.Item{
				{Title: "Municipal council in Tripoli approves new water budget", Link: "https://tripolidesk.example/2026/11/water-budget/?utm_source=rss",
					Author: "Salma Ben Ali", Language: "en-gb", Published: time.Date(2026, 11, 20, 6, 15, 0, 0, time.UTC),
					Tags: []string{"libya", "tripoli", "water-utilities"}},
				{Title: "Coastal road reopens after repairs", Link: "https://tripolidesk.example/2026/11/coastal-road/",
					Language: "en-gb", Published: time.Date(2026, 11, 19, 15, 40, 0, 0, time.UTC), Tags: []string{"libya", "transport"}},
			},
		},
		{
			name: "atom", contentType: "application/atom+xml", body: readFile(t, "atom.xml"),
			src: fetch.Source{Name: "benghazi-notes"},
			want: []store.Item{
				{Title: "Port of Benghazi handles record grain shipment", Link: "https://benghazinotes.example/port-grain", Author: "Omar Fituri",
					Language: "en", Published: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC), Tags: []string{"benghazi", "economy"}},
			},
		},
		{
			name: "json feed", contentType: "application/feed+json", body: readFile(t, "feed.json"),
			src: fetch.Source{Name: "fezzan-wire", Language: "fr"}, // the feed's own language wins
			want: []store.Item{
				{Title: "Sabha clinic opens a second ward", Link: "https://fezzanwire.example/sabha-clinic", Author: "Huda Mansour",
					Language: "en", Published: time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC), Tags: []string{"health", "sabha"}},
			},
		},
		{
			name: "windows-1256 arabic rss", contentType: "text/xml", body: arabic,
			src:  fetch.Source{Name: "sirte-news", Tags: []string{"libya"}},
			want: []store.Item{arabicItem},
		},
		{
			name: "windows-1256 named only by the header", contentType: "application/rss+xml; charset=windows-1256", body: undeclared,
			src:  fetch.Source{Name: "sirte-news", Tags: []string{"libya"}},
			want: []store.Item{arabicItem},
		},
		{
			name: "declaration outranks a wrong header", contentType: "text/xml; charset=iso-8859-1", body: arabic,
			src:  fetch.Source{Name: "sirte-news", Tags: []string{"libya"}},
			want: []store.Item{arabicItem},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			srv := serveFeed(t, tt.contentType, tt.body)
			tt.src.URL = srv.URL + "/feed"
			out, err := newFetcher(db).Fetch(context.Background(), tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if out.New != len(tt.want) {
				t.Errorf("new: got %d, want %d", out.New, len(tt.want))
			}
			got, err := db.Items(store.Query{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("stored %d items, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Title != w.Title || g.Link != w.Link || g.Author != w.Author || g.Language != w.Language ||
					!g.Published.Equal(w.Published) || !slices.Equal(g.Tags, w.Tags) {
					t.Errorf("item %d:\n got %q %q %q %q %v %q\nwant %q %q %q %q %v %q", i,
						g.Title, g.Link, g.Author, g.Language, g.Published, g.Tags,
						w.Title, w.Link, w.Author, w.Language, w.Published, w.Tags)
				}
			}
			if ua := srv.request(0).Header.Get("User-Agent"); !strings.HasPrefix(ua, "libyawire/") {
				t.Errorf("User-Agent: got %q", ua)
			}
		})
	}
}

func TestConditionalGet(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "libyawire.db")
	srv := serveFeed(t, "application/rss+xml", readFile(t, "rss2.xml"))
	src := fetch.Source{Name: "tripoli-desk", URL: srv.URL}

	db, err := store.Open(path, &store.Options{Now: clock, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newFetcher(db).Fetch(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if h := srv.request(0).Header; h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
		t.Errorf("first request sent validators it cannot have: %v", h)
	}
	// Validators survive a restart.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(path, &store.Options{Now: clock, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	gen := db.Generation()
	out, err := newFetcher(db).Fetch(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	h := srv.request(1).Header
	if h.Get("If-None-Match") != `"v1"` || h.Get("If-Modified-Since") != "Fri, 20 Nov 2026 10:00:00 GMT" {
		t.Errorf("second request validators: got %q %q", h.Get("If-None-Match"), h.Get("If-Modified-Since"))
	}
	if !out.NotModified || out.Status != http.StatusNotModified {
		t.Errorf("got %+v, want a 304 outcome", out)
	}
	if db.Generation() != gen {
		t.Error("a 304 changed the stories' generation")
	}
	st, err := db.State("tripoli-desk")
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != 304 || st.Error != "" || st.Items != 2 || !st.LastSuccess.Equal(now) {
		t.Errorf("state after 304: %+v", st)
	}

	// A changed URL drops the old validators.
	src.URL = srv.URL + "/moved"
	if _, err := newFetcher(db).Fetch(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if h := srv.request(2).Header; h.Get("If-None-Match") != "" {
		t.Errorf("validators sent to a new URL: %q", h.Get("If-None-Match"))
	}
}

func TestKeepDrop(t *testing.T) {
	db := openDB(t)
	srv := serveFeed(t, "application/rss+xml", readFile(t, "rss2.xml"))
	src := fetch.Source{Name: "desk", URL: srv.URL, Keep: []string{"tripoli", "transport"}, Drop: []string{"water-utilities"}}
	out, err := newFetcher(db).Fetch(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if out.New != 1 || out.Dropped != 1 {
		t.Errorf("got %+v, want 1 new and 1 dropped", out)
	}
	items, _ := db.Items(store.Query{})
	if len(items) != 1 || items[0].Title != "Coastal road reopens after repairs" {
		t.Errorf("kept %v", items)
	}
	if st, _ := db.State("desk"); st.Dropped != 1 {
		t.Errorf("dropped count in state: %d", st.Dropped)
	}
}

// A general source keeps only the stories its rules tag libya.
func TestRulesAndKeep(t *testing.T) {
	tg, err := tag.New([]tag.Rule{
		{Slug: "libya", Match: []string{"Libya", "ليبيا"}},
		{Slug: "tripoli", Ambiguous: []string{"Tripoli", "طرابلس"}, Implies: []string{"libya"}},
		{Slug: "sport", Match: []string{"football"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	feed := `<?xml version="1.0"?><rss version="2.0"><channel><title>World wire</title><link>https://wire.example/</link><description>d</description>
<item><title>Talks on Libya resume in Geneva</title><guid>w1</guid><description>Delegations from Tripoli attended.</description></item>
<item><title>Protests in Tripoli, Lebanon</title><guid>w2</guid></item>
<item><title>Football: Libya beat Tunisia</title><guid>w3</guid></item>
<item><title>محادثات طرابلس</title><guid>w4</guid><category>ليبيا</category></item>
<item><title>Rain in Cairo</title><guid>w5</guid></item>
</channel></rss>`
	db := openDB(t)
	srv := serveFeed(t, "application/rss+xml", []byte(feed))
	f := fetch.New(db, fetch.Options{Now: clock, Tagger: tg})
	out, err := f.Fetch(context.Background(), fetch.Source{Name: "wire", URL: srv.URL, Keep: []string{"libya"}, Drop: []string{"sport"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.New != 2 || out.Dropped != 3 {
		t.Errorf("got %+v, want 2 new and 3 dropped", out)
	}
	items, _ := db.Items(store.Query{})
	got := map[string][]string{}
	for _, it := range items {
		got[it.Title] = it.Tags
	}
	want := map[string][]string{
		"Talks on Libya resume in Geneva": {"libya", "tripoli"},
		"محادثات طرابلس":                  {"libya", "tripoli"},
	}
	if len(got) != len(want) {
		t.Errorf("stored %v, want %v", got, want)
	}
	for title, tags := range want {
		if !slices.Equal(got[title], tags) {
			t.Errorf("%q: tags %q, want %q", title, got[title], tags)
		}
	}
}
