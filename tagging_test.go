package main

import (
	"slices"
	"testing"

	"github.com/libyawire/libyawire/internal/config"
	"github.com/libyawire/libyawire/internal/daemon"
	"github.com/libyawire/libyawire/tag"
)

// shippedTagger returns the tagger of the shipped config.yaml's rules.
func shippedTagger(t *testing.T) *tag.Tagger {
	t.Helper()
	cfg, err := config.Load("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tagger, err := daemon.NewTagger(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tagger
}

// TestShippedRules tags invented stories, in English and Arabic, from
// Libyan outlets and general wires with the shipped config.yaml, and checks
// the tags a Libya desk editor would give them and those they would not.
func TestShippedRules(t *testing.T) {
	tagger := shippedTagger(t)
	libyaOnly := []string{"libya"} // a Libya-only source's tags
	tests := []struct {
		name    string
		in      tag.Input
		want    []string // among the tags
		notWant []string // not among them; "libya" here means a general wire keeps nothing
	}{
		{
			name: "wire: Haftar near Sirte",
			in:   tag.Input{Title: "Haftar's forces deploy near Sirte as talks stall", Summary: "The eastern commander moved units west of the city."},
			want: []string{"khalifa-haftar", "sirte", "libya"},
		},
		{
			name:    "wire: Tripoli in Lebanon",
			in:      tag.Input{Title: "Clashes in Tripoli leave three dead", Summary: "Fighting broke out in Lebanon's northern city overnight, the army said."},
			notWant: []string{"tripoli", "libya", "armed-clashes"},
		},
		{
			name:    "wire: elections elsewhere",
			in:      tag.Input{Title: "Ghana elections: turnout high as polls close"},
			notWant: []string{"elections", "libya"},
		},
		{
			name:    "wire: Storm Daniel in Greece",
			in:      tag.Input{Title: "Storm Daniel floods villages in Thessaly", Summary: "Greek rescuers reached stranded farmers."},
			notWant: []string{"derna-flood", "libya"},
		},
		{
			name: "wire: Storm Daniel in Derna",
			in:   tag.Input{Title: "Storm Daniel: Derna dams rebuilt two years on"},
			want: []string{"derna-flood", "derna", "cyrenaica", "libya"},
		},
		{
			name:    "wire: a company called Sirtex",
			in:      tag.Input{Title: "Sirtex Medical shares rise on trial results"},
			notWant: []string{"sirte", "libya"},
		},
		{
			name: "wire: migration off Libya",
			in:   tag.Input{Title: "Coast guard intercepts 300 migrants off Zuwara", Content: "<p>The boats left the Libyan coast at night.</p>"},
			want: []string{"zuwara", "tripolitania", "migration", "libya"},
		},
		{
			name: "Libyan outlet: Tripoli with no other clue",
			in:   tag.Input{Title: "Traffic eases in Tripoli after the holiday", SourceTags: libyaOnly},
			want: []string{"tripoli", "tripolitania", "libya"},
		},
		{
			name: "Libyan outlet: oil blockade",
			in:   tag.Input{Title: "NOC lifts force majeure at Sharara", Summary: "Production resumed at the oil field.", SourceTags: libyaOnly},
			want: []string{"noc", "oil-blockade", "libya"},
		},
		{
			name: "Arabic outlet: Sirte with a proclitic",
			in:   tag.Input{Title: "افتتاح مستشفى جديد بسرت", Summary: "قال المجلس البلدي إن المستشفى يخدم المنطقة الوسطى.", SourceTags: libyaOnly},
			want: []string{"sirte", "libya"},
		},
		{
			name: "Arabic wire: Haftar and Benghazi",
			in:   tag.Input{Title: "حفتر يستقبل وفدا في بنغازي"},
			want: []string{"khalifa-haftar", "benghazi", "cyrenaica", "libya"},
		},
		{
			name: "Arabic wire: the Dbeibah government in Tripoli",
			in:   tag.Input{Title: "الدبيبة يجتمع بوزراء حكومته في طرابلس"},
			want: []string{"abdul-hamid-dbeibah", "tripoli", "libya"},
		},
		{
			name:    "Arabic wire: Tripoli in Lebanon",
			in:      tag.Input{Title: "اشتباكات في طرابلس شمال لبنان"},
			notWant: []string{"tripoli", "libya", "armed-clashes"},
		},
		{
			name:    "Arabic outlet: the UN mission is not about subsidies",
			in:      tag.Input{Title: "بعثة الأمم المتحدة للدعم في ليبيا ترحب بالاتفاق", SourceTags: libyaOnly},
			want:    []string{"unsmil", "libya"},
			notWant: []string{"economy-dinar"},
		},
		{
			name: "category gives the tag",
			in:   tag.Input{Title: "Council meeting today", Categories: []string{"Misrata"}},
			want: []string{"misrata", "libya"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tagger.Tags(tt.in)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %q: got %q", w, got)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(got, w) {
					t.Errorf("has %q: got %q", w, got)
				}
			}
		})
	}
}
