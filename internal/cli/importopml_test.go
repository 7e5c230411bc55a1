package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/libyawire/libyawire/internal/config"
)

func TestImportOPMLNames(t *testing.T) {
	cfg := &config.Config{Sources: []config.Source{
		{Name: "wire", URL: "https://wire.example/libya.rss"},
		{Name: "libya-news-3", URL: "https://other.example/feed"},
	}}
	doc := `<opml version="2.0"><head><title>t</title></head><body>
<outline text="Libya news" xmlUrl="https://a.example/feed"/>
<outline text="Libya  News!" xmlUrl="https://b.example/feed"/>
<outline text="LIBYA NEWS" xmlUrl="https://c.example/feed"/>
<outline text="Wire" xmlUrl="https://another-wire.example/feed"/>
<outline text="Wire copy" xmlUrl="HTTP://WIRE.example/libya.rss?utm_source=opml"/>
<outline text="" xmlUrl="https://www.libyaobserver.ly/feed"/>
<outline text="أخبار ليبيا" xmlUrl="https://xn--mgbaam.example/feed"/>
<outline type="link" text="A web page" url="https://example.org/"/>
</body></opml>`
	path := filepath.Join(t.TempDir(), "list.opml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	parsed, err := readOPML(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range importSources(cfg, parsed) {
		got = append(got, l.name+" "+l.skip)
	}
	want := []string{
		"libya-news ",
		"libya-news-2 ",
		"libya-news-4 ", // libya-news-3 is configured
		"wire already configured",
		"wire already configured", // the configured URL, written differently
		"libyaobserver-ly ",
		"xn-mgbaam-example ", // an Arabic title has no ASCII form
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestASCIISlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Libya Herald", "libya-herald"},
		{"Misrātah & Zlīten", "misratah-zliten"},
		{"Al-Wasat — بوابة الوسط", "al-wasat"},
		{"بوابة الوسط", ""},
		{"الوسط ٢٠٢٦", "2026"}, // Arabic-Indic digits fold to ASCII ones
		{"ﬁnance 2026", "finance-2026"},
		{"  ", ""},
	}
	for _, tt := range tests {
		if got := asciiSlug(tt.in); got != tt.want {
			t.Errorf("asciiSlug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
