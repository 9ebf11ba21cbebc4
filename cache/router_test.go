package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/cache"
)

type countingUnits struct {
	gridline.UnitService
	units []*gridline.Unit
	reads int
}

func (c *countingUnits) FindUnits(ctx context.Context, f gridline.UnitFilter) ([]*gridline.Unit, int, error) {
	c.reads++
	return c.units, len(c.units), nil
}

type countingCompounds struct {
	gridline.CompoundService
	property map[int64]*int64
	reads    int
}

func (c *countingCompounds) FindCompoundByID(ctx context.Context, id int64) (*gridline.Compound, error) {
	c.reads++
	p, ok := c.property[id]
	if !ok {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "no compound %d", id)
	}
	return &gridline.Compound{ID: id, PropertyUnitID: p}, nil
}

// TestRouterFollowsChanges: the units and a compound's company are read
// once while nothing changes, again after this process commits a change
// or the TTL passes; and the proposal is the domain's.
func TestRouterFollowsChanges(t *testing.T) {
	company := int64(2)
	units := &countingUnits{units: []*gridline.Unit{
		{ID: 1, Kind: gridline.UnitDepartment, Name: "兖州区住房和城乡建设局", ShortName: "区住建局", RegionCode: "370812"},
		{ID: 2, Kind: gridline.UnitProperty, Name: "安居物业", RegionCode: "370812"},
	}}
	compounds := &countingCompounds{property: map[int64]*int64{7: &company, 8: nil}}
	seq, now := int64(1), time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	r := &cache.Router{Units: units, Compounds: compounds, Committed: func() int64 { return seq }, Now: func() time.Time { return now },
		Catalogue: func(context.Context) *gridline.Catalogue { return gridline.DefaultCatalogue() }}
	ctx := context.Background()
	path := gridline.RegionPath{CountyCode: "370812", TownCode: "370812001"}
	in7 := &gridline.Ticket{Category: "20101", CompoundID: func() *int64 { v := int64(7); return &v }(), RegionPath: path}
	lamp := &gridline.Ticket{Category: "0115", RegionPath: path}
	propose := func(tk *gridline.Ticket, want int64) {
		t.Helper()
		p, err := r.ProposeRoute(ctx, tk, gridline.LevelCounty)
		if err != nil {
			t.Fatal(err)
		}
		if p.UnitID == nil || *p.UnitID != want {
			t.Fatalf("proposal %+v, want unit %d", p, want)
		}
	}
	propose(in7, 2)
	propose(in7, 2)
	propose(lamp, 1)
	if units.reads != 1 || compounds.reads != 1 {
		t.Fatalf("reads: units %d, compounds %d; want 1 and 1", units.reads, compounds.reads)
	}
	seq++ // this process changed a unit or a compound
	propose(in7, 2)
	if units.reads != 2 || compounds.reads != 2 {
		t.Fatalf("after a change: units %d, compounds %d reads; want 2 and 2", units.reads, compounds.reads)
	}
	now = now.Add(11 * time.Second) // another process's change shows after the TTL
	compounds.property[7] = nil
	p, err := r.ProposeRoute(ctx, in7, gridline.LevelCounty)
	if err != nil {
		t.Fatal(err)
	}
	if p.Basis != gridline.RouteNoPropertyCompany || p.UnitID == nil || *p.UnitID != 1 {
		t.Fatalf("after the TTL, a compound without a company: %+v", p)
	}
	gone := &gridline.Ticket{Category: "20101", CompoundID: func() *int64 { v := int64(99); return &v }(), RegionPath: path}
	if p, err := r.ProposeRoute(ctx, gone, gridline.LevelCounty); err != nil || p.Basis != gridline.RouteNoPropertyCompany {
		t.Fatalf("a compound deleted since intake: %+v, %v", p, err)
	}
}
