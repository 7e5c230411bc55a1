package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/internal/daemon"
	"github.com/libyawire/libyawire/store"
)

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
