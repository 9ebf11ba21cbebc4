package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/cache"
)

type countingOutlines struct{ asked map[string]int }

func (c *countingOutlines) GridCompoundOutlines(ctx context.Context, grid string) ([]gridline.CompoundOutline, error) {
	c.asked[grid]++
	return []gridline.CompoundOutline{{ID: int64(c.asked[grid])}}, nil
}

// TestCompoundsCache: a grid's outlines are read once while this process
// commits no compound change and the TTL runs; a change, or the TTL, reads
// them again; grids are kept apart.
func TestCompoundsCache(t *testing.T) {
	store := &countingOutlines{asked: map[string]int{}}
	var seq int64
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	c := &cache.Compounds{Store: store, Committed: func() int64 { return seq }, TTL: time.Second,
		Now: func() time.Time { return now }}
	get := func(grid string) int64 {
		t.Helper()
		cs, err := c.GridCompoundOutlines(context.Background(), grid)
		if err != nil || len(cs) != 1 {
			t.Fatalf("%s: %v %v", grid, cs, err)
		}
		return cs[0].ID
	}
	if get("a") != 1 || get("a") != 1 || get("b") != 1 {
		t.Fatal("a second lookup of a grid read the store again")
	}
	seq++ // this process changed a compound
	if get("a") != 2 || get("b") != 2 {
		t.Fatalf("a committed change kept the old outlines: %v", store.asked)
	}
	now = now.Add(999 * time.Millisecond)
	if get("a") != 2 {
		t.Fatal("read again before the TTL")
	}
	now = now.Add(2 * time.Millisecond)
	if get("a") != 3 {
		t.Fatal("kept past the TTL")
	}
}
