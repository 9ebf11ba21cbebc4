// Package cache keeps the answers of expensive reports in memory and
// drops them when the change feed moves, so a report is computed once per
// change however many clients ask for it.
package cache

import (
	"context"

	"github.com/gridline/gridline"
)

// Stats is a gridline.StatsService that answers from memory while the
// change feed has not moved since the answer was computed. Checking costs
// one indexed query (the feed's last seq), against seconds for an overview
// of the national regions. Concurrent callers of the same report wait for
// one computation.
type Stats struct {
	Stats  gridline.StatsService // computes the reports
	Events gridline.EventService // tells whether anything changed

	memo memo[key]
}

var _ gridline.StatsService = (*Stats)(nil)

type key struct {
	report string
	region string
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

// get answers k from the cache (memo.get).
func (s *Stats) get(ctx context.Context, k key, compute func(context.Context) (any, error)) (any, error) {
	return s.memo.get(ctx, s.Events, k, compute)
}
