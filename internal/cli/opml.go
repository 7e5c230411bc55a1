package cli

import (
	"io"

	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/internal/daemon"
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
	doc, err := publish.NewOPML(cfg.Feed.Title, daemon.ConfigModified(cfg.Path), daemon.PublishSources(cfg)).Render()
	if err != nil {
		return err
	}
	_, err = stdout.Write(doc)
	return err
}
