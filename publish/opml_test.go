package publish

import (
	"encoding/xml"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

var opmlSources = []Source{
	{Name: "libya-herald", Title: "Libya Herald", URL: "https://libya-herald.example/feed/", Tags: []string{"libya"}},
	{Name: "alwasat", URL: "https://alwasat.example/rss?lang=ar&section=1"}, // no title: the name stands in
	{Name: "sirte-watch", Title: "Sirte <Watch> & \"Co\"", URL: "https://sirte.example/feed", Tags: []string{"libya", "sirte"}},
}

func TestOPMLRoundTrip(t *testing.T) {
	created := time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("EET", 2*3600))
	body, err := NewOPML("Libya news", created, opmlSources).Render()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(body), xml.Header+"<opml version=\"2.0\">") {
		t.Errorf("document starts %.80q", body)
	}
	var got OPML
	if err := xml.Unmarshal(body, &got); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	wantHead := OPMLHead{Title: "Libya news: sources", DateCreated: "Mon, 02 Mar 2026 07:30:00 GMT", Docs: "http://opml.org/spec2.opml"}
	if got.Version != "2.0" || got.Head != wantHead {
		t.Errorf("version %q, head %+v; want 2.0, %+v", got.Version, got.Head, wantHead)
	}
	if when, err := http.ParseTime(got.Head.DateCreated); err != nil || !when.Equal(created) {
		t.Errorf("dateCreated %q reads as %v, %v; want %v", got.Head.DateCreated, when, err, created)
	}
	want := []Outline{
		{Type: "rss", Text: "Libya Herald", Title: "Libya Herald", XMLURL: "https://libya-herald.example/feed/", Category: "/libya"},
		{Type: "rss", Text: "alwasat", Title: "alwasat", XMLURL: "https://alwasat.example/rss?lang=ar&section=1"},
		{Type: "rss", Text: `Sirte <Watch> & "Co"`, Title: `Sirte <Watch> & "Co"`, XMLURL: "https://sirte.example/feed", Category: "/libya,/sirte"},
	}
	if !reflect.DeepEqual(got.Body, want) {
		t.Errorf("outlines:\n got %+v\nwant %+v", got.Body, want)
	}
	if cats, want := got.Body[2].Categories(), []string{"/libya", "/sirte"}; !reflect.DeepEqual(cats, want) {
		t.Errorf("categories %q, want %q", cats, want)
	}
}

func TestOPMLDefaults(t *testing.T) {
	body, err := NewOPML("", time.Time{}, opmlSources[:1]).Render()
	if err != nil {
		t.Fatal(err)
	}
	var got OPML
	if err := xml.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Head.Title != "libyawire: sources" || got.Head.DateCreated != "" || strings.Contains(string(body), "dateCreated") {
		t.Errorf("head %+v, want the default title and no dateCreated:\n%s", got.Head, body)
	}
}

func TestOPMLCategoriesParse(t *testing.T) {
	tests := []struct {
		category string
		want     []string
	}{
		{"", nil},
		{"/libya", []string{"/libya"}},
		{" /News/Libya , sirte,,", []string{"/News/Libya", "sirte"}},
	}
	for _, tt := range tests {
		if got := (Outline{Category: tt.category}).Categories(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.category, got, tt.want)
		}
	}
}

func TestSourcesOPMLRoute(t *testing.T) {
	c := newClock()
	db := mustOpenDB(t, c)
	modified := time.Date(2026, 2, 20, 12, 0, 0, 0, time.UTC)
	srv := newServer(db, Options{Title: "Libya news", Sources: opmlSources, ConfigModified: modified}, nil)
	f := &fixture{clock: c, db: db, srv: srv, handler: srv.routes()}

	resp := f.get(t, http.MethodGet, "/sources.opml")
	body := readBody(t, resp)
	want, err := NewOPML("Libya news", modified, opmlSources).Render()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || body != string(want) {
		t.Errorf("GET /sources.opml: %s\n%s\nwant:\n%s", resp.Status, body, want)
	}
	for name, want := range map[string]string{
		"Content-Type":  "text/x-opml; charset=utf-8",
		"Last-Modified": "Fri, 20 Feb 2026 12:00:00 GMT",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	again := f.get(t, http.MethodGet, "/sources.opml", "If-None-Match", resp.Header.Get("ETag"))
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %d, want 304", again.StatusCode)
	}
}
