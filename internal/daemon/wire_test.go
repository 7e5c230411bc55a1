package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/libyawire/libyawire/fetch"
	"github.com/libyawire/libyawire/group"
	"github.com/libyawire/libyawire/internal/config"
)

func TestFetchProgress(t *testing.T) {
	tests := []struct {
		report fetch.Report
		want   string
	}{
		{fetch.Report{Source: "libya-herald", Outcome: fetch.Outcome{Status: 200, New: 12, Updated: 3, Took: 340400 * time.Microsecond}},
			"libya-herald: 200, 12 new, 3 updated (340ms)"},
		{fetch.Report{Source: "filtered", Outcome: fetch.Outcome{Status: 200, New: 1, Dropped: 2, Took: time.Second}},
			"filtered: 200, 1 new, 0 updated, 2 dropped (1s)"},
		{fetch.Report{Source: "reliefweb", Outcome: fetch.Outcome{Status: 406}, Err: &fetch.Error{Source: "reliefweb", Err: errors.New("HTTP 406 Not Acceptable")}},
			"reliefweb: failed: HTTP 406 Not Acceptable"},
		{fetch.Report{Source: "odd", Err: errors.New("parse: line 1\nline 2")},
			"odd: failed: parse: line 1 line 2"},
		{fetch.Report{Source: "al-wasat", Outcome: fetch.Outcome{Status: 304, NotModified: true}},
			"al-wasat: not modified"},
		{fetch.Report{Source: "x", Outcome: fetch.Outcome{Skipped: "Retry-After until 10:00"}},
			"x: skipped: Retry-After until 10:00"},
		{fetch.Report{Source: "y", Busy: true},
			"y: already being fetched"},
		{fetch.Report{Source: "interrupted", Err: fmt.Errorf("fetch interrupted: %w", context.Canceled)},
			"interrupted: cancelled"},
		{fetch.Report{Source: "waiting", Busy: true, Err: context.Canceled},
			"waiting: cancelled"},
		{fetch.Report{Source: "moved", Outcome: fetch.Outcome{Status: 200, Took: time.Second, MovedTo: "https://new.example/" + strings.Repeat("p", 4000)}},
			"moved: 200, 0 new, 0 updated (1s); moved permanently to https://new.example/" + strings.Repeat("p", fetch.MaxText-len("https://new.example/")) + "…: update config.yaml"},
	}
	var p fetchProgress
	for _, tt := range tests {
		if got := p.add(tt.report); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	if got, want := p.summary(), "10 sources: 3 fetched, 1 not modified, 2 failed, 1 skipped, 1 already being fetched, 2 cancelled"; got != want {
		t.Errorf("summary: got %q, want %q", got, want)
	}
}

// The config's timezone reaches the fetcher as a location.
func TestFetchSourcesTimezone(t *testing.T) {
	cfg, err := config.Load("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srcs := fetchSources(cfg)
	for i, s := range cfg.Sources {
		got := ""
		if srcs[i].Location != nil {
			got = srcs[i].Location.String()
		}
		if got != s.Timezone {
			t.Errorf("%s: location %q, want %q", s.Name, got, s.Timezone)
		}
	}
}

// An upgrade that changes how grouping decides regroups the stored
// stories, as a change of settings does: the version names both.
func TestGroupVersion(t *testing.T) {
	cfg, err := config.Load("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v := groupVersion(cfg)
	if !strings.Contains(v, "decision="+group.Version+" ") {
		t.Errorf("groupVersion = %q, want the decision's version %s in it", v, group.Version)
	}
	cfg.Stories.Threshold = 0.9
	if groupVersion(cfg) == v {
		t.Error("a new threshold keeps the version")
	}
}
