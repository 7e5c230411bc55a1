// Package fetch pulls the configured feeds: a conditional GET, a parse with
// gofeed, the conversion of each entry to a store.Item with its source's tags
// and filters applied, and one store.Ingest per feed. Scheduler runs Fetch on
// each source's cron schedule.
//
// A fetch is polite: it sends the validators of the last 200, follows at
// most ten redirects and reports a permanent one, honours Retry-After on 429
// and 503, never asks again sooner than the feed's Cache-Control max-age,
// RSS ttl or sy:updatePeriod allows, and backs off from a failing source.
// The pauses live in the source's stored state, so they survive a restart.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
)

// Source is one feed to fetch, as the configuration describes it.
type Source struct {
	Name     string
	Title    string
	URL      string
	Schedule string         // cron spec
	Tags     []string       // given to every item
	Keep     []string       // when set, only items with one of these tags are stored
	Drop     []string       // items with any of these tags are not stored
	Language string         // for feeds that do not say
	Location *time.Location // for dates the feed gives without a zone; nil means UTC
}

// Options tunes a Fetcher. Zero fields take the defaults in brackets.
type Options struct {
	UserAgent string        // [libyawire]
	Timeout   time.Duration // whole request: connect, headers and body [30s]
	MaxBody   int64         // bytes, after decompression [10 MiB]
	MaxAge    time.Duration // items published longer ago are not stored [no limit]
	Client    *http.Client  // [clients of its own, which guard the addresses they reach]
	Tagger    *tag.Tagger   // [no rules: source tags and categories only]
	Now       func() time.Time

	// LookupIP resolves a host name and Dial connects to an address, for
	// the clients of the Fetcher's own; tests put a network of their own
	// behind them. [net.DefaultResolver, a net.Dialer]
	LookupIP func(ctx context.Context, host string) ([]netip.Addr, error)
	Dial     func(ctx context.Context, network, address string) (net.Conn, error)
}

// noRules tags with source tags and categories alone.
var noRules, _ = tag.New(nil)

// Fetcher fetches sources into a store.
type Fetcher struct {
	db       *store.DB
	opts     Options
	resolver resolver
	client   *http.Client // connects to public addresses only
	local    *http.Client // for sources configured on a local address: connects anywhere
	now      func() time.Time
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
	if opts.Tagger == nil {
		opts.Tagger = noRules
	}
	if opts.LookupIP == nil {
		opts.LookupIP = lookupIP
	}
	if opts.Dial == nil {
		opts.Dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	f := &Fetcher{db: db, opts: opts, resolver: resolver{lookup: opts.LookupIP, dial: opts.Dial},
		client: opts.Client, local: opts.Client, now: opts.Now}
	if f.client == nil {
		// Two pools, so that a connection opened for a source on a local
		// address is never reused by a redirect of another source.
		f.client = f.newClient(false)
		f.local = f.newClient(true)
	}
	if f.client.CheckRedirect == nil {
		c := *f.client
		c.CheckRedirect = checkRedirect
		f.client, f.local = &c, &c
	}
	if f.now == nil {
		f.now = time.Now
	}
	return f
}

// newClient returns a client whose connections go to public addresses
// only, or anywhere when allowLocal.
func (f *Fetcher) newClient(allowLocal bool) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 2 // the scheduler's default per-host limit
	transport.DialContext = f.resolver.dialer(allowLocal)
	// A proxy would be the one to connect, out of sight of the check.
	transport.Proxy = nil
	return &http.Client{Transport: transport, CheckRedirect: checkRedirect}
}

type manualKey struct{}

// Manual marks ctx as an operator's fetch (libyawire fetch), which does not
// wait out libyawire's own back-off after failures; pauses a source asked
// for (Retry-After, max-age) hold all the same.
func Manual(ctx context.Context) context.Context { return context.WithValue(ctx, manualKey{}, true) }

func isManual(ctx context.Context) bool { return ctx.Value(manualKey{}) != nil }

// Close closes the connections the Fetcher keeps open for reuse.
func (f *Fetcher) Close() {
	f.client.CloseIdleConnections()
	f.local.CloseIdleConnections()
}

