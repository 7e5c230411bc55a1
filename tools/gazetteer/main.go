// Command gazetteer turns the Libya gazetteer, tag/gazetteer/gazetteer.yaml,
// into the tags: section of config.yaml. From the module root:
//
//	go run ./tools/gazetteer > /tmp/tags.yaml
//
// then put the output in place of the tags: section of config.yaml.
//
// Each gazetteer tag becomes one rule: its slug, its name as the title, its
// name_ar as title_ar, and its English and Arabic aliases, spelled as the
// gazetteer spells them (the matcher folds case, hamza forms and
// diacritics), exact repeats dropped. A tag's entities become the rule's,
// each with its aliases sorted as the rule's are. Rules are grouped by type,
// with a comment line per group.
//
// An alias goes under ambiguous instead of match, so that it counts only in
// a story that already has Libya evidence, when:
//
//  0. its tag is a foreign state or body (type foreign): "Turkey" in a wire
//     story about Turkey alone is no Libya story;
//  1. the gazetteer lists it under context_required (of its tag or entity);
//  2. it belongs to a topic and names nothing Libyan. Words such as
//     "elections", "clashes" or "migrants" are news everywhere. A topic alias
//     stays in match when it contains an unambiguous alias of a place,
//     person, institution or Libya itself ("Derna flood", "Turkish troops in
//     Libya", "الدينار الليبي"), or is a name only Libya uses (libyaOnly);
//  3. it is one of the generic names below, for one of these reasons:
//     a. a variant or translation of an alias the gazetteer marks ambiguous
//     ("National Oil Corp", "CBL governor", "مسار برلين");
//     b. a description or an institution's name that other countries share
//     ("Government of National Unity", "eastern forces", "Geneva talks",
//     "Western Mountains"), or a bare number ("5 + 5", "111 Brigade");
//     c. an everyday word in its language ("بنينا" "we built", "الشرارة"
//     "the spark", "الكفرة" "the infidels", "سوق الجمعة" "Friday market");
//     d. a group, place or person as present in other countries' news as in
//     Libya's: Wagner and the Africa Corps (Mali, Sudan, CAR), the UN envoys
//     (posted elsewhere too), Skhirat (a Moroccan town, like Bouznika),
//     and Masoud Suleman (a common name, the gazetteer says);
//     e. fighting named after Tripoli, which is ambiguous itself
//     ("battle for Tripoli", "الهجوم على طرابلس": Lebanon's Tripoli too).
//
// A few everyday words are left out altogether (see omitted).
//
// Places and regions are marked place: a place named in a story's summary
// but not its title counts only when the title names nothing else.
//
// Every rule but libya implies libya, and what its gazetteer entry lists
// under implies (wagner-africa-corps: foreign-forces). A place also implies the region, or
// city, it plainly lies in (see within): a town its historic province
// (tripolitania, cyrenaica, fezzan), an oil terminal the oil-crescent, an
// airport or district of Tripoli tripoli, a mountain range its province.
// The provinces and the oil crescent imply only libya, so implies cannot
// loop. Places on an edge or spread out (Sirte, Jufra, Kufra, which the
// gazetteer does not put in Fezzan, Zueitina and Hariga, the oil fields),
// people, institutions and topics imply libya only: a wrong region tag is
// worse than none.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/libyawire/libyawire/tag"
	"go.yaml.in/yaml/v3"
)

// entry is one tag of the gazetteer.
type entry struct {
	Slug            string        `yaml:"slug"`
	Name            string        `yaml:"name"`
	NameAr          string        `yaml:"name_ar"`
	Type            string        `yaml:"type"`
	Aliases         aliasLists    `yaml:"aliases"`
	ContextRequired []string      `yaml:"context_required"`
	Implies         []string      `yaml:"implies"`
	Entities        []entityEntry `yaml:"entities"`
}

// aliasLists are an entry's, or an entity's, spellings by language.
type aliasLists struct {
	En []string `yaml:"en"`
	Ar []string `yaml:"ar"`
}

// entityEntry is one of the distinct things a gazetteer tag covers.
type entityEntry struct {
	Name            string     `yaml:"name"`
	Aliases         aliasLists `yaml:"aliases"`
	ContextRequired []string   `yaml:"context_required"`
}

// spellings returns e's own aliases and each entity's, with their
// context_required, the entry's first.
func (e entry) spellings() []entityEntry {
	return append([]entityEntry{{Aliases: e.Aliases, ContextRequired: e.ContextRequired}}, e.Entities...)
}

// rule is one tag rule as config.yaml writes it.
type rule struct {
	Slug      string       `yaml:"slug"`
	Title     string       `yaml:"title"`
	TitleAr   string       `yaml:"title_ar,omitempty"`
	Match     []string     `yaml:"match,omitempty"`
	Ambiguous []string     `yaml:"ambiguous,omitempty"`
	Entities  []ruleEntity `yaml:"entities,omitempty"`
	Implies   []string     `yaml:"implies,omitempty,flow"`
	Place     bool         `yaml:"place,omitempty"`
	typ       string
}

