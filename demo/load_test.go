package demo

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/gridline/gridline"
)

// fakeStore records what Load writes and checks that every reference
// points at something written before. Embedding the interfaces makes any
// method Load should not call panic.
type fakeStore struct {
	gridline.RegionService
	gridline.GridService
	gridline.PointService
	gridline.CompoundService
	gridline.BuildingService
	gridline.UnitService
	gridline.PersonService
	gridline.AssignmentService
	gridline.PartyOrgService

	noGridIDs bool // behave like a store that does not report grid IDs
	failAt    string

	calls     map[string]int
	regions   map[string]bool
	outlines  map[string]gridline.Polygon
	grids     map[int64]*gridline.Grid
	gridCodes map[string]int64
	units     map[int64]*gridline.Unit
	people    map[int64]*gridline.Person
	points    map[int64]*gridline.Point
	compounds map[int64]*gridline.Compound
	buildings map[int64]*gridline.Building
	assigns   []*gridline.Assignment
	orgs      map[int64]*gridline.PartyOrg
	nextID    int64
}

func newFakeStore() *fakeStore {
	return &fakeStore{calls: map[string]int{}, regions: map[string]bool{}, outlines: map[string]gridline.Polygon{},
		grids: map[int64]*gridline.Grid{}, gridCodes: map[string]int64{}, units: map[int64]*gridline.Unit{},
		people: map[int64]*gridline.Person{}, points: map[int64]*gridline.Point{},
		compounds: map[int64]*gridline.Compound{}, buildings: map[int64]*gridline.Building{},
		orgs: map[int64]*gridline.PartyOrg{}}
}

var errInjected = errors.New("injected failure")

func (s *fakeStore) call(name string) error {
	s.calls[name]++
	if name == s.failAt {
		return errInjected
	}
	return nil
}

// services hands the fake to Load as every service it uses.
func (s *fakeStore) services() gridline.Services {
	return gridline.Services{Regions: s, Grids: s, Points: s, Compounds: s, Buildings: s, Units: s, People: s,
		Assignments: s, PartyOrgs: s}
}

func (s *fakeStore) id() int64 { s.nextID++; return s.nextID }

func (s *fakeStore) ImportRegions(_ context.Context, rows []gridline.RegionRow) (gridline.RegionImport, error) {
	if err := s.call("ImportRegions"); err != nil {
		return gridline.RegionImport{}, err
	}
	for _, r := range rows {
		s.regions[r.Code] = true
	}
	return gridline.RegionImport{Rows: len(rows), Inserted: len(rows)}, nil
}

func (s *fakeStore) SetRegionGeometry(_ context.Context, code string, g gridline.Polygon) error {
	if err := s.call("SetRegionGeometry"); err != nil {
		return err
	}
	if !s.regions[code] {
		return fmt.Errorf("outline for unknown region %s", code)
	}
	s.outlines[code] = g
	return g.Validate()
}

func (s *fakeStore) ImportGrids(_ context.Context, gs []*gridline.Grid) error {
	if err := s.call("ImportGrids"); err != nil {
		return err
	}
	for _, g := range gs {
		if !s.regions[g.CommunityCode] {
			return fmt.Errorf("grid %s in unknown community", g.Code)
		}
		if err := g.Validate(); err != nil {
			return err
		}
		if _, dup := s.gridCodes[g.Code]; dup {
			return fmt.Errorf("duplicate grid %s", g.Code)
		}
		id := s.id()
		c := *g
		c.ID = id
		s.grids[id], s.gridCodes[g.Code] = &c, id
		if !s.noGridIDs {
			g.ID = id
		}
	}
	return nil
}

func (s *fakeStore) FindGrids(_ context.Context, f gridline.GridFilter) ([]*gridline.Grid, int, error) {
	if err := s.call("FindGrids"); err != nil {
		return nil, 0, err
	}
	var all []*gridline.Grid
	for id := int64(1); id <= s.nextID; id++ {
		if g, ok := s.grids[id]; ok {
			all = append(all, g)
		}
	}
	total := len(all)
	lo, hi := min(f.Offset, total), min(f.Offset+f.Limit, total)
	return all[lo:hi], total, nil
}

