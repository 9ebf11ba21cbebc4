package cache_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/cache"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// countingAggregates answers each call with the number of calls so far,
// so a cached answer shows as an old number.
type countingAggregates struct{ n atomic.Int64 }

func (c *countingAggregates) AggregateTickets(ctx context.Context, f gridline.TicketAggregateFilter) (*gridline.TicketAggregate, error) {
	return &gridline.TicketAggregate{By: f.By, Total: int(c.n.Add(1))}, nil
}

// TestAggregatesFollowTheFeed: counts are computed once while nothing
// changes, once for concurrent callers, again after any write; each
// filter and each caller's scope is its own answer; the overdue filter,
// which moves with the clock, is never kept.
func TestAggregatesFollowTheFeed(t *testing.T) {
	db := storetest.Open(t)
	s := storetest.Services(t, db)
	inner := &countingAggregates{}
	c := &cache.Aggregates{Aggregates: inner, Events: s.Events}
	within := func(code string) *string { return &code }
	county := gridline.TicketAggregateFilter{By: "status", Filter: gridline.TicketFilter{Within: within("370812")}}
	command := gridline.WithPrincipal(context.Background(), &gridline.Principal{User: &gridline.User{ID: 1},
		Grants: []gridline.Grant{{Role: gridline.RoleCommand}}})
	community := gridline.WithPrincipal(context.Background(), &gridline.Principal{User: &gridline.User{ID: 2},
		Grants: []gridline.Grant{{Role: gridline.RoleCommunity, Region: "370812001002"}}})
	ask := func(ctx context.Context, f gridline.TicketAggregateFilter, want int) {
		t.Helper()
		a, err := c.AggregateTickets(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if a.Total != want {
			t.Fatalf("%+v: answer of computation %d, want %d", f, a.Total, want)
		}
	}

	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.AggregateTickets(command, county); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ask(command, county, 1)
	if n := inner.n.Load(); n != 1 {
		t.Fatalf("computed %d times for 9 calls without a change, want 1", n)
	}
	ask(community, county, 2) // another scope counts other cases
	ask(command, gridline.TicketAggregateFilter{By: "town", Filter: county.Filter}, 3)
	ask(command, county, 1)
	rows, err := demo.Regions()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Regions.ImportRegions(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	ask(command, county, 4) // the feed moved
	ask(community, county, 5)
	ask(command, county, 4)
	overdue := county
	overdue.Filter.Overdue = true
	ask(command, overdue, 6)
	ask(command, overdue, 7)
	if _, err := c.AggregateTickets(command, gridline.TicketAggregateFilter{By: "colour"}); gridline.ErrorCode(err) != gridline.EINVALID {
		t.Fatalf("bad by: %v", err)
	}
}
