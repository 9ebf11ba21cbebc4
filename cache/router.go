package cache

import (
	"context"
	"sync"
	"time"

	"github.com/gridline/gridline"
)

// RouteEntities are the change-feed entities whose changes move a route
// proposal: the units it names and the compounds' property companies.
var RouteEntities = []string{"unit", "compound"}

// Router is a gridline.RouteService that keeps the district's units and
// each compound's property company in memory, so intake (which proposes a
// lead for every case) and the dispatch form cost no query for them. As
// Compounds does, it starts afresh as soon as this process commits a
// change to units or compounds (Committed), and after TTL in any case,
// which bounds how long another process's change takes to be seen.
type Router struct {
	Units     gridline.UnitService
	Compounds gridline.CompoundService
	// Catalogue returns the catalogue in use (the admins' edits applied).
	Catalogue func(context.Context) *gridline.Catalogue
	// Committed returns this process's last committed change-feed seq of
	// RouteEntities (sqlstore.DB.CommittedSeqOf).
	Committed func() int64
	// TTL bounds the memory's life; 0 means 10 s.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu    sync.Mutex
	st    stamp
	units []*gridline.Unit
	byID  map[int64]*gridline.Unit
	// property is each compound's property company asked for so far
	// (nil: the compound has none, or it is gone).
	property map[int64]*gridline.Unit
}

var _ gridline.RouteService = (*Router)(nil)

// maxRouteUnits bounds the units read: a district has a few hundred.
const maxRouteUnits = 10_000

// ProposeRoute implements gridline.RouteService.
func (r *Router) ProposeRoute(ctx context.Context, t *gridline.Ticket, level gridline.RegionLevel) (gridline.RouteProposal, error) {
	units, err := r.load(ctx)
	if err != nil {
		return gridline.RouteProposal{}, err
	}
	var place gridline.RoutePlace
	if t.CompoundID != nil {
		place.InCompound = true
		if place.PropertyUnit, err = r.propertyOf(ctx, *t.CompoundID); err != nil {
			return gridline.RouteProposal{}, err
		}
	}
	return gridline.ProposeRoute(r.Catalogue(ctx), t, level, place, units)
}

// load returns the units, read again when the memory is stale. The seq is
// read before the store: a change racing the read moves the feed past it,
// and the next call reads again.
func (r *Router) load(ctx context.Context) ([]*gridline.Unit, error) {
	seq, now := r.Committed(), clock(r.Now)
	r.mu.Lock()
	if r.units != nil && r.st.fresh(seq, now) {
		units := r.units
		r.mu.Unlock()
		return units, nil
	}
	r.mu.Unlock()
	units, _, err := r.Units.FindUnits(ctx, gridline.UnitFilter{Limit: maxRouteUnits})
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*gridline.Unit, len(units))
	for _, u := range units {
		byID[u.ID] = u
	}
	r.mu.Lock()
	if r.units == nil || seq >= r.st.seq {
		r.st, r.units, r.byID, r.property = newStamp(seq, now, r.TTL, 10*time.Second), units, byID, map[int64]*gridline.Unit{}
	}
	r.mu.Unlock()
	return units, nil
}

// propertyOf returns compound id's property company, or nil.
func (r *Router) propertyOf(ctx context.Context, id int64) (*gridline.Unit, error) {
	r.mu.Lock()
	u, ok := r.property[id]
	r.mu.Unlock()
	if ok {
		return u, nil
	}
	c, err := r.Compounds.FindCompoundByID(ctx, id)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		c, err = &gridline.Compound{}, nil
	}
	if err != nil {
		return nil, err
	}
	if c.PropertyUnitID != nil {
		if u, err = r.unit(ctx, *c.PropertyUnitID); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	if r.property != nil && len(r.property) < maxRouteCompounds {
		r.property[id] = u
	}
	r.mu.Unlock()
	return u, nil
}

// maxRouteCompounds bounds the compounds remembered.
const maxRouteCompounds = 100_000

func (r *Router) unit(ctx context.Context, id int64) (*gridline.Unit, error) {
	r.mu.Lock()
	u := r.byID[id]
	r.mu.Unlock()
	if u != nil {
		return u, nil
	}
	u, err := r.Units.FindUnitByID(ctx, id)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		return nil, nil
	}
	return u, err
}

// NewRouter returns a Router over s's units, compounds and catalogue in
// use (the shipped one when the database cannot be read: routing must not
// stop intake), remembering them while committed does not move.
func NewRouter(s gridline.Services, committed func() int64) *Router {
	return &Router{Units: s.Units, Compounds: s.Compounds, Committed: committed,
		Catalogue: func(ctx context.Context) *gridline.Catalogue {
			if cat, err := s.Reference.Catalogue(ctx); err == nil {
				return cat
			}
			return gridline.DefaultCatalogue()
		}}
}
