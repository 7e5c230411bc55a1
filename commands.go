package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/publish"
	"github.com/libyawire/libyawire/store"
	"github.com/libyawire/libyawire/tag"
)

// The fetch and sources commands need the database, which the daemon holds
// while it runs. So each first asks whether a daemon answers at the config's
// listen address, and if one does, asks it over HTTP instead.

// probeTimeout bounds the question whether a daemon is running.
const probeTimeout = time.Second

// errSomeFailed is the fetch command's error when a source failed; the
// progress lines before it say which and why.
var errSomeFailed = errors.New("fetch: not every source could be fetched (see the failed lines above)")

// namesFlag collects the values of a flag that may repeat and may hold a
// comma list, each name once.
type namesFlag []string

func (n *namesFlag) String() string { return strings.Join(*n, ",") }

func (n *namesFlag) Set(v string) error {
	for name := range strings.SplitSeq(v, ",") {
		if name = strings.TrimSpace(name); name != "" && !slices.Contains(*n, name) {
			*n = append(*n, name)
		}
	}
	return nil
}

// fetchCommand is `libyawire fetch`: it fetches the named sources (all when
// names is empty) now, through the daemon when one runs, and writes a line
// per source and a summary to stderr. It returns errSomeFailed when a
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
		summary, failed, err = fetchDirect(ctx, cfg, getenv, names, initDB, stderr, progress)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, summary)
	if failed {
		return errSomeFailed
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

// fetchDirect fetches with a scheduler of its own, as the daemon would. The
// log, which would repeat the progress lines, is off unless LIBYAWIRE_LOG
// asks for it.
func fetchDirect(ctx context.Context, cfg *config.Config, getenv func(string) string, names []string, initDB bool, stderr io.Writer, progress func(string)) (summary string, failed bool, err error) {
	logger := slog.New(slog.DiscardHandler)
	if level := getenv("LIBYAWIRE_LOG"); level != "" {
		if logger, err = newLogger(level, stderr); err != nil {
			return "", false, err
		}
	}
	tagger, err := newTagger(cfg)
	if err != nil {
		return "", false, err
	}
	db, err := store.Open(databasePath(cfg, getenv), &store.Options{Init: initDB})
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

// databasePath is the config's database unless LIBYAWIRE_DATABASE says
// otherwise.
func databasePath(cfg *config.Config, getenv func(string) string) string {
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
		// The fetcher's errors begin with "fetch NAME: ", which the line
		// says already.
		why := strings.TrimPrefix(r.Err.Error(), "fetch "+r.Source+": ")
		return fmt.Sprintf("%s: failed: %s", r.Source, strings.Join(strings.Fields(why), " "))
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

// runningDaemon returns the base URL of the daemon that listens at listen,
// or "" when nothing answers its /healthz within probeTimeout. Any answer
// counts, a 503 too: a daemon that is not healthy still holds the database.
func runningDaemon(ctx context.Context, listen string) string {
	addr := dialAddr(listen)
	if addr == "" {
		return ""
	}
	base := "http://" + addr
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	return base
}

// dialAddr returns the address at which to reach a daemon that listens at
// listen, or "" when there is none: a daemon on port 0 has a port no one
// else knows.
func dialAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || port == "0" {
		return ""
	}
	// A daemon on every interface is on the loopback one too.
	if ip := net.ParseIP(host); host == "" || ip.To4() != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	} else if ip != nil && ip.IsUnspecified() {
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

// answerText is an HTTP error answer as one line: its status and the
// start of its body, which for libyawire's errors says what to change.
func answerText(resp *http.Response) string {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	text := strings.Join(strings.Fields(string(body)), " ")
	if text == "" {
		return resp.Status
	}
	return resp.Status + ": " + text
}

// sourceRow is one source in the sources command's table: the part of
// /api/sources, or of store.SourceState, that the table shows.
type sourceRow struct {
	Name        string    `json:"name"`
	LastSuccess time.Time `json:"last_success"`
	Status      int       `json:"status"`
	Error       string    `json:"error"`
	Failures    int       `json:"failures"`
	New         int       `json:"new"`
	MovedTo     string    `json:"moved_to"`
}

// sourcesCommand is `libyawire sources`: a table of the configured sources,
// in config order, with their last fetch as the daemon, if it runs, or the
// database tells it.
func sourcesCommand(ctx context.Context, configPath string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	var rows []sourceRow
	if base := runningDaemon(ctx, cfg.Listen); base != "" {
		rows, err = sourcesFromDaemon(ctx, base)
	} else {
		rows, err = sourcesFromStore(databasePath(cfg, getenv))
	}
	if err != nil {
		return err
	}
	byName := make(map[string]sourceRow, len(rows))
	for _, r := range rows {
		byName[r.Name] = r
	}
	table := make([]sourceRow, len(cfg.Sources))
	for i, s := range cfg.Sources {
		table[i] = byName[s.Name]
		table[i].Name = s.Name // a source the daemon or store does not know yet
	}
	return writeSources(stdout, table)
}

// sourcesTimeout bounds the daemon's answer to /api/sources.
const sourcesTimeout = 10 * time.Second

func sourcesFromDaemon(ctx context.Context, base string) ([]sourceRow, error) {
	ctx, cancel := context.WithTimeout(ctx, sourcesTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/sources", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking the daemon for its sources: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("asking the daemon for its sources: GET %s/api/sources: %s", base, answerText(resp))
	}
	var rows []sourceRow
	if err := json.NewDecoder(resp.Body).Decode(&rows); err != nil {
		return nil, fmt.Errorf("reading the daemon's sources: %w", err)
	}
	return rows, nil
}

// sourcesFromStore reads the source states from the database at path. A
// database not yet created is not created here: no source has been fetched.
func sourcesFromStore(path string) ([]sourceRow, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	db, err := store.Open(path, nil)
	if err != nil {
		return nil, err
	}
	states, err := db.States()
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing the database: %w", cerr)
	}
	if err != nil {
		return nil, err
	}
	rows := make([]sourceRow, len(states))
	for i, st := range states {
		rows[i] = sourceRow{
			Name: st.Name, LastSuccess: st.LastSuccess, Status: st.Status, Error: st.Error,
			Failures: st.Failures, New: st.New, MovedTo: st.MovedTo,
		}
	}
	return rows, nil
}

// errorWidth is where the table cuts an error's text.
const errorWidth = 60

// writeSources writes rows as an aligned table. The MOVED TO column is there
// only when a source has moved.
func writeSources(w io.Writer, rows []sourceRow) error {
	moved := slices.ContainsFunc(rows, func(r sourceRow) bool { return r.MovedTo != "" })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "NAME\tLAST SUCCESS\tSTATUS\tNEW\tFAILURES\tERROR"
	if moved {
		header += "\tMOVED TO"
	}
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		last := "never"
		if !r.LastSuccess.IsZero() {
			last = r.LastSuccess.UTC().Format(time.RFC3339)
		}
		status := "-"
		if r.Status != 0 {
			status = fmt.Sprint(r.Status)
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%d\t%d\t%s", r.Name, last, status, r.New, r.Failures, truncate(r.Error, errorWidth))
		if moved {
			line += "\t" + r.MovedTo
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// truncate returns s on one line, cut to n characters with an ellipsis.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
