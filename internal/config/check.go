package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/libyawire/libyawire/fetch"
)

var (
	slugPattern     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	languagePattern = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$`)
)

const slugRule = "lower-case letters and digits, joined by single hyphens"

// checker collects the problems Validate finds.
type checker struct {
	c    *Config
	errs Errors
}

// fail records a problem at the line of path, unless decoding that value
// already failed and was reported.
func (ch *checker) fail(path, format string, args ...any) {
	if ch.c.pos.hasFailed(path) {
		return
	}
	ch.errs = append(ch.errs, Error{File: ch.c.Path, Line: ch.c.pos.line(path), Msg: fmt.Sprintf(format, args...)})
}

// earlier says where a duplicate was first written.
func (ch *checker) earlier(path, noun string, i int) string {
	if ch.c.pos != nil {
		return fmt.Sprintf("at line %d", ch.c.pos.line(path))
	}
	return fmt.Sprintf("by %s %d", noun, i+1)
}

// identity names the key that identifies an entry of a list: a rule's
// slug, a source's name.
type identity struct {
	list, key, noun, example string
}

// uniqueSlug checks entry i's identifying value: present, a slug, not used
// by an earlier entry (first maps values to the entries that hold them). It
// reports whether the value is good and new, and records it in first then.
func (ch *checker) uniqueSlug(id identity, i int, value, label string, first map[string]int) bool {
	at := pathOf(id.list, i, id.key)
	switch j, dup := first[value]; {
	case value == "":
		ch.fail(at, "%s has no %s: add %s: with a slug such as %s", label, id.key, id.key, id.example)
	case !slugPattern.MatchString(value):
		ch.fail(at, "%s: the %s must be %s, such as %s", label, id.key, slugRule, id.example)
	case dup:
		ch.fail(at, "%s: %s already used %s", label, id.key, ch.earlier(pathOf(id.list, j, id.key), id.noun, j))
	default:
		first[value] = i
		return true
	}
	return false
}

// problems runs every check, in file order as far as possible: the top-level
// keys, fetch, retention and feed, the tag rules, then the sources.
func (c *Config) problems() Errors {
	ch := &checker{c: c}
	ch.topLevel()
	ch.sections()
	defined := ch.rules()
	ch.sources(defined)
	return ch.errs
}

// splitListen splits a listen address into host and numeric port.
func splitListen(listen string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(listen)
	if addrErr := (*net.AddrError)(nil); errors.As(err, &addrErr) {
		return "", "", fmt.Errorf("%s (use host:port such as 127.0.0.1:8080, or :8080 for every interface)", addrErr.Err)
	} else if err != nil {
		return "", "", err
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return "", "", fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return host, port, nil
}

// topLevel checks listen, base_url, database and schedule.
func (ch *checker) topLevel() {
	c := ch.c
	_, _, listenErr := splitListen(c.Listen)
	if listenErr != nil {
		ch.fail("listen", "listen %q: %v", c.Listen, listenErr)
	}
	switch {
	case c.BaseURL == "" && listenErr == nil:
		ch.fail("base_url", "base_url is empty: give the public URL of this server, such as https://news.example.org")
	case c.BaseURL != "":
		if problem := URLProblem(c.BaseURL, "https://news.example.org"); problem != "" {
			ch.fail("base_url", "base_url %q: %s", c.BaseURL, problem)
		} else if u, _ := url.Parse(c.BaseURL); u.RawQuery != "" || u.Fragment != "" {
			ch.fail("base_url", "base_url %q: remove the query or fragment", c.BaseURL)
		}
	}
	if c.Database == "" {
		ch.fail("database", "database is empty: give a file name such as libyawire.db")
	}
	if c.WebSubHub != "" {
		if problem := URLProblem(c.WebSubHub, "https://pubsubhubbub.appspot.com/"); problem != "" {
			ch.fail("websub_hub", "websub_hub %q: %s", c.WebSubHub, problem)
		}
	}
	if _, err := fetch.ParseSchedule(c.Schedule); err != nil {
		ch.fail("schedule", "schedule %q: %v", c.Schedule, err)
	}
}

// sections checks fetch, retention and feed.
func (ch *checker) sections() {
	f, r, feed := ch.c.Fetch, ch.c.Retention, ch.c.Feed
	if f.Concurrency < 1 {
		ch.fail("fetch.concurrency", "fetch.concurrency is %d; it must be at least 1", f.Concurrency)
	}
	if f.PerHost < 1 {
		ch.fail("fetch.per_host", "fetch.per_host is %d; it must be at least 1", f.PerHost)
	}
	if f.Timeout <= 0 {
		ch.fail("fetch.timeout", "fetch.timeout is %s; it must be more than 0, such as 30s", f.Timeout)
	}
	if f.MaxBody <= 0 {
		ch.fail("fetch.max_body", "fetch.max_body is %d; it must be more than 0, such as 10MiB", f.MaxBody)
	}
	if strings.TrimSpace(f.UserAgent) == "" {
		ch.fail("fetch.user_agent", "fetch.user_agent is empty: some feeds refuse clients that do not identify themselves (remove the key for the default)")
	}
	if s := ch.c.Stories; s.Window <= 0 {
		ch.fail("stories.window", "stories.window is %s; it must be more than 0, such as 72h", s.Window)
	}
	if s := ch.c.Stories; s.Threshold <= 0 || s.Threshold > 1 {
		ch.fail("stories.threshold", "stories.threshold is %g; it must be more than 0 and at most 1, such as 0.6", s.Threshold)
	}
	if d := ch.c.Stories.Developing; d.Outlets < 1 || d.Outlets > 1000 {
		ch.fail("stories.developing.outlets", "stories.developing.outlets is %d; it must be from 1 to 1000, such as 3", d.Outlets)
	}
	if d := ch.c.Stories.Developing; d.Within <= 0 || d.Within > 168*time.Hour {
		ch.fail("stories.developing.within", "stories.developing.within is %s; it must be more than 0 and at most 168h, such as 6h", d.Within)
	}
	if r.MaxAge < 0 {
		ch.fail("retention.max_age", "retention.max_age is %s; it must be 0 (keep forever) or more, such as 2160h", r.MaxAge)
	}
	if feed.Items < 1 || feed.Items > 500 {
		ch.fail("feed.items", "feed.items is %d; it must be from 1 to 500", feed.Items)
	}
	if strings.TrimSpace(feed.Title) == "" {
		ch.fail("feed.title", "feed.title is empty: feed readers show it as the feed's name")
	}
}

// rules checks the tagging rules and returns every tag that a rule or a
// source defines.
func (ch *checker) rules() map[string]bool {
	c := ch.c
	defined := map[string]bool{}
	for _, s := range c.Sources {
		for _, t := range s.Tags {
			defined[t] = true
		}
	}
	first := map[string]int{} // slug -> index of the rule that defines it
	for i, r := range c.Tags {
		label := entryLabel("tag", r.Slug, i)
		at := func(parts ...any) string { return pathOf(append([]any{"tags", i}, parts...)...) }
		if ch.uniqueSlug(identity{"tags", "slug", "tag", "green-mountain"}, i, r.Slug, label, first) {
			defined[r.Slug] = true
		}
		if len(r.Match)+len(r.Ambiguous)+len(r.Entities) == 0 {
			ch.fail(at("match"), "%s has no aliases: list at least one spelling under match:", label)
		}
		ch.aliases(at, label, r.Match, r.Ambiguous)
		ch.entities(at, label, r.Entities)
	}
	for i, r := range c.Tags {
		label := entryLabel("tag", r.Slug, i)
		for j, t := range r.Implies {
			ch.tagRef(pathOf("tags", i, "implies", j), label, "implies", t, defined)
		}
	}
	ch.cycles(first)
	return defined
}

// aliases reports the empty entries of a rule's, or an entity's, match
// and ambiguous lists; at gives the path of a key within the rule or entity.
func (ch *checker) aliases(at func(...any) string, label string, match, ambiguous []string) {
	for _, list := range []struct {
		key     string
		aliases []string
	}{{"match", match}, {"ambiguous", ambiguous}} {
		for j, a := range list.aliases {
			if strings.TrimSpace(a) == "" {
				ch.fail(at(list.key, j), "%s: %s entry %d is empty: write a spelling or remove it", label, list.key, j+1)
			}
		}
	}
}

// entities checks a rule's entities: each has a name of its own, as a
// slug is written, and at least one alias.
func (ch *checker) entities(ruleAt func(...any) string, ruleLabel string, entities []Entity) {
	first := map[string]int{}
	for j, e := range entities {
		at := func(parts ...any) string { return ruleAt(append([]any{"entities", j}, parts...)...) }
		label := ruleLabel + ": " + entryLabel("entity", e.Name, j)
		switch prev, seen := first[e.Name]; {
		case e.Name == "":
			ch.fail(at(), "%s has no name: give it one such as sharara", label)
		case !slugPattern.MatchString(e.Name):
			ch.fail(at("name"), "%s: the name must be %s, such as el-feel", label, slugRule)
		case seen:
			ch.fail(at("name"), "%s: entity %d has this name already", label, prev+1)
		default:
			first[e.Name] = j
		}
		if len(e.Match)+len(e.Ambiguous) == 0 {
			ch.fail(at("match"), "%s has no aliases: list at least one spelling under match:", label)
		}
		ch.aliases(at, label, e.Match, e.Ambiguous)
	}
}

// cycles reports each loop in implies once, at the implies entry that
// closes it when the rules are walked in file order.
func (ch *checker) cycles(first map[string]int) {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(slug string)
	visit = func(slug string) {
		state[slug] = onPath
		path = append(path, slug)
		i := first[slug]
		for j, t := range ch.c.Tags[i].Implies {
			if _, ok := first[t]; !ok {
				continue
			}
			switch state[t] {
			case unseen:
				visit(t)
			case onPath:
				k := len(path) - 1
				for path[k] != t {
					k--
				}
				cycle := append(append([]string{}, path[k:]...), t)
				ch.fail(pathOf("tags", i, "implies", j), "%s: implies cycle %s: remove one of these implies",
					entryLabel("tag", slug, i), strings.Join(cycle, " -> "))
			}
		}
		path = path[:len(path)-1]
		state[slug] = done
	}
	for i, r := range ch.c.Tags {
		if j, ok := first[r.Slug]; ok && j == i && state[r.Slug] == unseen {
			visit(r.Slug)
		}
	}
}

// tagRef checks a tag named in keep, drop or implies.
func (ch *checker) tagRef(path, label, key, tag string, defined map[string]bool) {
	switch {
	case !slugPattern.MatchString(tag):
		ch.fail(path, "%s: %s %q is not a tag: tags are %s, such as libya", label, key, tag, slugRule)
	case !defined[tag]:
		hint := ""
		if near := nearest(tag, defined); near != "" {
			hint = fmt.Sprintf("; did you mean %q?", near)
		}
		ch.fail(path, "%s: %s %q: no tag rule or source defines this tag (add a rule with slug: %s under tags:)%s", label, key, tag, tag, hint)
	}
}

func (ch *checker) sources(defined map[string]bool) {
	c := ch.c
	if len(c.Sources) == 0 {
		ch.fail("sources", "no sources: add at least one under sources:, with a name and a url")
	}
	first := map[string]int{}
	for i, s := range c.Sources {
		label := entryLabel("source", s.Name, i)
		at := func(parts ...any) string { return pathOf(append([]any{"sources", i}, parts...)...) }
		ch.uniqueSlug(identity{"sources", "name", "source", "libya-herald"}, i, s.Name, label, first)
		if s.URL == "" {
			ch.fail(at("url"), "%s has no url: add url: with the feed's address", label)
		} else if problem := URLProblem(s.URL, "https://example.org/feed/"); problem != "" {
			ch.fail(at("url"), "%s: url %q: %s", label, s.URL, problem)
		}
		if s.Schedule != "" && s.Schedule != c.Schedule { // the top-level one is checked once
			if _, err := fetch.ParseSchedule(s.Schedule); err != nil {
				ch.fail(at("schedule"), "%s: schedule %q: %v", label, s.Schedule, err)
			}
		}
		if s.Language != "" && !languagePattern.MatchString(s.Language) {
			ch.fail(at("language"), "%s: language %q is not a language tag such as en, ar, fr or en-GB", label, s.Language)
		}
		if s.Timezone != "" {
			if _, err := time.LoadLocation(s.Timezone); err != nil {
				ch.fail(at("timezone"), "%s: timezone %q is not a known time zone (use an IANA name such as Africa/Tripoli or UTC)", label, s.Timezone)
			}
		}
		if s.MaxItems < 0 {
			ch.fail(at("max_items"), "%s: max_items is %d; it must be 0 (no limit) or more, such as 500", label, s.MaxItems)
		}
		for j, t := range s.Tags {
			if !slugPattern.MatchString(t) {
				ch.fail(at("tags", j), "%s: tags %q is not a tag: tags are %s, such as libya", label, t, slugRule)
			}
		}
		for j, t := range s.Keep {
			ch.tagRef(at("keep", j), label, "keep", t, defined)
		}
		for j, t := range s.Drop {
			ch.tagRef(at("drop", j), label, "drop", t, defined)
		}
	}
}

// URLProblem says what keeps s from being an absolute http or https URL
// with a host, or returns "".
func URLProblem(s, example string) string {
	u, err := url.Parse(s)
	var urlErr *url.Error
	switch {
	case errors.As(err, &urlErr):
		return urlErr.Err.Error()
	case err != nil:
		return err.Error()
	case u.Scheme != "http" && u.Scheme != "https":
		return "want an absolute http or https URL, such as " + example
	case u.Hostname() == "":
		return "the URL has no host"
	}
	return ""
}

// nearest returns the name in names closest to s within two edits, or "".
