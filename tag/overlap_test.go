package tag_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/libyawire/libyawire/tag"
)

// overlapRules are rules whose aliases overlap, in the shape of the
// shipped ones: relatives' full names holding a surname, a son's name
// holding his father's, an airport's holding its city's, and oil fields
// as entities of one rule.
var overlapRules = []tag.Rule{
	{Slug: "libya", Match: []string{"Libya", "Libyan", "ليبيا"}},
	{Slug: "khalifa-haftar", Match: []string{"Khalifa Haftar", "Haftar", "حفتر", "خليفة حفتر"}, Implies: []string{"libya"}},
	{Slug: "saddam-haftar", Match: []string{"Saddam Haftar", "صدام حفتر", "صدام خليفة حفتر"}, Implies: []string{"libya"}},
	{Slug: "muammar-gaddafi", Match: []string{"Gaddafi", "Muammar Gaddafi", "القذافي"}, Implies: []string{"libya"}},
	{Slug: "saif-al-islam-gaddafi", Match: []string{"Saif al-Islam Gaddafi", "Saif al-Islam", "سيف الإسلام القذافي"}, Implies: []string{"libya"}},
	{Slug: "tripoli", Match: []string{"Tarabulus"}, Ambiguous: []string{"Tripoli", "طرابلس"}, Implies: []string{"libya"}},
	{Slug: "tripoli-airport", Match: []string{"Tripoli International Airport", "مطار طرابلس الدولي"}, Implies: []string{"libya"}},
	{Slug: "oil-fields", Match: []string{"oil fields", "الحقول النفطية"}, Implies: []string{"libya"}, Entities: []tag.Entity{
		{Name: "sharara", Match: []string{"Sharara", "El Sharara", "حقل الشرارة"}, Ambiguous: []string{"الشرارة"}},
		{Name: "el-feel", Match: []string{"El Feel", "Elephant field", "حقل الفيل"}},
	}},
	{Slug: "turkey", Ambiguous: []string{"Turkey", "Turkish", "Ankara", "تركيا", "أنقرة"}, Implies: []string{"libya"}},
}

