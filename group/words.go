package group

import (
	"strings"

	"github.com/libyawire/libyawire/tag"
)

// The word lists below are folded as tag.Fold folds: lower case, Arabic
// alef forms as ا, taa marbuta as ه, alef maqsura as ي.

// stopWords carry no news: articles, prepositions, reporting verbs.
var stopWords = set(`
a an the of in on at to for from by with and or as is are was were be been has have had
it its this that these those after before over under into about amid against during
says say said told tells report reports reported according new news update latest
libya libyan libyas
في من على الى عن مع ان او ثم قد كما التي الذي الذين هذا هذه ذلك تلك بعد قبل خلال حول
عند منذ بين ضد قال قالت يقول تقول اعلن اعلنت اكد اكدت وفق وفقا حسب ليبيا الليبي الليبيه
`)

// negations turn a title's meaning around.
var negations = set(`
not no never without fail fails failed deny denies denied refuse refuses refused
لم لن لا ليس ليست دون عدم نفي ينفي تنفي نفت فشل فشلت يفشل رفض يرفض ترفض رفضت
`)

// opposites pairs verbs and nouns of one kind of change with their
// opposites: a title that has only one side and another that has only the
// other tell different events.
var opposites = []struct{ plus, minus []string }{
	{words("advance advances advancing advanced enter enters entered capture captures captured seize seizes seized deploy deploys deployed تقدم يتقدم تتقدم تقدمت دخول تدخل دخلت سيطره يسيطر انتشار ينتشر تنتشر انتشرت"),
		words("withdraw withdraws withdrew withdrawal retreat retreats retreated pull pulls pulled leave leaves انسحاب ينسحب تنسحب انسحبت تراجع يتراجع")},
	{words("open opens opened opening reopen reopens reopened reopening فتح يفتح تفتح فتحت افتتاح افتتح"),
		words("close closes closed closing closure shut shuts shutdown اغلاق يغلق تغلق اغلقت اغلق")},
	{words("lift lifts lifted ease eases eased رفع يرفع ترفع رفعت تخفيف"),
		words("impose imposes imposed declare declares declared tighten tightens فرض يفرض تفرض فرضت تشديد")},
	{words("rise rises rose risen increase increases increased jump jumps jumped up higher ارتفاع يرتفع ترتفع ارتفع ارتفعت زياده يزيد تزيد زاد"),
		words("fall falls fell fallen decrease decreases decreased drop drops dropped decline declines declined down lower انخفاض ينخفض تنخفض انخفض انخفضت تراجع هبوط")},
	{words("resume resumes resumed restart restarts restarted restore restores restored return returns returned back استئناف يستانف تستانف استانف استانفت عوده تعود عادت"),
		words("suspend suspends suspended halt halts halted stop stops stopped cut cuts outage outages تعليق يعلق تعلق علق توقف يتوقف تتوقف وقف انقطاع ينقطع انقطعت")},
	{words("arrest arrests arrested detain detains detained اعتقال يعتقل تعتقل اعتقل احتجاز"),
		words("release releases released free frees freed افراج يفرج الافراج اطلاق")},
	{words("accept accepts accepted approve approves approved agree agrees agreed endorse endorses endorsed يقر تقر اقر اقرار يوافق توافق وافق وافقت موافقه"),
		words("reject rejects rejected veto vetoes vetoed oppose opposes opposed postpone postpones postponed defer defers deferred يرفض ترفض رفض رفضت معارضه يرجئ ترجئ ارجا ارجات تاجيل يؤجل تؤجل اجل")},
	{words("sign signs signed signing join joins joined ratify ratifies ratified توقيع يوقع انضمام ينضم انضم مصادقه يصادق صادق"),
		words("withdraw withdraws withdrew withdrawal quit quits exit exits انسحاب ينسحب تنسحب انسحبت")},
}

// polarClass maps each word of opposites to its pairs and sides: +k or
// -k for the plus or minus side of pair k-1. A word may be on a side of
// two pairs (withdraw: of advance, and of sign).
var polarClass = func() map[string][]int {
	if len(opposites) > len(polarity{}) {
		panic("group: more kinds of opposites than a polarity holds")
	}
	m := map[string][]int{}
	for i, o := range opposites {
		for _, w := range o.plus {
			m[w] = append(m[w], i+1)
		}
		for _, w := range o.minus {
			m[w] = append(m[w], -(i + 1))
		}
	}
	return m
}()

// set and words fold the lists as text is folded, so that they may be
// written in any spelling.
func set(text string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words(text) {
		m[w] = true
	}
	return m
}

func words(text string) []string { return tag.Words(text) }

// contentSeq returns the stems of the words that are not stop words or
// numbers, in order.
func contentSeq(ws []string) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		if stopWords[w] || isNumeral(w) {
			continue
		}
		s := stem(w)
		if stopWords[s] || len(s) < 2 {
			continue
		}
		out = append(out, s)
	}
	return out
}

// stem takes the Arabic proclitics (و ف ب ل ك, ال, لل) off a word, and
// the English plural and tense endings, leaving at least three letters.
func stem(w string) string {
	r := []rune(w)
	if len(r) > 0 && r[0] >= 0x0600 && r[0] <= 0x06FF {
		return string(arabicStem(r))
	}
	for _, suffix := range []string{"ing", "ed", "es", "s"} {
		if strings.HasSuffix(w, suffix) && len(w)-len(suffix) >= 3 && !strings.HasSuffix(w, "ss") {
			return w[:len(w)-len(suffix)]
		}
	}
	return w
}

func arabicStem(r []rune) []rune {
	const minLen = 3
	if len(r) > minLen+1 && (r[0] == 'و' || r[0] == 'ف') {
		r = r[1:]
	}
	switch {
	case len(r) > minLen+2 && string(r[:3]) == "بال", len(r) > minLen+2 && string(r[:3]) == "كال":
		r = r[3:]
	case len(r) > minLen+1 && string(r[:2]) == "لل":
		r = r[2:]
	case len(r) > minLen+1 && string(r[:2]) == "ال":
		r = r[2:]
	}
	// Plural and dual endings, and the feminine ending ه.
	for _, suffix := range []string{"ات", "ين", "ون", "ان"} {
		if len(r) > minLen+1 && strings.HasSuffix(string(r), suffix) {
			return r[:len(r)-2]
		}
	}
	if len(r) > minLen && r[len(r)-1] == 'ه' {
		return r[:len(r)-1]
	}
	return r
}

func isNumber(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

func negated(ws []string) bool {
	for _, w := range ws {
		if negations[w] || negations[strings.TrimPrefix(w, "و")] {
			return true
		}
	}
	return false
}

// polarity says, for each kind of change in opposites, which side a title
// takes: +1 or -1 for the side its first word of that kind is on, 0 when
// it has none. A headline leads with its news and mentions what came
// before after it ("Flights resume after runway closure").
type polarity [8]int8

func polarityOf(ws []string) polarity {
	var p polarity
	for _, w := range ws {
		cs := polarClass[w]
		if cs == nil && w != "" && w[0] >= 0x80 {
			cs = polarClass[string(arabicStem([]rune(w)))]
		}
		for _, c := range cs {
			k, side := c-1, int8(1)
			if c < 0 {
				k, side = -c-1, -1
			}
			if p[k] == 0 {
				p[k] = side
			}
		}
	}
	return p
}

// opposed reports whether two titles take opposite sides of one kind of
// change.
func opposed(a, b polarity) bool {
	for k := range a {
		if a[k]*b[k] == -1 {
			return true
		}
	}
	return false
}
