package publish

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// trendsAnswer is /api/trends: stories per UTC day, oldest first.
type trendsAnswer struct {
	Tag  string     `json:"tag,omitempty"` // absent: every story
	Days []trendDay `json:"days"`
}

type trendDay struct {
	Date    string `json:"date"` // YYYY-MM-DD
	Stories int    `json:"stories"`
}

// maxTrendDays is the most days /api/trends answers for.
const maxTrendDays = 365

// handleTrends serves /api/trends?tag=SLUG&days=N: the stories with the
// tag (every story without one) per UTC day over the last N days (1 to
// 365, default 30), every day present.
func handleTrends(s *server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		for _, name := range []string{"tag", "days"} {
			if n := len(v[name]); n > 1 {
				http.Error(w, fmt.Sprintf("%s is given %d times; send it once", name, n), http.StatusBadRequest)
				return
			}
		}
		tag := strings.ToLower(strings.TrimSpace(v.Get("tag")))
		if n := len([]rune(tag)); n > s.maxSlug {
			http.Error(w, fmt.Sprintf("tag names %s, %d characters long, but no tag has a name longer than %d; check the URL", quoteShort(tag), n, s.maxSlug), http.StatusBadRequest)
			return
		}
		days := 30
		if raw := strings.TrimSpace(v.Get("days")); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 || n > maxTrendDays {
				http.Error(w, fmt.Sprintf("days must be a whole number from 1 to %d, got %s", maxTrendDays, quoteShort(v.Get("days"))), http.StatusBadRequest)
				return
			}
			days = n
		}
		counts, err := s.db.Trend(tag, days, s.opts.Now())
		if err != nil {
			s.logger.Error("read trends", "tag", tag, "err", err)
			http.Error(w, "The trends could not be read; the server log says why.", http.StatusInternalServerError)
			return
		}
		ans := trendsAnswer{Tag: tag, Days: make([]trendDay, len(counts))}
		for i, d := range counts {
			ans.Days[i] = trendDay{Date: d.Date.Format(time.DateOnly), Stories: d.Stories}
		}
		writeJSON(w, ans, s.logger)
	})
}

// risingAnswer is /api/rising.
type risingAnswer struct {
	Tags []risingTag `json:"tags"`
}

type risingTag struct {
	Slug      string  `json:"slug"`
	Title     string  `json:"title"`
	Last24h   int     `json:"last_24h"`
	DailyMean float64 `json:"daily_mean"`
	Ratio     float64 `json:"ratio"`
}

// The rule of /api/rising: at least risingStories stories in the last 24
// hours, and risingRatio times the tag's mean day of the month before.
const (
	risingStories = 3
	risingRatio   = 3
)

// handleRising serves /api/rising: the tags whose coverage is rising,
// highest ratio first.
func handleRising(s *server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rising, err := s.db.Rising(s.opts.Now(), risingStories, risingRatio)
		if err != nil {
			s.logger.Error("read rising tags", "err", err)
			http.Error(w, "The rising tags could not be read; the server log says why.", http.StatusInternalServerError)
			return
		}
		ans := risingAnswer{Tags: make([]risingTag, len(rising))}
		for i, t := range rising {
			ans.Tags[i] = risingTag{Slug: t.Slug, Title: s.tagTitle(t.Slug), Last24h: t.Last24h,
				DailyMean: round2(t.DailyMean), Ratio: round2(t.Ratio)}
		}
		writeJSON(w, ans, s.logger)
	})
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
