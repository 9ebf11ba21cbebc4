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
func Load(ctx context.Context, d *District, s gridline.Services) error {
	phase := phaseTimer(ctx)
	regions := s.Regions
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

	phase("regions")
	gridIDs, err := loadGrids(ctx, d, s.Grids)
	if err != nil {
		return err
	}
	phase("grids")

	unitIDs := make([]int64, len(d.Units))
	for i := range d.Units {
		u := d.Units[i]
		if unitIDs[i], err = stored(s.Units.CreateUnit(ctx, &u), &u.ID, "unit %s", u.Name); err != nil {
			return err
		}
	}
	unitID := func(i int) *int64 {
		if i < 0 {
			return nil
		}
		return &unitIDs[i]
	}

	phase("units")
	personIDs, err := loadPeople(ctx, d, s.People, unitID)
	if err != nil {
		return err
	}
	phase("people")
	personID := func(i int) *int64 {
		if i < 0 {
			return nil
		}
		return &personIDs[i]
	}

	pointIDs, err := loadPoints(ctx, d, s.Points, personID)
	if err != nil {
		return err
	}
	phase("points")

	compoundIDs := make([]int64, len(d.Compounds))
	for i := range d.Compounds {
		c := d.Compounds[i].Compound
		c.PropertyUnitID = unitID(d.Compounds[i].Unit)
		if compoundIDs[i], err = stored(s.Compounds.CreateCompound(ctx, &c), &c.ID, "compound %s", c.Name); err != nil {
			return err
		}
	}

	phase("compounds")

	buildingIDs, err := loadBuildings(ctx, d, s.Buildings, compoundIDs)
	if err != nil {
		return err
	}
	phase("buildings")

	as := make([]gridline.Assignment, len(d.Assignments))
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
		as[i] = gridline.Assignment{PersonID: personIDs[a.Person], Target: a.Target, TargetID: target,
			Role: a.Role, RegionPath: a.Path}
	}
	if err := loadAssignments(ctx, as, s.Assignments); err != nil {
		return err
	}
	phase("assignments")

	if err := loadPartyOrgs(ctx, d, s.PartyOrgs, personID, compoundIDs, buildingIDs); err != nil {
		return err
	}
	phase("party_orgs")
	return nil
}

