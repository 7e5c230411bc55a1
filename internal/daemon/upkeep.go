package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/libyawire/libyawire/group"
	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
)

// startRetag re-tags the stored stories under tagger's rules in the
// background, if they were tagged under others. Called with s.mu held, or
// before the service is shared.
func (s *service) startRetag(cfg *config.Config, tagger *tag.Tagger) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		retag(ctx, s.db, tagger, cfg, s.logger)
	}()
	s.stopRetag = func() {
		cancel()
		<-done
	}
}

// startRegroup regroups the stored stories in the background, if they
// were grouped under other settings. Called with s.mu held, or before the
// service is shared.
func (s *service) startRegroup(cfg *config.Config) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		regroup(ctx, s.db, cfg, s.logger)
	}()
	s.stopGroup = func() {
		cancel()
		<-done
	}
}

// pruneLoop applies the retention settings at start, after a reload and
// every pruneEvery, in small transactions beside fetching and serving.
func (s *service) pruneLoop(ctx context.Context) {
	tick := time.NewTicker(pruneEvery)
	defer tick.Stop()
	for {
		s.prune(ctx)
		select {
		case <-tick.C:
		case <-s.pruneNow:
		case <-ctx.Done():
			return
		}
	}
}

func (s *service) prune(ctx context.Context) {
	cfg := s.cfg.Load()
	r := retention(cfg)
	s.db.ExpireGroups()
	start := time.Now()
	deleted, err := s.db.Prune(ctx, r, 0)
	switch {
	case errors.Is(err, context.Canceled):
	case err != nil:
		s.logger.Error("pruning old stories failed; the next round tries again", "deleted", deleted, "err", err)
	case deleted > 0:
		s.logger.Info("pruned old stories", "deleted", deleted, "took", time.Since(start).Round(time.Millisecond))
	}
}

// groupConfig converts the config's stories section for the store: nil
// when grouping is off.
func groupConfig(cfg *config.Config) *group.Config {
	if !cfg.Stories.Group {
		return nil
	}
	return &group.Config{Window: cfg.Stories.Window, Threshold: cfg.Stories.Threshold, CrossLanguage: cfg.Stories.CrossLanguage}
}

// groupVersion names grouping settings and the decision's version, for
// the store to know when the stories were grouped under others: after a
// change of either they are regrouped.
func groupVersion(cfg *config.Config) string {
	g := groupConfig(cfg)
	if g == nil {
		return "off"
	}
	return fmt.Sprintf("decision=%s window=%s threshold=%g cross_language=%t", group.Version, g.Window, g.Threshold, g.CrossLanguage)
}

// regroup brings the stored stories' groups up to the config's settings,
// if they were grouped under others, like retag.
func regroup(ctx context.Context, db *store.DB, cfg *config.Config, logger *slog.Logger) {
	have, err := db.GroupVersion()
	if err != nil {
		logger.Error("reading the grouping version", "err", err)
		return
	}
	want := groupVersion(cfg)
	if have == want {
		return
	}
	if have == "" && db.Changed().IsZero() {
		if err := db.SetGroupVersion(want); err != nil {
			logger.Error("recording the grouping version", "err", err)
		}
		return
	}
	start := time.Now()
	logger.Info("regrouping stored stories under changed settings", "from", have, "to", want)
	split, merged, err := db.Regroup(ctx, groupConfig(cfg), want)
	switch {
	case errors.Is(err, context.Canceled):
		logger.Info("regrouping stopped; it runs again at the next start", "split", split, "merged", merged)
	case err != nil:
		logger.Error("regrouping failed", "split", split, "merged", merged, "err", err)
	default:
		logger.Info("regrouped", "split", split, "merged", merged, "took", time.Since(start).Round(time.Millisecond))
	}
}

// retention converts the config's retention settings for the store.
func retention(cfg *config.Config) store.Retention {
	r := store.Retention{MaxAge: cfg.Retention.MaxAge}
	for _, src := range cfg.Sources {
		if src.MaxItems > 0 {
			if r.MaxItems == nil {
				r.MaxItems = map[string]int{}
			}
			r.MaxItems[src.Name] = src.MaxItems
		}
	}
	return r
}

// retag brings the stored stories' tags up to the current rules, if they
// were tagged under others. It runs beside fetching and serving; a stop
// leaves it to carry on at the next start.
func retag(ctx context.Context, db *store.DB, tagger *tag.Tagger, cfg *config.Config, logger *slog.Logger) {
	have, err := db.TagVersion()
	if err != nil {
		logger.Error("reading the tag rules version", "err", err)
		return
	}
	if have == tagger.Version() {
		return
	}
	if have == "" && db.Changed().IsZero() {
		// A new database: every story it will hold is tagged by tagger.
		if err := db.SetTagVersion(tagger.Version()); err != nil {
			logger.Error("recording the tag rules version", "err", err)
		}
		return
	}
	sourceTags := map[string][]string{}
	for _, s := range cfg.Sources {
		sourceTags[s.Name] = s.Tags
	}
	fn := func(story *store.Item, c *store.Copy) []string {
		tags, ok := sourceTags[c.Source]
		if !ok {
			return c.Tags // a source no longer configured keeps the tags it had
		}
		return tagger.Tags(tag.Input{
			Title: story.Title, Summary: story.Summary, Content: story.Content,
			Categories: c.Categories, SourceTags: tags,
		})
	}
	start := time.Now()
	logger.Info("re-tagging stored stories under changed rules", "from", have, "to", tagger.Version())
	changed, err := db.Retag(ctx, tagger.Version(), 0, fn)
	switch {
	case errors.Is(err, context.Canceled):
		logger.Info("re-tagging paused until the next start", "changed", changed)
	case err != nil:
		logger.Error("re-tagging failed", "changed", changed, "err", err)
	default:
		logger.Info("re-tagged", "changed", changed, "took", time.Since(start).Round(time.Millisecond))
	}
}
