package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetricsAndHealthz runs the real wiring: the fetches the daemon makes
// at start reach /metrics through the scheduler's hook, and the requests
// the test makes are counted by route.
func TestMetricsAndHealthz(t *testing.T) {
	d := startDaemon(t, writeE2EConfig(t), 4)
	defer d.stop()

	resp, body := d.get("/healthz")
	var health struct {
		Status     string `json:"status"`
		Stories    int    `json:"stories"`
		Sources    int    `json:"sources"`
		Generation uint64 `json:"generation"`
	}
	if err := json.Unmarshal(body, &health); err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("healthz: %s %q %v\n%s", resp.Status, resp.Header.Get("Content-Type"), err, body)
	}
	// herald 2, wire 1 and a copy of herald's, arabic 1: 4 stories.
	if health.Status != "ok" || health.Stories != 4 || health.Sources != 4 || health.Generation == 0 {
		t.Errorf("healthz: %+v, want ok, 4 stories, 4 sources, a generation", health)
	}

	d.feed("/feed.json")
	d.feed("/feed.json")
	resp, body = d.get("/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("metrics: %s\n%s", resp.Status, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"libyawire_fetches_total", map[string]string{"source": "herald", "outcome": "ok"}, 1},
		{"libyawire_fetches_total", map[string]string{"source": "broken", "outcome": "failed"}, 1},
		{"libyawire_fetches_total", map[string]string{"source": "broken", "outcome": "ok"}, 0},
		// Not herald's: whether its Sirte story is new depends on whether
		// the wire's copy came first.
		{"libyawire_new_stories_total", map[string]string{"source": "arabic"}, 1},
		{"libyawire_source_consecutive_failures", map[string]string{"source": "broken"}, 1},
		{"libyawire_http_requests_total", map[string]string{"route": "GET /feed.json", "code": "200"}, 2},
		{"libyawire_http_requests_total", map[string]string{"route": "GET /healthz", "code": "200"}, 1},
		{"libyawire_cache_hits_total", nil, 1},
		{"libyawire_stories", nil, 4},
	}
	for _, tt := range tests {
		if got, ok := seriesValue(families[tt.name], tt.labels); !ok || got != tt.want {
			t.Errorf("%s%v: got %v (found %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
}

// seriesValue returns the value of fam's series with exactly labels.
func seriesValue(fam *dto.MetricFamily, labels map[string]string) (float64, bool) {
	for _, m := range fam.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		match := true
		for _, lp := range m.GetLabel() {
			if labels[lp.GetName()] != lp.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		}
	}
	return 0, false
}
