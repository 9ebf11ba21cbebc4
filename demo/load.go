package demo

import (
	"context"
	"fmt"

	"github.com/gridline/gridline"
)

// Load writes d through the services in dependency order: regions and
// their outlines, grids (one import), units, people, points, compounds,
// buildings with their entrances, assignments and party organisations,
// turning the District's indexes into the IDs the store returns. d is not
// modified. Load stops at the first error; the store is then partly
// loaded, so callers load into an empty database and discard it on failure.
func Load(ctx context.Context, d *District, regions gridline.RegionService, grids gridline.GridService,
	places gridline.PlaceService, orgs gridline.OrgService) error {
	if _, err := regions.ImportRegions(ctx, d.Regions); err != nil {
		return fmt.Errorf("demo: import regions: %w", err)
	}
	areas := append([]Area{d.County}, d.Towns...)
	areas = append(areas, d.Villages...)
	for _, a := range areas {
		if err := regions.SetRegionGeometry(ctx, a.Code, a.Geometry); err != nil {
			return fmt.Errorf("demo: outline of %s %s: %w", a.Code, a.Name, err)
		}
	}

	gridIDs, err := loadGrids(ctx, d, grids)
	if err != nil {
		return err
	}

	unitIDs := make([]int64, len(d.Units))
	for i := range d.Units {
		u := d.Units[i]
		if err := orgs.CreateUnit(ctx, &u); err != nil {
			return fmt.Errorf("demo: unit %s: %w", u.Name, err)
		}
		if unitIDs[i] = u.ID; u.ID == 0 {
			return fmt.Errorf("demo: unit %s: the store returned no ID", u.Name)
		}
	}
	unitID := func(i int) *int64 {
		if i < 0 {
			return nil
		}
		return &unitIDs[i]
	}

	personIDs := make([]int64, len(d.People))
	for i := range d.People {
		p := d.People[i].Person
		p.UnitID = unitID(d.People[i].Unit)
		p.Assignments = nil
		if err := orgs.CreatePerson(ctx, &p); err != nil {
			return fmt.Errorf("demo: person %d (%s): %w", i, p.Team, err)
		}
		if personIDs[i] = p.ID; p.ID == 0 {
			return fmt.Errorf("demo: person %d: the store returned no ID", i)
		}
	}
	personID := func(i int) *int64 {
		if i < 0 {
			return nil
		}
		return &personIDs[i]
	}

	pointIDs := make([]int64, len(d.Points))
	for i := range d.Points {
		p := d.Points[i].Point
		p.CadreID = personID(d.Points[i].Cadre)
		if err := places.CreatePoint(ctx, &p); err != nil {
			return fmt.Errorf("demo: point %s in grid %s: %w", p.Name, p.GridCode, err)
		}
		if pointIDs[i] = p.ID; p.ID == 0 {
			return fmt.Errorf("demo: point %s: the store returned no ID", p.Name)
		}
	}

	compoundIDs := make([]int64, len(d.Compounds))
	for i := range d.Compounds {
		c := d.Compounds[i].Compound
		c.PropertyUnitID = unitID(d.Compounds[i].Unit)
		if err := places.CreateCompound(ctx, &c); err != nil {
			return fmt.Errorf("demo: compound %s: %w", c.Name, err)
		}
		if compoundIDs[i] = c.ID; c.ID == 0 {
			return fmt.Errorf("demo: compound %s: the store returned no ID", c.Name)
		}
	}

	buildingIDs := make([]int64, len(d.Buildings))
	for i := range d.Buildings {
		b := d.Buildings[i].Building
		b.CompoundID = &compoundIDs[d.Buildings[i].Compound]
		b.Entrances = make([]*gridline.Entrance, len(d.Buildings[i].Entrances))
		for j, e := range d.Buildings[i].Entrances {
			ce := *e
			b.Entrances[j] = &ce
		}
		if err := places.CreateBuilding(ctx, &b); err != nil {
			return fmt.Errorf("demo: building %s %s: %w", d.Compounds[d.Buildings[i].Compound].Name, b.Name, err)
		}
		if buildingIDs[i] = b.ID; b.ID == 0 {
			return fmt.Errorf("demo: building %s: the store returned no ID", b.Name)
		}
	}

	for i, a := range d.Assignments {
		var target int64
		switch a.Target {
		case gridline.TargetGrid:
			target = gridIDs[a.Index]
		case gridline.TargetPoint:
			target = pointIDs[a.Index]
		case gridline.TargetCompound:
			target = compoundIDs[a.Index]
		case gridline.TargetUnit:
			target = unitIDs[a.Index]
		default:
			return fmt.Errorf("demo: assignment %d: unsupported target %q", i, a.Target)
		}
		as := gridline.Assignment{PersonID: personIDs[a.Person], Target: a.Target, TargetID: target,
			Role: a.Role, RegionPath: a.Path}
		if err := orgs.Assign(ctx, &as); err != nil {
			return fmt.Errorf("demo: assignment %d (%s %s): %w", i, a.Target, a.Role, err)
		}
	}

	orgIDs := make([]int64, len(d.PartyOrgs))
	for i := range d.PartyOrgs {
		src := &d.PartyOrgs[i]
		o := src.PartyOrg
		if src.Parent >= i {
			return fmt.Errorf("demo: party organisation %s comes before its parent", o.Name)
		}
		if src.Parent >= 0 {
			o.ParentID = &orgIDs[src.Parent]
		}
		if src.Compound >= 0 {
			o.CompoundID = &compoundIDs[src.Compound]
		}
		if src.Building >= 0 {
			o.BuildingID = &buildingIDs[src.Building]
		}
		o.LeaderID = personID(src.Leader)
		if err := orgs.CreatePartyOrg(ctx, &o); err != nil {
			return fmt.Errorf("demo: party organisation %s: %w", o.Name, err)
		}
		if orgIDs[i] = o.ID; o.ID == 0 {
			return fmt.Errorf("demo: party organisation %s: the store returned no ID", o.Name)
		}
	}
	return nil
}

// loadGrids imports all grids in one call and returns their IDs by index.
// A store that does not report IDs on the imported values is asked for
// them by code.
func loadGrids(ctx context.Context, d *District, svc gridline.GridService) ([]int64, error) {
	gs := make([]*gridline.Grid, len(d.Grids))
	for i := range d.Grids {
		g := d.Grids[i].Grid
		gs[i] = &g
	}
	if err := svc.ImportGrids(ctx, gs); err != nil {
		return nil, fmt.Errorf("demo: import grids: %w", err)
	}
	ids := make([]int64, len(gs))
	missing := false
	for i, g := range gs {
		if g.Code != d.Grids[i].Code {
			return nil, fmt.Errorf("demo: the store recoded grid %s as %s (load into an empty database)", d.Grids[i].Code, g.Code)
		}
		ids[i] = g.ID
		missing = missing || g.ID == 0
	}
	if !missing {
		return ids, nil
	}
	byCode := make(map[string]int64, len(gs))
	within := d.County.Code
	const page = 500
	for offset := 0; ; offset += page {
		found, total, err := svc.FindGrids(ctx, gridline.GridFilter{Within: &within, Offset: offset, Limit: page})
		if err != nil {
			return nil, fmt.Errorf("demo: find grids: %w", err)
		}
		for _, g := range found {
			byCode[g.Code] = g.ID
		}
		if len(found) == 0 || offset+len(found) >= total {
			break
		}
	}
	for i, g := range d.Grids {
		if ids[i] = byCode[g.Code]; ids[i] == 0 {
			return nil, fmt.Errorf("demo: grid %s is not stored after the import", g.Code)
		}
	}
	return ids, nil
}
