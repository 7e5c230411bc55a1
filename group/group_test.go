package group

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

func sig(title, summary string, hours int, entities ...string) *Sig {
	return NewSig(Report{Title: title, Summary: summary, Published: t0.Add(time.Duration(hours) * time.Hour),
		Entities: entities, TitleEntities: entities})
}

func TestSame(t *testing.T) {
	cfg := DefaultConfig()
	cfg.CrossLanguage = false // TestCrossLanguage has the default
	tests := []struct {
		name string
		a, b *Sig
		want bool
		why  string
	}{
		{"syndicated copy",
			sig("Libya: NOC restores output at Sharara oilfield", "The National Oil Corporation said production resumed on Sunday.", 0, "noc", "sharara"),
			sig("NOC restores output at Sharara oil field", "The National Oil Corporation said production resumed on Sunday.", 2, "noc", "sharara"),
			true, ""},
		{"Google News copy",
			NewSig(Report{Title: "Misrata port opens new container terminal - Libya Observer", Outlet: "Libya Observer", Published: t0,
				Entities: []string{"misrata"}, TitleEntities: []string{"misrata"}}),
			sig("Misrata port opens new container terminal", "", 1, "misrata"),
			true, ""},
		{"advance and withdraw",
			sig("Forces advance on Sirte", "", 0, "sirte"),
			sig("Forces withdraw from Sirte", "", 3, "sirte"),
			false, "opposite verbs"},
		{"sign and withdraw from",
			sig("Tripoli government signs migration accord with Italy", "", 0, "gnu", "italy"),
			sig("Tripoli government withdraws from migration accord with Italy", "", 2, "gnu", "italy"),
			false, "opposite verbs"},
		{"declare and lift",
			sig("NOC declares force majeure at Zawiya port", "", 0, "noc", "zawiya"),
			sig("NOC lifts force majeure at Zawiya port", "", 5, "noc", "zawiya"),
			false, "opposite verbs"},
		{"different numbers",
			sig("Coast guard rescues 40 migrants off Zuwara", "", 0, "zuwara"),
			sig("Coast guard rescues 12 migrants off Zuwara", "", 1, "zuwara"),
			false, "different numbers"},
		{"negation",
			sig("Rival legislatures agree on election law", "", 0, "hor", "hcs"),
			sig("Rival legislatures fail to agree on election law", "", 5, "hor", "hcs"),
			false, "a negation in one title only"},
		{"different places",
			sig("Clashes erupt in Zawiya between armed groups", "", 0, "zawiya"),
			sig("Clashes erupt in Zintan between armed groups", "", 2, "zintan"),
			false, "different places, people or forces"},
		{"outside the window",
			sig("Central bank publishes revenue report", "", 0, "cbl"),
			sig("Central bank publishes revenue report", "", 100, "cbl"),
			false, "published too far apart"},
		{"Arabic proclitics",
			sig("المؤسسة الوطنية للنفط تعلن استئناف الإنتاج في حقل الشرارة", "", 0, "noc", "sharara"),
			sig("استئناف الإنتاج بحقل الشرارة، وفق المؤسسة الوطنية للنفط", "", 4, "noc", "sharara"),
			true, ""},
		{"other language, cross_language off",
			sig("NOC resumes production at Sharara", "", 0, "noc", "sharara"),
			sig("المؤسسة الوطنية للنفط تستأنف الإنتاج في حقل الشرارة", "", 1, "noc", "sharara"),
			false, "different languages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := Same(tt.a, tt.b, cfg)
			if got != tt.want || why != tt.why {
				t.Errorf("Same = %v (%q), want %v (%q); score %.2f", got, why, tt.want, tt.why, Score(tt.a, tt.b))
			}
		})
	}
}

func TestCrossLanguage(t *testing.T) {
	cfg := DefaultConfig()
	if !cfg.CrossLanguage {
		t.Error("cross_language is off by default, want on")
	}
	en := sig("NOC resumes production at Sharara oilfield", "", 0, "noc", "sharara")
	ar := sig("المؤسسة الوطنية للنفط تستأنف الإنتاج في حقل الشرارة", "", 1, "noc", "sharara")
	if same, why := Same(en, ar, cfg); !same {
		t.Errorf("same event in two languages: %s", why)
	}
	other := sig("اشتباكات في الزاوية", "", 1, "zawiya")
	if same, _ := Same(en, other, cfg); same {
		t.Error("different events in two languages grouped")
	}
}

