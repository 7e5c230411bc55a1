package fetch_test

import (
	"context"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/store"
)

// TestOnlyWebLinksKept fetches feeds whose item, channel and site links
// are hostile: only http and https links are stored, an item whose links
// are all something else is kept without one, and a channel link that is
// not http or https is neither the source's home nor the base of relative
// item links. SRV in a case stands for the test server's URL.
func TestOnlyWebLinksKept(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		wantLinks               map[string]string // by title
		wantSite                string            // the source's home (FeedLink)
	}{
		{
			name: "rss with a javascript channel link", contentType: "application/rss+xml",
			body: `<?xml version="1.0"?><rss version="2.0"><channel><title>Ras Lanuf Desk</title>
<link>javascript:alert(document.domain)</link>
<item><title>Terminal reopens</title><guid>rl-1</guid><link>/2026/11/terminal</link></item>
<item><title>Tanker berths</title><guid>rl-2</guid><link>  JavaScript:alert(1)</link></item>
<item><title>Workers paid</title><guid>rl-3</guid><link>VBSCRIPT:MsgBox("x")</link></item>
<item><title>Storage tank fire</title><guid>rl-4</guid><link>java&#x9;script:alert(1)</link></item>
</channel></rss>`,
			wantLinks: map[string]string{
				"Terminal reopens":  "SRV/2026/11/terminal", // against the feed's URL, not javascript:
				"Tanker berths":     "",
				"Workers paid":      "",
				"Storage tank fire": "",
			},
			wantSite: "",
		},
		{
			name: "atom with a data site link", contentType: "application/atom+xml",
			body: `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Ghat Notes</title><id>urn:ghat</id><updated>2026-11-20T08:00:00Z</updated>
<link rel="alternate" href="data:text/html;base64,PHNjcmlwdD54PC9zY3JpcHQ+"/>
<entry><title>Festival dates set</title><id>urn:ghat:1</id><updated>2026-11-20T08:00:00Z</updated>
<link rel="alternate" href="&#106;avascript:alert(1)"/><link href="https://ghatnotes.example/2026/festival"/></entry>
<entry><title>Border post staffed</title><id>urn:ghat:2</id><updated>2026-11-20T07:00:00Z</updated>
<link rel="alternate" href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"/></entry>
<entry><title>Road to Awbari</title><id>urn:ghat:3</id><updated>2026-11-20T06:00:00Z</updated>
<link rel="alternate" href="roads/awbari"/></entry>
</feed>`,
			wantLinks: map[string]string{
				"Festival dates set":  "https://ghatnotes.example/2026/festival", // the first of its links that is a web page's
				"Border post staffed": "",
				"Road to Awbari":      "SRV/roads/awbari",
			},
			wantSite: "",
		},
		{
			name: "json feed with a vbscript home page", contentType: "application/feed+json",
			body: `{"version":"https://jsonfeed.org/version/1.1","title":"Kufra Wire","home_page_url":" vbscript:msgbox(1)",
"items":[
{"id":"k1","title":"Aid convoy arrives","url":"\u0001javascript:alert(1)"},
{"id":"k2","title":"Clinic opens","url":"clinic/2026"},
{"id":"k3","title":"Wells dug","url":"DATA:text/html,x"},
{"id":"k4","title":"School year starts","url":"HTTPS://KufraWire.example/school"}]}`,
			wantLinks: map[string]string{
				"Aid convoy arrives": "",
				"Clinic opens":       "SRV/clinic/2026",
				"Wells dug":          "",
				"School year starts": "https://KufraWire.example/school",
			},
			wantSite: "",
		},
		{
			name: "rss with a relative channel link", contentType: "application/rss+xml",
			body: `<?xml version="1.0"?><rss version="2.0"><channel><title>Zuwara Post</title><link>/zuwara/</link>
<item><title>Fishing boats return</title><guid>z-1</guid><link>boats</link></item>
<item><title>Market moves</title><guid>z-2</guid><link>mailto:desk@zuwarapost.example</link></item>
</channel></rss>`,
			wantLinks: map[string]string{
				"Fishing boats return": "SRV/zuwara/boats",
				"Market moves":         "", // mailto: is for content, not an item's link
			},
			wantSite: "SRV/zuwara/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			srv := serveFeed(t, tt.contentType, []byte(tt.body))
			src := fetch.Source{Name: "hostile", URL: srv.URL + "/feed"}
			if _, err := newFetcher(db).Fetch(context.Background(), src); err != nil {
				t.Fatal(err)
			}
			items, err := db.Items(store.Query{})
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != len(tt.wantLinks) {
				t.Errorf("stored %d items, want %d (an item without a web link is kept)", len(items), len(tt.wantLinks))
			}
			for _, it := range items {
				want, ok := tt.wantLinks[it.Title]
				if !ok {
					t.Errorf("unexpected item %q", it.Title)
					continue
				}
				want = strings.Replace(want, "SRV", srv.URL, 1)
				if it.Link != want {
					t.Errorf("%q: link %q, want %q", it.Title, it.Link, want)
				}
				for _, c := range it.Copies {
					if c.Link != want {
						t.Errorf("%q: copy's link %q, want %q", it.Title, c.Link, want)
					}
				}
			}
			st, err := db.State("hostile")
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.Replace(tt.wantSite, "SRV", srv.URL, 1); st.FeedLink != want {
				t.Errorf("site link %q, want %q", st.FeedLink, want)
			}
		})
	}
}
