// Package cache keeps the answers of expensive reports in memory and
// drops them when the change feed moves, so a report is computed once per
// change however many clients ask for it.
package cache

import (
	"context"
	"sync"

	"github.com/gridline/gridline"
)

// maxEntries bounds the cache: region codes come from clients, so keys
// are not a fixed set. Past it the cache starts afresh.
const maxEntries = 1024

// Stats is a gridline.StatsService that answers from memory while the
// change feed has not moved since the answer was computed. Checking costs
// one indexed query (the feed's last seq), against seconds for an overview
// of the national regions. Concurrent callers of the same report wait for
// one computation.
type Stats struct {
	Stats  gridline.StatsService // computes the reports
	Events gridline.EventService // tells whether anything changed

	mu      sync.Mutex
	entries map[key]*entry
}

var _ gridline.StatsService = (*Stats)(nil)

type key struct {
	report string
	region string
}

type entry struct {
	seq   int64
	ready chan struct{}
	val   any
	err   error
}

// Overview implements gridline.StatsService.
func (s *Stats) Overview(ctx context.Context, region string) (*gridline.Overview, error) {
	v, err := s.get(ctx, key{"overview", region}, func(ctx context.Context) (any, error) {
		return s.Stats.Overview(ctx, region)
	})
	if err != nil {
		return nil, err
	}
	return v.(*gridline.Overview), nil
}

// Workforce implements gridline.StatsService.
func (s *Stats) Workforce(ctx context.Context, region string) (*gridline.WorkforceStats, error) {
	v, err := s.get(ctx, key{"workforce", region}, func(ctx context.Context) (any, error) {
		return s.Stats.Workforce(ctx, region)
	})
	if err != nil {
		return nil, err
	}
	return v.(*gridline.WorkforceStats), nil
}

// get answers k from the cache if it was computed at the feed's current
// position, else computes it (once for all concurrent callers). The
// position is read before computing: a change racing the computation
// moves the feed past it, and the next call computes again.
func (s *Stats) get(ctx context.Context, k key, compute func(context.Context) (any, error)) (any, error) {
	seq, err := s.Events.LastEventSeq(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.entries == nil || len(s.entries) >= maxEntries {
		s.entries = map[key]*entry{}
	}
	e := s.entries[k]
	if e == nil || e.seq != seq {
		e = &entry{seq: seq, ready: make(chan struct{})}
		s.entries[k] = e
		s.mu.Unlock()
		// The computation belongs to every waiter: one caller leaving
		// must not cancel it for the others.
		e.val, e.err = compute(context.WithoutCancel(ctx))
		if e.err != nil {
			s.mu.Lock()
			if s.entries[k] == e {
				delete(s.entries, k) // errors are not kept
			}
			s.mu.Unlock()
		}
		close(e.ready)
	} else {
		s.mu.Unlock()
	}
	select {
	case <-e.ready:
		return e.val, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
