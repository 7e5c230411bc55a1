package fetch

import "slices"

// Changes is what an Update did.
type Changes struct {
	Added, Removed, Rescheduled, Changed []string // source names
}

// Update replaces the sources and limits, as after a reload of the
// configuration, and applies only the difference: a new source is
// scheduled and fetched now; a removed one is unscheduled (a fetch of it
// in flight finishes); one whose schedule changed is rescheduled; one
// otherwise changed keeps its timing and is fetched as it now is at its
// next run. The others are untouched, so no fetch is lost or doubled.
// An invalid schedule is an error, and then nothing changes.
func (s *Scheduler) Update(sources []Source, limits Limits) (Changes, error) {
	scheds, err := parseSchedules(sources)
	if err != nil {
		return Changes{}, err
	}
	var ch Changes
	s.mu.Lock()
	old := make(map[string]Source, len(s.sources))
	for _, src := range s.sources {
		old[src.Name] = src
	}
	var added []Source
	for _, src := range sources {
		prev, ok := old[src.Name]
		delete(old, src.Name)
		switch {
		case !ok:
			s.schedule(src.Name, scheds[src.Name])
			ch.Added = append(ch.Added, src.Name)
			added = append(added, src)
		case prev.Schedule != src.Schedule:
			s.cron.Remove(s.entries[src.Name])
			s.schedule(src.Name, scheds[src.Name])
			ch.Rescheduled = append(ch.Rescheduled, src.Name)
		case !sameSource(prev, src):
			ch.Changed = append(ch.Changed, src.Name)
		}
	}
	for _, src := range s.sources {
		if _, gone := old[src.Name]; gone {
			s.cron.Remove(s.entries[src.Name])
			delete(s.entries, src.Name)
			ch.Removed = append(ch.Removed, src.Name)
		}
	}
	s.sources = sources
	s.setLimits(limits)
	running := s.running
	if running {
		s.wg.Add(len(added))
	}
	s.mu.Unlock()

	if running {
		for _, src := range added {
			go func() {
				defer s.wg.Done()
				s.run(src)
			}()
		}
	}
	return ch, nil
}

// setLimits sizes the fetch and per-host slots anew when the limits
// changed. Fetches in flight give back the slots they took. Called with
// s.mu held.
func (s *Scheduler) setLimits(limits Limits) {
	if limits.Concurrency <= 0 {
		limits.Concurrency = 8
	}
	if limits.PerHost <= 0 {
		limits.PerHost = 2
	}
	if limits.Concurrency != cap(s.slots) {
		s.slots = make(chan struct{}, limits.Concurrency)
	}
	if limits.PerHost != s.perHost {
		s.perHost = limits.PerHost
		s.hosts = map[string]chan struct{}{}
	}
}

// sameSource reports whether two configurations of a source are alike.
func sameSource(a, b Source) bool {
	return a.Name == b.Name && a.Title == b.Title && a.URL == b.URL && a.Schedule == b.Schedule &&
		slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Keep, b.Keep) && slices.Equal(a.Drop, b.Drop) &&
		a.Language == b.Language && a.Location.String() == b.Location.String()
}

// Sources returns the sources the scheduler fetches, in config order.
func (s *Scheduler) Sources() []Source {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sources)
}