func overlapTagger(t testing.TB) *tag.Tagger {
	t.Helper()
	tg, err := tag.New(overlapRules)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// TestLongestAliasWins: where two aliases overlap in a text, the one of
// more words counts and the other does not, unless the text names it
// again elsewhere.
func TestLongestAliasWins(t *testing.T) {
	tg := overlapTagger(t)
	tests := []struct {
		text string
		want string // Tags, libya left out
	}{
		{"Saddam Haftar visits Rome", "[saddam-haftar]"},
		{"صدام حفتر يلتقي وفدا", "[saddam-haftar]"},
		{"صدام خليفة حفتر يزور القاهرة", "[saddam-haftar]"},
		{"Saddam Haftar meets his father Khalifa Haftar", "[khalifa-haftar saddam-haftar]"},
		{"Haftar receives Saddam Haftar", "[khalifa-haftar saddam-haftar]"},
		{"Saif al-Islam Gaddafi registers as a candidate", "[saif-al-islam-gaddafi]"},
		{"سيف الإسلام القذافي يترشح", "[saif-al-islam-gaddafi]"},
		{"Saif al-Islam, son of Muammar Gaddafi", "[muammar-gaddafi saif-al-islam-gaddafi]"},
		// The city only when it is named outside the airport's name too.
		{"Flights resume at Tripoli International Airport", "[tripoli-airport]"},
		{"مطار طرابلس الدولي يستقبل أول رحلة", "[tripoli-airport]"},
		{"Tripoli International Airport, closed since 2014, in southern Tripoli", "[tripoli tripoli-airport]"},
		{"Khalifa Haftar", "[khalifa-haftar]"},
	}
	for _, tt := range tests {
		got := slices.DeleteFunc(tg.Tags(tag.Input{Title: tt.text}), func(s string) bool { return s == "libya" })
		if fmt.Sprint(got) != tt.want {
			t.Errorf("Tags(%q) = %v, want %s", tt.text, got, tt.want)
		}
	}
}

// TestLongestAliasMatches: Matches, which grouping uses, follows the same
// rule: the city a report names only inside the airport's name is not a
// thing the report names.
func TestLongestAliasMatches(t *testing.T) {
	tg := overlapTagger(t)
	libya := []string{"libya"}
	tests := []struct{ text, want string }{
		{"Flights resume at Tripoli International Airport", "[tripoli-airport]"},
		{"Tripoli International Airport reopens in Tripoli", "[tripoli tripoli-airport]"},
		{"Saddam Haftar in Benghazi", "[saddam-haftar]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(tg.Matches(tt.text, libya)); got != tt.want {
			t.Errorf("Matches(%q) = %s, want %s", tt.text, got, tt.want)
		}
	}
}

// TestEntities: an entity's aliases give its rule's tag, and Entities
// tells the things apart: two oil fields are two things of one tag.
func TestEntities(t *testing.T) {
	tg := overlapTagger(t)
	tests := []struct {
		text     string
		evidence []string
		tags     string // Tags, libya left out
		entities string
	}{
		{"Output resumes at the Sharara field", nil, "[oil-fields]", "[oil-fields/sharara]"},
		{"Guards shut El Feel over pay", nil, "[oil-fields]", "[oil-fields/el-feel]"},
		{"استئناف الإنتاج في حقل الشرارة", nil, "[oil-fields]", "[oil-fields/sharara]"},
		{"Sharara and El Feel shut", nil, "[oil-fields]", "[oil-fields/el-feel oil-fields/sharara]"},
		{"Libya's oil fields reopen", nil, "[oil-fields]", "[oil-fields]"},
		{"Sharara, the largest of Libya's oil fields", nil, "[oil-fields]", "[oil-fields/sharara]"},
		// An entity's ambiguous alias needs evidence as a rule's does.
		{"الشرارة الأولى للثورة", nil, "[]", "[]"},
		{"إغلاق الشرارة", []string{"libya"}, "[oil-fields]", "[oil-fields/sharara]"},
		// Rules without entities stay as they were.
		{"Saddam Haftar visits Sharara", nil, "[oil-fields saddam-haftar]", "[oil-fields/sharara saddam-haftar]"},
	}
	for _, tt := range tests {
		tags := slices.DeleteFunc(tg.Tags(tag.Input{Title: tt.text, SourceTags: tt.evidence}), func(s string) bool { return s == "libya" })
		if got := fmt.Sprint(tags); got != tt.tags {
			t.Errorf("Tags(%q) = %s, want %s", tt.text, got, tt.tags)
		}
		if got := fmt.Sprint(tg.Entities(tt.text, tt.evidence)); got != tt.entities && !(got == "[]" && tt.entities == "[]") {
			t.Errorf("Entities(%q) = %s, want %s", tt.text, got, tt.entities)
		}
		// Named is Matches and Entities from one scan.
		tags, entities := tg.Named(tt.text, tt.evidence)
		if !slices.Equal(tags, tg.Matches(tt.text, tt.evidence)) || !slices.Equal(entities, tg.Entities(tt.text, tt.evidence)) {
			t.Errorf("Named(%q) = %v, %v; want Matches' and Entities' answers", tt.text, tags, entities)
		}
	}
}

// TestForeignStateAlone: a foreign state's aliases are all ambiguous, so
// a general wire's story about Turkey alone gets no tag (and a source that
// keeps Libya stories drops it), while one about Turkey in Libya gets both.
func TestForeignStateAlone(t *testing.T) {
	tg := overlapTagger(t)
	if got := tg.Tags(tag.Input{Title: "Turkey's central bank raises rates again", Summary: "Ankara moved to curb inflation."}); len(got) != 0 {
		t.Errorf("Turkey alone: got %v, want no tags", got)
	}
	if got := fmt.Sprint(tg.Tags(tag.Input{Title: "Turkish delegation in Libya for talks on the maritime deal"})); got != "[libya turkey]" {
		t.Errorf("Turkey in Libya: got %s, want [libya turkey]", got)
	}
}

func TestEntityErrors(t *testing.T) {
	tests := []struct {
		name   string
		entity []tag.Entity
		want   string
	}{
		{"no name", []tag.Entity{{Match: []string{"x"}}}, "no name"},
		{"twice", []tag.Entity{{Name: "a", Match: []string{"x"}}, {Name: "a", Match: []string{"y"}}}, "another entity"},
		{"no alias", []tag.Entity{{Name: "a", Match: []string{"--"}}}, "no alias"},
	}
	for _, tt := range tests {
		_, err := tag.New([]tag.Rule{{Slug: "r", Match: []string{"r"}, Entities: tt.entity}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	// A rule may have no aliases of its own, only its entities'.
	if _, err := tag.New([]tag.Rule{{Slug: "r", Entities: []tag.Entity{{Name: "a", Match: []string{"x"}}}}}); err != nil {
		t.Errorf("entities only: %v", err)
	}
	// Entities are part of the version: a new entity alias re-tags.
	a, _ := tag.New([]tag.Rule{{Slug: "r", Entities: []tag.Entity{{Name: "a", Match: []string{"x"}}}}})
	b, _ := tag.New([]tag.Rule{{Slug: "r", Entities: []tag.Entity{{Name: "a", Match: []string{"x", "y"}}}}})
	if a.Version() == b.Version() {
		t.Error("an added entity alias keeps the version")
	}
}

// placeRules mark their places, as the shipped rules do.
var placeRules = []tag.Rule{
	{Slug: "libya", Match: []string{"Libya", "Libyan"}},
	{Slug: "zuwara", Match: []string{"Zuwara", "زوارة"}, Implies: []string{"libya"}, Place: true},
	{Slug: "benghazi", Match: []string{"Benghazi", "بنغازي"}, Implies: []string{"libya"}, Place: true},
	{Slug: "migration", Ambiguous: []string{"migrants", "مهاجرين"}, Implies: []string{"libya"}},
	{Slug: "malta", Ambiguous: []string{"Malta", "Maltese", "المالطية"}, Implies: []string{"libya"}},
	{Slug: "sport", Ambiguous: []string{"national football team", "المنتخب"}, Implies: []string{"libya"}},
}

// TestPassingPlaces: a place named as a point of departure gives no tag,
// though it is still evidence for the story's ambiguous aliases; and a
// place the title leaves out counts from the summary only when the title
// names nothing the rules know.
func TestPassingPlaces(t *testing.T) {
	tg, err := tag.New(placeRules)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   tag.Input
		want string
	}{
		{"departure, general wire", tag.Input{Title: "Maltese patrol rescues 90 migrants", Summary: "The boat had set off from Zuwara two days earlier."}, "[libya malta migration]"},
		{"departure in Arabic", tag.Input{Title: "القوات المالطية تنقذ 70 مهاجرين انطلقوا من زوارة"}, "[libya malta migration]"},
		{"the place itself", tag.Input{Title: "Migrants intercepted off Zuwara"}, "[libya migration zuwara]"},
		{"a venue in the summary", tag.Input{Title: "National football team qualifies for the Cup of Nations", Summary: "The team won 1-0 in Benghazi.", SourceTags: []string{"libya"}}, "[libya sport]"},
		{"the summary's place when the title names nothing", tag.Input{Title: "Three hurt in market fire", Summary: "The fire broke out in Benghazi's old market.", SourceTags: []string{"libya"}}, "[benghazi libya]"},
		{"named in both", tag.Input{Title: "Benghazi national football team wins", Summary: "Fans celebrated in Benghazi."}, "[benghazi libya sport]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(tg.Tags(tt.in)); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}
