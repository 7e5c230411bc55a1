package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// problem is one expected error: its line and a distinctive part of its
// message.
type problem struct {
	line int
	text string
}

// checkProblems compares the error from Load with want, in order.
func checkProblems(t *testing.T, file string, err error, want []problem) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("Load: unexpected error:\n%v", err)
		}
		return
	}
	var got Errors
	if !errors.As(err, &got) {
		t.Fatalf("Load: got error %v (%T), want Errors", err, err)
	}
	for i := 0; i < max(len(got), len(want)); i++ {
		switch {
		case i >= len(got):
			t.Errorf("missing problem %d: want line %d: %s", i+1, want[i].line, want[i].text)
		case i >= len(want):
			t.Errorf("extra problem: %v", got[i])
		case got[i].File != file || got[i].Line != want[i].line || !strings.Contains(got[i].Msg, want[i].text):
			t.Errorf("problem %d:\n got %v\nwant %s:%d: ...%s...", i+1, got[i], file, want[i].line, want[i].text)
		}
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(got) {
		t.Errorf("Error() has %d lines, want one per problem (%d)", len(lines), len(got))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, file+":") {
			t.Errorf("Error() line %q does not start with %q", l, file+":")
		}
	}
}

// wantedProblems reads the "# want LINE: TEXT" lines at the top of a fixture.
func wantedProblems(t *testing.T, path string) []problem {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []problem
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(l, "#") {
			break
		}
		spec, ok := strings.CutPrefix(l, "# want ")
		if !ok {
			continue
		}
		num, text, ok := strings.Cut(spec, ": ")
		line, err := strconv.Atoi(num)
		if !ok || err != nil {
			t.Fatalf("%s: bad want line %q: write # want LINE: TEXT", path, l)
		}
		want = append(want, problem{line, text})
	}
	return want
}

// TestLoadConfigFiles loads every fixture in testdata. good-*.yaml
// must load; bad-*.yaml list the problems they must produce in their header.
func TestLoadConfigFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			want := wantedProblems(t, file)
			if strings.HasPrefix(filepath.Base(file), "bad-") && len(want) == 0 {
				t.Fatal("a bad-*.yaml fixture needs # want lines")
			}
			_, err := Load(file)
			checkProblems(t, file, err, want)
		})
	}
}

// oneSource completes a snippet into a valid configuration.
const oneSource = `
sources:
  - name: libya-herald
    url: https://libyaherald.com/feed/
`

