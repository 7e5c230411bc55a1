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
	c, err := parseArgs(args, stderr)
	if err != nil || c == nil {
		return err // c is nil after -h, which printed the usage
	}
	return c.run(ctx, getenv, stdout, stderr)
}

// command is one invocation of libyawire: the command and its flags.
type command struct {
	name       string // "" runs the daemon
	configPath string
	sources    namesFlag
	initDB     bool
	salvage    string
	file       string // import-opml's and backup's argument
}

// parseArgs reads args into a command. Flags may come before or after the
// command, and before or after import-opml's and backup's file. After -h
// or -help it returns nil and no error, having printed the usage.
func parseArgs(args []string, stderr io.Writer) (*command, error) {
	c := &command{}
	fs := flag.NewFlagSet("libyawire", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	fs.StringVar(&c.configPath, "config", "config.yaml", "the configuration `file`")
	fs.Var(&c.sources, "source", "fetch only the source `NAME`")
	fs.BoolVar(&c.initDB, "init", false, "make a new database of an empty database file")
	fs.StringVar(&c.salvage, "salvage", "", "check-db: copy what can be read into the new database `file`")
	// next takes the first argument left for *to and parses the flags after it.
	next := func(to *string) error {
		*to = fs.Arg(0)
		return fs.Parse(fs.Args()[1:])
	}
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 {
		err = next(&c.name)
	}
	if err == nil && (c.name == "import-opml" || c.name == "backup") && fs.NArg() > 0 {
		err = next(&c.file)
	}
	if err != nil {
		return nil, errUsage(err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), usage)
	}
	if err := c.checkFlags(); err != nil {
		return nil, err
	}
	return c, nil
}

// checkFlags refuses a flag given to a command it is not for.
func (c *command) checkFlags() error {
	switch {
	case len(c.sources) > 0 && c.name != "fetch":
		return fmt.Errorf("-source is for the fetch command only\n%s", usage)
	case c.initDB && c.name != "" && c.name != "fetch":
		return fmt.Errorf("-init is for the daemon and the fetch command only\n%s", usage)
	case c.salvage != "" && c.name != "check-db":
		return fmt.Errorf("-salvage is for the check-db command only\n%s", usage)
	}
	return nil
}

// run runs the command.
func (c *command) run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	switch c.name {
	case "":
		cfg, err := config.LoadContext(ctx, c.configPath)
		if err != nil {
			return err
		}
		return daemon.Run(ctx, cfg, getenv, c.initDB, stderr)
	case "check":
		return checkCommand(ctx, c.configPath, stdout)
	case "fetch":
		return fetchCommand(ctx, c.configPath, c.sources, getenv, c.initDB, stderr)
	case "sources":
		return sourcesCommand(ctx, c.configPath, getenv, stdout)
	case "opml":
		return opmlCommand(c.configPath, stdout)
	case "import-opml":
		if c.file == "" {
			return fmt.Errorf("import-opml: name the OPML file to import: libyawire import-opml [-config FILE] subscriptions.opml\n%s", usage)
		}
		return importOPMLCommand(c.configPath, c.file, stdout)
	case "backup":
		if c.file == "" {
			return fmt.Errorf("backup: name the file to write: libyawire backup [-config FILE] libyawire-backup.db\n%s", usage)
		}
		return backupCommand(ctx, c.configPath, c.file, getenv, stdout)
	case "compact":
		return compactCommand(ctx, c.configPath, getenv, stdout)
	case "check-db":
		return checkDBCommand(ctx, c.configPath, c.salvage, getenv, stdout)
	case "version":
		fmt.Fprintf(stdout, "libyawire %s\n", config.Version)
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", c.name, usage)
}

// checkCommand is `libyawire check`: it loads the configuration at path
// and says how many sources and rules it has, or returns its problems.
func checkCommand(ctx context.Context, path string, stdout io.Writer) error {
	cfg, err := config.LoadContext(ctx, path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ok: %d sources, %d tag rules\n", path, len(cfg.Sources), len(cfg.Tags))
	return nil
}

// errUsage is a flag's error with the usage after it, or nil for -h.
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
