// Command libyawire pulls Libya news feeds on a schedule, keeps each story
// once, tags it, and republishes one merged, filterable feed over HTTP.
//
//	libyawire [-config FILE]                        run the daemon (default FILE: ./config.yaml)
//	libyawire check [-config FILE]                  validate the configuration
//	libyawire fetch [-config FILE] [-source NAME]   fetch now, progress on stderr
//	libyawire sources [-config FILE]                each source's last fetch, as a table
//	libyawire opml [-config FILE]                   the sources as OPML
//	libyawire import-opml [-config FILE] FILE       an OPML file's feeds as config.yaml sources
//	libyawire backup [-config FILE] FILE            a consistent copy of the database, daemon running or not
//	libyawire compact [-config FILE]                rewrite the database to reclaim space (daemon stopped)
//	libyawire check-db [-config FILE] [-salvage NEW] check the database file; copy what is readable into NEW
//	libyawire version                               print the version
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/libyawire/libyawire/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cli.Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
