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

// countingStats counts the reports it computes.
type countingStats struct {
	gridline.StatsService
	n atomic.Int64
}

func (c *countingStats) Overview(ctx context.Context, region string) (*gridline.Overview, error) {
	c.n.Add(1)
	return c.StatsService.Overview(ctx, region)
}

// TestStatsFollowsTheFeed: a report is computed once while nothing
// changes, once for many concurrent callers, and again after any write.
func TestStatsFollowsTheFeed(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	s := storetest.Services(t, db)
	rows, err := demo.Regions()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Regions.ImportRegions(ctx, rows); err != nil {
		t.Fatal(err)
	}
	inner := &countingStats{StatsService: s.Stats}
	c := &cache.Stats{Stats: inner, Events: s.Events}

	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if o, err := c.Overview(ctx, "370812"); err != nil || o.Towns != 10 {
				t.Errorf("overview: %+v, %v", o, err)
			}
		}()
	}
	wg.Wait()
	if _, err := c.Overview(ctx, "370812"); err != nil {
		t.Fatal(err)
	}
	if n := inner.n.Load(); n != 1 {
		t.Fatalf("computed %d times for 9 calls without a change, want 1", n)
	}
	if err := s.Units.CreateUnit(ctx, &gridline.Unit{Kind: gridline.UnitDepartment, Name: "城管局", RegionCode: "370812"}); err != nil {
		t.Fatal(err)
	}
	o, err := c.Overview(ctx, "370812")
	if err != nil {
		t.Fatal(err)
	}
	if o.Departments != 1 || inner.n.Load() != 2 {
		t.Fatalf("after a write: departments %d, computed %d times; want 1 and 2", o.Departments, inner.n.Load())
	}
	if _, err := c.Overview(ctx, "370812001"); err != nil || inner.n.Load() != 3 {
		t.Fatalf("another region is another report: computed %d times, %v", inner.n.Load(), err)
	}
}
