package publish

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// TestGolden compares the three formats with testdata/*.golden; run
// `go test ./publish -update` to rewrite them after a deliberate change.
// The database's random instance id is replaced by INSTANCE, and JSON is
// indented.
func TestGolden(t *testing.T) {
	f := newFixture(t)
	targets := map[string]string{
		"tag-sirte-ar.atom": "/tags/sirte.atom?lang=ar",
		// The feeds' own words in Arabic: titles, tag names, "also
		// reported by".
		"feed-hl-ar.atom": "/feed.atom?hl=ar&tag=sirte,misrata",
		"feed-hl-ar.json": "/feed.json?hl=ar",
	}
	for _, name := range []string{"feed.rss", "feed.atom", "feed.json", "tag-sirte-ar.atom", "feed-hl-ar.atom", "feed-hl-ar.json"} {
		t.Run(name, func(t *testing.T) {
			target := "/" + name
			if tg, ok := targets[name]; ok {
				target = tg
			}
			resp := f.get(t, http.MethodGet, target)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			got := strings.ReplaceAll(readBody(t, resp), f.db.Instance(), "INSTANCE")
			if strings.HasSuffix(name, ".json") {
				// The server sends compact JSON; the golden file is indented
				// to be read in a diff.
				var buf bytes.Buffer
				if err := json.Indent(&buf, []byte(got), "", "  "); err != nil {
					t.Fatal(err)
				}
				got = buf.String()
			}
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./publish -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s; run go test ./publish -update and review the diff\n%s", target, path, lineDiff(string(want), got))
			}
		})
	}
}

// maxDiffLines bounds what lineDiff writes, so that a change to every
// line does not print the whole document.
const maxDiffLines = 60

// lineDiff returns the lines in which got differs from want: "-" for a
// line of want only, "+" for a line of got only, two lines of context
// around each change, and an "@@" line giving where each run begins. It
// writes at most maxDiffLines lines.
func lineDiff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	ops := diffLines(a, b)
	show := make([]bool, len(ops))
	for i, o := range ops {
		if o.kind != ' ' {
			for j := max(0, i-2); j <= min(len(ops)-1, i+2); j++ {
				show[j] = true
			}
		}
	}
	var out strings.Builder
	written := 0
	for i, o := range ops {
		if !show[i] {
			continue
		}
		if written == maxDiffLines {
			out.WriteString("... (more differences)\n")
			break
		}
		if i == 0 || !show[i-1] {
			fmt.Fprintf(&out, "@@ want line %d, got line %d @@\n", o.a+1, o.b+1)
		}
		line := b[o.b]
		if o.kind == '-' {
			line = a[o.a]
		}
		fmt.Fprintf(&out, "%c %s\n", o.kind, line)
		written++
	}
	return out.String()
}

// diffOp is one line of a diff: kind ' ' (in both), '-' (a only) or '+'
// (b only), and where in a and b it stands.
type diffOp struct {
	kind byte
	a, b int
}

// diffLines returns the edit from a to b along their longest common
// subsequence of lines, after their common beginning and end. A middle too
// large to compare line by line is all removed and added.
func diffLines(a, b []string) []diffOp {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []diffOp
	for i := range pre {
		ops = append(ops, diffOp{' ', i, i})
	}
	x, y := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(x)*len(y) > 1<<22 {
		for i := range x {
			ops = append(ops, diffOp{'-', pre + i, pre})
		}
		for j := range y {
			ops = append(ops, diffOp{'+', pre + len(x), pre + j})
		}
	} else {
		// lcs[i][j] is the length of the longest common subsequence of
		// x[i:] and y[j:].
		lcs := make([][]int, len(x)+1)
		for i := range lcs {
			lcs[i] = make([]int, len(y)+1)
		}
		for i := len(x) - 1; i >= 0; i-- {
			for j := len(y) - 1; j >= 0; j-- {
				if x[i] == y[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(x) || j < len(y) {
			switch {
			case i < len(x) && j < len(y) && x[i] == y[j]:
				ops = append(ops, diffOp{' ', pre + i, pre + j})
				i++
				j++
			case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
				ops = append(ops, diffOp{'-', pre + i, pre + j})
				i++
			default:
				ops = append(ops, diffOp{'+', pre + i, pre + j})
				j++
			}
		}
	}
	for k := range suf {
		ops = append(ops, diffOp{' ', len(a) - suf + k, len(b) - suf + k})
	}
	return ops
}

func TestLineDiff(t *testing.T) {
	tests := []struct {
		name, want, got, diff string
	}{
		{"same", "a\nb\n", "a\nb\n", ""},
		{"changed line", "1\n2\n3\n4\n5\n6\n7\n", "1\n2\n3\nfour\n5\n6\n7\n",
			"@@ want line 2, got line 2 @@\n  2\n  3\n- 4\n+ four\n  5\n  6\n"},
		{"added at the end", "a\nb", "a\nb\nc", "@@ want line 1, got line 1 @@\n  a\n  b\n+ c\n"},
		{"removed at the start", "x\na\nb\nc\nd", "a\nb\nc\nd", "@@ want line 1, got line 1 @@\n- x\n  a\n  b\n"},
	}
	for _, tt := range tests {
		if got := lineDiff(tt.want, tt.got); got != tt.diff {
			t.Errorf("%s: lineDiff gave\n%s\nwant\n%s", tt.name, got, tt.diff)
		}
	}
}
