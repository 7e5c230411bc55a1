package publish

import (
	"bytes"
	"encoding/json"
	"flag"
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
	for _, name := range []string{"feed.rss", "feed.atom", "feed.json", "tag-sirte-ar.atom"} {
		t.Run(name, func(t *testing.T) {
			target := "/" + name
			if name == "tag-sirte-ar.atom" {
				target = "/tags/sirte.atom?lang=ar"
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
				t.Errorf("%s differs from %s; run go test ./publish -update and review the diff\ngot:\n%s", target, path, got)
			}
		})
	}
}
