package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/internal/config"
)

const readerExport = "testdata/opml/reader-export.opml"

// appendAndLoad appends text to a copy of the config at configPath and
// loads the copy, as the operator who pastes the import's output would.
func appendAndLoad(t *testing.T, configPath, text string) *config.Config {
	t.Helper()
	raw, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, append(raw, text...), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("the config with the import appended does not load: %v\nthe import:\n%s", err, text)
	}
	return cfg
}

// TestImportOPML imports the fixture's feeds (see its header comment for
// what it holds) against the shipped config.yaml, appends the output to a
// copy of it, and loads that.
func TestImportOPML(t *testing.T) {
	shipped, err := config.Load("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Flags before or after the file.
	out, stderr, err := runCommand(t, "import-opml", readerExport, "-config", "config.yaml")
	if err != nil {
		t.Fatalf("import-opml: %v\n%s", err, stderr)
	}
	if again, _, err := runCommand(t, "-config", "config.yaml", "import-opml", readerExport); err != nil || again != out {
		t.Errorf("with the flag first: %v, output differs: %v", err, again != out)
	}

	checkLines(t, "import-opml", out, []string{
		"  # 5 feeds from " + readerExport + ": paste them under sources: in config.yaml, then run libyawire check.",
		"  # skipped: libya-herald (already configured)",
		"  # skipped: Broken entry (it has no xmlUrl)",
		`  # skipped: relative (url "/feed.xml": want an absolute http or https URL, such as https://example.org/feed/)`,
	}, nil)

	cfg := appendAndLoad(t, "config.yaml", out)
	type source struct {
		Name, Title, URL string
		Tags             []string
	}
	var got []source
	for _, s := range cfg.Sources[len(shipped.Sources):] {
		got = append(got, source{s.Name, s.Title, s.URL, s.Tags})
	}
	want := []source{
		{"sirte-today", "Sirte Today", "https://sirte-today.example/feed.xml", []string{"sirte", "libya"}},
		{"sirte-today-2", "Sirte Today", "https://sirte-today.example/ar/feed.xml", []string{"sirte"}},
		{"alwasat-ly", "بوابة الوسط", "https://www.alwasat.ly/rss?lang=ar&section=libya", []string{"libya"}},
		{"misratah-chronicle-news-views", "Misrātah Chronicle: news & views", "https://misrata.example/feed/", []string{"misratah"}},
		{"derna-reconstruction-watch", "Derna Reconstruction Watch", "https://derna.example/feed", []string{"derna", "reconstruction"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("imported sources:\n got %+v\nwant %+v", got, want)
	}
}

// TestImportOPMLIndent: the entries line up with the config's own, however
// far those are indented, so that the output appends cleanly.
func TestImportOPMLIndent(t *testing.T) {
	for _, indent := range []string{"", "  ", "    "} {
		path := filepath.Join(t.TempDir(), "config.yaml")
		cfg := "listen: 127.0.0.1:0\nsources:\n" + indent + "# one feed\n\n" +
			indent + "- name: herald\n" + indent + "  url: https://libyaherald.com/feed/\n"
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _, err := runCommand(t, "import-opml", "-config", path, readerExport)
		if err != nil {
			t.Fatalf("indent %q: %v", indent, err)
		}
		if !strings.Contains(out, "\n"+indent+"- name: sirte-today\n") {
			t.Errorf("indent %q: entries not indented alike:\n%s", indent, out)
		}
		if n := len(appendAndLoad(t, path, out).Sources); n != 6 {
			t.Errorf("indent %q: %d sources after the import, want 6", indent, n)
		}
	}
}

func TestImportOPMLErrors(t *testing.T) {
	dir := t.TempDir()
	rss := filepath.Join(dir, "feed.xml")
	os.WriteFile(rss, []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>`), 0o644)
	empty := filepath.Join(dir, "empty.opml")
	os.WriteFile(empty, []byte(`<opml version="2.0"><head/><body><outline text="Folder"/></body></opml>`), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"import-opml"}, "import-opml: name the OPML file"},
		{[]string{"import-opml", rss}, rss + " is not an OPML file"},
		{[]string{"import-opml", empty}, empty + " has no feeds"},
		{[]string{"import-opml", filepath.Join(dir, "missing.opml")}, "no such file"},
		{[]string{"import-opml", readerExport, "extra"}, `unexpected argument "extra"`},
		{[]string{"opml", readerExport}, "unexpected argument"},
	}
	for _, tt := range tests {
		_, _, err := runCommand(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}
