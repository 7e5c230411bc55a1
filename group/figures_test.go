package group

import (
	"slices"
	"testing"
	"time"
)

func TestReadFigures(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.2 billion dinars", "1200000000 dinars"},
		{"LD1.2bn budget", "LD1200000000 budget"},
		{"200 ألف برميل", "200000 برميل"},
		{"٢٠٠ ألف برميل", "200000 برميل"},
		{"3 million.", "3000000."},
		{"3 millionaires", "3 millionaires"},
		{"no figures here", "no figures here"},
	}
	for _, tt := range tests {
		if got := readFigures(tt.in); got != tt.want {
			t.Errorf("readFigures(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFiguresAgree: one figure written two ways agrees, and a year is not
// a figure another report must repeat; two years tell reports apart.
func TestFiguresAgree(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sig := func(title string) *Sig { return NewSig(Report{Title: title, Published: at}) }
	tests := []struct {
		a, b string
		same bool
	}{
		{"Libya produces 1.4 million barrels a day, NOC says", "NOC: Libya output at 1,400,000 barrels a day", true},
		{"ليبيا تنتج ١٫٤ مليون برميل يوميا", "ليبيا تنتج 1400000 برميل يوميا", true},
		{"Parliament passes the 2026 budget", "Parliament passes the budget with 120 votes", true},
		{"Parliament passes the 2026 budget", "Parliament passes the 2025 budget", false},
	}
	for _, tt := range tests {
		got, why := Same(sig(tt.a), sig(tt.b), DefaultConfig())
		if got != tt.same {
			t.Errorf("%q / %q: same %t (%s), want %t", tt.a, tt.b, got, why, tt.same)
		}
	}
}

func TestNumbersInWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"five injured", []string{"5"}},
		{"two hundred and fifty thousand barrels", []string{"250000"}},
		{"twenty-five killed", []string{"25"}},
		{"Al-Ahly edge Al-Ittihad 2-1", []string{"1", "2"}},
		{"عفو عن مئة وعشرين سجينا", []string{"120"}},
		{"خمسة آلاف وحدة سكنية", []string{"5000"}},
		{"بطاقة أربعين ألف متر مكعب", []string{"40000"}},
		{"يبلغ مليونًا و٤٢٠ ألف برميل", []string{"1420000"}},
		{"لمليون و٣٠٠ ألف طفل", []string{"1300000"}},
		{"أحد عشر قتيلا", []string{"11"}},
		{"ثلاثمئة ألف", []string{"300000"}},
		{"عام ألفين وستة وعشرين", []string{"2026"}},
		{"between 20 and 30", []string{"20", "30"}},
		{"on 29 Nov, 5 dead", []string{"29", "5"}},
		{"no number", nil},
	}
	for _, tt := range tests {
		if got := numbers(words(readFigures(joinThousands(tt.in)))); !slices.Equal(got, tt.want) {
			t.Errorf("numbers(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
