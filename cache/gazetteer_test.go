package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/cache"
)

// TestGazetteersFollowChanges: the gazetteer is built once while nothing
// changes, again after this process commits a change or the TTL passes,
// and an error is not kept.
func TestGazetteersFollowChanges(t *testing.T) {
	builds, fail := 0, false
	seq, now := int64(1), time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	c := &cache.Gazetteers{Committed: func() int64 { return seq }, Now: func() time.Time { return now },
		Load: func(context.Context, gridline.Services) (*gridline.Gazetteer, error) {
			if fail {
				return nil, gridline.Errorf(gridline.EINTERNAL, "database down")
			}
			builds++
			return gridline.NewGazetteer(nil, nil), nil
		}}
	ctx := context.Background()
	get := func(want int) {
		t.Helper()
		g, err := c.Gazetteer(ctx)
		if err != nil || g == nil {
			t.Fatalf("gazetteer: %v", err)
		}
		if builds != want {
			t.Fatalf("%d builds, want %d", builds, want)
		}
	}
	get(1)
	get(1)
	seq++
	get(2)
	now = now.Add(61 * time.Second)
	get(3)
	seq++
	fail = true
	if _, err := c.Gazetteer(ctx); err == nil {
		t.Fatal("a failed build answered")
	}
	fail = false
	get(4)
}
