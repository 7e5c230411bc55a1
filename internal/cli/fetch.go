package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/internal/daemon"
	"github.com/libyawire/libyawire/publish"
)

// ErrSomeFailed is what Run returns for the fetch command's error when a source failed; the
// progress lines before it say which and why.
var ErrSomeFailed = errors.New("fetch: not every source could be fetched (see the failed lines above)")

// fetchCommand is `libyawire fetch`: it fetches the named sources (all when
// names is empty) now, through the daemon when one runs, and writes a line
// per source and a summary to stderr. It returns ErrSomeFailed when a
// source failed.
func fetchCommand(ctx context.Context, configPath string, names []string, getenv func(string) string, initDB bool, stderr io.Writer) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	if err := checkNames(cfg, names); err != nil {
		return err
	}
	progress := func(line string) { fmt.Fprintln(stderr, line) }
	var summary string
	var failed bool
	if base := runningDaemon(ctx, cfg.Listen); base != "" {
		summary, failed, err = fetchByDaemon(ctx, base, names, progress)
	} else {
		summary, failed, err = daemon.FetchDirect(ctx, cfg, getenv, names, initDB, stderr, progress)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, summary)
	if failed {
		return ErrSomeFailed
	}
	return nil
}

// checkNames returns an error naming the configured sources when a name is
// not one of them.
func checkNames(cfg *config.Config, names []string) error {
	known := make([]string, len(cfg.Sources))
	for i, s := range cfg.Sources {
		known[i] = s.Name
	}
	for _, name := range names {
		if !slices.Contains(known, name) {
			return fmt.Errorf("-source %s: %s has no source of that name; its sources are %s", name, cfg.Path, strings.Join(known, ", "))
		}
	}
	return nil
}

// fetchByDaemon has the daemon at base fetch, over POST /api/fetch.
func fetchByDaemon(ctx context.Context, base string, names []string, progress func(string)) (summary string, failed bool, err error) {
	target := base + "/api/fetch"
	if len(names) > 0 {
		target += "?" + url.Values{"source": names}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, nil)
	if err != nil {
		return "", false, err
	}
	// No timeout but ctx: the answer comes as the fetches end, which may
	// take as long as the slowest source.
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false, fmt.Errorf("asking the daemon to fetch: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", false, fmt.Errorf("asking the daemon to fetch: POST %s: %s", target, answerText(resp))
	}
	summary, failed, err = publish.ReadFetchStream(resp.Body, progress)
	if err != nil {
		return "", false, fmt.Errorf("the daemon's fetch: %w", err)
	}
	return summary, failed, nil
}
