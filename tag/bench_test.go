package tag_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/tag"
	"go.yaml.in/yaml/v3"
)

// shippedRules reads the tag rules of the shipped config.yaml.
func shippedRules(tb testing.TB) []tag.Rule {
	tb.Helper()
	data, err := os.ReadFile("../config.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	var cfg struct {
		Tags []struct {
			Slug, Title               string
			Match, Ambiguous, Implies []string
			Place                     bool
			Entities                  []struct {
				Name             string
				Match, Ambiguous []string
			}
		}
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		tb.Fatal(err)
	}
	rules := make([]tag.Rule, len(cfg.Tags))
	for i, r := range cfg.Tags {
		rules[i] = tag.Rule{Slug: r.Slug, Title: r.Title, Match: r.Match, Ambiguous: r.Ambiguous, Implies: r.Implies, Place: r.Place}
		for _, e := range r.Entities {
			rules[i].Entities = append(rules[i].Entities, tag.Entity{Name: e.Name, Match: e.Match, Ambiguous: e.Ambiguous})
		}
	}
	return rules
}

// benchItems returns n stories of about 2 KB each, half English and half
// Arabic, with HTML in their content.
func benchItems(n int) []tag.Input {
	en := "<p>Officials in the eastern city said on Tuesday that the council had approved a plan to repair the water network, " +
		"which was damaged in last year's floods. The minister told reporters that work would start in the spring and that " +
		"contractors from three companies had bid for the first phase.</p> "
	ar := "<p>قال مسؤولون في المجلس البلدي إن خطة إصلاح شبكة المياه التي تضررت في الفيضانات ستبدأ في الربيع، " +
		"وإن ثلاث شركات تقدمت بعروض للمرحلة الأولى من المشروع، بحسب ما أفاد به الوزير للصحفيين.</p> "
	places := []string{"Sirte", "Misrata", "Benghazi", "Tripoli", "Derna", "Sabha", "بسرت", "مصراتة", "بنغازي", "لطرابلس"}
	items := make([]tag.Input, n)
	for i := range items {
		body := en
		if i%2 == 1 {
			body = ar
		}
		place := places[i%len(places)]
		content := strings.Repeat(body, 4)
		items[i] = tag.Input{
			Title:      fmt.Sprintf("%s council approves water plan %d", place, i),
			Summary:    "Work on the network in " + place + " starts in spring.",
			Content:    content[:min(len(content), 1900)],
			Categories: []string{"Local news", "Infrastructure"},
		}
	}
	return items
}

// TestShippedRulesLoad: the rules the benchmark reads make a tagger.
func TestShippedRulesLoad(t *testing.T) {
	if _, err := tag.New(shippedRules(t)); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkTags tags 2 KB stories with the shipped rules. Run it on one
// core with -cpu 1.
func BenchmarkTags(b *testing.B) {
	tg, err := tag.New(shippedRules(b))
	if err != nil {
		b.Fatal(err)
	}
	items := benchItems(100)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tg.Tags(items[i%len(items)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}