// Outcome is what one fetch did.
type Outcome struct {
	Status      int    // HTTP status; 0 when no response came
	Skipped     string // why no request was sent, when none was
	NotModified bool
	MovedTo     string    // where a permanent redirect led
	Moved       bool      // MovedTo is news: the last fetch did not report it
	Failures    int       // consecutive failures, this one included
	LastSuccess time.Time // the last fetch that succeeded; zero if none has
	Items       int       // entries in the feed
	New         int
	Updated     int
	Merged      int // copies that joined a story another source stored: its outlets grew
	Dropped     int // turned away by keep or drop
	Old         int // older than MaxAge
	Took        time.Duration

	// Category tags turned away by the caps (see maxItemCategoryTags),
	// and whether this is the first fetch of the source that did.
	CategoriesDropped  int
	CategoryCapReached bool
}

// Fetch fetches one source now, unless it asked for a pause that has not
// ended, stores what it brought, and records the source's state, success or
// failure. A 304 is a success with NotModified set. The error, if any, is
// also the one recorded.
func (f *Fetcher) Fetch(ctx context.Context, src Source) (Outcome, error) {
	start := f.now()
	st, err := f.db.State(src.Name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Outcome{}, &Error{Source: src.Name, Err: err}
	}
	// A pause the source asked for always holds; libyawire's own back-off
	// gives way to an operator's fetch.
	if start.Before(st.NotBefore) && !(st.BackingOff && isManual(ctx)) {
		return Outcome{Skipped: fmt.Sprintf("%s, until %s", st.Waiting, st.NotBefore.UTC().Format(time.RFC3339)),
			Failures: st.Failures}, nil
	}
	st.Name = src.Name
	st.LastFetch = start.UTC()
	st.NotBefore, st.Waiting, st.BackingOff = time.Time{}, "", false
	movedBefore := st.MovedTo

	out, items, err := f.fetch(ctx, src, &st)
	out.MovedTo = st.MovedTo
	out.Moved = st.MovedTo != "" && st.MovedTo != movedBefore
	if err == nil && !out.NotModified {
		items, out.Old = f.recent(items, start)
		kept, dropped := filter(items, src)
		out.Dropped = dropped
		st.Dropped += dropped
		var res store.Result
		res, err = f.db.Ingest(src.Name, kept, succeeded(st, start))
		out.New, out.Updated, out.Merged = res.New, res.Updated, res.Merged
	}
	out.Took = f.now().Sub(start)
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		// Stopped by whoever asked, an operator's Ctrl-C or a shutdown:
		// not the source's failure, so nothing is recorded and the source
		// is fetched again as if this fetch had not begun.
		return out, &Error{Source: src.Name, Err: errCancelled}
	}
	if err != nil {
		err = clipped{err}
		st.Error = err.Error()
		st.Failures++
		if st.NotBefore.IsZero() {
			st.NotBefore = start.Add(backoff(st.Failures, interval(src)) - interval(src)/2).UTC()
			st.Waiting = "backing off after a failure"
			if st.Failures > 1 {
				st.Waiting = fmt.Sprintf("backing off after %d failures in a row", st.Failures)
			}
			st.BackingOff = true
		}
		out.Failures, out.LastSuccess = st.Failures, st.LastSuccess
		f.db.SetState(st)
		return out, &Error{Source: src.Name, Err: err}
	}
	if out.NotModified {
		f.db.SetState(succeeded(st, start))
	}
	return out, nil
}

// succeeded marks st as a success at time at.
func succeeded(st store.SourceState, at time.Time) store.SourceState {
	st.LastSuccess = at.UTC()
	st.Error = ""
	st.Failures = 0
	return st
}

// interval returns how often a source's schedule runs; 15 minutes when the
// spec cannot be read (the config check has said so already).
func interval(src Source) time.Duration {
	d, err := ParseSchedule(src.Schedule)
	if err != nil {
		return 15 * time.Minute
	}
	return d
}

// recent drops items published before MaxAge ago, and says how many.
func (f *Fetcher) recent(items []store.Item, now time.Time) ([]store.Item, int) {
	if f.opts.MaxAge <= 0 {
		return items, 0
	}
	cutoff := now.Add(-f.opts.MaxAge)
	kept := items[:0:0]
	for _, it := range items {
		if !it.Published.IsZero() && it.Published.Before(cutoff) {
			continue
		}
		kept = append(kept, it)
	}
	return kept, len(items) - len(kept)
}
