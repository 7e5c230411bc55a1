package fetch

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/libyawire/libyawire/store"
	"github.com/mmcdole/gofeed"
)

// Bounds on pauses.
const (
	maxRetryAfter = 24 * time.Hour  // the longest Retry-After honoured
	minAsked      = time.Minute     // the shortest interval a feed may ask for
	maxAsked      = 6 * time.Hour   // the longest; a feed asking more is fetched this often
	askTolerance  = 2 * time.Second // scheduling slack, so a tick at exactly the interval still runs
)

// retryAfter reads a Retry-After header, in seconds or as an HTTP date,
// capped at maxRetryAfter. It reports false when there is none or it
// cannot be read.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(min(max(secs, 0), int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0, false
	}
	return min(max(d, 0), maxRetryAfter), true
}

// asked returns how often a feed asks to be fetched at most, and where it
// says so: Cache-Control max-age, RSS <ttl>, or sy:updatePeriod and
// sy:updateFrequency; the longest of those present, within [minAsked,
// maxAsked]. It returns 0 when the feed asks nothing.
func asked(h http.Header, feed *gofeed.Feed, ttl string) (time.Duration, string) {
	var d time.Duration
	var why string
	consider := func(v time.Duration, source string) {
		if v > d {
			d, why = v, source
		}
	}
	if secs, ok := maxAge(h.Get("Cache-Control")); ok {
		consider(time.Duration(secs)*time.Second, "Cache-Control max-age")
	}
	if mins, err := strconv.Atoi(strings.TrimSpace(ttl)); err == nil && mins > 0 {
		consider(time.Duration(mins)*time.Minute, "RSS ttl")
	}
	if feed != nil {
		if p := syndicationPeriod(feed); p > 0 {
			consider(p, "sy:updatePeriod")
		}
	}
	if d <= 0 {
		return 0, ""
	}
	return min(max(d, minAsked), maxAsked), why
}

// maxAge reads max-age from a Cache-Control header; no-store and no-cache
// ask for nothing.
func maxAge(cc string) (int64, bool) {
	var secs int64
	found := false
	for _, part := range strings.Split(cc, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(strings.ToLower(part)), "=")
		switch k {
		case "no-store", "no-cache":
			return 0, false
		case "max-age":
			n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
			if err == nil && n > 0 {
				secs, found = n, true
			}
		}
	}
	return secs, found
}

// syndicationPeriod reads the RSS syndication module: updatePeriod (hourly,
// daily, weekly, monthly, yearly) divided by updateFrequency (default 1).
func syndicationPeriod(feed *gofeed.Feed) time.Duration {
	sy := feed.Extensions["sy"]
	if sy == nil {
		return 0
	}
	value := func(name string) string {
		if exts := sy[name]; len(exts) > 0 {
			return strings.TrimSpace(exts[0].Value)
		}
		return ""
	}
	periods := map[string]time.Duration{
		"hourly": time.Hour, "daily": 24 * time.Hour, "weekly": 7 * 24 * time.Hour,
		"monthly": 30 * 24 * time.Hour, "yearly": 365 * 24 * time.Hour,
	}
	period, ok := periods[strings.ToLower(value("updatePeriod"))]
	if !ok {
		return 0
	}
	freq, err := strconv.Atoi(value("updateFrequency"))
	if err != nil || freq < 1 {
		freq = 1
	}
	return period / time.Duration(freq)
}

// backoff returns how long a source waits after its nth failure in a row:
// 1, 2, 4 and then 8 times its schedule's interval, give or take a tenth,
// so that sources failing together do not retry together.
func backoff(failures int, interval time.Duration) time.Duration {
	factor := 1 << min(max(failures-1, 0), 3)
	jitter := 0.9 + 0.2*rand.Float64()
	return time.Duration(float64(interval) * float64(factor) * jitter)
}

// pauseAsked sets st's pause to what the feed asks, if anything.
func (f *Fetcher) pauseAsked(st *store.SourceState, h http.Header, feed *gofeed.Feed, ttl string, now time.Time) {
	if d, why := asked(h, feed, ttl); d > 0 {
		st.NotBefore = now.Add(d - askTolerance).UTC()
		st.Waiting = fmt.Sprintf("the feed asks for at most one fetch every %s (%s)", d, why)
	}
}
