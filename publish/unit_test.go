package publish

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/internal/i18n"
	"github.com/libyawire/libyawire/store"
)

func TestParseFilterCanonical(t *testing.T) {
	tests := []struct {
		query string
		want  string // the canonical encoding
	}{
		{"", ""},
		{"foo=bar&utm_source=x", ""},
		{"tag=Sirte", "tag=sirte"},
		{"tag=oil,sirte", "tag=oil,sirte"},
		{"tag=sirte,oil,sirte", "tag=oil,sirte"},
		{"tag=sirte&tag=oil", "tag=oil&tag=sirte"},
		{"tag=oil&tag=sirte&tag=oil", "tag=oil&tag=sirte"},
		{"tag=b,a&tag=a,b", "tag=a,b"},
		{"notag=sport&notag=oil,sport", "notag=oil,sport"},
		{"source=un-news,alwasat&source=alwasat", "source=alwasat,un-news"},
		{"lang=AR", "lang=ar"},
		{"lang=", ""},
		{"limit=50", "limit=50"},
		{"limit=", ""},
		{"q=+Sirte++road+", "q=Sirte+road"},
		{"q=%22coastal+road%22", "q=%22coastal+road%22"},
		{"since=2026-03-01T02:00:00%2B02:00", "since=2026-03-01T00:00:00Z"},
		{"since=2026-03-01T02:00:00+02:00", "since=2026-03-01T00:00:00Z"},
		{"since=", ""},
		{"tag=a&source=s&notag=n&lang=en&limit=5&since=2026-01-01T00:00:00Z&q=x",
			"lang=en&limit=5&notag=n&q=x&since=2026-01-01T00:00:00Z&source=s&tag=a"},
	}
	for _, tt := range tests {
		v, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parseFilter(v, 50, maxSlug)
		if err != nil {
			t.Errorf("%q: %v", tt.query, err)
			continue
		}
		if got := f.encode(); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.query, got, tt.want)
		}
	}
}

func TestParseFilterDefaults(t *testing.T) {
	f, err := parseFilter(url.Values{}, 30, maxSlug)
	if err != nil {
		t.Fatal(err)
	}
	if f.Limit != 30 {
		t.Errorf("default limit: got %d, want 30", f.Limit)
	}
	f.pathTags = []string{"sirte"}
	f.Tags = [][]string{{"oil"}}
	if got, want := f.query(store.DefaultDeveloping).Tags, [][]string{{"sirte"}, {"oil"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("tags with a path tag: got %q, want %q", got, want)
	}
}

func TestIsLanguageCode(t *testing.T) {
	for code, want := range map[string]bool{
		"en": true, "ar": true, "ber": true, "en-gb": true, "zh-hant-tw": true, "ar-001": true,
		"e": false, "english": false, "en,ar": false, "en_gb": false, "1a": false, "en-": false, "": false,
	} {
		if got := isLanguageCode(code); got != want {
			t.Errorf("isLanguageCode(%q): got %v, want %v", code, got, want)
		}
	}
}

func TestETagMatch(t *testing.T) {
	etag := `"0123456789abcdef"`
	tests := []struct {
		header []string
		want   bool
	}{
		{[]string{etag}, true},
		{[]string{"W/" + etag}, true},
		{[]string{`"x", ` + etag}, true},
		{[]string{`"x"`, etag}, true},
		{[]string{"*"}, true},
		{[]string{`"x"`}, false},
		{[]string{`0123456789abcdef`}, false},
		{[]string{""}, false},
	}
	for _, tt := range tests {
		if got := etagMatch(tt.header, etag); got != tt.want {
			t.Errorf("etagMatch(%q): got %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestXMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"طرابلس", "طرابلس"},
		{"tab\tnewline\ncr\r", "tab\tnewline\ncr\r"},
		{"nul\x00bell\x07esc\x1b", "nulbellesc"},
		{"bom\uFEFF stays, \uFFFE and \uFFFF go", "bom\uFEFF stays,  and  go"},
		{"replacement \uFFFD stays", "replacement \uFFFD stays"},
		{"bad \xff utf-8", "bad \uFFFD utf-8"},
		{"surrogate \xed\xa0\x80", "surrogate \uFFFD\uFFFD\uFFFD"},
		{"emoji 🇱🇾", "emoji 🇱🇾"},
	}
	for _, tt := range tests {
		if got := xmlText(tt.in); got != tt.want {
			t.Errorf("xmlText(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAlsoReported(t *testing.T) {
	first := copyRef{source: "libya-herald", link: "https://libya-herald.example/a", sourceInfo: sourceInfo{title: "Libya Herald"}}
	tests := []struct {
		copies []copyRef
		want   string
	}{
		{nil, ""},
		{[]copyRef{first}, ""},
		{
			[]copyRef{first,
				{link: "https://news.un.example/s?a=1&b=2", sourceInfo: sourceInfo{title: "UN News: Libya"}},
				{link: "javascript:alert(1)", sourceInfo: sourceInfo{title: `<b>"Wire"</b>`}},
				{sourceInfo: sourceInfo{title: "بوابة الوسط"}},
			},
			`<p class="also" lang="en" dir="ltr">Also reported by: <a href="https://news.un.example/s?a=1&amp;b=2"><bdi>UN News: Libya</bdi></a>, ` +
				`<bdi>&lt;b&gt;&#34;Wire&#34;&lt;/b&gt;</bdi>, <bdi>بوابة الوسط</bdi> · 4 outlets in all</p>`,
		},
	}
	for _, tt := range tests {
		if got := alsoReported(i18n.English, tt.copies, len(tt.copies)); got != tt.want {
			t.Errorf("alsoReported(%d copies):\n got %s\nwant %s", len(tt.copies), got, tt.want)
		}
	}
	// In Arabic, right to left, each outlet's name isolated in its own
	// direction.
	ar, _ := i18n.Lookup("ar")
	want := `<p class="also" lang="ar" dir="rtl">نشره أيضًا: <a href="https://b.example/x"><bdi>Libya Observer</bdi></a>، <bdi>بوابة الوسط</bdi> · 3 مصادر في المجموع</p>`
	got := alsoReported(ar, []copyRef{first,
		{link: "https://b.example/x", sourceInfo: sourceInfo{title: "Libya Observer"}},
		{sourceInfo: sourceInfo{title: "بوابة الوسط"}},
	}, 3)
	if got != want {
		t.Errorf("alsoReported in Arabic:\n got %s\nwant %s", got, want)
	}
}

// TestLongestSlug: a configured name longer than any category's slug can
// still be asked for, and its length is then the bound.
func TestLongestSlug(t *testing.T) {
	long := strings.Repeat("benghazi-", 10) + "port" // 94 characters
	tests := []struct {
		name string
		opts Options
		want int
	}{
		{"nothing configured", Options{}, maxSlug},
		{"short names", Options{Sources: []Source{{Name: "herald", Tags: []string{"libya"}}}, TagTitles: map[string]string{"sirte": "Sirte"}}, maxSlug},
		{"a long source", Options{Sources: []Source{{Name: long}}}, 94},
		{"a long source tag", Options{Sources: []Source{{Name: "herald", Tags: []string{long + "s"}}}}, 95},
		{"a long rule", Options{TagTitles: map[string]string{"ليبيا-" + long: "x"}}, 100},
	}
	for _, tt := range tests {
		if got := longestSlug(tt.opts); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
	if _, err := parseFilter(url.Values{"source": {long}}, 50, longestSlug(tests[2].opts)); err != nil {
		t.Errorf("the configured source %s is refused: %v", long, err)
	}
}
