// Package demo generates the Yanzhou demo district (兖州区, Jining,
// Shandong): the real region codes and county outline, with invented but
// plausible town, community and grid polygons, grid responsibility points,
// departments and property companies, residential compounds and buildings,
// the "6+3+N" workforce and the six-level party organisation tree, in the
// numbers the seed gives (DESIGN.md, "The Yanzhou demo").
//
// Generate is deterministic: the same seed gives the same District, so
// tests and benchmarks can rely on it. Load writes a District through the
// service interfaces.
package demo

import (
	"fmt"

	"github.com/gridline/gridline"
)

// District is a generated demo district. Its objects are domain values
// without database IDs; they refer to each other by index into the
// District's slices, −1 meaning none. Load turns indexes into IDs.
type District struct {
	Seed uint64
	// Regions are the embedded region rows (province to village).
	Regions []gridline.RegionRow
	// County is 兖州区 with its real outline.
	County Area
	// Towns are the 10 towns/streets in code order; they tile County.
	Towns []Area
	// Villages are the 347 villages/communities in code order; the
	// villages of a town tile the town.
	Villages []Area
	// Grids are the 344 party-building grids (LayerParty) that tile the
	// streets' residents' committees, then one comprehensive grid
	// (LayerComprehensive) per other village or community, each ordered
	// by code.
	Grids []Grid
	// Points are the grid responsibility points, all in party grids.
	Points []Point
	// Units are the departments, then the property companies, then the
	// courier companies.
	Units []gridline.Unit
	// Compounds are the residential compounds, all in party grids.
	Compounds []Compound
	// Buildings are the compounds' buildings, compound by compound.
	Buildings []Building
	// People is the workforce, team by team.
	People []Person
	// Assignments tie people to grids and points.
	Assignments []Assignment
	// PartyOrgs is the six-level tree, level by level: a parent always
	// comes before its children.
	PartyOrgs []PartyOrg
}

// Area is a region with its generated (or, for the county, real) outline.
type Area struct {
	Code     string
	Name     string
	Level    gridline.RegionLevel
	Parent   int // index into Towns for a village, else −1
	Geometry gridline.Polygon
}

// Grid is a grid and the village/community it lies in.
type Grid struct {
	gridline.Grid
	Village int // index into Villages
}

// Point is a grid responsibility point and its cadre.
type Point struct {
	gridline.Point
	Grid  int // index into Grids
	Cadre int // index into People
}

// Compound is a residential compound and its property company.
type Compound struct {
	gridline.Compound
	Grid int // index into Grids
	Unit int // index into Units, a property company
}

// Building is a building of a compound.
type Building struct {
	gridline.Building
	Compound int // index into Compounds
}

// Person is a member of the workforce and the unit employing them.
type Person struct {
	gridline.Person
	Unit int // index into Units, or −1
}

// Assignment ties a person to a grid or a point.
type Assignment struct {
	Person int // index into People
	Target gridline.AssignmentTarget
	// Index is the target's index into Grids or Points, by Target.
	Index int
	Role  string
	// Path is the target's region path.
	Path gridline.RegionPath
}

// PartyOrg is a party organisation with its links as indexes.
type PartyOrg struct {
	gridline.PartyOrg
	Parent   int // index into PartyOrgs, −1 for level 1; less than the org's own index
	Compound int // index into Compounds for level 4, else −1
	Building int // index into Buildings for levels 5 and 6, else −1
	Leader   int // index into People, or −1
}

// Generate builds the demo district for a seed. It is deterministic: the
// same seed always gives the same District.
func Generate(seed uint64) (*District, error) {
	regions, err := Regions()
	if err != nil {
		return nil, err
	}
	boundary, err := Boundary()
	if err != nil {
		return nil, err
	}
	d := &District{Seed: seed, Regions: regions}
	proj := newProjection(boundary.Bound())
	county := proj.planeRing(boundary[0][:len(boundary[0])-1])
	as, err := buildAreas(d, proj, county)
	if err != nil {
		return nil, err
	}
	buildUnits(d)
	if err := buildPlaces(d, proj, as); err != nil {
		return nil, err
	}
	if err := buildPeople(d); err != nil {
		return nil, err
	}
	buildPartyOrgs(d)
	return d, nil
}

// Summary returns the headline counts of d, keyed by what they count.
func (d *District) Summary() map[string]int {
	s := map[string]int{
		"regions":     len(d.Regions),
		"towns":       len(d.Towns),
		"villages":    len(d.Villages),
		"grids":       len(d.Grids),
		"points":      len(d.Points),
		"units":       len(d.Units),
		"compounds":   len(d.Compounds),
		"buildings":   len(d.Buildings),
		"people":      len(d.People),
		"assignments": len(d.Assignments),
		"party_orgs":  len(d.PartyOrgs),
	}
	for _, t := range d.Towns {
		if gridline.IsStreet(t.Code) {
			s["streets"]++
		}
	}
	for _, v := range d.Villages {
		if gridline.IsResidentsCommittee(v.Code) {
			s["residents_committees"]++
		}
	}
	for _, g := range d.Grids {
		s["grids_"+g.Layer]++
	}
	for _, u := range d.Units {
		s["units_"+string(u.Kind)]++
	}
	for _, b := range d.Buildings {
		s["entrances"] += len(b.Entrances)
		for _, e := range b.Entrances {
			s["households"] += e.Households
		}
	}
	urban := map[int]bool{}
	for _, a := range d.Assignments {
		if a.Target == gridline.TargetGrid && d.Grids[a.Index].Layer == gridline.LayerParty {
			urban[a.Person] = true
		}
	}
	for i, p := range d.People {
		s["people_"+string(p.Team)]++
		if p.Role != "" {
			s["role_"+p.Role]++
		}
		if urban[i] && (p.Team == gridline.TeamGridWorker || p.Team == gridline.TeamPropertyStaff) {
			s["urban_grid_workers"]++
			if p.Team == gridline.TeamPropertyStaff {
				s["urban_property_staff"]++
			}
		}
	}
	for _, o := range d.PartyOrgs {
		s[fmt.Sprintf("party_orgs_level_%d", o.Level)]++
	}
	return s
}
