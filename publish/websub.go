package publish

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/libyawire/libyawire/internal/i18n"
)

// Pinger tells a WebSub hub that the merged feeds changed, so that
// subscribers hear of new stories without polling. Changed only marks the
// feeds dirty; Run sends at most one ping every interval, in the background,
// so a burst of fetches costs one request to the hub.
type Pinger struct {
	hub      string
	topics   []string
	client   *http.Client
	interval time.Duration
	log      *slog.Logger
	dirty    chan struct{} // holds a token while a ping is due
}

// mergedFeeds are the merged feeds' URLs under base, bare, with each
// interface language's hl, and ranked (sort=top, developing=1): their self
// links, which subscribers name as topics.
func mergedFeeds(base string) []string {
	var topics []string
	for _, f := range []string{"/feed.atom", "/feed.rss", "/feed.json"} {
		topics = append(topics, base+f) // English, or as Accept-Language says
		for _, loc := range i18n.Locales() {
			topics = append(topics, base+f+"?hl="+loc.Code) // as the page's links give them
		}
		topics = append(topics, base+f+"?sort=top", base+f+"?developing=1")
	}
	return topics
}

// NewPinger returns a Pinger for hub and the merged feeds under baseURL. A
// nil client means http.DefaultClient.
func NewPinger(hub, baseURL string, client *http.Client, logger *slog.Logger) *Pinger {
	base := strings.TrimRight(baseURL, "/")
	if client == nil {
		client = http.DefaultClient
	}
	return &Pinger{
		hub:      hub,
		topics:   mergedFeeds(base),
		client:   client,
		interval: 10 * time.Second,
		log:      logger,
		dirty:    make(chan struct{}, 1),
	}
}

// Changed notes that the feeds changed. It never blocks.
func (p *Pinger) Changed() {
	select {
	case p.dirty <- struct{}{}:
	default: // a ping is due already
	}
}

// Run pings the hub whenever the feeds have changed, at most once every
// interval, until ctx is done.
func (p *Pinger) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.dirty:
		}
		if err := p.ping(ctx); err != nil {
			p.log.Warn("WebSub hub ping failed", "hub", p.hub, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(p.interval):
		}
	}
}

// ping sends one publish notification naming every topic.
func (p *Pinger) ping(ctx context.Context) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": p.topics}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	return nil
}
