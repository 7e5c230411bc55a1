package publish

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/libyawire/libyawire/store"
)

// The outcomes of a fetch, as libyawire_fetches_total labels them.
const (
	FetchOK          = "ok"
	FetchNotModified = "not_modified"
	FetchSkipped     = "skipped" // no request was sent: the source is pausing
	FetchFailed      = "failed"
)

var fetchOutcomes = []string{FetchOK, FetchNotModified, FetchSkipped, FetchFailed}

// Metrics is what /metrics reports, in a registry of its own: the fetches
// that main reports with ObserveFetch, the requests, renders and cache
// look-ups the server sees, and, read from the store at each scrape, the
// story count and every configured source's last success and failures.
// Make one with NewMetrics and pass it in Options.Metrics. The methods of a
// nil *Metrics do nothing.
type Metrics struct {
	reg *prometheus.Registry

	fetches        *prometheus.CounterVec
	fetchDuration  *prometheus.HistogramVec
	newStories     *prometheus.CounterVec
	requests       *prometheus.CounterVec
	renderDuration *prometheus.HistogramVec
	cacheHits      prometheus.Counter
	cacheMisses    prometheus.Counter

	store atomic.Pointer[storeView] // set when a server is built on the Metrics
}

// NewMetrics returns Metrics with every collector registered, the Go
// runtime's and the process's among them.
func NewMetrics() *Metrics {
	const ns = "libyawire"
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "fetches_total",
			Help: "Fetches of a source, by outcome: ok, not_modified, skipped (pausing, no request sent) or failed.",
		}, []string{"source", "outcome"}),
		fetchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Name: "fetch_duration_seconds",
			Help:    "How long a fetch of a source took, request, parsing and storing included; skipped fetches are not counted.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"source"}),
		newStories: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "new_stories_total",
			Help: "Stories a source's fetches added to the store.",
		}, []string{"source"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "http_requests_total",
			Help: `HTTP requests, by the route pattern that matched ("unmatched" for none) and status code.`,
		}, []string{"route", "code"}),
		renderDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Name: "render_duration_seconds",
			Help:    "How long rendering a feed took on a cache miss, reading the stories included, by format.",
			Buckets: prometheus.DefBuckets,
		}, []string{"format"}),
		cacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "cache_hits_total",
			Help: "Feed requests answered from the rendered-feed cache.",
		}),
		cacheMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "cache_misses_total",
			Help: "Feed requests that had to be rendered.",
		}),
	}
	m.reg.MustRegister(
		m.fetches, m.fetchDuration, m.newStories, m.requests, m.renderDuration,
		m.cacheHits, m.cacheMisses, storeCollector{m},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// ObserveFetch counts one fetch of source that ended with outcome (FetchOK,
// FetchNotModified, FetchSkipped or FetchFailed) after took, adding
// newStories stories.
func (m *Metrics) ObserveFetch(source, outcome string, took time.Duration, newStories int) {
	if m == nil {
		return
	}
	m.fetches.WithLabelValues(source, outcome).Inc()
	if outcome != FetchSkipped {
		m.fetchDuration.WithLabelValues(source).Observe(took.Seconds())
	}
	m.newStories.WithLabelValues(source).Add(float64(newStories))
}

// watch makes the store and sources the ones reported at each scrape, and
// starts every source's series at zero so that rates over them are right
// from the first fetch.
func (m *Metrics) watch(db *store.DB, sources []Source) {
	if m == nil {
		return
	}
	names := make([]string, len(sources))
	for i, src := range sources {
		names[i] = src.Name
		for _, outcome := range fetchOutcomes {
			m.fetches.WithLabelValues(src.Name, outcome)
		}
		m.newStories.WithLabelValues(src.Name)
	}
	m.store.Store(&storeView{db: db, sources: names})
}

// cacheLookup counts a look-up in the rendered-feed cache.
func (m *Metrics) cacheLookup(hit bool) {
	switch {
	case m == nil:
	case hit:
		m.cacheHits.Inc()
	default:
		m.cacheMisses.Inc()
	}
}

// observeRender records how long rendering a feed in format f took.
func (m *Metrics) observeRender(f format, took time.Duration) {
	if m == nil {
		return
	}
	m.renderDuration.WithLabelValues(formats[f].ext[1:]).Observe(took.Seconds())
}

// instrument counts the requests next answers by route and status. The
// route is the pattern the mux matched, which it leaves in r.Pattern: a
// label with as few values as there are routes, whatever paths are asked.
func (m *Metrics) instrument(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, strconv.Itoa(sw.status())).Inc()
	})
}

