package group

import (
	"testing"
	"time"
)

// TestNoDrift: a report that is the same news as one report of a story,
// but neither as its face nor as most of its reports, starts its own
// story: a chain of look-alikes does not drift from event to event.
func TestNoDrift(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sig := func(title string) *Sig { return NewSig(Report{Title: title, Published: at}) }
	face := "Municipal council in Sabha approves new water network plan"
	other := "Sabha hospital opens new dialysis ward for kidney patients"
	news := "Sabha court jails three men over fuel smuggling ring"
	tests := []struct {
		name    string
		reports []string // the story's, face first
		joins   bool
	}{
		{"the face", []string{news, other}, true},
		{"one of three, not the face", []string{face, other, news}, false},
		{"most of them", []string{face, news, news}, true},
		{"half, not the face", []string{face, news}, false},
	}
	for _, tt := range tests {
		x := NewIndex()
		for i, r := range tt.reports {
			x.Add(1, sig(r), "s", string(rune('a'+i)))
		}
		_, found := x.Find(sig(news), DefaultConfig(), "")
		if found != tt.joins {
			t.Errorf("%s: joins %t, want %t", tt.name, found, tt.joins)
		}
	}
}
