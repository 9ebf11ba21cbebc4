package cache

import (
	"context"
	"encoding/json"

	"github.com/gridline/gridline"
)

// Aggregates is a gridline.TicketAggregateService that answers from memory
// while the change feed has not moved since the answer was computed: the
// command centre's screens ask the same counts of a year of cases (a scan
// of the district's cases each, 0.1–0.6 s) on every load and after every
// change, and each change costs one computation however many screens
// ask. Answers are kept per caller's scope, which decides what a caller
// may count.
type Aggregates struct {
	Aggregates gridline.TicketAggregateService // computes the counts
	Events     gridline.EventService           // tells whether anything changed

	memo memo[string]
}

var _ gridline.TicketAggregateService = (*Aggregates)(nil)

// AggregateTickets implements gridline.TicketAggregateService. A filter
// on overdue cases depends on the clock, not only on the feed: it is
// always computed.
func (a *Aggregates) AggregateTickets(ctx context.Context, f gridline.TicketAggregateFilter) (*gridline.TicketAggregate, error) {
	if f.Filter.Overdue {
		return a.Aggregates.AggregateTickets(ctx, f)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	k, err := aggregateKey(ctx, f)
	if err != nil {
		return nil, err
	}
	v, err := a.memo.get(ctx, a.Events, k, func(ctx context.Context) (any, error) {
		return a.Aggregates.AggregateTickets(ctx, f)
	})
	if err != nil {
		return nil, err
	}
	return v.(*gridline.TicketAggregate), nil
}

// aggregateKey names f as counted by ctx's principal: its scope of cases
// and the filter, both as JSON (pointers followed, times exact).
func aggregateKey(ctx context.Context, f gridline.TicketAggregateFilter) (string, error) {
	scope := gridline.ScopeOf(gridline.PrincipalFrom(ctx), gridline.ResourceTickets, gridline.ActRead)
	b, err := json.Marshal(struct {
		Scope  gridline.Scope
		Filter gridline.TicketAggregateFilter
	}{scope, f})
	return string(b), err
}
