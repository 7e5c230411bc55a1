// Package group decides whether two reports are the same news: the same
// event told by two outlets, whether copied word for word, rewritten, or
// passed on by Google News with the publisher after a dash. It is pure:
// reports in, decisions out; the store keeps the stories and asks.
//
// Precision comes first. Two reports are the same news when their titles,
// and the first sentences of their summaries, share most of their words
// after the tagger's folding (Arabic proclitics and English plurals and
// tenses aside), they were published within the window, and nothing
// tells them apart: numbers that differ, a negation in one title only, a
// verb and its opposite ("advance" and "withdraw"), or places, people or
// forces that one names and the other does not. Reworded reports share
// few words but what an event is made of: the same place or actor, and
// the same figure, or mostly the same places, people and forces, or the
// same concepts (concepts.txt: explosion, arrest, fuel, bridge... in
// English and Arabic). Reports in English and Arabic share no words; when
// Config.CrossLanguage is on (the default) they are the same news when
// they share those, and nothing else tells them apart.
package group

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/libyawire/libyawire/tag"
)

// Config tunes the decision.
type Config struct {
	// Window is how far apart two reports of one event may be published.
	Window time.Duration
	// Threshold is the least word overlap, from 0 to 1, of two titles (or
	// of titles with their first sentences) that makes them the same news.
	Threshold float64
	// CrossLanguage groups reports in different scripts by the places,
	// people and forces they name.
	CrossLanguage bool
}

// Defaults: the window and threshold measured on the labelled pairs (see
// README).
const (
	DefaultWindow    = 72 * time.Hour
	DefaultThreshold = 0.6
)

// DefaultConfig is the Config that config.yaml's defaults give.
func DefaultConfig() Config {
	return Config{Window: DefaultWindow, Threshold: DefaultThreshold, CrossLanguage: true}
}

// Version names the decision itself: it changes whenever Same decides
// differently with the same settings, so that stored stories are
// regrouped after an upgrade as after a change of settings.
// 2: entities of one rule, years, figures in words, face or most.
// 3: numbers in words read whole, concepts (concepts.txt), a place named
// in one title and implied in the other report.
const Version = "3"

// Report is what the decision looks at in one outlet's report.
type Report struct {
	Title     string
	Summary   string // text or HTML; only its first sentences count
	Published time.Time
	// TitleEntities and Entities are the narrowest tags (places, people,
	// forces, topics) that the title, and the title with the summary's
	// first sentences, name, as tag.Tagger.Narrowest gives them; Mentions
	// are all the tags the title and first sentences bring, with what
	// they imply.
	TitleEntities []string
	Entities      []string
	Mentions      []string
	// Outlet names the publisher, when the feed says (Google News's
	// <source>): a title ending in " - Outlet" is compared without it.
	Outlet string
}

// Sig is a report ready for comparison. Make it once with NewSig.
type Sig struct {
	Published time.Time
	Arabic    bool     // written in Arabic script
	Title     []uint64 // distinct content words of the title, as hashes, sorted
	Words     []uint64 // of the title and the summary's first sentences, likewise
	Numbers   []string // numbers in the title, sorted, years left out
	Negated   bool     // the title says not, no, fails to, لم ...
	Polarity  polarity
	Entities  []string // sorted

	years      []string // the years the title names, sorted
	titleEnt   []string // the entities the title names
	mentions   []string
	titleStems []string // the title's content words, sorted
	titleSeq   []string // the title's content words, in order
	report     string   // the content words of title and summary, sorted, each between spaces
	concepts   []string // what the title tells of, in either language (concepts.txt)
	titleNames []string // the names among concepts
	names      []string // the names the title and summary give
}

// leadWords bounds how much of a summary counts.
const leadWords = 40

