package sanitize_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/sanitize"
	"github.com/mmcdole/gofeed"

	"github.com/libyawire/libyawire/internal/shared"
)

func TestHTML(t *testing.T) {
	const base = "https://libyaherald.example/2026/11/story/"
	tests := []struct{ name, in, want string }{
		{"formatting kept", "<p>The <b>council</b> <em>voted</em>.</p>", "<p>The <b>council</b> <em>voted</em>.</p>"},
		{"script removed", `<p>Hi</p><script>alert(1)</script>`, "<p>Hi</p>"},
		{"style removed", `<style>p{color:red}</style><p style="color:red">Hi</p>`, "<p>Hi</p>"},
		{"event handler removed", `<img src="/a.jpg" onerror="alert(1)">`, `<img src="https://libyaherald.example/a.jpg">`},
		{"javascript link removed", `<a href="javascript:alert(1)">x</a>`, "x"},
		{"data url removed", `<img src="data:image/png;base64,AAAA">`, ""},
		{"iframe removed", `<iframe src="https://evil.example/"></iframe><p>after</p>`, "<p>after</p>"},
		{"form removed", `<form action="/x"><input name="q"><button>Go</button></form>`, "Go"},
		{"tracking pixel removed", `<p>Text</p><img src="https://t.example/p.gif" width="1" height="1">`, "<p>Text</p>"},
		{"counter image removed", `<img src="https://feeds.feedburner.com/~r/x/~4/abc">`, ""},
		{"relative link made absolute", `<a href="../other/">more</a>`, `<a href="https://libyaherald.example/2026/11/other/" rel="nofollow">more</a>`},
		{"relative image made absolute", `<img src="photo.jpg" alt="Sirte">`, `<img src="https://libyaherald.example/2026/11/story/photo.jpg" alt="Sirte">`},
		{"text escaped", `Oil & gas: 3 < 5`, "Oil &amp; gas: 3 &lt; 5"},
		{"arabic direction kept", `<p dir="rtl">سرت</p>`, `<p dir="rtl">سرت</p>`},
		{"empty", "  ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sanitize.HTML(tt.in, base); got != tt.want {
				t.Errorf("HTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// dangerous matches what must never survive sanitising: markup that runs
// script, loads styles, frames or plug-ins, sends forms, or a URL scheme
// that runs code.
var dangerous = regexp.MustCompile(`(?i)<\s*(script|style|iframe|frame|frameset|object|embed|applet|form|input|button|textarea|select|link|meta|base|svg|math)\b|\bon[a-z]+\s*=|javascript:|vbscript:|data:|expression\s*\(|-moz-binding|style\s*=`)

// TestCorpus sanitises every text of every case of the feedparser
// corpus's sanitize folder, and checks that no dangerous payload survives.
func TestCorpus(t *testing.T) {
	dir := shared.Path(t, "corpus/feedparser/wellformed/sanitize")
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files in %s: %v", dir, err)
	}
	checked := 0
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		feed, err := gofeed.NewParser().Parse(f)
		f.Close()
		if err != nil {
			continue // a handful are not feeds gofeed reads; the fetch corpus test counts them
		}
		texts := []string{feed.Title, feed.Description}
		for _, it := range feed.Items {
			texts = append(texts, it.Title, it.Description, it.Content)
		}
		for _, text := range texts {
			if text == "" {
				continue
			}
			checked++
			got := sanitize.HTML(text, "https://example.org/a/")
			if m := dangerous.FindString(got); m != "" {
				t.Errorf("%s: %q survives in %q (from %q)", filepath.Base(path), m, got, text)
			}
		}
	}
	if checked < 600 { // 636 when written
		t.Errorf("only %d texts checked in %d files", checked, len(files))
	}
	t.Logf("%d texts from %d files, none dangerous after sanitising", checked, len(files))
}

func BenchmarkHTML(b *testing.B) {
	in := strings.Repeat(`<p>Officials in <a href="/sirte">Sirte</a> said the <b>water</b> plan <img src="x.jpg" onerror="x()"> would start.</p>`, 15)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		sanitize.HTML(in, "https://example.org/a/")
	}
}

func BenchmarkHTMLAbsoluteLinks(b *testing.B) {
	in := strings.Repeat(`<p>Officials in <a href="https://example.org/sirte">Sirte</a> said the <b>water</b> plan would start <script>x()</script>soon.</p>`, 15)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		sanitize.HTML(in, "https://example.org/a/")
	}
}
