package main

import (
	"slices"
	"testing"

	"github.com/libyawire/libyawire/tag"
)

// TestForeignAndTopicRules gives each rule for a foreign state or body,
// and each topic, a story in English and one in Arabic from a Libya-only
// outlet, which must get its tag; and the same rules a general wire's
// story about the subject elsewhere, which must get nothing (so a source
// that keeps Libya stories does not keep it).
func TestForeignAndTopicRules(t *testing.T) {
	tagger := shippedTagger(t)
	tests := []struct{ slug, en, ar string }{
		{"turkey", "Turkish defence minister visits Tripoli", "وزير الدفاع التركي يزور طرابلس"},
		{"russia", "Russian delegation holds talks with Haftar in Benghazi", "وفد روسي يجري محادثات مع حفتر في بنغازي"},
		{"egypt", "Egypt's foreign minister receives Libyan counterpart in Cairo", "وزير الخارجية المصري يستقبل نظيره الليبي في القاهرة"},
		{"uae", "UAE pledges aid for Derna reconstruction", "الإمارات تتعهد بدعم إعادة إعمار درنة"},
		{"qatar", "Qatari emir meets Dbeibah in Doha", "أمير قطر يلتقي الدبيبة في الدوحة"},
		{"italy", "Italy's Meloni meets Dbeibah on migration", "ميلوني تبحث مع الدبيبة ملف الهجرة"},
		{"france", "French envoy meets Menfi in Tripoli", "المبعوث الفرنسي يلتقي المنفي في طرابلس"},
		{"greece", "Greece protests Libyan maritime deal", "اليونان تحتج على الاتفاق البحري الليبي"},
		{"malta", "Maltese armed forces rescue migrants who left Zuwara", "القوات المسلحة المالطية تنقذ مهاجرين انطلقوا من زوارة"},
		{"tunisia", "Tunisia reopens Ras Ajdir crossing with Libya", "تونس تعيد فتح منفذ رأس اجدير مع ليبيا"},
		{"algeria", "Algerian foreign minister discusses Libya border security", "وزير الخارجية الجزائري يبحث أمن الحدود مع ليبيا"},
		{"sudan", "Sudanese refugees arrive in Kufra", "لاجئون سودانيون يصلون إلى الكفرة"},
		{"chad", "Chadian rebels clash with LNA near the border", "متمردون تشاديون يشتبكون مع الجيش الوطني الليبي قرب الحدود"},
		{"niger", "Niger and Libya agree to patrol the desert border", "النيجر وليبيا تتفقان على تسيير دوريات على الحدود"},
		{"united-states", "US envoy meets Libyan officials in Tripoli", "المبعوث الأمريكي يلتقي مسؤولين ليبيين في طرابلس"},
		{"european-union", "EU extends Operation Irini's mandate off Libya", "الاتحاد الأوروبي يمدد مهمة عملية إيريني قبالة ليبيا"},
		{"united-kingdom", "British ambassador meets Libya's electoral commission", "السفير البريطاني يلتقي المفوضية العليا للانتخابات في ليبيا"},
		{"germany", "German foreign minister calls for Libyan elections", "وزيرة الخارجية الألمانية تدعو إلى انتخابات في ليبيا"},
		{"un-security-council", "UN Security Council renews UNSMIL mandate", "مجلس الأمن الدولي يجدد ولاية البعثة الأممية في ليبيا"},
		{"arab-league", "Arab League calls for calm in Tripoli", "جامعة الدول العربية تدعو إلى التهدئة في طرابلس"},
		{"african-union", "African Union hosts Libya reconciliation talks", "الاتحاد الأفريقي يستضيف محادثات المصالحة الليبية"},
		{"icc", "ICC prosecutor seeks arrest of Libyan militia commander", "المحكمة الجنائية الدولية تطلب توقيف قائد ميليشيا ليبي"},

		{"human-rights", "Rights groups decry abuses in Libya", "منظمات حقوق الإنسان تندد بالانتهاكات في ليبيا"},
		{"detention", "Hundreds held in Libyan detention centres without charge", "مئات المحتجزين في مراكز الاحتجاز الليبية دون تهمة"},
		{"kidnapping", "Gunmen kidnap a municipal official in Zawiya", "مسلحون يخطفون مسؤولا بلديا في الزاوية"},
		{"courts", "Tripoli court sentences former official to prison", "محكمة في طرابلس تقضي بسجن مسؤول سابق"},
		{"corruption", "Audit Bureau report details corruption in Libyan ministries", "تقرير ديوان المحاسبة يكشف الفساد في الوزارات الليبية"},
		{"fuel", "Fuel shortages bring long queues at petrol stations in Benghazi", "أزمة الوقود تتسبب في طوابير أمام محطات البنزين في بنغازي"},
		{"smuggling", "Coast guard seizes fuel smuggling boat off Zuwara", "خفر السواحل يضبط قارب تهريب وقود قبالة زوارة"},
		{"water", "Great Man-Made River repairs restore water to Tripoli", "إصلاحات النهر الصناعي تعيد المياه إلى طرابلس"},
		{"health", "Health ministry reports measles cases in Sabha", "وزارة الصحة تعلن حالات حصبة في سبها"},
		{"education", "Libyan schools postpone exams for a week", "المدارس الليبية تؤجل الامتحانات أسبوعا"},
		{"weather", "Heavy rain floods streets in Benghazi", "أمطار غزيرة تغمر شوارع بنغازي"},
		{"aviation", "Libyan Airlines resumes flights to Rome", "الخطوط الجوية الليبية تستأنف رحلاتها إلى روما"},
		{"banking", "Libyan banks face cash shortages before Eid", "المصارف الليبية تعاني نقص السيولة قبل العيد"},
		{"budget", "House of Representatives approves unified budget for Libya", "مجلس النواب يقر الميزانية الموحدة لليبيا"},
		{"press-freedom", "Journalist detained in Tripoli after critical report", "اعتقال صحفي في طرابلس بعد تقرير ناقد"},
		{"terrorism", "Counter-terrorism unit arrests cell in Sabratha", "جهاز مكافحة الإرهاب يعتقل خلية في صبراتة"},
		{"landmines", "Demining teams clear landmines in southern Tripoli", "فرق نزع الألغام تزيل ألغاما في جنوب طرابلس"},
		{"heritage", "Archaeologists restore the theatre at Leptis Magna", "علماء الآثار يرممون مسرح لبدة الكبرى"},
		{"sport", "Libya's national football team beats Tunisia", "المنتخب الليبي لكرة القدم يفوز على تونس"},
	}
	libya := []string{"libya"} // a Libya-only outlet's tags
	for _, tt := range tests {
		if !tagger.Defines(tt.slug) {
			t.Errorf("no rule for %s", tt.slug)
			continue
		}
		for _, text := range []string{tt.en, tt.ar} {
			if got := tagger.Tags(tag.Input{Title: text, SourceTags: libya}); !slices.Contains(got, tt.slug) {
				t.Errorf("%s: %q got %v", tt.slug, text, got)
			}
		}
	}

	// A general wire's stories about these subjects elsewhere.
	elsewhere := []string{
		"Turkey's central bank raises interest rates again",
		"Russian forces advance in eastern Ukraine",
		"Egypt's inflation slows for a third month",
		"Italy's Meloni wins confidence vote in Rome",
		"Tunisia's president dissolves municipal councils",
		"Sudan's army retakes Khartoum airport",
		"EU leaders agree on a new budget in Brussels",
		"Rights groups decry abuses in Myanmar's prisons",
		"Heavy rain floods streets in Athens",
		"Fuel prices rise across Europe",
		"Football: Real Madrid beat Barcelona in the Clasico",
		"تركيا ترفع أسعار الفائدة مجددا",
		"الجيش السوداني يستعيد مطار الخرطوم",
		"أزمة الوقود في لبنان تتفاقم",
	}
	for _, text := range elsewhere {
		if got := tagger.Tags(tag.Input{Title: text}); len(got) != 0 {
			t.Errorf("general wire, %q: got %v, want no tags", text, got)
		}
	}
}
