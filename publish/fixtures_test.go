package publish

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/libyawire/libyawire/store"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mustOpenDB opens an empty database in a temporary directory.
func mustOpenDB(tb testing.TB, c *clock) *store.DB {
	tb.Helper()
	db, err := store.Open(filepath.Join(tb.TempDir(), "db"), &store.Options{Now: c.Now, NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustIngest(tb testing.TB, db *store.DB, source string, items []store.Item, st store.SourceState) {
	tb.Helper()
	if _, err := db.Ingest(source, items, st); err != nil {
		tb.Fatal(err)
	}
}

func day(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }

// The fixture stories: invented for these tests, in English and Arabic.
// Titles are unique, so tests name stories by title.
var (
	heraldItems = []store.Item{
		{
			GUID:      "herald-1001",
			Link:      "https://libya-herald.example/2026/03/01/sirte-coastal-road/",
			Title:     "Sirte council reopens the coastal road to Misrata",
			Summary:   "<p>The municipal council in Sirte said the road would open at dawn &amp; stay open.</p>",
			Content:   "<p>Engineers finished the last culvert on Sunday.\v The council thanked residents for their patience.</p><p>A CDATA end ]]> in the text.</p>",
			Author:    "Staff reporter",
			Language:  "en",
			Published: day(1, 8),
			Tags:      []string{"libya", "sirte", "misrata"},
		},
		{
			GUID:      "herald-1002",
			Link:      "https://libya-herald.example/2026/03/01/tripoli-port-fuel/",
			Title:     "Tripoli port handles record fuel shipments",
			Summary:   "Port officials counted eleven tankers in one week.",
			Language:  "en",
			Published: day(1, 10),
			Tags:      []string{"libya", "oil", "tripoli"},
		},
		{
			GUID:      "herald-1003",
			Link:      "https://libya-herald.example/2026/02/26/benghazi-league/",
			Title:     "Benghazi club wins the league on goal difference",
			Summary:   "A late header settled the season.",
			Language:  "en",
			Published: time.Date(2026, 2, 26, 18, 0, 0, 0, time.UTC),
			Tags:      []string{"libya", "benghazi", "sport"},
		},
		{
			GUID:     "herald-1004",
			Link:     "https://libya-herald.example/2026/03/02/zuwara-rescue/",
			Title:    "Fishermen's crews help rescue boat off Zuwara",
			Content:  "<p>Two fishing crews guided a drifting boat to the harbour.</p>",
			Language: "en",
			// No published time: the store uses first-seen.
			Tags: []string{"libya", "migration"},
		},
	}
	wasatItems = []store.Item{
		{
			GUID:      "wasat-77",
			Link:      "https://alwasat.example/news/77",
			Title:     "بلدية سرت تعيد فتح الطريق الساحلي",
			Summary:   "<p>قال المجلس البلدي في سرت إن الطريق سيُفتح عند الفجر.</p>",
			Author:    "مراسل الوسط",
			Language:  "ar",
			Published: day(1, 9),
			Tags:      []string{"libya", "sirte"},
		},
		{
			GUID:      "wasat-78",
			Link:      "https://alwasat.example/news/78",
			Title:     "ارتفاع إنتاج النفط في الحقول الجنوبية",
			Summary:   "أعلنت المؤسسة زيادة الإنتاج اليومي.",
			Language:  "ar",
			Published: time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC),
			Tags:      []string{"libya", "oil"},
		},
		{
			GUID:      "wasat-79",
			Link:      "https://alwasat.example/news/79",
			Title:     "مصراتة تستضيف معرض الكتاب السنوي",
			Summary:   "يفتح المعرض أبوابه للزوار الأسبوع المقبل.",
			Language:  "ar",
			Published: time.Date(2026, 2, 25, 11, 0, 0, 0, time.UTC),
			Tags:      []string{"libya", "misrata"},
		},
	}
	unItems = []store.Item{
		{
			GUID:      "un-5",
			Link:      "https://news.un.example/story/2026/02/libya-talks",
			Title:     "UN envoy briefs Security Council on Libya talks",
			Summary:   "The envoy described progress on a unified budget.",
			Author:    "UN News",
			Language:  "en",
			Published: time.Date(2026, 2, 27, 15, 0, 0, 0, time.UTC),
			Tags:      []string{"libya", "un"},
		},
		{
			// The Herald's Sirte story, carried by a second outlet.
			GUID:      "un-6",
			Link:      "https://libya-herald.example/2026/03/01/sirte-coastal-road/?utm_source=un",
			Title:     "Coastal road reopens near Sirte",
			Language:  "en",
			Published: day(1, 8),
			Tags:      []string{"libya", "un"},
		},
	}
)

var testSources = []Source{
	{Name: "libya-herald", Title: "Libya Herald", URL: "https://libya-herald.example/feed/"},
	{Name: "alwasat", URL: "https://alwasat.example/rss"},
	{Name: "un-news", Title: "UN News: Libya", URL: "https://news.un.example/feed/libya"},
	{Name: "relief", Title: "Relief updates", URL: "https://relief.example/libya.rss"},
}

var testTagTitles = map[string]string{
	"libya":     "Libya",
	"sirte":     "Sirte",
	"misrata":   "Misrata",
	"tripoli":   "Tripoli",
	"benghazi":  "Benghazi",
	"oil":       "Oil and gas",
	"un":        "United Nations",
	"sport":     "Sport",
	"migration": "Migration",
}

// testTagTitlesAr are the Arabic names of some of them; sport has none.
var testTagTitlesAr = map[string]string{
	"libya":     "ليبيا",
	"sirte":     "سرت",
	"misrata":   "مصراتة",
	"tripoli":   "طرابلس",
	"benghazi":  "بنغازي",
	"oil":       "النفط والغاز",
	"un":        "الأمم المتحدة",
	"migration": "الهجرة",
}

// fixture is a server over a database holding the fixture stories.
type fixture struct {
	clock   *clock
	db      *store.DB
	srv     *server
	handler http.Handler
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	c := newClock()
	db := mustOpenDB(tb, c)
	mustIngest(tb, db, "libya-herald", heraldItems, store.SourceState{
		LastFetch: c.Now(), LastSuccess: c.Now(), Status: 200,
		FeedTitle: "Libya Herald – News", FeedLink: "https://libya-herald.example/",
	})
	c.Advance(time.Minute)
	mustIngest(tb, db, "alwasat", wasatItems, store.SourceState{
		LastFetch: c.Now(), LastSuccess: c.Now(), Status: 200,
		FeedTitle: "بوابة الوسط", FeedLink: "https://alwasat.example/",
	})
	c.Advance(time.Minute)
	mustIngest(tb, db, "un-news", unItems, store.SourceState{
		LastFetch: c.Now(), LastSuccess: c.Now().Add(-time.Hour), Status: 503,
		Error: "503 Service Unavailable", Failures: 1, CategoriesDropped: 7,
	})
	c.Advance(time.Minute)
	return newFixtureServer(tb, c, db)
}

func newFixtureServer(tb testing.TB, c *clock, db *store.DB) *fixture {
	srv := newServer(db, Options{
		BaseURL:       "http://libyawire.test/",
		Title:         "Libya news",
		Description:   "Stories about Libya from many outlets, merged.",
		TitleAr:       "أخبار ليبيا",
		DescriptionAr: "أخبار عن ليبيا من مصادر كثيرة، مدمجة.",
		Items:         50,
		Sources:       testSources,
		TagTitles:     testTagTitles,
		TagTitlesAr:   testTagTitlesAr,
		Version:       "1.0-test",
		Now:           c.Now,
	}, nil)
	return &fixture{clock: c, db: db, srv: srv, handler: srv.routes()}
}

// get serves a request through the handler; header is name, value pairs.
func (f *fixture) get(tb testing.TB, method, target string, header ...string) *http.Response {
	tb.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec.Result()
}

func readBody(tb testing.TB, resp *http.Response) string {
	tb.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
