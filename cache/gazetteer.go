package cache

import (
	"context"
	"sync"
	"time"

	"github.com/gridline/gridline"
)

// GazetteerEntities are the change-feed entities whose changes move the
// standard addresses or the region names the gazetteer reads.
var GazetteerEntities = []string{"building", "compound", "grid", "regions"}

// Gazetteers is a gridline.GazetteerService that keeps the gazetteer in
// memory: building it reads every standard address of the district, and
// intake asks for it for every case placed only in words, as a 12345 push
// does. As Compounds does, it builds afresh once this process commits a
// change to GazetteerEntities (Committed), and after TTL in any case,
// which bounds how long another process's change takes to be seen.
// Concurrent callers of a stale one wait for one build.
type Gazetteers struct {
	Services gridline.Services
	// Committed returns this process's last committed change-feed seq of
	// GazetteerEntities (sqlstore.DB.CommittedSeqOf).
	Committed func() int64
	// TTL bounds the gazetteer's life; 0 means a minute.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Load builds a gazetteer; nil means gridline.LoadGazetteer.
	Load func(context.Context, gridline.Services) (*gridline.Gazetteer, error)

	mu sync.Mutex
	g  *gridline.Gazetteer
	st stamp
}

var _ gridline.GazetteerService = (*Gazetteers)(nil)

// Gazetteer implements gridline.GazetteerService. The gazetteer returned
// is shared and safe for concurrent use.
func (c *Gazetteers) Gazetteer(ctx context.Context) (*gridline.Gazetteer, error) {
	now, seq := clock(c.Now), c.Committed()
	c.mu.Lock()
	defer c.mu.Unlock()
	// A caller that read the seq before another's build finds it fresh.
	if c.g != nil && c.st.fresh(seq, now) {
		return c.g, nil
	}
	load := c.Load
	if load == nil {
		load = gridline.LoadGazetteer
	}
	// The build belongs to every waiter: one caller leaving must not
	// cancel it for the others.
	g, err := load(context.WithoutCancel(ctx), c.Services)
	if err != nil {
		return nil, err
	}
	// Built now, it holds every change the last build held too.
	c.g, c.st = g, newStamp(max(seq, c.st.seq), now, c.TTL, time.Minute)
	return g, nil
}
