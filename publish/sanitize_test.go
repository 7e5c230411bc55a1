package publish

import (
	"net/http"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/store"
)

// What a feed sent is republished clean, in every format: no script, no
// handler, no javascript: link, no pixel; relative links made absolute.
func TestFeedsAreSanitised(t *testing.T) {
	f := newFixture(t)
	mustIngest(t, f.db, "relief", []store.Item{{
		GUID:      "hostile-1",
		Link:      "https://relief.example/updates/2026/derna-water",
		Title:     "Derna water update",
		Summary:   `<p onclick="steal()">Pumps restored.</p><script>steal()</script>`,
		Content:   `<p>See <a href="../maps/derna">the map</a> and <a href="javascript:steal()">this</a>.</p><img src="https://t.example/p.gif" width="1" height="1"><iframe src="https://evil.example/"></iframe>`,
		Published: day(2, 10),
	}}, store.SourceState{Status: 200})
	for _, path := range []string{"/feed.rss", "/feed.atom", "/feed.json"} {
		body := readBody(t, f.get(t, http.MethodGet, path+"?source=relief"))
		for _, bad := range []string{"<script", "onclick", "javascript:", "p.gif", "<iframe", "steal()"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: %q survives", path, bad)
			}
		}
		if !strings.Contains(body, "https://relief.example/updates/maps/derna") {
			t.Errorf("%s: the relative link is not made absolute:\n%s", path, body)
		}
		if !strings.Contains(body, "Pumps restored.") {
			t.Errorf("%s: the clean text is gone", path)
		}
	}
}
