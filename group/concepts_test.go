package group

import (
	"slices"
	"strings"
	"testing"
)

func TestParseLexiconErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"fire: fire, blaze", `line 1: want "concept: english words | arabic words"`},
		{"# a comment\n\nfire fire | حريق", `line 3: want "concept: english words | arabic words"`},
		{"fire: | حريق", `line 1: want "concept: english words | arabic words"`},
		{"fire: fire, the | حريق", `line 1: "the" is all stop words or numbers`},
		{"fire: fire | حريق, one two three four five six", `line 1: "one two three four five six" is all stop words or numbers`},
		{"fire: fire | حريق كبير جدا في وسط المدينة", `line 1: "حريق كبير جدا في وسط المدينة" is longer than 4 words`},
	}
	for _, tt := range tests {
		_, err := parseLexicon(tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseLexicon(%q) = %v, want an error with %q", tt.text, err, tt.want)
		}
	}
}

func TestConceptsRead(t *testing.T) {
	tests := []struct {
		title        string
		want, names  []string
		wantAbsent   []string
		nameAbsences []string
	}{
		{title: "Explosion at Tripoli fuel depot injures five",
			want: []string{"depot", "explosion", "fuel", "injure"}},
		{title: "إصابة خمسة عمال في انفجار بمستودع وقود", // بمستودع: a preposition stuck to the word
			want: []string{"depot", "explosion", "fuel", "injure"}},
		{title: "وصول ٣٠٠ مهاجرًا إلى الميناء", // a closing tanween alef
			want: []string{"migrant", "terminal"}},
		{title: "محافظ المصرف المركزي يلتقي وفد صندوق النقد الدولي",
			want: []string{"bank", "delegation", "imf", "meet"}, names: []string{"imf"}},
		{title: "World Bank delegation meets CBL governor",
			want: []string{"delegation", "meet", "world bank"}, names: []string{"world bank"},
			wantAbsent: []string{"bank"}}, // the longest phrase wins
		{title: "Flights resume at Mitiga airport", want: []string{"airport", "flight"}},
	}
	for _, tt := range tests {
		s := NewSig(Report{Title: tt.title, Published: t0})
		for _, c := range tt.want {
			if !slices.Contains(s.concepts, c) {
				t.Errorf("%q: concepts %q, want %q among them", tt.title, s.concepts, c)
			}
		}
		for _, c := range tt.wantAbsent {
			if slices.Contains(s.concepts, c) {
				t.Errorf("%q: concepts %q, want no %q", tt.title, s.concepts, c)
			}
		}
		if !slices.Equal(s.titleNames, tt.names) {
			t.Errorf("%q: names %q, want %q", tt.title, s.titleNames, tt.names)
		}
	}
}

// TestConcepts: reports that name one place and tell of the same things
// in other words, in one language or two, are one event; two that name
// different organisations, or other places, are not; and a stricter
// threshold groups by concepts no more.
func TestConcepts(t *testing.T) {
	tests := []struct {
		name string
		a, b *Sig
		cfg  func(*Config)
		want bool
		why  string
	}{
		{"English and Arabic, one place",
			sig("Fire destroys tyre warehouse in Zliten", "", 0, "zliten"),
			sig("حريق يلتهم مخزن إطارات في زليتن", "", 2, "zliten"),
			nil, true, ""},
		{"English and Arabic, another place",
			sig("Fire destroys tyre warehouse in Zliten", "", 0, "zliten"),
			sig("حريق يلتهم مخزن إطارات في الخمس", "", 2, "khoms"),
			nil, false, "too few places, people or forces in common"},
		{"English and Arabic, one place, other things",
			sig("Fire destroys tyre warehouse in Zliten", "", 0, "zliten"),
			sig("افتتاح جسر جديد في زليتن", "", 2, "zliten"),
			nil, false, "too few places, people or forces in common"},
		{"different organisations",
			sig("CBL governor meets World Bank delegation in Tripoli", "", 0, "cbl", "tripoli"),
			sig("محافظ المصرف المركزي يلتقي وفد صندوق النقد الدولي في طرابلس", "", 1, "cbl", "tripoli"),
			nil, false, "different organisations"},
		{"one language, reworded",
			sig("Journalist detained in Benghazi after fuel report", "", 0, "benghazi"),
			sig("Benghazi police hold reporter over petrol coverage", "", 3, "benghazi"),
			nil, true, ""},
		{"one language, reworded, a stricter threshold",
			sig("Journalist detained in Benghazi after fuel report", "", 0, "benghazi"),
			sig("Benghazi police hold reporter over petrol coverage", "", 3, "benghazi"),
			func(c *Config) { c.Threshold = 0.9 }, false, "too few words in common"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			got, why := Same(tt.a, tt.b, cfg)
			if got != tt.want || why != tt.why {
				t.Errorf("Same = %v (%q), want %v (%q); concepts %q / %q", got, why, tt.want, tt.why, tt.a.concepts, tt.b.concepts)
			}
		})
	}
}