// TestLoadConfigValues checks single values, each in an otherwise valid file.
func TestLoadConfigValues(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []problem // empty: loads
	}{
		{"listen without port", "listen: 8080\n", []problem{{1, `listen "8080": missing port in address (use host:port`}}},
		{"listen with port name", "listen: localhost:http\n", []problem{{1, `listen "localhost:http": port "http" is not a number from 0 to 65535`}}},
		{"listen port too large", "listen: 127.0.0.1:80800\n", []problem{{1, `port "80800" is not a number from 0 to 65535`}}},
		{"listen on every interface", "listen: :8080\n", nil},
		{"base_url relative", "base_url: /libya\n", []problem{{1, `base_url "/libya": want an absolute http or https URL`}}},
		{"base_url with query", "base_url: https://news.example.org/?a=b\n", []problem{{1, "remove the query or fragment"}}},
		{"database empty", "database: ''\n", []problem{{1, "database is empty"}}},
		{"schedule descriptor", "schedule: '@evry 5m'\n", []problem{{1, `schedule "@evry 5m": unrecognized descriptor: @evry 5m (use five cron fields`}}},
		{"schedule too often", "schedule: '@every 10s'\n", []problem{{1, "the shortest interval is one minute"}}},
		{"concurrency zero", "fetch:\n  concurrency: 0\n", []problem{{2, "fetch.concurrency is 0; it must be at least 1"}}},
		{"concurrency text", "fetch:\n  concurrency: eight\n", []problem{{2, `fetch.concurrency: want a whole number, not "eight"`}}},
		{"per_host zero", "fetch:\n  per_host: 0\n", []problem{{2, "fetch.per_host is 0; it must be at least 1"}}},
		{"timeout in words", "fetch:\n  timeout: 30 seconds\n", []problem{{2, `fetch.timeout: "30 seconds" is not a duration`}}},
		{"timeout without unit", "fetch:\n  timeout: 30\n", []problem{{2, "fetch.timeout: 30 has no unit: write 30s, 30m or 30h"}}},
		{"timeout zero", "fetch:\n  timeout: 0s\n", []problem{{2, "fetch.timeout is 0s; it must be more than 0"}}},
		{"timeout a list", "fetch:\n  timeout: [30s]\n", []problem{{2, "fetch.timeout: want a duration such as 30s, not a list"}}},
		{"max_body in words", "fetch:\n  max_body: 10 megs\n", []problem{{2, `fetch.max_body: "10 megs" is not a size`}}},
		{"max_body negative", "fetch:\n  max_body: -1MiB\n", []problem{{2, `fetch.max_body: "-1MiB" is not a size`}}},
		{"max_body zero", "fetch:\n  max_body: 0\n", []problem{{2, "fetch.max_body is 0; it must be more than 0"}}},
		{"max_body in bytes", "fetch:\n  max_body: 1048576\n", nil},
		{"user_agent empty", "fetch:\n  user_agent: ''\n", []problem{{2, "fetch.user_agent is empty"}}},
		{"max_age in days", "retention:\n  max_age: 90d\n", []problem{{2, `retention.max_age: "90d": durations have no days: write 2160h`}}},
		{"max_age negative", "retention:\n  max_age: -1h\n", []problem{{2, "retention.max_age is -1h0m0s; it must be 0 (keep forever) or more"}}},
		{"max_age zero", "retention:\n  max_age: 0\n", nil},
		{"items zero", "feed:\n  items: 0\n", []problem{{2, "feed.items is 0; it must be from 1 to 500"}}},
		{"items too many", "feed:\n  items: 501\n", []problem{{2, "feed.items is 501; it must be from 1 to 500"}}},
		{"feed a list", "feed: [Libya news]\n", []problem{{1, "feed: want keys and values here (title, description, title_ar, description_ar, items), not a list"}}},
		{"empty value keeps default", "fetch:\nfeed:\n  title:\n", nil},
		{"developing outlets zero", "stories:\n  developing:\n    outlets: 0\n", []problem{{3, "stories.developing.outlets is 0; it must be from 1 to 1000"}}},
		{"developing within a week and more", "stories:\n  developing:\n    within: 200h\n", []problem{{3, "stories.developing.within is 200h0m0s; it must be more than 0 and at most 168h"}}},
		{"developing set", "stories:\n  developing:\n    outlets: 2\n    within: 3h\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml+oneSource), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			checkProblems(t, path, err, tt.want)
		})
	}
}

func TestLoadConfigEmpty(t *testing.T) {
	for _, text := range []string{"", "# nothing yet\n", "listen: 127.0.0.1:8080\n"} {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		checkProblems(t, path, err, []problem{{1, "no sources: add at least one under sources:"}})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "config.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want an error that is fs.ErrNotExist", err)
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	text := `tags:
  - slug: green-mountain
    match: [Green Mountain]
sources:
  - name: libya-herald
    url: https://libyaherald.com/feed/
  - name: allafrica-libya
    url: https://allafrica.com/tools/headlines/rdf/libya/headlines.rdf
    schedule: "@every 1h"
`
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Path:     path,
		Listen:   "127.0.0.1:8080",
		BaseURL:  "http://127.0.0.1:8080",
		Database: filepath.Join(dir, "libyawire.db"),
		Schedule: "@every 15m",
		Fetch: Fetch{
			Concurrency: 8,
			PerHost:     2,
			Timeout:     30 * time.Second,
			MaxBody:     10 * 1024 * 1024,
			UserAgent:   "libyawire/VERSION (+https://github.com/libyawire/libyawire)",
		},
		Retention: Retention{MaxAge: 2160 * time.Hour},
		Stories:   Stories{Group: true, Window: 72 * time.Hour, Threshold: 0.6, CrossLanguage: true, Developing: Developing{Outlets: 3, Within: 6 * time.Hour}},
		Feed: Feed{
			Title:       "Libya news",
			Description: "Libya news from many outlets, merged and tagged by libyawire",
			Items:       50,
		},
		Tags: []TagRule{{Slug: "green-mountain", Title: "Green mountain", Match: []string{"Green Mountain"}}},
		Sources: []Source{
			{Name: "libya-herald", URL: "https://libyaherald.com/feed/", Schedule: "@every 15m"},
			{Name: "allafrica-libya", URL: "https://allafrica.com/tools/headlines/rdf/libya/headlines.rdf", Schedule: "@every 1h"},
		},
	}
	want.pos = got.pos
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load:\n got %+v\nwant %+v", got, want)
	}
	if got, want := got.UserAgent("1.2.0"), "libyawire/1.2.0 (+https://github.com/libyawire/libyawire)"; got != want {
		t.Errorf("UserAgent: got %q, want %q", got, want)
	}
}

