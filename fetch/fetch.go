// Package fetch pulls the configured feeds: a conditional GET, a parse with
// gofeed, the conversion of each entry to a store.Item with its source's tags
// and filters applied, and one store.Ingest per feed. Scheduler runs Fetch on
// each source's cron schedule.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
	"github.com/mmcdole/gofeed"
)

// Source is one feed to fetch, as the configuration describes it.
type Source struct {
	Name     string
	Title    string
	URL      string
	Schedule string   // cron spec
	Tags     []string // given to every item
	Keep     []string // when set, only items with one of these tags are stored
	Drop     []string // items with any of these tags are not stored
	Language string   // for feeds that do not say
}

// Options tunes a Fetcher. Zero fields take the defaults in brackets.
type Options struct {
	UserAgent string        // [libyawire]
	Timeout   time.Duration // whole request, body included [30s]
	MaxBody   int64         // bytes [10 MiB]
	Client    *http.Client  // [a client of its own]
	Tagger    *tag.Tagger   // [no rules: source tags and categories only]
	Now       func() time.Time
}

// noRules tags with source tags and categories alone.
var noRules, _ = tag.New(nil)

// Fetcher fetches sources into a store.
type Fetcher struct {
	db     *store.DB
	opts   Options
	client *http.Client
	now    func() time.Time
}

// New returns a Fetcher that stores into db.
func New(db *store.DB, opts Options) *Fetcher {
	if opts.UserAgent == "" {
		opts.UserAgent = "libyawire"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 10 << 20
	}
	f := &Fetcher{db: db, opts: opts, client: opts.Client, now: opts.Now}
	if f.client == nil {
		f.client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.opts.Tagger == nil {
		f.opts.Tagger = noRules
	}
	return f
}

// Outcome is what one fetch did.
type Outcome struct {
	Status      int    // HTTP status; 0 when no response came
	Skipped     string // why no request was sent, when none was
	NotModified bool
	Failures    int // consecutive failures, this one included
	Items       int // entries in the feed
	New         int
	Updated     int
	Dropped     int
	Took        time.Duration
}

// Fetch fetches one source now, stores what it brought and records the
// source's state, success or failure. A 304 is a success with
// NotModified set. The error, if any, is also the one recorded.
func (f *Fetcher) Fetch(ctx context.Context, src Source) (Outcome, error) {
	start := f.now()
	st, err := f.db.State(src.Name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Outcome{}, fmt.Errorf("fetch %s: %w", src.Name, err)
	}
	st.Name = src.Name
	st.LastFetch = start.UTC()

	out, items, err := f.fetch(ctx, src, &st)
	out.Took = f.now().Sub(start)
	if err == nil && !out.NotModified {
		kept, dropped := filter(items, src)
		out.Dropped = dropped
		st.Dropped += dropped
		var res store.Result
		res, err = f.db.Ingest(src.Name, kept, succeeded(st, start))
		out.New, out.Updated = res.New, res.Updated
		if err == nil {
			return out, nil
		}
	}
	if err != nil {
		st.Error = err.Error()
		st.Failures++
		f.db.SetState(st)
		return out, fmt.Errorf("fetch %s: %w", src.Name, err)
	}
	f.db.SetState(succeeded(st, start))
	return out, nil
}

func succeeded(st store.SourceState, at time.Time) store.SourceState {
	st.LastSuccess = at.UTC()
	st.Error = ""
	st.Failures = 0
	return st
}

// fetch makes the request and parses the feed. It updates st's status and,
// on a 200, its validators.
func (f *Fetcher) fetch(ctx context.Context, src Source, st *store.SourceState) (Outcome, []store.Item, error) {
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		return Outcome{}, nil, err
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
	// Validators belong to the URL they came from; a source whose URL was
	// changed in the config starts afresh.
	if st.URL == src.URL {
		if st.ETag != "" {
			req.Header.Set("If-None-Match", st.ETag)
		}
		if st.LastModified != "" {
			req.Header.Set("If-Modified-Since", st.LastModified)
		}
	}
	resp, err := f.client.Do(req)
	if err != nil {
		st.Status = 0
		return Outcome{}, nil, err
	}
	defer resp.Body.Close()
	st.Status = resp.StatusCode
	out := Outcome{Status: resp.StatusCode}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		return out, nil, nil
	case resp.StatusCode != http.StatusOK:
		return out, nil, fmt.Errorf("HTTP %s", resp.Status)
	}

	body := &limitedReader{r: resp.Body, n: f.opts.MaxBody}
	feed, items, err := parse(decodeCharset(body, resp.Header.Get("Content-Type")), src, resp.Request.URL.String(), f.opts.Tagger)
	if body.over {
		return out, nil, fmt.Errorf("body larger than %s", byteSize(f.opts.MaxBody))
	}
	if err != nil {
		return out, nil, err
	}
	st.URL = src.URL
	st.ETag = resp.Header.Get("ETag")
	st.LastModified = resp.Header.Get("Last-Modified")
	st.FeedTitle = strings.TrimSpace(feed.Title)
	st.FeedLink = feed.Link
	out.Items = len(feed.Items)
	return out, items, nil
}

// parse reads a feed of any format gofeed knows and converts its entries.
func parse(r io.Reader, src Source, feedURL string, tg *tag.Tagger) (*gofeed.Feed, []store.Item, error) {
	p := gofeed.NewParser()
	// The image scan parses every entry's HTML as a document, a tenth of
	// ingest time, for an image libyawire does not use.
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	feed, err := p.Parse(r)
	if err != nil {
		return nil, nil, fmt.Errorf("parse: %w", err)
	}
	return feed, convert(feed, src, feedURL, tg), nil
}

// limitedReader reads at most n bytes and notes whether the body held more.
type limitedReader struct {
	r    io.Reader
	n    int64
	over bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Read one byte more to tell a body of exactly n bytes from a
		// longer one.
		var one [1]byte
		if k, _ := l.r.Read(one[:]); k > 0 {
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
	return k, err
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
