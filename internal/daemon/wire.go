package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/publish"
	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
)

// Grace periods at shutdown.
const (
	serverGrace = 5 * time.Second  // for requests in flight
	fetchGrace  = 15 * time.Second // for fetches in flight; then they are cancelled
)

// NewTagger builds the tagger for the config's rules.
func NewTagger(cfg *config.Config) (*tag.Tagger, error) {
	rules := make([]tag.Rule, len(cfg.Tags))
	for i, r := range cfg.Tags {
		rules[i] = tag.Rule{Slug: r.Slug, Title: r.Title, Match: r.Match, Ambiguous: r.Ambiguous, Implies: r.Implies, Place: r.Place}
		for _, e := range r.Entities {
			rules[i].Entities = append(rules[i].Entities, tag.Entity{Name: e.Name, Match: e.Match, Ambiguous: e.Ambiguous})
		}
	}
	t, err := tag.New(rules)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Path, err)
	}
	return t, nil
}

// fetchSources converts the configured sources for the fetcher.
func fetchSources(cfg *config.Config) []fetch.Source {
	out := make([]fetch.Source, len(cfg.Sources))
	for i, s := range cfg.Sources {
		out[i] = fetch.Source{
			Name:     s.Name,
			Title:    s.Title,
			URL:      s.URL,
			Schedule: s.Schedule,
			Tags:     s.Tags,
			Keep:     s.Keep,
			Drop:     s.Drop,
			Language: s.Language,
		}
		if s.Timezone != "" {
			// The config check has loaded it once already.
			out[i].Location, _ = time.LoadLocation(s.Timezone)
		}
	}
	return out
}

// publishOptions converts cfg for the server, whose /healthz asks healthy.
func publishOptions(cfg *config.Config, healthy func() error) publish.Options {
	opts := publish.Options{
		BaseURL:       strings.TrimRight(cfg.BaseURL, "/"),
		Title:         cfg.Feed.Title,
		Description:   cfg.Feed.Description,
		TitleAr:       cfg.Feed.TitleAr,
		DescriptionAr: cfg.Feed.DescriptionAr,
		Items:         cfg.Feed.Items,
		Developing:    store.Developing{Outlets: cfg.Stories.Developing.Outlets, Within: cfg.Stories.Developing.Within},
		TagTitles:     map[string]string{},
		TagTitlesAr:   map[string]string{},
		Version:       config.Version,
		Sources:       PublishSources(cfg),
		// The sources date from the file as it was when last loaded.
		ConfigModified: ConfigModified(cfg.Path),
		Healthy:        healthy,
	}
	for _, r := range cfg.Tags {
		opts.TagTitles[r.Slug] = r.Title
		if r.TitleAr != "" {
			opts.TagTitlesAr[r.Slug] = r.TitleAr
		}
	}
	return opts
}

// PublishSources converts the configured sources for the server, and for
// the opml command, which must list them as the server does.
func PublishSources(cfg *config.Config) []publish.Source {
	out := make([]publish.Source, len(cfg.Sources))
	for i, s := range cfg.Sources {
		out[i] = publish.Source{Name: s.Name, Title: s.Title, URL: s.URL, Tags: s.Tags}
	}
	return out
}

// newLogger returns a logger of LIBYAWIRE_LOG's level (info when empty)
// writing text to w.
func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if level != "" {
		if err := l.UnmarshalText([]byte(level)); err != nil {
			return nil, fmt.Errorf("LIBYAWIRE_LOG=%q: want debug, info, warn or error", level)
		}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// FetchDirect fetches with a scheduler of its own, as the daemon would. The
// log, which would repeat the progress lines, is off unless LIBYAWIRE_LOG
// asks for it.
func FetchDirect(ctx context.Context, cfg *config.Config, getenv func(string) string, names []string, initDB bool, stderr io.Writer, progress func(string)) (summary string, failed bool, err error) {
	logger := slog.New(slog.DiscardHandler)
	if level := getenv("LIBYAWIRE_LOG"); level != "" {
		if logger, err = newLogger(level, stderr); err != nil {
			return "", false, err
		}
	}
	tagger, err := NewTagger(cfg)
	if err != nil {
		return "", false, err
	}
	db, err := store.Open(DatabasePath(cfg, getenv), &store.Options{Init: initDB})
	if err != nil {
		return "", false, err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the database: %w", cerr)
		}
	}()
	if err := db.SetGrouping(groupConfig(cfg)); err != nil {
		return "", false, err
	}
	sched, err := fetch.NewScheduler(newFetcher(cfg, db, tagger).Fetch, fetchSources(cfg), fetchLimits(cfg), db, logger)
	if err != nil {
		return "", false, err
	}
	summary, failed, err = fetchNow(ctx, sched, names, progress)
	if ctx.Err() != nil {
		return "", false, fmt.Errorf("fetch interrupted: %w", err)
	}
	return summary, failed, err
}

// newFetcher builds the fetcher of cfg's settings into db.
func newFetcher(cfg *config.Config, db *store.DB, tagger *tag.Tagger) *fetch.Fetcher {
	return fetch.New(db, fetch.Options{
		UserAgent: cfg.UserAgent(config.Version),
		Timeout:   cfg.Fetch.Timeout,
		MaxBody:   int64(cfg.Fetch.MaxBody),
		MaxAge:    cfg.Retention.MaxAge,
		Tagger:    tagger,
	})
}

