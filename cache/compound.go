package cache

import (
	"context"
	"sync"
	"time"

	"github.com/gridline/gridline"
)

// CompoundEntities are the change-feed entities whose changes move a
// compound's outline or grid: a cached grid is dropped when any moves.
var CompoundEntities = []string{"compound"}

// Compounds is a gridline.CompoundOutliner that remembers each grid's
// compound outlines, so that intake (which asks for every case with a
// place) costs a map lookup instead of a query and the outlines' parsing.
// As Auth does, it drops everything as soon as this process commits a
// change to compounds (Committed), and an entry after TTL in any case,
// which bounds how long a change made by another process takes to be
// seen.
type Compounds struct {
	Store gridline.CompoundOutliner
	// Committed returns this process's last committed change-feed seq of
	// CompoundEntities (sqlstore.DB.CommittedSeqOf).
	Committed func() int64
	// TTL bounds an entry's life; 0 means 10 s.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.RWMutex
	entries map[string]compoundEntry
}

type compoundEntry struct {
	cs []gridline.CompoundOutline
	stamp
}

// maxCompoundGrids bounds the cache; past it the cache starts afresh.
const maxCompoundGrids = 100_000

var _ gridline.CompoundOutliner = (*Compounds)(nil)

// GridCompoundOutlines implements gridline.CompoundOutliner. The slice
// returned is shared: callers must not change it.
func (c *Compounds) GridCompoundOutlines(ctx context.Context, grid string) ([]gridline.CompoundOutline, error) {
	now, seq := clock(c.Now), c.Committed()
	c.mu.RLock()
	e, ok := c.entries[grid]
	c.mu.RUnlock()
	if ok && e.fresh(seq, now) {
		return e.cs, nil
	}
	cs, err := c.Store.GridCompoundOutlines(ctx, grid)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxCompoundGrids {
		c.entries = map[string]compoundEntry{}
	}
	c.entries[grid] = compoundEntry{cs: cs, stamp: newStamp(seq, now, c.TTL, 10*time.Second)}
	c.mu.Unlock()
	return cs, nil
}