func TestStripPublisher(t *testing.T) {
	for _, tt := range []struct{ title, outlet, want string }{
		{"Sirte council meets - Libya Herald", "Libya Herald", "Sirte council meets"},
		{"Sirte council meets - Libya Herald", "", "Sirte council meets - Libya Herald"},
		{"Sirte council meets – Al Wasat", "al wasat", "Sirte council meets"},
		{"اجتماع في سرت - بوابة الوسط", "بوابة الوسط", "اجتماع في سرت"},
		{"Tripoli - Misrata road reopens", "Libya Herald", "Tripoli - Misrata road reopens"},
	} {
		if got := StripPublisher(tt.title, tt.outlet); got != tt.want {
			t.Errorf("StripPublisher(%q, %q) = %q, want %q", tt.title, tt.outlet, got, tt.want)
		}
	}
}

func TestIndex(t *testing.T) {
	cfg := DefaultConfig()
	x := NewIndex()
	x.Add(1, sig("NOC restores output at Sharara oilfield", "", 0, "noc", "sharara"), "herald", "herald")
	x.Add(2, sig("Coast guard rescues 40 migrants off Zuwara", "", 0, "zuwara"), "herald", "herald")
	x.Add(3, sig("Flooding closes roads in Al Bayda", "", -100, "al-bayda"), "wasat", "wasat")
	if id, ok := x.Find(sig("Sharara oilfield: NOC restores output", "", 3, "noc", "sharara"), cfg, "wire"); !ok || id != 1 {
		t.Errorf("Find = %d, %v; want 1", id, ok)
	}
	if _, ok := x.Find(sig("Coast guard rescues 12 migrants off Zuwara", "", 3, "zuwara"), cfg, "wire"); ok {
		t.Error("a report with another number found a story")
	}
	if _, ok := x.Find(sig("NOC restores output at Sharara oilfield", "", 3, "noc", "sharara"), cfg, "herald"); ok {
		t.Error("a story with a report from the same outlet was found")
	}
	x.Expire(t0.Add(-time.Hour))
	if n := x.Len(); n != 2 {
		t.Errorf("after Expire: %d reports, want 2", n)
	}
	x.Remove(1)
	if _, ok := x.Find(sig("NOC restores output at Sharara oilfield", "", 3, "noc", "sharara"), cfg, "wire"); ok {
		t.Error("a removed story was found")
	}
}

func TestTemplates(t *testing.T) {
	cfg := DefaultConfig()
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		// One template, filled in twice: different events.
		{"Dbeibah visits Misrata to inspect road projects", "Dbeibah visits Zliten to inspect road projects", false},
		{"GNU approves 20% salary rise for teachers", "GNU approves 20% salary rise for doctors", false},
		{"الدبيبة يلتقي السفير الأمريكي في طرابلس", "الدبيبة يلتقي السفير البريطاني في طرابلس", false},
		// A spelling is no substitution.
		{"WFP expands food assistance programme in southern Libya", "WFP expands food assistance program in southern Libya", true},
		// A headline that leads with the news and then says what came before.
		{"Benina airport resumes flights after runway closure", "Benina airport resumes international flights after runway repairs", true},
		{"Power cut hits Sabha for third day", "Power restored in Sabha after outage", false},
	} {
		got, why := Same(sig(tt.a, "", 0), sig(tt.b, "", 1), cfg)
		if got != tt.want {
			t.Errorf("%q / %q: %v (%s), want %v", tt.a, tt.b, got, why, tt.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	for _, tt := range []struct {
		title string
		want  string
	}{
		{"HNEC readies 1,200 polling stations", "[1200]"},
		{"إعادة 1٬500 مهاجر", "[1500]"},
		{"الإفراج عن اثني عشر محتجزا", "[12]"},
		{"Three killed, 14 injured", "[14 3]"},
		{"Tanker loads 600,000 barrels", "[600000]"},
	} {
		if got := fmt.Sprint(sig(tt.title, "", 0).Numbers); got != tt.want {
			t.Errorf("%q: numbers %s, want %s", tt.title, got, tt.want)
		}
	}
}

func TestSameSpelling(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"programme", "program", true},
		{"prioritise", "prioritize", true},
		{"misrata", "misurata", false},
		{"zawiya", "zintan", false},
		{"bank", "banks", false}, // too short to tell
	} {
		if got := sameSpelling(tt.a, tt.b); got != tt.want {
			t.Errorf("sameSpelling(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}
