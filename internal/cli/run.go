// Package cli is libyawire's command line: Run parses the arguments and
// runs one command, each in a file of its own (fetch.go, sources.go,
// backup.go, compact.go, checkdb.go, opml.go, importopml.go); the daemon
// itself is internal/daemon's. client.go asks a running daemon instead of
// opening the database it holds.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/internal/daemon"
	"github.com/libyawire/libyawire/store"
)

const usage = `usage:
  libyawire [-config FILE]                        run the daemon (default FILE: ./config.yaml)
  libyawire check [-config FILE]                  validate FILE; print FILE:LINE: what is wrong
  libyawire fetch [-config FILE] [-source NAME]   fetch now (every source, or those named; -source
                                                  repeats or takes a comma list), a line per source
                                                  on stderr; exit 1 if one failed
  libyawire sources [-config FILE]                a table of each source's last fetch, status, error
  libyawire opml [-config FILE]                   the sources as OPML on stdout (what /sources.opml serves)
  libyawire import-opml [-config FILE] FILE       the feeds of the OPML file FILE as entries to paste
                                                  under sources: in the config, on stdout; feeds the
                                                  config has already are left out
  libyawire backup [-config FILE] FILE            a consistent copy of the database in FILE, taken
                                                  through the running daemon, or from the file
  libyawire compact [-config FILE]                rewrite the database to reclaim the space deleted
                                                  stories left; only while the daemon is stopped
  libyawire check-db [-config FILE] [-salvage NEW.db]
                                                  read every page and record of the database and say
                                                  what is damaged; with -salvage, copy what can be
                                                  read into the new file NEW.db (daemon stopped)
  libyawire version                               print the version

fetch, sources and backup ask the daemon listening at the config's listen
address, if one answers; otherwise they open the database themselves.
The daemon and fetch create the database when its file does not exist; an
empty (0-byte) file is refused, as one that lost its contents, unless -init
is given to make it a new database.
The daemon reloads the config on SIGHUP or when its file is saved.

Environment:
  LIBYAWIRE_DATABASE   overrides the config's database path (the systemd unit sets it)
  LIBYAWIRE_LOG        debug, info, warn or error (default info)
`

// Run is the whole program: it parses args, runs the command and returns
// when the command is done or ctx is cancelled.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	// A database file that cannot be used is said in one sentence that
	// names it and says what to do; what was being done adds nothing.
	defer func() {
		var fe *store.FileError
		if errors.As(err, &fe) {
			err = fe
		}
	}()
	fs := flag.NewFlagSet("libyawire", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	configPath := fs.String("config", "config.yaml", "the configuration `file`")
	var sourceNames namesFlag
	fs.Var(&sourceNames, "source", "fetch only the source `NAME`")
	initDB := fs.Bool("init", false, "make a new database of an empty database file")
	salvage := fs.String("salvage", "", "check-db: copy what can be read into the new database `file`")
	// Flags may come before or after the command.
	if err := fs.Parse(args); err != nil {
		return errUsage(err)
	}
	cmd := ""
	if fs.NArg() > 0 {
		cmd = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return errUsage(err)
		}
	}
	// import-opml and backup take a file, flags before or after it.
	var fileArg string
	if (cmd == "import-opml" || cmd == "backup") && fs.NArg() > 0 {
		fileArg = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return errUsage(err)
		}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), usage)
	}
	if len(sourceNames) > 0 && cmd != "fetch" {
		return fmt.Errorf("-source is for the fetch command only\n%s", usage)
	}
	if *initDB && cmd != "" && cmd != "fetch" {
		return fmt.Errorf("-init is for the daemon and the fetch command only\n%s", usage)
	}
	if *salvage != "" && cmd != "check-db" {
		return fmt.Errorf("-salvage is for the check-db command only\n%s", usage)
	}

	switch cmd {
	case "":
		cfg, err := config.LoadContext(ctx, *configPath)
		if err != nil {
			return err
		}
		return daemon.Run(ctx, cfg, getenv, *initDB, stderr)
	case "check":
		cfg, err := config.LoadContext(ctx, *configPath)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: ok: %d sources, %d tag rules\n", *configPath, len(cfg.Sources), len(cfg.Tags))
		return nil
	case "fetch":
		return fetchCommand(ctx, *configPath, sourceNames, getenv, *initDB, stderr)
	case "sources":
		return sourcesCommand(ctx, *configPath, getenv, stdout)
	case "opml":
		return opmlCommand(*configPath, stdout)
	case "import-opml":
		if fileArg == "" {
			return fmt.Errorf("import-opml: name the OPML file to import: libyawire import-opml [-config FILE] subscriptions.opml\n%s", usage)
		}
		return importOPMLCommand(*configPath, fileArg, stdout)
	case "backup":
		if fileArg == "" {
			return fmt.Errorf("backup: name the file to write: libyawire backup [-config FILE] libyawire-backup.db\n%s", usage)
		}
		return backupCommand(ctx, *configPath, fileArg, getenv, stdout)
	case "compact":
		return compactCommand(ctx, *configPath, getenv, stdout)
	case "check-db":
		return checkDBCommand(ctx, *configPath, *salvage, getenv, stdout)
	case "version":
		fmt.Fprintf(stdout, "libyawire %s\n", config.Version)
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

func errUsage(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return fmt.Errorf("%w\n%s", err, usage)
}

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
