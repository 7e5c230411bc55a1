package main

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestConvertGazetteer(t *testing.T) {
	gazetteerPath := "../../tag/gazetteer/gazetteer.yaml"
	entries, err := load(gazetteerPath)
	if err != nil {
		t.Fatal(err)
	}
	// Convert through the printed YAML, as config.yaml will read it.
	var buf bytes.Buffer
	if err := write(&buf, convert(entries)); err != nil {
		t.Fatal(err)
	}
	var out struct{ Tags []rule }
	if err := yaml.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("the output is not YAML: %v", err)
	}
	bySlug := map[string]rule{}
	for _, r := range out.Tags {
		bySlug[r.Slug] = r
	}
	if got, want := len(bySlug), len(entries); got != want || len(out.Tags) != want {
		t.Errorf("got %d rules (%d slugs), want %d", len(out.Tags), got, want)
	}

	all := map[string]bool{} // every alias of every entry
	// check that the aliases of one entry, or entity, are all in the rule's,
	// or the entity's, lists, and its context_required ones under ambiguous.
	check := func(what string, lists aliasLists, contextRequired, match, unsure []string) {
		for _, a := range aliases(lists, contextRequired) {
			all[a] = true
			if !slices.Contains(match, a) && !slices.Contains(unsure, a) {
				t.Errorf("%s: alias %q is missing", what, a)
			}
		}
		for _, a := range contextRequired {
			if omitted[a] {
				if slices.Contains(unsure, a) || slices.Contains(match, a) {
					t.Errorf("%s: omitted alias %q is in the rule", what, a)
				}
				continue
			}
			if !slices.Contains(unsure, a) || slices.Contains(match, a) {
				t.Errorf("%s: context_required %q is not (only) under ambiguous", what, a)
			}
		}
	}
	for _, e := range entries {
		r := bySlug[e.Slug]
		if r.TitleAr != e.NameAr {
			t.Errorf("%s: title_ar %q, want the gazetteer's name_ar %q", e.Slug, r.TitleAr, e.NameAr)
		}
		check(e.Slug, e.Aliases, e.ContextRequired, r.Match, r.Ambiguous)
		if len(r.Entities) != len(e.Entities) {
			t.Errorf("%s: %d entities, want %d", e.Slug, len(r.Entities), len(e.Entities))
			continue
		}
		for i, ent := range e.Entities {
			re := r.Entities[i]
			if re.Name != ent.Name {
				t.Errorf("%s: entity %d is %q, want %q", e.Slug, i+1, re.Name, ent.Name)
			}
			check(e.Slug+"/"+ent.Name, ent.Aliases, ent.ContextRequired, re.Match, re.Ambiguous)
		}
		for _, imp := range e.Implies {
			if !slices.Contains(r.Implies, imp) {
				t.Errorf("%s implies %v, want %s among them, as the gazetteer says", e.Slug, r.Implies, imp)
			}
		}
		if e.Type == "foreign" && len(r.Match) > 0 {
			t.Errorf("%s is a foreign state or body, but %q count without Libya evidence", e.Slug, r.Match)
		}
	}
	for a := range generic {
		if !all[a] {
			t.Errorf("generic %q is no alias in the gazetteer: remove it", a)
		}
	}
	for a := range libyaOnly {
		if !all[a] {
			t.Errorf("libyaOnly %q is no alias in the gazetteer: remove it", a)
		}
	}

	for _, r := range out.Tags {
		switch {
		case r.Slug == "libya" && len(r.Implies) > 0:
			t.Errorf("libya implies %v, want nothing", r.Implies)
		case r.Slug != "libya" && !slices.Contains(r.Implies, "libya"):
			t.Errorf("%s implies %v, want libya among them", r.Slug, r.Implies)
		}
		for _, s := range r.Implies {
			if _, ok := bySlug[s]; !ok {
				t.Errorf("%s implies %q, which no rule defines", r.Slug, s)
			}
		}
	}
}

// TestConfigInStep checks that the shipped config.yaml carries the rules
// this tool makes, so an edit to either is not lost at the next run.
func TestConfigInStep(t *testing.T) {
	gazetteerPath := "../../tag/gazetteer/gazetteer.yaml"
	var want bytes.Buffer
	if err := run(gazetteerPath, &want); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(cfg, want.Bytes()) {
		t.Error("config.yaml's tags: section is not what go run ./tools/gazetteer prints; run it and paste its output")
	}
}
