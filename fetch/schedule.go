package fetch

import (
	"errors"
	"fmt"
	"hash/fnv"
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

// parseSchedules parses every source's schedule, by source name.
func parseSchedules(sources []Source) (map[string]cron.Schedule, error) {
	scheds := make(map[string]cron.Schedule, len(sources))
	var errs []error
	for _, src := range sources {
		sched, err := scheduleParser.Parse(src.Schedule)
		if err != nil {
			errs = append(errs, fmt.Errorf("source %s: schedule %q: %w", src.Name, src.Schedule, err))
			continue
		}
		scheds[src.Name] = sched
	}
	return scheds, errors.Join(errs...)
}

// spread moves a source's schedule by a fixed offset made from its name, up
// to a quarter of its interval and at most maxSpread, so that a hundred
// sources on "@every 15m" do not all fire in the same second.
func spread(sched cron.Schedule, name string) cron.Schedule {
	from := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	first := sched.Next(from)
	window := min(sched.Next(first).Sub(first)/4, maxSpread)
	if window < time.Second {
		return sched
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	offset := time.Duration(h.Sum32()%uint32(window/time.Second)) * time.Second
	return &offsetSchedule{inner: sched, offset: offset}
}

// maxSpread bounds the offset spread gives a schedule.
const maxSpread = 5 * time.Minute

// offsetSchedule runs inner's schedule offset later. An "@every" schedule
// counts from when it last ran, so it needs the offset once, at the start.
type offsetSchedule struct {
	inner   cron.Schedule
	offset  time.Duration
	started bool // cron calls Next from one goroutine only
}

func (o *offsetSchedule) Next(t time.Time) time.Time {
	if _, every := o.inner.(cron.ConstantDelaySchedule); every {
		if o.started {
			return o.inner.Next(t)
		}
		o.started = true
		return o.inner.Next(t).Add(o.offset)
	}
	return o.inner.Next(t.Add(-o.offset)).Add(o.offset)
}