// loadPeople creates d's people, in one call when the store can
// (gridline.PeopleCreator: a round trip or three a person is most of the
// district's load on PostgreSQL), and returns their IDs by index.
func loadPeople(ctx context.Context, d *District, svc gridline.PersonService, unitID func(int) *int64) ([]int64, error) {
	ps := make([]gridline.Person, len(d.People))
	for i := range d.People {
		ps[i] = d.People[i].Person
		ps[i].UnitID = unitID(d.People[i].Unit)
		ps[i].Assignments = nil
	}
	ids := make([]int64, len(ps))
	if bulk, ok := svc.(gridline.PeopleCreator); ok {
		ptrs := make([]*gridline.Person, len(ps))
		for i := range ps {
			ptrs[i] = &ps[i]
		}
		if err := bulk.CreatePeople(ctx, ptrs); err != nil {
			return nil, fmt.Errorf("demo: people: %w", err)
		}
		for i := range ps {
			if ids[i] = ps[i].ID; ids[i] == 0 {
				return nil, fmt.Errorf("demo: person %d (%s): the store returned no ID", i, ps[i].Team)
			}
		}
		return ids, nil
	}
	for i := range ps {
		var err error
		if ids[i], err = stored(svc.CreatePerson(ctx, &ps[i]), &ps[i].ID, "person %d (%s)", i, ps[i].Team); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// loadPartyOrgs creates d's party organisations, in one call when the
// store can (gridline.PartyOrgCreator, parents named by index).
func loadPartyOrgs(ctx context.Context, d *District, svc gridline.PartyOrgService, personID func(int) *int64,
	compoundIDs, buildingIDs []int64) error {
	bulk, isBulk := svc.(gridline.PartyOrgCreator)
	orgs := make([]gridline.PartyOrg, len(d.PartyOrgs))
	orgIDs := make([]int64, len(d.PartyOrgs))
	for i := range d.PartyOrgs {
		src := &d.PartyOrgs[i]
		o := &orgs[i]
		*o = src.PartyOrg
		if src.Parent >= i {
			return fmt.Errorf("demo: party organisation %s comes before its parent", o.Name)
		}
		if src.Parent >= 0 {
			if isBulk {
				ref := int64(-src.Parent - 1)
				o.ParentID = &ref
			} else {
				o.ParentID = &orgIDs[src.Parent]
			}
		}
		if src.Compound >= 0 {
			o.CompoundID = &compoundIDs[src.Compound]
		}
		if src.Building >= 0 {
			o.BuildingID = &buildingIDs[src.Building]
		}
		o.LeaderID = personID(src.Leader)
		if isBulk {
			continue
		}
		var err error
		if orgIDs[i], err = stored(svc.CreatePartyOrg(ctx, o), &o.ID, "party organisation %s", o.Name); err != nil {
			return err
		}
	}
	if !isBulk {
		return nil
	}
	ptrs := make([]*gridline.PartyOrg, len(orgs))
	for i := range orgs {
		ptrs[i] = &orgs[i]
	}
	if err := bulk.CreatePartyOrgs(ctx, ptrs); err != nil {
		return fmt.Errorf("demo: party organisations: %w", err)
	}
	for i := range orgs {
		if orgs[i].ID == 0 {
			return fmt.Errorf("demo: party organisation %s: the store returned no ID", orgs[i].Name)
		}
	}
	return nil
}

// stored checks what a create call did: no error, and an ID from the
// store, which it returns. what and args describe the object in errors.
func stored(err error, id *int64, what string, args ...any) (int64, error) {
	if err != nil {
		return 0, fmt.Errorf("demo: %s: %w", fmt.Sprintf(what, args...), err)
	}
	if *id == 0 {
		return 0, fmt.Errorf("demo: %s: the store returned no ID", fmt.Sprintf(what, args...))
	}
	return *id, nil
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

// loadPoints creates d's points, in one call when the store can
// (gridline.PointCreator), and returns their IDs by index.
func loadPoints(ctx context.Context, d *District, svc gridline.PointService, personID func(int) *int64) ([]int64, error) {
	ps := make([]gridline.Point, len(d.Points))
	for i := range d.Points {
		ps[i] = d.Points[i].Point
		ps[i].CadreID = personID(d.Points[i].Cadre)
	}
	ids := make([]int64, len(ps))
	if bulk, ok := svc.(gridline.PointCreator); ok {
		ptrs := make([]*gridline.Point, len(ps))
		for i := range ps {
			ptrs[i] = &ps[i]
		}
		if err := bulk.CreatePoints(ctx, ptrs); err != nil {
			return nil, fmt.Errorf("demo: points: %w", err)
		}
		for i := range ps {
			if ids[i] = ps[i].ID; ids[i] == 0 {
				return nil, fmt.Errorf("demo: point %s in grid %s: the store returned no ID", ps[i].Name, ps[i].GridCode)
			}
		}
		return ids, nil
	}
	for i := range ps {
		var err error
		if ids[i], err = stored(svc.CreatePoint(ctx, &ps[i]), &ps[i].ID, "point %s in grid %s", ps[i].Name, ps[i].GridCode); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// loadBuildings creates d's buildings with their entrances (and so their
// standard addresses), in one call when the store can
// (gridline.BuildingCreator), and returns their IDs by index.
func loadBuildings(ctx context.Context, d *District, svc gridline.BuildingService, compoundIDs []int64) ([]int64, error) {
	bs := make([]gridline.Building, len(d.Buildings))
	for i := range d.Buildings {
		b := &bs[i]
		*b = d.Buildings[i].Building
		b.CompoundID = &compoundIDs[d.Buildings[i].Compound]
		b.Entrances = make([]*gridline.Entrance, len(d.Buildings[i].Entrances))
		for j, e := range d.Buildings[i].Entrances {
			ce := *e
			b.Entrances[j] = &ce
		}
	}
	ids := make([]int64, len(bs))
	name := func(i int) string { return d.Compounds[d.Buildings[i].Compound].Name + " " + bs[i].Name }
	if bulk, ok := svc.(gridline.BuildingCreator); ok {
		ptrs := make([]*gridline.Building, len(bs))
		for i := range bs {
			ptrs[i] = &bs[i]
		}
		if err := bulk.CreateBuildings(ctx, ptrs); err != nil {
			return nil, fmt.Errorf("demo: buildings: %w", err)
		}
		for i := range bs {
			if ids[i] = bs[i].ID; ids[i] == 0 {
				return nil, fmt.Errorf("demo: building %s: the store returned no ID", name(i))
			}
		}
		return ids, nil
	}
	for i := range bs {
		var err error
		if ids[i], err = stored(svc.CreateBuilding(ctx, &bs[i]), &bs[i].ID, "building %s", name(i)); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// loadAssignments creates as, in one call when the store can
// (gridline.AssignmentCreator).
func loadAssignments(ctx context.Context, as []gridline.Assignment, svc gridline.AssignmentService) error {
	if bulk, ok := svc.(gridline.AssignmentCreator); ok {
		ptrs := make([]*gridline.Assignment, len(as))
		for i := range as {
			ptrs[i] = &as[i]
		}
		if err := bulk.CreateAssignments(ctx, ptrs); err != nil {
			return fmt.Errorf("demo: assignments: %w", err)
		}
		return nil
	}
	for i := range as {
		a := &as[i]
		if err := svc.CreateAssignment(ctx, a); err != nil {
			return fmt.Errorf("demo: assignment %d (%s %s): %w", i, a.Target, a.Role, err)
		}
	}
	return nil
}
