package group

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// benchVocabulary is a made-up vocabulary whose words are drawn with a
// Zipf law, as news words are: a few very common, most rare.
func benchVocabulary(n int) []string {
	words := make([]string, n)
	for i := range words {
		words[i] = fmt.Sprintf("w%dx", i)
	}
	return words
}

func benchTitle(r *rand.Rand, z *rand.Zipf, vocab []string) (string, []string) {
	n := 6 + r.IntN(6)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = vocab[z.Uint64()]
	}
	places := []string{fmt.Sprintf("p%d", r.IntN(300))}
	return strings.Join(ws, " ") + fmt.Sprintf(" %d", r.IntN(1000)), places
}

// BenchmarkGroup measures the grouping step of adding one report to a
// store of 200,000 stories: signing it, finding its story among those the
// index holds, and filing it.
func BenchmarkGroup(b *testing.B) {
	const stories = 200_000
	r := rand.New(rand.NewPCG(1, 2))
	vocab := benchVocabulary(50_000)
	z := rand.NewZipf(r, 1.1, 8, uint64(len(vocab)-1))
	cfg := DefaultConfig()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	x := NewIndex()
	for i := range stories {
		title, places := benchTitle(r, z, vocab)
		x.Add(uint64(i+1), NewSig(Report{Title: title, Published: t0.Add(time.Duration(i) * time.Second), Entities: places, TitleEntities: places}), "s", "s")
	}
	reports := make([]Report, 1024)
	for i := range reports {
		title, places := benchTitle(r, z, vocab)
		reports[i] = Report{Title: title, Summary: "One sentence of summary. And another.", Published: t0.Add(stories * time.Second),
			Entities: places, TitleEntities: places}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		rep := reports[i%len(reports)]
		s := NewSig(rep)
		id, ok := x.Find(s, cfg, "t")
		if !ok {
			id = uint64(stories + i + 1)
		}
		x.Add(id, s, "t", "t")
	}
}

// BenchmarkNewSig measures preparing one report with a 600-byte summary,
// which Ingest does outside its write transaction.
func BenchmarkNewSig(b *testing.B) {
	r := Report{
		Title:     "NOC restores output at Sharara oilfield after four-day shutdown",
		Summary:   strings.Repeat("<p>The National Oil Corporation said pumping resumed on Monday at the field, 1,200 km south of Tripoli. </p>", 6),
		Published: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC),
		Entities:  []string{"noc", "sharara"}, TitleEntities: []string{"noc", "sharara"}, Mentions: []string{"fezzan", "libya", "noc", "sharara"},
	}
	b.ReportAllocs()
	for b.Loop() {
		NewSig(r)
	}
}
