package publish

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/libyawire/libyawire/group"
)

// scrape reads /metrics from f's handler and parses it.
func scrape(t *testing.T, f *fixture) map[string]*dto.MetricFamily {
	t.Helper()
	resp := f.get(t, http.MethodGet, "/metrics")
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s\n%s", resp.Status, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return families
}

// metric returns the series of the family name whose labels include
// labels (name, value pairs), or nil.
func metric(families map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	fam := families[name]
	if fam == nil {
		return nil
	}
next:
	for _, m := range fam.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		return m
	}
	return nil
}

// value returns the value of a counter, gauge or untyped series, or of a
// histogram's sample count; -1 when there is no such series.
func value(families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	m := metric(families, name, labels...)
	switch {
	case m == nil:
		return -1
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return m.GetUntyped().GetValue()
}

func newMetricsFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.srv.opts.Metrics = NewMetrics()
	f.handler = f.srv.routes()
	return f
}

func TestMetrics(t *testing.T) {
	f := newMetricsFixture(t)
	m := f.srv.opts.Metrics
	m.ObserveFetch("libya-herald", FetchOK, 1500*time.Millisecond, 3)
	m.ObserveFetch("libya-herald", FetchNotModified, 200*time.Millisecond, 0)
	m.ObserveFetch("relief", FetchSkipped, 0, 0)
	m.ObserveFetch("un-news", FetchFailed, 30*time.Second, 0)
	f.get(t, http.MethodGet, "/feed.rss")  // a miss
	f.get(t, http.MethodHead, "/feed.rss") // a hit
	f.get(t, http.MethodGet, "/tags/sirte.json")
	f.get(t, http.MethodGet, "/feed.rss?limit=0") // 400, before the cache
	f.get(t, http.MethodGet, "/no/such/page")
	f.get(t, http.MethodPut, "/feed.rss")

	got := scrape(t, f)
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"libyawire_fetches_total", []string{"source", "libya-herald", "outcome", "ok"}, 1},
		{"libyawire_fetches_total", []string{"source", "libya-herald", "outcome", "not_modified"}, 1},
		{"libyawire_fetches_total", []string{"source", "relief", "outcome", "skipped"}, 1},
		{"libyawire_fetches_total", []string{"source", "un-news", "outcome", "failed"}, 1},
		// Every configured source's series exist from the start.
		{"libyawire_fetches_total", []string{"source", "alwasat", "outcome", "ok"}, 0},
		{"libyawire_new_stories_total", []string{"source", "libya-herald"}, 3},
		{"libyawire_new_stories_total", []string{"source", "alwasat"}, 0},
		{"libyawire_fetch_duration_seconds", []string{"source", "libya-herald"}, 2},
		{"libyawire_fetch_duration_seconds", []string{"source", "un-news"}, 1},
		{"libyawire_fetch_duration_seconds", []string{"source", "relief"}, -1}, // no request, no duration
		{"libyawire_http_requests_total", []string{"route", "GET /feed.rss", "code", "200"}, 2},
		{"libyawire_http_requests_total", []string{"route", "GET /feed.rss", "code", "400"}, 1},
		{"libyawire_http_requests_total", []string{"route", "GET /tags/{file}", "code", "200"}, 1},
		{"libyawire_http_requests_total", []string{"route", "unmatched", "code", "404"}, 1},
		{"libyawire_http_requests_total", []string{"route", "unmatched", "code", "405"}, 1},
		{"libyawire_render_duration_seconds", []string{"format", "rss"}, 1},
		{"libyawire_render_duration_seconds", []string{"format", "json"}, 1},
		{"libyawire_cache_hits_total", nil, 1},
		{"libyawire_cache_misses_total", nil, 2},
		// From the store: 4 + 3 + 2 stories contributed.
		{"libyawire_stories", nil, 8}, // a copy counts once
		{"libyawire_source_last_success_timestamp_seconds", []string{"source", "libya-herald"}, float64(day(2, 9).Unix())},
		{"libyawire_source_last_success_timestamp_seconds", []string{"source", "un-news"}, float64(day(2, 8).Add(2 * time.Minute).Unix())},
		{"libyawire_source_last_success_timestamp_seconds", []string{"source", "relief"}, -1}, // never fetched
		{"libyawire_source_consecutive_failures", []string{"source", "un-news"}, 1},
		{"libyawire_source_consecutive_failures", []string{"source", "relief"}, 0},
		{"libyawire_source_categories_dropped_total", []string{"source", "un-news"}, 7},
		{"libyawire_source_categories_dropped_total", []string{"source", "libya-herald"}, 0},
	}
	for _, tt := range tests {
		if v := value(got, tt.name, tt.labels...); v != tt.want {
			t.Errorf("%s%q: got %v, want %v", tt.name, tt.labels, v, tt.want)
		}
	}
	if got := metric(got, "libyawire_fetch_duration_seconds", "source", "un-news").GetHistogram().GetSampleSum(); got != 30 {
		t.Errorf("fetch_duration_seconds{un-news} sum: got %v, want 30", got)
	}
	// The scrape itself is counted once it is answered.
	if v := value(scrape(t, f), "libyawire_http_requests_total", "route", "GET /metrics", "code", "200"); v != 1 {
		t.Errorf("requests for /metrics: got %v, want 1", v)
	}
}

func TestMetricsOff(t *testing.T) {
	f := newFixture(t) // no Metrics
	if resp := f.get(t, http.MethodGet, "/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics without Metrics: %d, want 404", resp.StatusCode)
	}
	var m *Metrics // nil: every method does nothing
	m.ObserveFetch("x", FetchOK, time.Second, 1)
	m.cacheLookup(true)
	m.observeRender(formatRSS, time.Second)
}

// TestMetricsKeepsStreaming shows that counting requests does not stop
// /api/fetch from flushing its progress lines as they come.
func TestMetricsKeepsStreaming(t *testing.T) {
	f := newMetricsFixture(t)
	var fake fakeFetchNow
	f.srv.opts.FetchNow = fake.fetchNow
	f.handler = f.srv.routes()
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/api/fetch", nil)
	req.RemoteAddr = "127.0.0.1:4321"
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !rec.Flushed {
		t.Errorf("POST /api/fetch: %d, flushed %v; want 200, flushed", rec.Code, rec.Flushed)
	}
	if v := value(scrape(t, f), "libyawire_http_requests_total", "route", "POST /api/fetch", "code", "200"); v != 1 {
		t.Errorf("requests for /api/fetch: got %v, want 1", v)
	}
}

// TestGroupingIndexMetrics: what the grouping index holds is on /metrics,
// as the store counts it.
func TestGroupingIndexMetrics(t *testing.T) {
	f := newMetricsFixture(t)
	cfg := group.DefaultConfig()
	if err := f.db.SetGrouping(&cfg); err != nil {
		t.Fatal(err)
	}
	stats := f.db.GroupIndexStats()
	if stats.Reports == 0 {
		t.Fatal("the index holds no report of the fixture's stories")
	}
	got := scrape(t, f)
	for _, tt := range []struct {
		name string
		want float64
	}{
		{"libyawire_grouping_index_reports", float64(stats.Reports)},
		{"libyawire_grouping_index_bytes", float64(stats.Bytes)},
		{"libyawire_grouping_index_evicted_total", 0},
	} {
		if v := value(got, tt.name); v != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, v, tt.want)
		}
	}
}