// joinThousands writes 1,200 as 1200: folding would take the separator
// for a break between two numbers.
func joinThousands(s string) string {
	if !strings.ContainsAny(s, ",،٬") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		if (r == ',' || r == '،' || r == '٬') && i > 0 && isDigit(s[i-1]) {
			rest := s[i+utf8.RuneLen(r):]
			if len(rest) >= 3 && isDigit(rest[0]) && isDigit(rest[1]) && isDigit(rest[2]) && (len(rest) == 3 || !isDigit(rest[3])) {
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// summaryBytes bounds the part of a summary read, markup included.
const summaryBytes = 1024

// summaryWords bounds how much of a summary is looked through for the
// words of the other report's title.
const summaryWords = 60

// NewSig prepares a report for comparison.
func NewSig(r Report) *Sig {
	title := readFigures(joinThousands(StripPublisher(r.Title, r.Outlet)))
	summary := r.Summary
	if len(summary) > summaryBytes {
		summary = summary[:summaryBytes] // enough for summaryWords words
	}
	text := readFigures(joinThousands(tag.Text(summary)))
	s := &Sig{Published: r.Published, Arabic: isArabic(title)}
	tw := tag.Words(title)
	lw := tag.Words(Lead(text))
	if len(lw) > leadWords {
		lw = lw[:leadWords]
	}
	sw := tag.Words(text)
	if len(sw) > summaryWords {
		sw = sw[:summaryWords]
	}
	s.titleSeq = contentSeq(tw)
	s.titleStems = sortedSet(s.titleSeq)
	reportSeq := append(slices.Clone(s.titleSeq), contentSeq(sw)...)
	s.report = " " + strings.Join(sortedSet(reportSeq), " ") + " "
	s.concepts, s.titleNames = concepts.read(s.titleSeq)
	_, s.names = concepts.read(reportSeq)
	s.Title = hashWords(s.titleStems)
	s.Words = hashWords(append(slices.Clone(s.titleSeq), contentSeq(lw)...))
	s.Numbers, s.years = figures(numbers(tw))
	s.Negated = negated(tw)
	s.Polarity = polarityOf(tw)
	s.Entities = sortedSet(r.Entities)
	s.titleEnt = sortedSet(r.TitleEntities)
	s.mentions = sortedSet(append(slices.Clone(r.Mentions), r.Entities...))
	return s
}

// StripPublisher returns a title without a trailing " - Outlet" (or " – ",
// " — ", " | "), as Google News and some outlets write it; a title that
// does not end with the outlet's name is returned as it is.
func StripPublisher(title, outlet string) string {
	if outlet == "" {
		return title
	}
	for _, sep := range []string{" - ", " – ", " — ", " | "} {
		i := strings.LastIndex(title, sep)
		if i > 0 && tag.Fold(title[i+len(sep):]) == tag.Fold(outlet) {
			return strings.TrimSpace(title[:i])
		}
	}
	return title
}

// PublisherSuffix returns the part of a Google News title after its last
// " - ": the publisher, which Google News appends to every title.
func PublisherSuffix(title string) string {
	i := strings.LastIndex(title, " - ")
	if i <= 0 {
		return ""
	}
	return strings.TrimSpace(title[i+3:])
}

// Lead returns the first sentences of a text: up to two, or the first
// leadWords words.
func Lead(text string) string {
	n := 0
	for i, r := range text {
		switch r {
		case '.', '!', '?', '؟', '؛':
			// A full stop inside a number ("1.2") ends nothing.
			if r == '.' && i+1 < len(text) && text[i+1] >= '0' && text[i+1] <= '9' {
				continue
			}
			n++
			if n == 2 {
				return text[:i+1]
			}
		}
	}
	return text
}

// Score is how much of their words two reports share, from 0 to 1: the
// larger of the titles' overlap and the overlap of titles with first
// sentences, each measured as Dice's coefficient.
func Score(a, b *Sig) float64 {
	return max(dice(a.Title, b.Title), dice(a.Words, b.Words))
}

// Same reports whether a and b are the same news under cfg, and why not
// when they are not.
func Same(a, b *Sig, cfg Config) (bool, string) {
	gap := a.Published.Sub(b.Published)
	if gap < 0 {
		gap = -gap
	}
	if gap > cfg.Window {
		return false, "published too far apart"
	}
	if a.Arabic != b.Arabic {
		if !cfg.CrossLanguage {
			return false, "different languages"
		}
		if why := otherFigures(a, b); why != "" {
			return false, why
		}
		if opposed(a.Polarity, b.Polarity) {
			return false, "opposite verbs" // the lists hold both languages' words
		}
		return crossLanguage(a, b)
	}
	score := Score(a, b)
	// Reworded reports: the same places, people and forces, or one place or
	// actor and what happened told in other words; at the default
	// threshold any word overlap will do, at a stricter one less.
	// Both rescues matter only below the threshold: above it the words
	// decide, and their cost is spared.
	reworded := score < cfg.Threshold && score >= cfg.Threshold-entityMargin(cfg.Threshold)
	alike := reworded && sameEntities(a, b)
	told := reworded && (sharesEntity(a, b) || sharesName(a, b)) && conceptsAlike(a, b)
	if score < cfg.Threshold-anchorMargin && !alike && !told {
		return false, "too few words in common"
	}
	if why := otherFigures(a, b); why != "" {
		return false, why
	}
	if a.Negated != b.Negated {
		return false, "a negation in one title only"
	}
	if opposed(a.Polarity, b.Polarity) {
		return false, "opposite verbs"
	}
	if conflict(a.titleEnt, a.mentions, b.titleEnt, b.mentions) {
		return false, "different places, people or forces"
	}
	if score < cfg.Threshold {
		// Reworded titles: the same news when they name the same place or
		// actor and the same figure.
		if anchored(a, b) {
			return true, ""
		}
		if alike {
			return true, ""
		}
		if told && !substituted(a, b) {
			return true, ""
		}
		return false, "too few words in common"
	}
	if substituted(a, b) {
		return false, "each title names something the other report does not"
	}
	return true, ""
}

func dice(a, b []uint64) float64 {
	if len(a)+len(b) == 0 {
		return 0
	}
	return 2 * float64(intersect(a, b)) / float64(len(a)+len(b))
}

// intersect counts the elements two sorted sets share.
func intersect[T cmp.Ordered](a, b []T) int {
	n := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return n
}

// wordSeed makes word hashes; they live only in memory.
var wordSeed = maphash.MakeSeed()

// hashWords returns the distinct hashes of words, sorted: comparing two
// reports' words is then comparing integers.
func hashWords(ws []string) []uint64 {
	out := make([]uint64, len(ws))
	for i, w := range ws {
		out[i] = maphash.String(wordSeed, w)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedSet(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func isArabic(s string) bool {
	arabic, latin := 0, 0
	for _, r := range s {
		switch {
		case r >= 0x0600 && r <= 0x06FF:
			arabic++
		case r < 0x80 && (r|0x20 >= 'a' && r|0x20 <= 'z'):
			latin++
		}
	}
	return arabic > latin
}