// handleMetrics serves m in the Prometheus text format; a nil m is 404.
// It also points m at the server's store and sources.
func handleMetrics(s *server) http.Handler {
	m := s.opts.Metrics
	if m == nil {
		return http.NotFoundHandler()
	}
	m.watch(s.db, s.opts.Sources)
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelError),
		// A store that cannot be read costs its own series, not the others.
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// statusWriter remembers the status a handler answered with. Unwrap lets
// http.ResponseController reach the writer beneath, to flush the
// /api/fetch stream.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 && code >= 200 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// status returns the status sent; 200 when the handler wrote nothing.
func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// storeView is the store and the configured sources a scrape reads.
type storeView struct {
	db      *store.DB
	sources []string
}

// storeCollector reports what the store knows at the time of a scrape.
type storeCollector struct{ m *Metrics }

var (
	storiesDesc = prometheus.NewDesc("libyawire_stories",
		"Stories stored, counted as the sum of what each source has contributed: a story that several sources carry counts once for each.",
		nil, nil)
	lastSuccessDesc = prometheus.NewDesc("libyawire_source_last_success_timestamp_seconds",
		"When the last fetch of a configured source that succeeded (a 304 included) began; absent until one has.",
		[]string{"source"}, nil)
	failuresDesc = prometheus.NewDesc("libyawire_source_consecutive_failures",
		"Fetches of a configured source that have failed in a row.",
		[]string{"source"}, nil)
	categoriesDroppedDesc = prometheus.NewDesc("libyawire_source_categories_dropped_total",
		"Category tags of a configured source's entries turned away by the caps per entry and per source.",
		[]string{"source"}, nil)
	groupReportsDesc = prometheus.NewDesc("libyawire_grouping_index_reports",
		"Reports the grouping index holds as candidates for new reports of the same news.",
		nil, nil)
	groupBytesDesc = prometheus.NewDesc("libyawire_grouping_index_bytes",
		"What the grouping index's reports take, as estimated against its limits (64 MiB in all, 16 MiB a source).",
		nil, nil)
	groupEvictedDesc = prometheus.NewDesc("libyawire_grouping_index_evicted_total",
		"Reports the grouping index let go of to stay within its limits; their stories are still found by their links.",
		nil, nil)
)

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- storiesDesc
	ch <- lastSuccessDesc
	ch <- failuresDesc
	ch <- categoriesDroppedDesc
	ch <- groupReportsDesc
	ch <- groupBytesDesc
	ch <- groupEvictedDesc
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	view := c.m.store.Load()
	if view == nil {
		return
	}
	stories, err := view.db.Count()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(storiesDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(storiesDesc, prometheus.GaugeValue, float64(stories))
	gs := view.db.GroupIndexStats()
	ch <- prometheus.MustNewConstMetric(groupReportsDesc, prometheus.GaugeValue, float64(gs.Reports))
	ch <- prometheus.MustNewConstMetric(groupBytesDesc, prometheus.GaugeValue, float64(gs.Bytes))
	ch <- prometheus.MustNewConstMetric(groupEvictedDesc, prometheus.CounterValue, float64(gs.Evicted))
	states, err := view.db.States()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(lastSuccessDesc, err)
		return
	}
	byName := make(map[string]store.SourceState, len(states))
	for _, st := range states {
		byName[st.Name] = st
	}
	for _, name := range view.sources {
		st := byName[name]
		if !st.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(lastSuccessDesc, prometheus.GaugeValue,
				float64(st.LastSuccess.UnixNano())/1e9, name)
		}
		ch <- prometheus.MustNewConstMetric(failuresDesc, prometheus.GaugeValue, float64(st.Failures), name)
		ch <- prometheus.MustNewConstMetric(categoriesDroppedDesc, prometheus.CounterValue, float64(st.CategoriesDropped), name)
	}
}
