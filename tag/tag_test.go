package tag_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/tag"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Sirte", "sirte"},
		{"  SIRTE,  Libya! ", "sirte libya"},
		{"Al-Zawiya", "al zawiya"},
		{"Qaddafi-era", "qaddafi era"},
		{"Haftar's forces", "haftar forces"},
		{"Haftar’s forces", "haftar forces"},
		{"Haftar's", "haftar"},
		{"the 's' key", "the s key"},
		{"Misrātah", "misrātah"},
		{"ΟΔΟΣ οδος οδοσ", "οδοσ οδοσ οδοσ"},
		{"\u212Aufra", "kufra"}, // the Kelvin sign
		{"Benghazi\u200b", "benghazi"},
		// Arabic: tashkeel and tatweel go, hamza forms, taa marbuta and
		// alef maqsura fold, digits become ASCII.
		{"طَرَابُلُس", "طرابلس"},
		{"طـــرابلس", "طرابلس"},
		{"أحمد إبراهيم آمنة ٱلله", "احمد ابراهيم امنه الله"},
		{"مصراتة", "مصراته"},
		{"مستشفى", "مستشفي"},
		{"مؤتمر", "موتمر"},
		{"رئيس", "رييس"},
		{"٢٠٢٦ و۱۲", "2026 و12"},
		{"سرت، ليبيا؟", "سرت ليبيا"},
		{"", ""},
		{"---", ""},
	}
	for _, tt := range tests {
		if got := tag.Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzFoldIdempotent(f *testing.F) {
	for _, s := range []string{"Sirte", "Haftar's", "طَرَابُلُس", "Al-Zawiya's", "x 's y", "٢٠٢٦", "İstanbul", "ǅ", "a\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := tag.Fold(s)
		if twice := tag.Fold(once); twice != once {
			t.Errorf("Fold(%q) = %q, but Fold of that = %q", s, once, twice)
		}
	})
}

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Tripoli", "tripoli"},
		{"Water & Utilities", "water-utilities"},
		{"  World/Africa  ", "world-africa"},
		{"أخبار ليبيا", "اخبار-ليبيا"},
		{"--", ""},
		{"COVID-19", "covid-19"},
		{strings.Repeat("a", 100), strings.Repeat("a", 64)},
	}
	for _, tt := range tests {
		if got := tag.Slug(tt.in); got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// rules is a small rule set in the shape of the shipped one.
var rules = []tag.Rule{
	{Slug: "libya", Match: []string{"Libya", "Libyan", "ليبيا", "الليبية"}},
	{Slug: "tripolitania", Match: []string{"Tripolitania", "western Libya"}, Implies: []string{"libya"}},
	{Slug: "sirte", Match: []string{"Sirte", "Surt", "Syrte", "سرت"}, Implies: []string{"libya"}},
	{Slug: "tripoli", Match: []string{"Tarabulus", "Mitiga"}, Ambiguous: []string{"Tripoli", "طرابلس"}, Implies: []string{"tripolitania"}},
	{Slug: "haftar", Match: []string{"Khalifa Haftar", "Haftar", "Hifter", "حفتر"}, Implies: []string{"lna"}},
	{Slug: "lna", Match: []string{"Libyan National Army", "LNA"}, Implies: []string{"libya"}},
	{Slug: "green-mountain", Match: []string{"Jebel Akhdar"}, Ambiguous: []string{"Green Mountain", "الجبل الأخضر"}, Implies: []string{"libya"}},
	{Slug: "zawiya", Match: []string{"Zawiya", "الزاوية"}, Implies: []string{"tripolitania"}},
	{Slug: "misrata", Match: []string{"Misrata", "مصراتة"}, Implies: []string{"libya"}},
	{Slug: "elections", Ambiguous: []string{"elections", "الانتخابات"}, Implies: []string{"libya"}},
}

func mustTagger(t testing.TB) *tag.Tagger {
	t.Helper()
	tg, err := tag.New(rules)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestTags(t *testing.T) {
	tg := mustTagger(t)
	tests := []struct {
		name string
		in   tag.Input
		want []string
	}{
		{"plain word", tag.Input{Title: "Power returns to Sirte"}, []string{"libya", "sirte"}},
		{"case folded", tag.Input{Title: "SIRTE council meets"}, []string{"libya", "sirte"}},
		{"other spelling", tag.Input{Summary: "Officials in Syrte said"}, []string{"libya", "sirte"}},
		{"not inside a longer word", tag.Input{Title: "Sirtex shares rise"}, nil},
		{"not a prefix", tag.Input{Title: "Surtees wins the race"}, nil},
		{"possessive", tag.Input{Title: "Haftar's forces advance"}, []string{"haftar", "libya", "lna"}},
		{"curly possessive", tag.Input{Title: "Haftar’s son visits Cairo"}, []string{"haftar", "libya", "lna"}},
		{"hyphenated name", tag.Input{Title: "Al-Zawiya refinery restarts"}, []string{"libya", "tripolitania", "zawiya"}},
		{"hyphen splits words", tag.Input{Title: "a Misrata-based brigade"}, []string{"libya", "misrata"}},
		{"phrase", tag.Input{Content: "<p>the Libyan National Army said</p>"}, []string{"libya", "lna"}},
		{"phrase words must be adjacent", tag.Input{Title: "a national army of Libyans"}, nil},
		{"phrase across a line break", tag.Input{Content: "western\nLibya saw rain"}, []string{"libya", "tripolitania"}},
		{"html stripped", tag.Input{Content: `<a href="https://example.com/sirte">a link</a> <img alt="Sirte">`}, nil},
		{"html text counts", tag.Input{Content: `<p>Flights resumed at <b>Mitiga</b></p>`}, []string{"libya", "tripoli", "tripolitania"}},
		{"entities decoded", tag.Input{Summary: "Haftar&#39;s army"}, []string{"haftar", "libya", "lna"}},
		{"script ignored", tag.Input{Content: "<script>var city = 'Sirte';</script>rain"}, nil},
		{"implies chain", tag.Input{Title: "Hifter speaks"}, []string{"haftar", "libya", "lna"}},

		// Ambiguous aliases need Libya evidence.
		{"Tripoli in a Lebanon story", tag.Input{Title: "Protests in Tripoli, Lebanon's second city"}, nil},
		{"Tripoli with Libya in the text", tag.Input{Title: "Tripoli: Libya's capital votes"}, []string{"libya", "tripoli", "tripolitania"}},
		{"Tripoli with evidence from the source", tag.Input{Title: "Tripoli traffic", SourceTags: []string{"libya"}}, []string{"libya", "tripoli", "tripolitania"}},
		{"Tripoli with evidence from a category", tag.Input{Title: "Tripoli traffic", Categories: []string{"Libya"}}, []string{"libya", "tripoli", "tripolitania"}},
		{"bare ambiguous alias", tag.Input{Title: "Green Mountain ski resort opens"}, nil},
		{"ambiguous alias with evidence", tag.Input{Title: "Green Mountain farmers in eastern Libya"}, []string{"green-mountain", "libya"}},
		{"ambiguous topic alone", tag.Input{Title: "Elections in Portugal"}, nil},
		{"ambiguous topic with Libya", tag.Input{Title: "Libya elections delayed"}, []string{"elections", "libya"}},
		{"evidence from another place", tag.Input{Title: "Tripoli and Sirte"}, []string{"libya", "sirte", "tripoli", "tripolitania"}},

		// Arabic.
		{"arabic word", tag.Input{Title: "افتتاح مدرسة في سرت"}, []string{"libya", "sirte"}},
		{"arabic with tashkeel", tag.Input{Title: "وصل إلى سِرْت"}, []string{"libya", "sirte"}},
		{"arabic proclitic ب", tag.Input{Title: "انفجار بسرت"}, []string{"libya", "sirte"}},
		{"arabic proclitic و", tag.Input{Title: "بنغازي وسرت"}, []string{"libya", "sirte"}},
		{"arabic proclitic ل", tag.Input{Title: "زيارة لسرت"}, []string{"libya", "sirte"}},
		{"arabic proclitic ف", tag.Input{Title: "فسرت"}, []string{"libya", "sirte"}},
		{"arabic proclitics وب", tag.Input{Title: "وبسرت"}, []string{"libya", "sirte"}},
		{"arabic taa marbuta", tag.Input{Title: "اشتباكات في مصراته"}, []string{"libya", "misrata"}},
		{"arabic article on the alias", tag.Input{Title: "في الزاوية"}, []string{"libya", "tripolitania", "zawiya"}},
		{"arabic بال", tag.Input{Title: "حادث بالزاوية"}, []string{"libya", "tripolitania", "zawiya"}},
		{"arabic وال", tag.Input{Title: "مصراتة والزاوية"}, []string{"libya", "misrata", "tripolitania", "zawiya"}},
		{"arabic لل", tag.Input{Title: "رحلة للزاوية"}, []string{"libya", "tripolitania", "zawiya"}},
		{"arabic hamza folded", tag.Input{Title: "قوات الجبل الاخضر", SourceTags: []string{"libya"}}, []string{"green-mountain", "libya"}},
		{"arabic phrase with proclitic", tag.Input{Title: "في بالجبل الأخضر", SourceTags: []string{"libya"}}, []string{"green-mountain", "libya"}},
		{"arabic ambiguous without evidence", tag.Input{Title: "طرابلس الشام"}, nil},
		{"arabic ambiguous with evidence", tag.Input{Title: "طرابلس عاصمة ليبيا"}, []string{"libya", "tripoli", "tripolitania"}},
		{"arabic not inside a word", tag.Input{Title: "سرتان"}, nil},
		{"arabic prefix not a proclitic", tag.Input{Title: "مسرت"}, nil},
		{"arabic remainder too short", tag.Input{Title: "وس"}, nil},
		{"arabic ambiguous topic with proclitic", tag.Input{Title: "وبالانتخابات الليبية"}, []string{"elections", "libya"}},

		// Categories.
		{"category equal to an alias", tag.Input{Categories: []string{"Surt"}}, []string{"libya", "sirte"}},
		{"other categories are slugs", tag.Input{Categories: []string{"Oil & Gas", "أخبار محلية"}}, []string{"oil-gas", "اخبار-محليه"}},
		{"category containing an alias", tag.Input{Categories: []string{"Sirte news"}}, []string{"libya", "sirte", "sirte-news"}},
		{"category slug equal to a rule slug", tag.Input{Categories: []string{"Sirte"}}, []string{"libya", "sirte"}},
		{"ambiguous category without evidence", tag.Input{Categories: []string{"Tripoli"}}, nil},
		{"source tags kept and expanded", tag.Input{Title: "weather", SourceTags: []string{"misrata", "local"}}, []string{"libya", "local", "misrata"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tg.Tags(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Tags(%+v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name  string
		rules []tag.Rule
		want  string
	}{
		{"cycle", []tag.Rule{{Slug: "a", Match: []string{"a"}, Implies: []string{"b"}}, {Slug: "b", Match: []string{"b"}, Implies: []string{"a"}}}, "loops"},
		{"self", []tag.Rule{{Slug: "a", Match: []string{"a"}, Implies: []string{"a"}}}, "loops"},
		{"duplicate", []tag.Rule{{Slug: "a", Match: []string{"a"}}, {Slug: "a", Match: []string{"b"}}}, "twice"},
		{"no alias", []tag.Rule{{Slug: "a", Match: []string{"--"}}}, "no alias"},
		{"no slug", []tag.Rule{{Match: []string{"x"}}}, "no slug"},
	}
	for _, tt := range tests {
		if _, err := tag.New(tt.rules); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	// A chain without a loop is fine, and an implied tag no rule defines.
	if _, err := tag.New([]tag.Rule{{Slug: "a", Match: []string{"a"}, Implies: []string{"b", "c"}}, {Slug: "b", Match: []string{"b"}, Implies: []string{"c"}}}); err != nil {
		t.Errorf("chain: %v", err)
	}
}

func TestVersion(t *testing.T) {
	a, b := mustTagger(t), mustTagger(t)
	if a.Version() != b.Version() {
		t.Error("the same rules give two versions")
	}
	changed := slices.Clone(rules)
	changed[2].Match = append(slices.Clone(changed[2].Match), "Sirt")
	c, err := tag.New(changed)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version() == a.Version() {
		t.Error("an added alias keeps the version")
	}
}

func TestSearch(t *testing.T) {
	text := []string{"Haftar's forces reach the coast", "<p>قوات بسرت و<b>الجبل الأخضر</b></p>"}
	tests := []struct {
		q    string
		want bool
	}{
		{"haftar", true},
		{"HAFTAR coast", true},
		{"haftar libya", false},
		{`"forces reach"`, true},
		{`"reach forces"`, false},
		{"forc", false},
		{"سرت", true},
		{"سِرت", true},
		{`"الجبل الاخضر"`, true},
		{"جبل", true},
		{"", true},
		{`"unclosed phrase`, false},
	}
	for _, tt := range tests {
		s := tag.ParseSearch(tt.q)
		if got := s.Match(text...); got != tt.want {
			t.Errorf("ParseSearch(%q).Match = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestSearchWords(t *testing.T) {
	tests := []struct {
		text, q string
		want    bool
	}{
		{"sirte", "Sirte", true},
		{"sirtex", "sirte", false},
		{"coastal road to Sirte", `Sirte "coastal road"`, true},
		{"road coastal", `"coastal road"`, false},
		{"Haftar's", "Haftar's", true},
		{"انتاج", "إنتاج", true},
		{"مصراتة", "مُصْرَاتَة", true},
		{"طرابلس", "طرابـــلس", true},
		{"الطريق", "طريق", true},
		{"والطريق", "طريق", true},
		{"بالطريق", "طريق", true},
		{"للطريق", "طريق", true},
		{"وبطرابلس", "طرابلس", true},
		{"فطرابلس", "طرابلس", true},
		{"مطرابلس", "طرابلس", false},
		{"ااطرابلس", "طرابلس", false},
	}
	for _, tt := range tests {
		if got := tag.ParseSearch(tt.q).Match(tt.text); got != tt.want {
			t.Errorf("ParseSearch(%q).Match(%q) = %v, want %v", tt.q, tt.text, got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  plain   text ", "plain text"},
		{"<p>One</p><p>Two &amp; three</p>", "One Two & three"},
		{"a <b>bold</b> word", "a bold word"},
		{"x < y and y > z", "x < y and y > z"},
		{"<script>var a = '<p>';</script>after", "after"},
		{"<STYLE>p{}</STYLE>styled", "styled"},
		{"<!-- note -->text", "text"},
		{"broken <a href=", "broken"},
		{"&lt;not a tag&gt;", "<not a tag>"},
		{"<p>قال المجلس</p>", "قال المجلس"},
	}
	for _, tt := range tests {
		if got := tag.Text(tt.in); got != tt.want {
			t.Errorf("tag.Text(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMatches: what a text itself names, the narrowest of it, and what it
// implies; ambiguous aliases count with evidence.
func TestMatches(t *testing.T) {
	tg := mustTagger(t)
	tests := []struct {
		text     string
		evidence []string
		matches  string
		narrow   string
	}{
		// "western Libya" is tripolitania's alias, longer than libya's "Libya".
		{"Clashes in Zawiya, western Libya", nil, "[tripolitania zawiya]", "[zawiya]"},
		{"Clashes in Zawiya, Libya", nil, "[libya zawiya]", "[zawiya]"},
		// Haftar's rule implies libya: evidence for the ambiguous Tripoli.
		{"Haftar visits Tripoli", nil, "[haftar tripoli]", "[haftar tripoli]"},
		{"Tripoli port reopens", nil, "[]", "[]"},
		{"Tripoli port reopens", []string{"libya"}, "[tripoli]", "[tripoli]"},
		{"Sirte and Misrata", []string{"elections"}, "[misrata sirte]", "[misrata sirte]"},
	}
	for _, tt := range tests {
		m := tg.Matches(tt.text, tt.evidence)
		if got := fmt.Sprint(m); got != tt.matches && !(got == "[]" && tt.matches == "[]") {
			t.Errorf("Matches(%q, %q) = %s, want %s", tt.text, tt.evidence, got, tt.matches)
		}
		if got := fmt.Sprint(tg.Narrowest(tg.Implied(m))); got != tt.narrow {
			t.Errorf("Narrowest(Implied(%q)) = %s, want %s", tt.text, got, tt.narrow)
		}
	}
	if got := fmt.Sprint(tg.Implied([]string{"zawiya"})); got != "[libya tripolitania zawiya]" {
		t.Errorf("Implied(zawiya) = %s", got)
	}
}
