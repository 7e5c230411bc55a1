package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAliasBomb: a few hundred bytes of anchors that repeat one another
// are refused at once, at the line of the alias that multiplies them,
// while aliases that repeat a source's defaults are not.
func TestAliasBomb(t *testing.T) {
	// nine aliases of the previous anchor, as a flow list.
	nine := func(name string) string { return strings.TrimSuffix(strings.Repeat("*"+name+", ", 9), ", ") }
	// anchors a to g, each merging nine of the one before; a is first.
	chain := func(first string) string {
		var b strings.Builder
		b.WriteString("x-a: &a " + first + "\n")
		for i, name := range []string{"b", "c", "d", "e", "f", "g"} {
			fmt.Fprintf(&b, "x-%s: &%s {<<: [%s]}\n", name, name, nine(string(rune('a'+i))))
		}
		return b.String()
	}
	defaults := "sources:\n  - &defaults\n    name: s0\n    url: https://s0.example/feed\n    schedule: \"@every 1h\"\n    tags: [libya]\n"
	for i := 1; i < 40; i++ {
		defaults += fmt.Sprintf("  - <<: *defaults\n    name: s%d\n    url: https://s%d.example/feed\n", i, i)
	}
	tests := []struct {
		name string
		yaml string
		line int    // of the problem
		text string // in it; "": no problem
	}{
		{"a source merging merges", chain(`{schedule: "@every 1h", tags: [libya], language: en}`) +
			"sources:\n  - name: x\n    url: https://x.example/feed\n    <<: [" + nine("g") + "]\n", 11, "too many values"},
		{"a section merging merges of unknown keys", chain("{retries: 3, proxy: none}") +
			"fetch:\n  <<: [" + nine("g") + "]\nsources:\n  - name: x\n    url: https://x.example/feed\n", 9, "too many values"},
		{"a list of sources, each merging merges", chain(`{name: x, url: "https://x.example/feed"}`) +
			"sources: [" + nine("g") + "]\n", 8, "too many values"},
		{"tag rules in block style, merging merges", chain("{slug: libya, match: [Libya]}") +
			"tags:\n" + strings.Repeat("  - <<: *g\n", 9) + "sources:\n  - name: x\n    url: https://x.example/feed\n", 9, "too many values"},
		{"lists of lists, which a list of tags cannot hold", "x-a: &a [libya, libya, libya]\nx-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nx-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
			"sources:\n  - name: x\n    url: https://x.example/feed\n    tags: *c\n", 2, "want a single value"},
		{"one source's settings, repeated", defaults, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.yaml) > 1000 && tt.text != "" {
				t.Fatalf("the bomb is %d bytes: keep it small", len(tt.yaml))
			}
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := Load(path)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(2 * time.Second):
				t.Fatal("Load has not returned after 2s")
			}
			if tt.text == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Load: %v, want a problem at line %d", err, tt.line)
			}
			if !slices.ContainsFunc(errs, func(e Error) bool { return e.Line == tt.line && strings.Contains(e.Msg, tt.text) }) {
				t.Errorf("got %v, want line %d: ...%s...", err, tt.line, tt.text)
			}
			if strings.Contains(tt.text, "too many") && len(errs) != 1 {
				t.Errorf("%d problems, want only the alias:\n%v", len(errs), err)
			}
		})
	}
}

// bomb is the alias bomb of the issue that made the decoder keep a budget:
// seven levels of anchors, each merging nine of the one before, in about
// 500 bytes, standing for 9^7 copies of one source.
func bomb() string {
	var b strings.Builder
	b.WriteString("sources:\n  - &a\n    name: libya-herald\n    url: https://libyaherald.example/feed/\n")
	for _, name := range []string{"b", "c", "d", "e", "f", "g"} {
		prev := string(rune(name[0] - 1))
		fmt.Fprintf(&b, "  - &%s\n    <<: [%s]\n", name, strings.TrimSuffix(strings.Repeat("*"+prev+", ", 9), ", "))
	}
	b.WriteString("  - <<: [" + strings.TrimSuffix(strings.Repeat("*g, ", 9), ", ") + "]\n    name: libya-review\n")
	return b.String()
}

// TestAliasBombAtOnce: the bomb is refused within 100ms, at the line of
// the alias that takes the decoder past its budget. The best of three
// runs is timed, so that a busy machine does not fail it.
func TestAliasBombAtOnce(t *testing.T) {
	data := []byte(bomb())
	if len(data) > 600 {
		t.Fatalf("the bomb is %d bytes: keep it small", len(data))
	}
	best := time.Hour
	for range 3 {
		start := time.Now()
		_, err := parse("bomb.yaml", data)
		best = min(best, time.Since(start))
		var errs Errors
		if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line == 0 || !strings.Contains(errs[0].Msg, "too many values") {
			t.Fatalf("got %v, want one problem with a line: this alias stands for too many values", err)
		}
	}
	t.Logf("%d bytes refused in %s", len(data), best)
	if best > 100*time.Millisecond {
		t.Errorf("the bomb took %s to refuse, want under 100ms", best)
	}
}

// FuzzLoadConfig feeds the decoder whatever YAML the fuzzer makes of the
// fixtures. Whatever it is, parse returns at once: a Config that passes
// Validate, or Errors whose every line is in the file.
func FuzzLoadConfig(f *testing.F) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures in testdata: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(bomb()))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parse("fuzz.yaml", data)
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("loaded, then Validate: %v", verr)
			}
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("got %v (%T), want Errors", err, err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range errs {
			if e.Line < 0 || e.Line > lines {
				t.Errorf("problem at line %d of a %d-line file: %v", e.Line, lines, e)
			}
			if e.Msg == "" {
				t.Errorf("a problem with no message at line %d", e.Line)
			}
		}
	})
}