func (s *fakeStore) CreateUnit(_ context.Context, u *gridline.Unit) error {
	if err := s.call("CreateUnit"); err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	u.ID = s.id()
	c := *u
	s.units[u.ID] = &c
	return nil
}

func (s *fakeStore) CreatePerson(_ context.Context, p *gridline.Person) error {
	if err := s.call("CreatePerson"); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if p.UnitID != nil && s.units[*p.UnitID] == nil {
		return fmt.Errorf("person %s: unknown unit %d", p.Name, *p.UnitID)
	}
	p.ID = s.id()
	c := *p
	s.people[p.ID] = &c
	return nil
}

func (s *fakeStore) CreatePoint(_ context.Context, p *gridline.Point) error {
	if err := s.call("CreatePoint"); err != nil {
		return err
	}
	if p.CadreID == nil || s.people[*p.CadreID] == nil || s.people[*p.CadreID].Team != gridline.TeamCadre {
		return fmt.Errorf("point %s: bad cadre", p.Name)
	}
	if _, ok := s.gridCodes[p.GridCode]; !ok {
		return fmt.Errorf("point %s: unknown grid %s", p.Name, p.GridCode)
	}
	p.ID = s.id()
	c := *p
	s.points[p.ID] = &c
	return nil
}

func (s *fakeStore) CreateCompound(_ context.Context, c *gridline.Compound) error {
	if err := s.call("CreateCompound"); err != nil {
		return err
	}
	if c.PropertyUnitID == nil || s.units[*c.PropertyUnitID] == nil || s.units[*c.PropertyUnitID].Kind != gridline.UnitProperty {
		return fmt.Errorf("compound %s: bad property unit", c.Name)
	}
	c.ID = s.id()
	cc := *c
	s.compounds[c.ID] = &cc
	return c.Geometry.Validate()
}

func (s *fakeStore) CreateBuilding(_ context.Context, b *gridline.Building) error {
	if err := s.call("CreateBuilding"); err != nil {
		return err
	}
	if b.CompoundID == nil || s.compounds[*b.CompoundID] == nil {
		return fmt.Errorf("building %s: bad compound", b.Name)
	}
	if len(b.Entrances) == 0 {
		return fmt.Errorf("building %s: no entrances", b.Name)
	}
	b.ID = s.id()
	for _, e := range b.Entrances {
		e.ID, e.BuildingID = s.id(), b.ID
	}
	c := *b
	s.buildings[b.ID] = &c
	return b.Footprint.Validate()
}

func (s *fakeStore) CreateAssignment(_ context.Context, a *gridline.Assignment) error {
	if err := s.call("CreateAssignment"); err != nil {
		return err
	}
	if s.people[a.PersonID] == nil {
		return fmt.Errorf("assignment of unknown person %d", a.PersonID)
	}
	var ok bool
	switch a.Target {
	case gridline.TargetGrid:
		ok = s.grids[a.TargetID] != nil
	case gridline.TargetPoint:
		ok = s.points[a.TargetID] != nil
	}
	if !ok {
		return fmt.Errorf("assignment to unknown %s %d", a.Target, a.TargetID)
	}
	a.ID = s.id()
	s.assigns = append(s.assigns, a)
	return nil
}