func TestLoadConfigBaseURL(t *testing.T) {
	tests := []struct {
		yaml string
		want string
	}{
		{"listen: 127.0.0.1:9090\n", "http://127.0.0.1:9090"},
		{"listen: :8080\n", "http://localhost:8080"},
		{"listen: 0.0.0.0:8080\n", "http://localhost:8080"},
		{"listen: '[::1]:8080'\n", "http://[::1]:8080"},
		{"listen: :8080\nbase_url: https://news.example.org/libya/\n", "https://news.example.org/libya"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte(tt.yaml+oneSource), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err != nil {
			t.Fatalf("%q: %v", tt.yaml, err)
		}
		if got := c.BaseURL; got != tt.want {
			t.Errorf("%q: base_url: got %q, want %q", tt.yaml, got, tt.want)
		}
	}
}

// TestLoadConfigDatabasePath checks that a relative database path is taken
// relative to the config file, not to the working directory.
func TestLoadConfigDatabasePath(t *testing.T) {
	dir := t.TempDir()
	abs := filepath.Join(t.TempDir(), "elsewhere.db")
	tests := []struct {
		database string
		want     string
	}{
		{"libyawire.db", filepath.Join(dir, "etc", "libyawire.db")},
		{"../var/libyawire.db", filepath.Join(dir, "var", "libyawire.db")},
		{"data/news.db", filepath.Join(dir, "etc", "data", "news.db")},
		{abs, abs},
	}
	if err := os.Mkdir(filepath.Join(dir, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, tt := range tests {
		yaml := fmt.Sprintf("database: %q\n%s", tt.database, oneSource)
		if err := os.WriteFile(filepath.Join(dir, "etc", "config.yaml"), []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(filepath.Join("etc", "config.yaml")) // relative, as from the command line
		if err != nil {
			t.Fatal(err)
		}
		if c.Database != tt.want {
			t.Errorf("database %q: got %q, want %q", tt.database, c.Database, tt.want)
		}
	}
}

// TestShippedConfig loads the config.yaml that ships with libyawire.
func TestShippedConfig(t *testing.T) {
	c, err := Load("../../config.yaml")
	if err != nil {
		t.Fatalf("the shipped config.yaml does not load:\n%v", err)
	}
	if got, want := c.Listen, "127.0.0.1:8080"; got != want {
		t.Errorf("listen: got %q, want %q", got, want)
	}
	if got := len(c.Sources); got < 20 {
		t.Errorf("got %d sources, want at least 20", got)
	}
	for _, s := range c.Sources {
		libyaOnly := reflect.DeepEqual(s.Tags, []string{"libya"})
		general := reflect.DeepEqual(s.Keep, []string{"libya"})
		if libyaOnly == general {
			t.Errorf("source %q: want either tags: [libya] or keep: [libya]", s.Name)
		}
		if s.Language == "" || s.Title == "" {
			t.Errorf("source %q: want a title and a language", s.Name)
		}
	}
}

// TestValidateInCode checks a Config built in code: problems carry no file
// or line, and come back sorted in the order Validate checks them.
func TestValidateInCode(t *testing.T) {
	c := defaultConfig()
	c.BaseURL = "http://127.0.0.1:8080"
	c.Sources = []Source{{Name: "libya-herald", URL: "https://libyaherald.com/feed/", Schedule: "@every 10m"}}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	c.Feed.Items = 0
	c.Sources = append(c.Sources, Source{Name: "libya-herald", URL: "https://libyaherald.com/feed/"})
	err := c.Validate()
	want := "feed.items is 0; it must be from 1 to 500\n" +
		`source "libya-herald": name already used by source 1`
	if err == nil || err.Error() != want {
		t.Errorf("Validate:\n got %v\nwant %s", err, want)
	}
}

func TestConfigErrorError(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{"config.yaml", 12, "bad"}, "config.yaml:12: bad"},
		{Error{"config.yaml", 0, "bad"}, "config.yaml: bad"},
		{Error{"", 12, "bad"}, "line 12: bad"},
		{Error{"", 0, "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestUserAgent(t *testing.T) {
	c := &Config{Fetch: Fetch{UserAgent: "libyawire/VERSION (+mailto:ops@example.org)"}}
	tests := []struct{ version, want string }{
		{"1.0.0", "libyawire/1.0.0 (+mailto:ops@example.org)"},
		{"", "libyawire/dev (+mailto:ops@example.org)"},
	}
	for _, tt := range tests {
		if got := c.UserAgent(tt.version); got != tt.want {
			t.Errorf("UserAgent(%q) = %q, want %q", tt.version, got, tt.want)
		}
	}
}
