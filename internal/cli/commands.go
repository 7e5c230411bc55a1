package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/internal/daemon"
	"github.com/libyawire/libyawire/publish"
	"github.com/libyawire/libyawire/store"
)

// The fetch and sources commands need the database, which the daemon holds
// while it runs. So each first asks whether a daemon answers at the config's
// listen address, and if one does, asks it over HTTP instead.

// probeTimeout bounds the question whether a daemon is running.
const probeTimeout = time.Second

// ErrSomeFailed is what Run returns for the fetch command's error when a source failed; the
// progress lines before it say which and why.
var ErrSomeFailed = errors.New("fetch: not every source could be fetched (see the failed lines above)")

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
		rows, err = sourcesFromStore(daemon.DatabasePath(cfg, getenv))
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
