package main

import (
	"io"
	"os"
	"time"

	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/publish"
)

// opmlCommand is `libyawire opml`: the configured sources as OPML on
// stdout, byte for byte what a daemon on the same config serves at
// /sources.opml. It needs no database.
func opmlCommand(configPath string, stdout io.Writer) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	doc, err := publish.NewOPML(cfg.Feed.Title, configModified(cfg.Path), publishSources(cfg)).Render()
	if err != nil {
		return err
	}
	_, err = stdout.Write(doc)
	return err
}

// configModified returns when the file at path was last modified, to the
// second as HTTP and OPML dates have it; the zero time when it cannot tell.
func configModified(path string) time.Time {
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime().UTC().Truncate(time.Second)
}
