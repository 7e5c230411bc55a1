package fetch

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// scheduleParser accepts the standard five cron fields and the descriptors
// (@every 15m, @hourly, @daily, ...). Seconds are not offered: no feed needs
// polling more often than once a minute.
var scheduleParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule checks a cron spec as config.yaml writes it and returns the
// typical interval between two runs, measured from a fixed point in time.
// The error says what is wrong with the spec in words a config author can act on.
func ParseSchedule(spec string) (time.Duration, error) {
	s, err := scheduleParser.Parse(spec)
	if err != nil {
		return 0, fmt.Errorf("%w (use five cron fields such as \"*/15 * * * *\" or a descriptor such as \"@every 15m\" or \"@hourly\")", err)
	}
	from := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	first := s.Next(from)
	second := s.Next(first)
	if second.Sub(first) < time.Minute {
		return 0, fmt.Errorf("runs every %s; the shortest interval is one minute", second.Sub(first))
	}
	return second.Sub(first), nil
}
