package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/libyawire/libyawire/internal/bytesize"
	"github.com/libyawire/libyawire/internal/netaddr"
	"github.com/libyawire/libyawire/store"
)

// fetch makes the request and parses the feed. It updates st's status,
// moved_to and pause and, on a 200, its validators.
func (f *Fetcher) fetch(ctx context.Context, src Source, st *store.SourceState) (Outcome, []store.Item, error) {
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	ctx, hops := withHops(ctx)
	req, err := f.newRequest(ctx, src, st)
	if err != nil {
		return Outcome{}, nil, err
	}
	client := f.client
	if netaddr.LocalURL(src.URL) {
		client = f.local
	}
	resp, err := client.Do(req)
	if err != nil {
		st.Status = 0
		return Outcome{}, nil, describe(err, f.opts.Timeout)
	}
	defer func() {
		// Read what is left of a small body so the connection can be used
		// again; a large one is not worth it.
		io.CopyN(io.Discard, resp.Body, 4<<10)
		resp.Body.Close()
	}()
	st.Status = resp.StatusCode
	st.MovedTo = ""
	if hops.permanent {
		st.MovedTo = hops.movedTo
	}
	out := Outcome{Status: resp.StatusCode}
	now := f.now()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		f.pauseAsked(st, resp.Header, nil, "", now)
		return out, nil, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		if d, ok := retryAfter(resp.Header, now); ok {
			st.NotBefore = now.Add(d).UTC()
			st.Waiting = fmt.Sprintf("HTTP %d asked to retry after %s", resp.StatusCode, d.Round(time.Second))
		}
		return out, nil, fmt.Errorf("HTTP %s", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return out, nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return f.readFeed(ctx, resp, src, st, out, now)
}

// newRequest returns the GET for src, with the validators st holds for
// its URL.
func (f *Fetcher) newRequest(ctx context.Context, src Source, st *store.SourceState) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		return nil, err
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
	return req, nil
}

// readFeed reads and parses the body of a 200, caps the category tags of
// its items, and records in st the validators, the feed's title and link
// and the pause the feed asks for, as seen at now.
func (f *Fetcher) readFeed(ctx context.Context, resp *http.Response, src Source, st *store.SourceState, out Outcome, now time.Time) (Outcome, []store.Item, error) {
	body := &limitedReader{r: resp.Body, n: f.opts.MaxBody}
	decoded, err := decodeCharset(body, resp.Header.Get("Content-Type"))
	if err != nil {
		return out, nil, fmt.Errorf("parse: %w", err)
	}
	feed, ttl, items, err := parse(decoded, src, resp.Request.URL.String(), f.opts.Tagger)
	switch {
	case body.over:
		return out, nil, fmt.Errorf("body larger than %s", bytesize.Format(f.opts.MaxBody))
	case body.read == 0 && err != nil:
		return out, nil, errEmptyBody
	case errors.Is(err, gofeed.ErrFeedTypeNotDetected):
		return out, nil, notAFeed(resp.Header.Get("Content-Type"))
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return out, nil, describe(context.DeadlineExceeded, f.opts.Timeout)
	case err != nil:
		return out, nil, err
	}
	cats := newCategoryCap(f.opts.Tagger, src.Tags, st.CategoryTags)
	for i := range items {
		items[i].Tags, items[i].Categories = cats.admit(items[i].Tags, items[i].Categories)
	}
	if cats.dropped > 0 {
		out.CategoriesDropped = cats.dropped
		out.CategoryCapReached = st.CategoriesDropped == 0
		st.CategoriesDropped += cats.dropped
	}
	st.CategoryTags = cats.recorded()
	st.URL = src.URL
	st.ETag = resp.Header.Get("ETag")
	st.LastModified = resp.Header.Get("Last-Modified")
	st.FeedTitle = strings.TrimSpace(feed.Title)
	st.FeedLink = siteLink(feed, resp.Request.URL.String())
	f.pauseAsked(st, resp.Header, feed, ttl, now)
	out.Items = len(feed.Items)
	return out, items, nil
}

// notAFeed names what came instead of a feed.
func notAFeed(contentType string) error {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" {
		return errors.New("not a feed")
	}
	return fmt.Errorf("not a feed (%s)", mt)
}