// ruleEntity is one entity of a rule as config.yaml writes it.
type ruleEntity struct {
	Name      string   `yaml:"name"`
	Match     []string `yaml:"match,omitempty"`
	Ambiguous []string `yaml:"ambiguous,omitempty"`
}

// types orders the groups of rules, each with its comment.
var types = []struct{ typ, comment string }{
	{"country", "country"},
	{"region", "regions"},
	{"place", "places"},
	{"person", "people"},
	{"org", "governments and institutions"},
	{"force", "armed forces"},
	{"process", "operations and political processes"},
	{"topic", "topics: their aliases count only with Libya evidence unless they name Libya"},
	{"foreign", "foreign states and bodies: their aliases count only with Libya evidence"},
}

// within maps a place to the region, or the city, it lies in.
var within = map[string]string{
	"tripoli": "tripolitania", "misrata": "tripolitania", "zawiya": "tripolitania",
	"zuwara": "tripolitania", "sabratha": "tripolitania", "gharyan": "tripolitania",
	"zintan": "tripolitania", "nalut": "tripolitania", "ghadames": "tripolitania",
	"tarhuna": "tripolitania", "bani-walid": "tripolitania", "tawergha": "tripolitania",
	"al-watiya": "tripolitania", "ras-ajdir": "tripolitania", "nafusa-mountains": "tripolitania",
	"mitiga": "tripoli", "tripoli-districts": "tripoli",

	"benghazi": "cyrenaica", "derna": "cyrenaica", "tobruk": "cyrenaica", "ajdabiya": "cyrenaica",
	"al-bayda": "cyrenaica", "al-marj": "cyrenaica", "green-mountain": "cyrenaica",

	"sabha": "fezzan", "ubari": "fezzan", "murzuq": "fezzan", "ghat": "fezzan",

	"ras-lanuf": "oil-crescent", "es-sider": "oil-crescent", "brega": "oil-crescent",
}

// libyaOnly are topic aliases that name something only Libya has.
var libyaOnly = set("GECOL", "LYD", "Abu Mansour dam", "سد أبو منصور")

// generic are aliases of places, people, institutions, forces and
// processes that are ambiguous for reasons 3a to 3e in the doc comment.
var generic = set(
	// a: variants and translations of ambiguous aliases
	"National Oil Corp", "المؤسسة الوطنية للنفط", "CBL governor", "PC head",
	"Akhdar Mountains", "Berlin 2 conference", "برلين 2", "مسار برلين",
	"خارطة الطريق الأممية", "مذكرة التفاهم البحرية",
	"حكومة الوحدة الوطنية", "حكومة الوحدة الوطنية المؤقتة",
	// b: shared descriptions and names, bare numbers
	"Government of National Unity", "interim unity government", "UN-backed government",
	"eastern parliament", "eastern-based government", "eastern forces",
	"national elections commission", "المفوضية العليا للانتخابات",
	"Geneva talks", "Berlin process", "maritime memorandum of understanding",
	"ملتقى الحوار السياسي", "Western Mountains", "الجبل الغربي", "قوة الردع",
	"5 + 5", "111 Brigade", "Brigade 111", "اللواء 111",
	// c: everyday words
	"بنينا", "الشرارة", "الحريقة", "الكفرة", "سوق الجمعة", "غضب البركان",
	// d: as present elsewhere as in Libya
	"Wagner Group", "Wagner mercenaries", "PMC Wagner", "Russian Africa Corps",
	"Russian Expeditionary Corps", "مجموعة فاغنر", "مرتزقة فاغنر", "الفيلق الروسي",
	"Hanna Tetteh", "Hanna Serwaa Tetteh", "Stephanie Khoury", "Stephanie Koury",
	"Abdoulaye Bathily", "Stephanie Williams", "Jan Kubis", "Ghassan Salame",
	"Ghassan Salamé", "Martin Kobler", "Bernardino Leon", "هانا تيتيه", "ستيفاني خوري",
	"عبد الله باتيلي", "باتيلي", "ستيفاني ويليامز", "ستيفاني وليامز", "يان كوبيش",
	"غسان سلامة", "مارتن كوبلر", "برناردينو ليون",
	"Skhirat", "الصخيرات",
	"Masoud Suleman", "Masoud Sulaiman", "Masoud Suleiman", "Massoud Slimane", "مسعود سليمان",
	// e: fighting named after Tripoli
	"Tripoli offensive", "battle for Tripoli", "Tripoli war", "حرب طرابلس", "الهجوم على طرابلس",
)

func main() {
	in := flag.String("in", "tag/gazetteer/gazetteer.yaml", "the gazetteer to convert")
	flag.Parse()
	if err := run(*in, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gazetteer:", err)
		os.Exit(1)
	}
}

func run(path string, w io.Writer) error {
	entries, err := load(path)
	if err != nil {
		return err
	}
	return write(w, convert(entries))
}

// load reads the gazetteer's tags.
func load(path string) ([]entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var g struct {
		Tags []entry `yaml:"tags"`
	}
	if err := yaml.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g.Tags, nil
}

