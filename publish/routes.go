package publish

import "net/http"

// routes is the whole HTTP surface. A GET pattern also answers HEAD; any
// other method gets 405 from the mux.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", handleHome(s))
	mux.Handle("GET /feed.rss", handleFeed(s, formatRSS))
	mux.Handle("GET /feed.atom", handleFeed(s, formatAtom))
	mux.Handle("GET /feed.json", handleFeed(s, formatJSON))
	mux.Handle("GET /tags/{file}", handleTagFeed(s))
	mux.Handle("GET /api/sources", handleSources(s.db, s.opts.Sources, s.private, s.logger))
	mux.Handle("GET /api/tags", handleTags(s))
	mux.Handle("GET /api/stories/{id}", handleStory(s))
	mux.Handle("GET /stories/{id}", handleStoryPage(s))
	mux.Handle("GET /api/trends", handleTrends(s))
	mux.Handle("GET /api/rising", handleRising(s))
	mux.Handle("GET /sources.opml", handleOPML(s))
	mux.Handle("GET /healthz", handleHealthz(s))
	mux.Handle("GET /metrics", handleMetrics(s))
	mux.Handle("POST /api/fetch", localOnly("Fetches can be started only from this machine: run libyawire fetch on the server, or POST to /api/fetch on its loopback address.",
		streaming(handleFetchNow(s.opts.FetchNow, s.logger))))
	mux.Handle("POST /api/backup", localOnly("Backups can be taken only from this machine: run libyawire backup FILE on the server.",
		streaming(handleBackup(s))))
	return s.opts.Metrics.instrument(mux) // counts each request by the pattern it matched
}
