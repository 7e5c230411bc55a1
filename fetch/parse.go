package fetch

import (
	"errors"
	"fmt"
	"io"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"

	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
)

// parse reads a feed of any format gofeed knows and converts its entries.
// It also returns an RSS feed's <ttl>, which gofeed's universal feed drops.
func parse(r io.Reader, src Source, feedURL string, tg *tag.Tagger) (*gofeed.Feed, string, []store.Item, error) {
	p := gofeed.NewParser()
	// The image scan parses every entry's HTML as a document, a tenth of
	// ingest time, for an image libyawire does not use.
	rt := &rssTranslator{DefaultRSSTranslator: gofeed.DefaultRSSTranslator{DisableContentImageScan: true}}
	p.RSSTranslator = rt
	feed, err := p.Parse(dropControls(r))
	if err != nil {
		return nil, "", nil, fmt.Errorf("parse: %w", err)
	}
	return feed, rt.ttl, convert(feed, src, feedURL, tg), nil
}

// rssTranslator is gofeed's RSS translator that keeps the channel's ttl.
type rssTranslator struct {
	gofeed.DefaultRSSTranslator
	ttl string
}

func (t *rssTranslator) Translate(feed any) (*gofeed.Feed, error) {
	if f, ok := feed.(*rss.Feed); ok {
		t.ttl = f.TTL
	}
	return t.DefaultRSSTranslator.Translate(feed)
}

// limitedReader reads at most n bytes and notes whether the body held more.
type limitedReader struct {
	r    io.Reader
	n    int64
	read int64
	over bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Read one byte more to tell a body of exactly n bytes from a
		// longer one.
		var one [1]byte
		if k, _ := io.ReadFull(l.r, one[:]); k > 0 {
			l.over = true
			return 0, errors.New("body too large")
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	l.read += int64(k)
	return k, err
}