// convert makes one rule of each gazetteer entry, ordered by type.
func convert(entries []entry) []rule {
	exists := map[string]bool{}
	for _, e := range entries {
		exists[e.Slug] = true
	}
	// The folded aliases that count on their own, topics aside: a topic
	// alias that contains one of them names something Libyan.
	sure := map[string]bool{}
	for _, e := range entries {
		for _, sp := range e.spellings() {
			for _, a := range aliases(sp.Aliases, sp.ContextRequired) {
				if e.Type != "topic" && !ambiguous(e, sp.ContextRequired, a, nil) {
					sure[tag.Fold(a)] = true
				}
			}
		}
	}
	var rules []rule
	for _, e := range entries {
		r := rule{Slug: e.Slug, Title: e.Name, TitleAr: e.NameAr, Place: e.Type == "place" || e.Type == "region", typ: e.Type}
		r.Match, r.Ambiguous = split(e, e.Aliases, e.ContextRequired, sure)
		for _, ent := range e.Entities {
			re := ruleEntity{Name: ent.Name}
			re.Match, re.Ambiguous = split(e, ent.Aliases, ent.ContextRequired, sure)
			r.Entities = append(r.Entities, re)
		}
		if e.Slug != "libya" {
			r.Implies = []string{"libya"}
			if in := within[e.Slug]; exists[in] {
				r.Implies = append(r.Implies, in)
			}
			for _, imp := range e.Implies {
				if !slices.Contains(r.Implies, imp) {
					r.Implies = append(r.Implies, imp)
				}
			}
		}
		rules = append(rules, r)
	}
	slices.SortStableFunc(rules, func(a, b rule) int { return group(a.typ) - group(b.typ) })
	return rules
}

// split sorts the aliases of entry e, or of one of its entities, into those
// that count on their own and those that need Libya evidence.
func split(e entry, lists aliasLists, contextRequired []string, sure map[string]bool) (match, unsure []string) {
	for _, a := range aliases(lists, contextRequired) {
		if ambiguous(e, contextRequired, a, sure) {
			unsure = append(unsure, a)
		} else {
			match = append(match, a)
		}
	}
	return match, unsure
}

// omitted are aliases left out altogether: everyday words so common in
// Libyan news that even with Libya evidence they would mislabel most
// stories. الدعم is "subsidies" but far more often "support", as in the
// name of the UN mission (بعثة الأمم المتحدة للدعم في ليبيا).
var omitted = set("الدعم")

// aliases returns the aliases of an entry or entity, English first, each
// once, less omitted. The gazetteer's context_required should repeat
// aliases, but an alias only listed there is an alias too.
func aliases(lists aliasLists, contextRequired []string) []string {
	var out []string
	for _, a := range slices.Concat(lists.En, lists.Ar, contextRequired) {
		if !omitted[a] && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// ambiguous reports whether alias a of e (of its rule, or of one of its
// entities, whose context_required is given) counts only with Libya
// evidence, by the rules in the package comment; sure is as in convert.
func ambiguous(e entry, contextRequired []string, a string, sure map[string]bool) bool {
	switch {
	case slices.Contains(contextRequired, a), generic[a], e.Type == "foreign":
		return true
	case e.Type == "topic":
		return !libyaOnly[a] && !namesLibya(a, sure)
	}
	return false
}

// namesLibya reports whether a run of a's words is one of sure.
func namesLibya(a string, sure map[string]bool) bool {
	words := strings.Fields(tag.Fold(a))
	for i := range words {
		for j := i + 1; j <= len(words); j++ {
			if sure[strings.Join(words[i:j], " ")] {
				return true
			}
		}
	}
	return false
}

// group returns the position of a type's group in the output.
func group(typ string) int {
	i := slices.IndexFunc(types, func(t struct{ typ, comment string }) bool { return t.typ == typ })
	if i < 0 {
		return len(types)
	}
	return i
}

// write prints rules as the tags: section of config.yaml, with a blank line
// and a comment line before each group.
func write(w io.Writer, rules []rule) error {
	var seq yaml.Node
	seq.Kind = yaml.SequenceNode
	for i, r := range rules {
		var n yaml.Node
		if err := n.Encode(r); err != nil {
			return err
		}
		if i == 0 || r.typ != rules[i-1].typ {
			n.HeadComment = comment(r.typ)
		}
		seq.Content = append(seq.Content, &n)
	}
	doc := yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "tags"}, &seq,
	}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	// A blank line before each group's comment but the first; no alias
	// can hold one.
	out := bytes.ReplaceAll(buf.Bytes(), []byte("\n  # "), []byte("\n\n  # "))
	_, err := w.Write(bytes.Replace(out, []byte("tags:\n\n"), []byte("tags:\n"), 1))
	return err
}

// comment returns the comment line for a type's group.
func comment(typ string) string {
	if i := group(typ); i < len(types) {
		return types[i].comment
	}
	return typ
}

func set(items ...string) map[string]bool {
	m := map[string]bool{}
	for _, s := range items {
		m[s] = true
	}
	return m
}
