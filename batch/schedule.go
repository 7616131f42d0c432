package batch

import (
	"context"
	"slices"
	"sync"
	"time"
)

// DefaultDomainGap is the least time between the end of one site's scan
// and the start of the next of the same registrable domain.
const DefaultDomainGap = time.Second

// scheduler hands out a batch's sites politely: never two sites of one
// registrable domain at the same time, and a gap after each; otherwise in
// list order. It is safe for concurrent use.
type scheduler struct {
	gap time.Duration
	now func() time.Time

	mu      sync.Mutex
	queues  map[string][]Site // by registrable domain, in list order
	order   []string          // domains with sites left, by their first site's place in the list
	busy    map[string]bool
	readyAt map[string]time.Time
	// changed is closed (and replaced) when a domain is freed.
	changed chan struct{}
}

func newScheduler(sites []Site, gap time.Duration, now func() time.Time) *scheduler {
	s := &scheduler{gap: gap, now: now, queues: map[string][]Site{}, busy: map[string]bool{},
		readyAt: map[string]time.Time{}, changed: make(chan struct{})}
	for _, site := range sites {
		if _, ok := s.queues[site.Domain]; !ok {
			s.order = append(s.order, site.Domain)
		}
		s.queues[site.Domain] = append(s.queues[site.Domain], site)
	}
	return s
}

// next returns the next site whose domain is free, waiting for one when
// all are busy or resting; false when no site is left or ctx ends. The
// caller calls done with the site's domain when it is over.
func (s *scheduler) next(ctx context.Context) (Site, bool) {
	for {
		if ctx.Err() != nil {
			return Site{}, false
		}
		s.mu.Lock()
		if len(s.order) == 0 {
			s.mu.Unlock()
			return Site{}, false
		}
		now := s.now()
		var wait time.Duration
		for i, d := range s.order {
			if s.busy[d] {
				continue
			}
			if at := s.readyAt[d]; now.Before(at) {
				if w := at.Sub(now); wait == 0 || w < wait {
					wait = w
				}
				continue
			}
			q := s.queues[d]
			site := q[0]
			if len(q) == 1 {
				delete(s.queues, d)
				s.order = slices.Delete(s.order, i, i+1)
			} else {
				s.queues[d] = q[1:]
			}
			s.busy[d] = true
			s.mu.Unlock()
			return site, true
		}
		changed := s.changed
		s.mu.Unlock()

		var timer <-chan time.Time
		var t *time.Timer
		if wait > 0 {
			t = time.NewTimer(wait)
			timer = t.C
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
		if ctx.Err() != nil {
			return Site{}, false
		}
	}
}

// done frees domain, which rests for the gap.
func (s *scheduler) done(domain string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.busy, domain)
	if s.queues[domain] != nil {
		s.readyAt[domain] = s.now().Add(s.gap)
	} else {
		delete(s.readyAt, domain)
	}
	close(s.changed)
	s.changed = make(chan struct{})
}