// countFetch counts a fetch and how it went in m.
func countFetch(m *publish.Metrics, src fetch.Source, out fetch.Outcome, err error) {
	outcome := publish.FetchOK
	switch {
	case errors.Is(err, context.Canceled):
		return // stopped by whoever asked for it: no outcome of the source's
	case err != nil:
		outcome = publish.FetchFailed
	case out.Skipped != "":
		outcome = publish.FetchSkipped
	case out.NotModified:
		outcome = publish.FetchNotModified
	}
	m.ObserveFetch(src.Name, outcome, out.Took, out.New)
}

// DatabasePath is the config's database unless LIBYAWIRE_DATABASE says
// otherwise.
func DatabasePath(cfg *config.Config, getenv func(string) string) string {
	if p := getenv("LIBYAWIRE_DATABASE"); p != "" {
		return p
	}
	return cfg.Database
}

// fetchNow runs sched.FetchNow and turns its reports into progress lines and
// a summary. It is the daemon's publish.Options.FetchNow (see
// daemonFetchNow) and the fetch command's when no daemon runs, so the lines
// read the same either way.
func fetchNow(ctx context.Context, sched *fetch.Scheduler, names []string, progress func(string)) (summary string, failed bool, err error) {
	var p fetchProgress
	err = sched.FetchNow(ctx, names, func(r fetch.Report) { progress(p.add(r)) })
	if err != nil {
		return "", false, err
	}
	return p.summary(), p.failed > 0, nil
}

// daemonFetchNow is the daemon's publish.Options.FetchNow. A fetch still
// going when stopping is done is cancelled, so that it does not hold up the
// shutdown of the server, and of the store beneath it.
func daemonFetchNow(stopping context.Context, sched *fetch.Scheduler) func(context.Context, []string, func(string)) (string, bool, error) {
	return func(ctx context.Context, names []string, progress func(string)) (string, bool, error) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(stopping, cancel)()
		return fetchNow(ctx, sched, names, progress)
	}
}

// fetchProgress turns the reports of one FetchNow into progress lines and
// counts them for the summary.
type fetchProgress struct {
	sources, fetched, notModified, failed, skipped, busy, cancelled int
}

// add counts r and returns its line, such as
// "libya-herald: 200, 12 new, 3 updated (340ms)".
func (p *fetchProgress) add(r fetch.Report) string {
	p.sources++
	out := r.Outcome
	switch {
	case errors.Is(r.Err, context.Canceled):
		p.cancelled++
		return r.Source + ": cancelled"
	case r.Err != nil:
		p.failed++
		why := r.Err
		if fe, ok := errors.AsType[*fetch.Error](r.Err); ok && fe.Source == r.Source {
			why = fe.Err // the line names the source already
		}
		return fmt.Sprintf("%s: failed: %s", r.Source, strings.Join(strings.Fields(why.Error()), " "))
	case r.Busy:
		p.busy++
		return r.Source + ": already being fetched"
	case out.Skipped != "":
		p.skipped++
		return fmt.Sprintf("%s: skipped: %s", r.Source, out.Skipped)
	case out.NotModified:
		p.notModified++
		return r.Source + ": not modified"
	}
	p.fetched++
	line := fmt.Sprintf("%s: %d, %d new, %d updated", r.Source, out.Status, out.New, out.Updated)
	if out.Dropped > 0 {
		line += fmt.Sprintf(", %d dropped", out.Dropped)
	}
	if out.Old > 0 {
		line += fmt.Sprintf(", %d older than retention.max_age", out.Old)
	}
	line = fmt.Sprintf("%s (%s)", line, out.Took.Round(time.Millisecond))
	if out.MovedTo != "" {
		line += "; moved permanently to " + fetch.Clip(out.MovedTo) + ": update config.yaml"
	}
	return line
}

// summary returns a line such as "26 sources: 20 fetched, 4 not modified, 2 failed".
func (p *fetchProgress) summary() string {
	s := fmt.Sprintf("%d %s: %d fetched, %d not modified, %d failed", p.sources, plural(p.sources, "source", "sources"), p.fetched, p.notModified, p.failed)
	if p.skipped > 0 {
		s += fmt.Sprintf(", %d skipped", p.skipped)
	}
	if p.busy > 0 {
		s += fmt.Sprintf(", %d already being fetched", p.busy)
	}
	if p.cancelled > 0 {
		s += fmt.Sprintf(", %d cancelled", p.cancelled)
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ConfigModified returns when the file at path was last modified, to the
// second as HTTP and OPML dates have it; the zero time when it cannot tell.
func ConfigModified(path string) time.Time {
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime().UTC().Truncate(time.Second)
}

// fetchLimits is the config's limits for the scheduler.
func fetchLimits(cfg *config.Config) fetch.Limits {
	return fetch.Limits{Concurrency: cfg.Fetch.Concurrency, PerHost: cfg.Fetch.PerHost}
}