func (s *fakeStore) CreatePartyOrg(_ context.Context, o *gridline.PartyOrg) error {
	if err := s.call("CreatePartyOrg"); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if o.ParentID != nil {
		p := s.orgs[*o.ParentID]
		if p == nil || p.Level != o.Level-1 {
			return fmt.Errorf("party org %s: bad parent", o.Name)
		}
	}
	if o.GridCode != "" {
		if _, ok := s.gridCodes[o.GridCode]; !ok {
			return fmt.Errorf("party org %s: unknown grid", o.Name)
		}
	}
	if o.CompoundID != nil && s.compounds[*o.CompoundID] == nil {
		return fmt.Errorf("party org %s: unknown compound", o.Name)
	}
	if o.BuildingID != nil && s.buildings[*o.BuildingID] == nil {
		return fmt.Errorf("party org %s: unknown building", o.Name)
	}
	if o.LeaderID != nil && s.people[*o.LeaderID] == nil {
		return fmt.Errorf("party org %s: unknown leader", o.Name)
	}
	o.ID = s.id()
	c := *o
	s.orgs[o.ID] = &c
	return nil
}

func TestLoad(t *testing.T) {
	d := testDistrict(t)
	for _, noGridIDs := range []bool{false, true} {
		t.Run(fmt.Sprintf("noGridIDs=%v", noGridIDs), func(t *testing.T) {
			s := newFakeStore()
			s.noGridIDs = noGridIDs
			if err := Load(context.Background(), d, s.services()); err != nil {
				t.Fatal(err)
			}
			want := map[string]int{
				"ImportRegions":     1,
				"SetRegionGeometry": 1 + 10 + 347,
				"ImportGrids":       1,
				"CreateUnit":        len(d.Units),
				"CreatePerson":      len(d.People),
				"CreatePoint":       len(d.Points),
				"CreateCompound":    len(d.Compounds),
				"CreateBuilding":    len(d.Buildings),
				"CreateAssignment":  len(d.Assignments),
				"CreatePartyOrg":    len(d.PartyOrgs),
			}
			if noGridIDs {
				want["FindGrids"] = 2 // 643 grids in pages of 500
			}
			for k, n := range want {
				if s.calls[k] != n {
					t.Errorf("%s called %d times, want %d", k, s.calls[k], n)
				}
			}
			// The assignments reach the grids and points the District names.
			for i, a := range s.assigns {
				src := d.Assignments[i]
				switch a.Target {
				case gridline.TargetGrid:
					if s.grids[a.TargetID].Code != d.Grids[src.Index].Code {
						t.Fatalf("assignment %d goes to grid %s, want %s", i, s.grids[a.TargetID].Code, d.Grids[src.Index].Code)
					}
				case gridline.TargetPoint:
					if s.points[a.TargetID].Name != d.Points[src.Index].Name {
						t.Fatalf("assignment %d goes to point %s", i, s.points[a.TargetID].Name)
					}
				}
			}
		})
	}
}

func TestLoadDoesNotModifyDistrict(t *testing.T) {
	d, err := Generate(7)
	if err != nil {
		t.Fatal(err)
	}
	before := fmt.Sprintf("%+v %+v %+v", d.Grids[0], d.People[0], *d.Buildings[0].Entrances[0])
	s := newFakeStore()
	if err := Load(context.Background(), d, s.services()); err != nil {
		t.Fatal(err)
	}
	if after := fmt.Sprintf("%+v %+v %+v", d.Grids[0], d.People[0], *d.Buildings[0].Entrances[0]); after != before {
		t.Errorf("Load modified the District:\n%s\n%s", before, after)
	}
}

func TestLoadStopsAtFirstError(t *testing.T) {
	d := testDistrict(t)
	for _, step := range []string{"ImportRegions", "SetRegionGeometry", "ImportGrids", "CreateUnit", "CreatePerson",
		"CreatePoint", "CreateCompound", "CreateBuilding", "CreateAssignment", "CreatePartyOrg"} {
		s := newFakeStore()
		s.failAt = step
		err := Load(context.Background(), d, s.services())
		if !errors.Is(err, errInjected) {
			t.Errorf("failure in %s: Load returned %v", step, err)
		}
		if s.calls[step] != 1 {
			t.Errorf("failure in %s: called %d times", step, s.calls[step])
		}
	}
}
