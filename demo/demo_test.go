package demo

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
	"github.com/gridline/gridline/locate"
	"github.com/paulmach/orb"
)

const testSeed = 42

var (
	districtOnce sync.Once
	district42   *District
	districtErr  error
)

// testDistrict returns Generate(testSeed), generated once for all tests.
func testDistrict(t testing.TB) *District {
	t.Helper()
	districtOnce.Do(func() { district42, districtErr = Generate(testSeed) })
	if districtErr != nil {
		t.Fatalf("Generate(%d): %v", testSeed, districtErr)
	}
	return district42
}

func TestRegions(t *testing.T) {
	rows, err := Regions()
	if err != nil {
		t.Fatal(err)
	}
	levels := map[gridline.RegionLevel]int{}
	for _, r := range rows {
		levels[r.Level]++
	}
	want := map[gridline.RegionLevel]int{
		gridline.LevelProvince: 1, gridline.LevelCity: 1, gridline.LevelCounty: 1,
		gridline.LevelTown: 10, gridline.LevelVillage: 347,
	}
	if diff := cmp.Diff(want, levels); diff != "" {
		t.Errorf("regions per level (-want +got):\n%s", diff)
	}
	err = gridline.ValidateRegions(rows, func([]string) (map[string]bool, error) { return nil, nil })
	if err != nil {
		t.Errorf("ValidateRegions: %v", err)
	}
}

func TestBoundary(t *testing.T) {
	b, err := Boundary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 1 {
		t.Fatalf("boundary has %d rings, want 1", len(b))
	}
	r := b[0]
	if r[0] != r[len(r)-1] {
		t.Error("boundary ring is not closed")
	}
	if err := b.Validate(); err != nil {
		t.Error(err)
	}
	if signedArea(r[:len(r)-1]) <= 0 {
		t.Error("boundary ring is not counter-clockwise")
	}
	// 兖州区 covers about 651 km².
	if a := b.AreaM2() / 1e6; a < 600 || a > 700 {
		t.Errorf("boundary area %.0f km², want about 651", a)
	}
	if !b.Contains(orb.Point{116.82, 35.55}) {
		t.Error("the city centre is outside the boundary")
	}
	if d := testDistrict(t); !reflect.DeepEqual(d.County.Geometry, b) {
		t.Error("the district's county outline is not the real boundary")
	}
}

func TestSummaryCounts(t *testing.T) {
	d := testDistrict(t)
	s := d.Summary()
	buildings := len(d.Buildings)
	tests := []struct {
		key  string
		want int
	}{
		{"towns", 10},
		{"streets", 4},
		{"villages", 347},
		{"grids_" + gridline.LayerParty, 344},
		{"grids_" + gridline.LayerComprehensive, 299},
		{"points", 1961},
		{"units_department", 20},
		{"units_property", 30},
		{"units_other", 3},
		{"compounds", 250},
		{"people_" + string(gridline.TeamCadre), 1965},
		{"people_" + string(gridline.TeamStreetStaff), 3960},
		{"people_" + string(gridline.TeamWelfarePost), 3655},
		{"people_" + string(gridline.TeamSpecialGridWorker), 60},
		{"people_" + string(gridline.TeamPropertyStaff), 115},
		{"people_" + string(gridline.TeamGridWorker), 219 + 596},
		{"people_" + string(gridline.TeamVolunteer), 688},
		{"urban_grid_workers", 334},
		{"urban_property_staff", 115},
		{"role_" + RoleGridLeader, 48},
		{"party_orgs_level_1", 4},
		{"party_orgs_level_2", 48},
		{"party_orgs_level_3", 344},
		{"party_orgs_level_4", 250},
		{"party_orgs_level_5", buildings},
		{"party_orgs_level_6", buildings},
	}
	for _, tt := range tests {
		if got := s[tt.key]; got != tt.want {
			t.Errorf("Summary()[%q] = %d, want %d", tt.key, got, tt.want)
		}
	}
	share := math.Round(float64(s["urban_property_staff"])/float64(s["urban_grid_workers"])*10000) / 100
	if share != 34.43 {
		t.Errorf("property staff share = %.2f %%, want 34.43 %%", share)
	}
	all := s["people_"+string(gridline.TeamGridWorker)] + s["people_"+string(gridline.TeamPropertyStaff)]
	if all != 930 {
		t.Errorf("grid workers incl. property staff = %d, want 930", all)
	}
	if buildings < 4*250 || buildings > 16*250 {
		t.Errorf("%d buildings for 250 compounds", buildings)
	}
}

func TestStreetCommunities(t *testing.T) {
	d := testDistrict(t)
	tests := []struct {
		town, name string
		committees int
	}{
		{"370812001", "鼓楼街道", 23},
		{"370812003", "龙桥街道", 14},
		{"370812006", "酒仙桥街道", 11},
		{"370812007", "兴隆庄街道", 0},
	}
	for _, tt := range tests {
		ti := -1
		for i, tw := range d.Towns {
			if tw.Code == tt.town {
				ti = i
			}
		}
		if ti < 0 || d.Towns[ti].Name != tt.name {
			t.Errorf("town %s missing or misnamed", tt.town)
			continue
		}
		n, grids := 0, 0
		for vi, v := range d.Villages {
			if v.Parent == ti && gridline.IsResidentsCommittee(v.Code) {
				n++
				for _, g := range d.Grids {
					if g.Village == vi && g.Layer == gridline.LayerParty {
						grids++
					}
				}
			}
		}
		if n != tt.committees {
			t.Errorf("%s has %d residents' committees, want %d", tt.name, n, tt.committees)
		}
		if grids < minGridsPerCommy*n {
			t.Errorf("%s has %d party grids for %d committees", tt.name, grids, n)
		}
	}
}

func TestPolygonsValidate(t *testing.T) {
	d := testDistrict(t)
	check := func(what string, p gridline.Polygon) {
		t.Helper()
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", what, err)
		}
		if len(p) != 1 {
			t.Errorf("%s has %d rings, want 1", what, len(p))
		}
	}
	check("county", d.County.Geometry)
	for _, a := range d.Towns {
		check(a.Name, a.Geometry)
	}
	for _, a := range d.Villages {
		check(a.Name, a.Geometry)
	}
	for _, g := range d.Grids {
		if err := g.Validate(); err != nil {
			t.Errorf("grid %s: %v", g.Code, err)
		}
	}
	for _, c := range d.Compounds {
		check(c.Name, c.Geometry)
	}
	for _, b := range d.Buildings {
		check(d.Compounds[b.Compound].Name+b.Name, b.Footprint)
	}
}

// noOverlaps checks every pair of polys whose bounding boxes meet.
func noOverlaps(t *testing.T, what string, names []string, polys []gridline.Polygon, tolM float64) {
	t.Helper()
	bounds := make([]orb.Bound, len(polys))
	for i, p := range polys {
		bounds[i] = p.Bound()
	}
	for i := range polys {
		for j := i + 1; j < len(polys); j++ {
			if !bounds[i].Intersects(bounds[j]) {
				continue
			}
			if pt, ok := gridline.Overlaps(polys[i], polys[j], tolM); ok {
				t.Errorf("%s: %s overlaps %s at %v", what, names[i], names[j], pt)
			}
		}
	}
}

func TestNoOverlaps(t *testing.T) {
	d := testDistrict(t)
	var names []string
	var polys []gridline.Polygon
	for _, a := range d.Towns {
		names, polys = append(names, a.Name), append(polys, a.Geometry)
	}
	noOverlaps(t, "towns", names, polys, gridline.OverlapToleranceM)

	for ti, tw := range d.Towns {
		names, polys = nil, nil
		for _, v := range d.Villages {
			if v.Parent == ti {
				names, polys = append(names, v.Name), append(polys, v.Geometry)
			}
		}
		noOverlaps(t, "villages of "+tw.Name, names, polys, gridline.OverlapToleranceM)
	}
	for _, layer := range []string{gridline.LayerParty, gridline.LayerComprehensive} {
		names, polys = nil, nil
		for _, g := range d.Grids {
			if g.Layer == layer {
				names, polys = append(names, g.Code), append(polys, g.Geometry)
			}
		}
		noOverlaps(t, "layer "+layer, names, polys, gridline.OverlapToleranceM)
	}
	names, polys = nil, nil
	for _, c := range d.Compounds {
		names, polys = append(names, c.Name), append(polys, c.Geometry)
	}
	noOverlaps(t, "compounds", names, polys, 0)
	for ci, c := range d.Compounds {
		names, polys = nil, nil
		for _, b := range d.Buildings {
			if b.Compound == ci {
				names, polys = append(names, b.Name), append(polys, b.Footprint)
			}
		}
		noOverlaps(t, "buildings of "+c.Name, names, polys, 0)
	}
}

// planarArea is the shoelace area in square degrees about a fixed origin
// (which keeps the rounding small): children that tile a parent add up to
// it up to rounding.
func planarArea(p gridline.Polygon) float64 {
	r := p[0]
	a := 0.0
	for i := 1; i < len(r); i++ {
		x0, y0 := r[i-1][0]-cityCentre[0], r[i-1][1]-cityCentre[1]
		x1, y1 := r[i][0]-cityCentre[0], r[i][1]-cityCentre[1]
		a += x0*y1 - x1*y0
	}
	return math.Abs(a) / 2
}

func TestPartitionsCover(t *testing.T) {
	d := testDistrict(t)
	sumTowns := 0.0
	for _, tw := range d.Towns {
		sumTowns += planarArea(tw.Geometry)
	}
	if a := planarArea(d.County.Geometry); math.Abs(sumTowns-a) > 1e-9*a {
		t.Errorf("towns cover %.12g of the county's %.12g", sumTowns, a)
	}
	for ti, tw := range d.Towns {
		sum := 0.0
		for _, v := range d.Villages {
			if v.Parent == ti {
				sum += planarArea(v.Geometry)
			}
		}
		if a := planarArea(tw.Geometry); math.Abs(sum-a) > 1e-9*a {
			t.Errorf("villages cover %.12g of %s's %.12g", sum, tw.Name, a)
		}
	}
	party := map[int]float64{}
	for _, g := range d.Grids {
		if g.Layer == gridline.LayerParty {
			party[g.Village] += planarArea(g.Geometry)
		}
	}
	for vi, sum := range party {
		if a := planarArea(d.Villages[vi].Geometry); math.Abs(sum-a) > 1e-9*a {
			t.Errorf("party grids cover %.12g of %s's %.12g", sum, d.Villages[vi].Name, a)
		}
	}
}

// distM returns the distance in metres from pt to p's outer ring.
func distM(p gridline.Polygon, pt orb.Point) float64 {
	proj := newProjection(orb.Bound{Min: pt, Max: pt})
	r := p[0]
	best := math.Inf(1)
	for i := 1; i < len(r); i++ {
		best = math.Min(best, segDist(proj.toPlane(pt), proj.toPlane(r[i-1]), proj.toPlane(r[i])))
	}
	return best
}

// within reports whether every vertex of inner lies in outer or within
// tolM metres of its border.
func within(inner, outer gridline.Polygon, tolM float64) (orb.Point, bool) {
	for _, pt := range inner[0] {
		if !outer.Contains(pt) && distM(outer, pt) > tolM {
			return pt, false
		}
	}
	return orb.Point{}, true
}

func TestNesting(t *testing.T) {
	d := testDistrict(t)
	const tolM = 1.0
	for _, tw := range d.Towns {
		if pt, ok := within(tw.Geometry, d.County.Geometry, tolM); !ok {
			t.Errorf("%s reaches out of the county at %v", tw.Name, pt)
		}
	}
	for _, v := range d.Villages {
		if pt, ok := within(v.Geometry, d.Towns[v.Parent].Geometry, tolM); !ok {
			t.Errorf("%s reaches out of %s at %v", v.Name, d.Towns[v.Parent].Name, pt)
		}
	}
	for _, g := range d.Grids {
		v := d.Villages[g.Village]
		if g.CommunityCode != v.Code {
			t.Errorf("grid %s: community %s, village %s", g.Code, g.CommunityCode, v.Code)
		}
		if pt, ok := within(g.Geometry, v.Geometry, tolM); !ok {
			t.Errorf("grid %s reaches out of %s at %v", g.Code, v.Name, pt)
		}
		if g.Layer == gridline.LayerComprehensive && !reflect.DeepEqual(g.Geometry, v.Geometry) {
			t.Errorf("comprehensive grid %s differs from its village %s", g.Code, v.Name)
		}
	}
	// Strictly inside: no vertex on or near the container's border.
	strictly := func(what string, inner, outer gridline.Polygon) {
		t.Helper()
		for _, pt := range inner[0] {
			if !outer.Contains(pt) || distM(outer, pt) < 1 {
				t.Errorf("%s: vertex %v is not strictly inside", what, pt)
				return
			}
		}
	}
	for _, c := range d.Compounds {
		strictly(c.Name, c.Geometry, d.Grids[c.Grid].Geometry)
		if c.GridCode != d.Grids[c.Grid].Code {
			t.Errorf("compound %s: grid %s, want %s", c.Name, c.GridCode, d.Grids[c.Grid].Code)
		}
	}
	for _, b := range d.Buildings {
		c := d.Compounds[b.Compound]
		strictly(c.Name+b.Name, b.Footprint, c.Geometry)
		if b.RegionPath != c.RegionPath {
			t.Errorf("%s%s: region path %+v, compound's %+v", c.Name, b.Name, b.RegionPath, c.RegionPath)
		}
	}
	for _, p := range d.Points {
		g := d.Grids[p.Grid]
		pt := orb.Point{p.Lon, p.Lat}
		if !g.Geometry.Contains(pt) || distM(g.Geometry, pt) < 1 {
			t.Errorf("point %s is not strictly inside grid %s", p.Name, g.Code)
		}
		if p.RegionPath != g.Grid.Path() {
			t.Errorf("point %s: region path %+v", p.Name, p.RegionPath)
		}
	}
}

// TestLocate checks the generated district against the locator the server
// uses: every point and compound is found in its own party grid.
func TestLocate(t *testing.T) {
	d := testDistrict(t)
	grids := make([]*gridline.Grid, len(d.Grids))
	for i := range d.Grids {
		grids[i] = &d.Grids[i].Grid
	}
	names := map[string]string{}
	for _, r := range d.Regions {
		names[r.Code] = r.Name
	}
	loc := locate.NewIndex(grids, nil, names)
	for _, p := range d.Points {
		l, err := loc.Locate(p.Lon, p.Lat, gridline.LayerParty)
		if err != nil || l.Grid.Code != p.GridCode {
			t.Errorf("point %s in grid %s located in %q (%v)", p.Name, p.GridCode, l.Grid.Code, err)
		}
	}
	for _, v := range d.Villages {
		if gridline.IsStreet(d.Towns[v.Parent].Code) && gridline.IsResidentsCommittee(v.Code) {
			continue
		}
		c := v.Geometry.Centroid()
		if !v.Geometry.Contains(c) {
			continue
		}
		l, err := loc.Locate(c[0], c[1], gridline.LayerComprehensive)
		if err != nil || l.Community.Code != v.Code {
			t.Errorf("centroid of %s located in %q (%v)", v.Name, l.Community.Code, err)
		}
	}
}

func TestGridCodesAndNames(t *testing.T) {
	d := testDistrict(t)
	seen := map[string]bool{}
	perCommunity := map[string]int{}
	for _, g := range d.Grids {
		if len(g.Code) != gridline.GridCodeLen || !allDigits(g.Code) {
			t.Errorf("grid code %q is not 15 digits", g.Code)
		}
		if !strings.HasPrefix(g.Code, g.CommunityCode) {
			t.Errorf("grid code %s does not start with %s", g.Code, g.CommunityCode)
		}
		if seen[g.Code] {
			t.Errorf("duplicate grid code %s", g.Code)
		}
		seen[g.Code] = true
		perCommunity[g.CommunityCode]++
		// Sequences run from 1 without gaps, in slice order.
		if want := fmt.Sprintf("%03d", perCommunity[g.CommunityCode]); g.Code[12:] != want {
			t.Errorf("grid %s: sequence %s, want %s", g.Code, g.Code[12:], want)
		}
		v := d.Villages[g.Village]
		var want string
		if g.Layer == gridline.LayerParty {
			want = fmt.Sprintf("%s社区第%d网格", shortName(v.Name), perCommunity[g.CommunityCode])
		} else {
			want = villageLabel(v.Code, v.Name) + "网格"
		}
		if g.Name != want {
			t.Errorf("grid %s is named %q, want %q", g.Code, g.Name, want)
		}
		if g.TownCode != g.CommunityCode[:9] || g.CountyCode != CountyCode || g.AreaM2 <= 0 {
			t.Errorf("grid %s is not normalised: %+v", g.Code, g.Grid)
		}
	}
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func TestShortNames(t *testing.T) {
	tests := []struct {
		code, name, short, label string
	}{
		{"370812001004", "少陵社区居委会", "少陵", "少陵社区"},
		{"370812001007", "校场小区社区居委会", "校场小区", "校场小区社区"},
		{"370812001025", "刘岗社区", "刘岗", "刘岗社区"},
		{"370812007201", "冠庄铺村村委会", "冠庄铺村", "冠庄铺村"},
		{"370812003201", "西关村委会", "西关", "西关村"},
		{"370812101285", "山拖农场村村民委员会", "山拖农场村", "山拖农场村"},
		{"370812105401", "煤机厂类似居委会", "煤机厂", "煤机厂社区"},
	}
	for _, tt := range tests {
		if got := shortName(tt.name); got != tt.short {
			t.Errorf("shortName(%q) = %q, want %q", tt.name, got, tt.short)
		}
		if got := villageLabel(tt.code, tt.name); got != tt.label {
			t.Errorf("villageLabel(%q) = %q, want %q", tt.name, got, tt.label)
		}
	}
}

func TestUnits(t *testing.T) {
	d := testDistrict(t)
	names := map[string]bool{}
	led := 0
	for _, u := range d.Units {
		if err := u.Validate(); err != nil {
			t.Errorf("unit %s: %v", u.Name, err)
		}
		if names[u.Name] {
			t.Errorf("duplicate unit %s", u.Name)
		}
		names[u.Name] = true
		if u.Kind == gridline.UnitProperty && u.PartyLed {
			led++
		}
	}
	if led != 10 {
		t.Errorf("%d party-led property companies, want 10", led)
	}
	managed := map[int]int{}
	for _, c := range d.Compounds {
		if d.Units[c.Unit].Kind != gridline.UnitProperty {
			t.Errorf("compound %s is managed by %s", c.Name, d.Units[c.Unit].Name)
		}
		managed[c.Unit]++
	}
	for _, i := range d.unitsOf(gridline.UnitProperty) {
		if managed[i] == 0 {
			t.Errorf("%s manages no compound", d.Units[i].Name)
		}
	}
}

func TestPlaces(t *testing.T) {
	d := testDistrict(t)
	compoundNames := map[string]bool{}
	for ci, c := range d.Compounds {
		if compoundNames[c.Name] {
			t.Errorf("duplicate compound name %s", c.Name)
		}
		compoundNames[c.Name] = true
		if d.Grids[c.Grid].Layer != gridline.LayerParty {
			t.Errorf("compound %s is not in a party grid", c.Name)
		}
		if c.BuiltYear < 1980 || c.BuiltYear > 2025 {
			t.Errorf("compound %s built in %d", c.Name, c.BuiltYear)
		}
		n, households := 0, 0
		for _, b := range d.Buildings {
			if b.Compound != ci {
				continue
			}
			n++
			if b.Number != n || b.Name != fmt.Sprintf("%d号楼", n) {
				t.Errorf("%s: building %d is %q number %d", c.Name, n, b.Name, b.Number)
			}
			if b.HeightM != float64(b.Floors)*3 {
				t.Errorf("%s%s: %d floors, %.0f m", c.Name, b.Name, b.Floors, b.HeightM)
			}
			if c.BuiltYear < 2005 && b.Floors != 6 {
				t.Errorf("%s%s from %d has %d floors", c.Name, b.Name, c.BuiltYear, b.Floors)
			}
			if len(b.Entrances) < 2 || len(b.Entrances) > 4 {
				t.Errorf("%s%s has %d entrances", c.Name, b.Name, len(b.Entrances))
			}
			for j, e := range b.Entrances {
				if e.Number != j+1 || e.Floors != b.Floors || e.Households <= 0 {
					t.Errorf("%s%s entrance %d: %+v", c.Name, b.Name, j+1, *e)
				}
				households += e.Households
			}
		}
		if n < 4 || n > 16 {
			t.Errorf("compound %s has %d buildings", c.Name, n)
		}
		if households != c.Households {
			t.Errorf("compound %s: %d households, buildings have %d", c.Name, c.Households, households)
		}
	}
	perGrid := map[int]int{}
	kinds := map[string]bool{}
	for _, k := range pointKinds {
		kinds[k.kind] = true
	}
	for _, p := range d.Points {
		perGrid[p.Grid]++
		if p.Name == "" || !kinds[p.Kind] {
			t.Errorf("point %q has kind %q", p.Name, p.Kind)
		}
	}
	for _, gi := range d.partyGridIndexes() {
		if n := perGrid[gi]; n < 5 || n > 6 {
			t.Errorf("grid %s has %d points", d.Grids[gi].Code, n)
		}
	}
}

func TestPeople(t *testing.T) {
	d := testDistrict(t)
	phones := map[string]bool{}
	for i, p := range d.People {
		if err := p.Validate(); err != nil {
			t.Errorf("person %d: %v", i, err)
		}
		if len(p.Phone) != 11 || !allDigits(p.Phone) || !strings.Contains("13 15 18", p.Phone[:2]) {
			t.Errorf("person %d: phone %q", i, p.Phone)
		}
		if phones[p.Phone] {
			t.Errorf("duplicate phone %s", p.Phone)
		}
		phones[p.Phone] = true
		if n := len([]rune(p.Name)); n < 2 || n > 3 {
			t.Errorf("person %d: name %q", i, p.Name)
		}
		if l, ok := gridline.LevelOfCode(p.RegionCode); !ok || (l != gridline.LevelTown && l != gridline.LevelVillage) {
			t.Errorf("person %d: region %q is not a town or community", i, p.RegionCode)
		}
		wantUnit := map[gridline.Team]gridline.UnitKind{
			gridline.TeamCadre:             gridline.UnitDepartment,
			gridline.TeamPropertyStaff:     gridline.UnitProperty,
			gridline.TeamSpecialGridWorker: gridline.UnitOther,
		}
		if kind, ok := wantUnit[p.Team]; ok != (p.Unit >= 0) || (ok && d.Units[p.Unit].Kind != kind) {
			t.Errorf("person %d (%s) works for unit %d", i, p.Team, p.Unit)
		}
		if p.Team == gridline.TeamStreetStaff && !gridline.IsStreet(p.RegionCode) {
			t.Errorf("street staff %d works in %s", i, p.RegionCode)
		}
	}

	// Grid coverage: every party grid has exactly one grid worker or
	// property staff, every comprehensive grid at least one grid worker.
	cover := map[int]int{}
	gridsOf := map[int]int{}
	volunteers := map[int]int{}
	for _, a := range d.Assignments {
		p := d.People[a.Person]
		switch a.Target {
		case gridline.TargetGrid:
			g := d.Grids[a.Index]
			if a.Path != g.Grid.Path() {
				t.Errorf("assignment to grid %s has path %+v", g.Code, a.Path)
			}
			if p.RegionCode != g.CommunityCode {
				t.Errorf("%s %s works in %s but is assigned to grid %s", p.Team, p.Name, p.RegionCode, g.Code)
			}
			switch p.Team {
			case gridline.TeamGridWorker, gridline.TeamPropertyStaff:
				cover[a.Index]++
				gridsOf[a.Person]++
			case gridline.TeamVolunteer:
				volunteers[a.Index]++
			}
			if p.Team == gridline.TeamPropertyStaff {
				ok := false
				for _, c := range d.Compounds {
					ok = ok || (c.Grid == a.Index && c.Unit == p.Unit)
				}
				if !ok {
					t.Errorf("property staff %s looks after grid %s without a compound of their company", p.Name, g.Code)
				}
			}
		case gridline.TargetPoint:
			pt := d.Points[a.Index]
			if pt.Cadre != a.Person || p.Team != gridline.TeamCadre {
				t.Errorf("point %s assigned to %s (%s), cadre %d", pt.Name, p.Name, p.Team, pt.Cadre)
			}
		default:
			t.Errorf("unexpected assignment target %s", a.Target)
		}
	}
	for gi, g := range d.Grids {
		switch {
		case g.Layer == gridline.LayerParty && cover[gi] != 1:
			t.Errorf("party grid %s has %d grid workers", g.Code, cover[gi])
		case g.Layer == gridline.LayerComprehensive && cover[gi] < 1:
			t.Errorf("comprehensive grid %s has no grid worker", g.Code)
		case g.Layer == gridline.LayerParty && volunteers[gi] != 2:
			t.Errorf("party grid %s has %d volunteers", g.Code, volunteers[gi])
		}
	}
	two := 0
	for _, n := range gridsOf {
		if n == 2 {
			two++
		} else if n != 1 {
			t.Errorf("a grid worker covers %d grids", n)
		}
	}
	if two != 10 {
		t.Errorf("%d grid workers cover two grids, want 10", two)
	}
	leaders := map[string]int{}
	for _, p := range d.People {
		if p.Role == RoleGridLeader {
			if p.Team != gridline.TeamGridWorker {
				t.Errorf("grid leader %s is in team %s", p.Name, p.Team)
			}
			leaders[p.RegionCode]++
		}
	}
	for _, v := range d.Villages {
		urban := gridline.IsStreet(d.Towns[v.Parent].Code) && gridline.IsResidentsCommittee(v.Code)
		if urban && leaders[v.Code] != 1 {
			t.Errorf("%s has %d grid leaders", v.Name, leaders[v.Code])
		}
	}
	for i, p := range d.Points {
		if p.Cadre < 0 || d.People[p.Cadre].Team != gridline.TeamCadre || d.People[p.Cadre].RegionCode != p.CommunityCode {
			t.Errorf("point %d (%s) has cadre %d", i, p.Name, p.Cadre)
		}
	}
}

func TestPartyOrgs(t *testing.T) {
	d := testDistrict(t)
	gridCodes := map[string]bool{}
	for _, g := range d.Grids {
		if g.Layer == gridline.LayerParty {
			gridCodes[g.Code] = true
		}
	}
	suffix := map[gridline.PartyOrgLevel]string{1: "街道党工委", 2: "社区党委", 3: "网格党支部", 4: "党支部", 5: "号楼党小组", 6: "号楼红色楼栋长"}
	var id int64 = 1
	for i, o := range d.PartyOrgs {
		// Validate wants the IDs Load would set.
		v := o.PartyOrg
		if o.Parent >= 0 {
			v.ParentID = &id
		}
		if o.Compound >= 0 {
			v.CompoundID = &id
		}
		if o.Building >= 0 {
			v.BuildingID = &id
		}
		if err := v.Validate(); err != nil {
			t.Errorf("party org %d %s: %v", i, o.Name, err)
		}
		if !strings.HasSuffix(o.Name, suffix[o.Level]) {
			t.Errorf("party org %s (level %d) is misnamed", o.Name, o.Level)
		}
		if o.Level == 1 {
			if o.Parent != -1 {
				t.Errorf("%s has a parent", o.Name)
			}
			continue
		}
		if o.Parent < 0 || o.Parent >= i || d.PartyOrgs[o.Parent].Level != o.Level-1 {
			t.Errorf("%s (level %d) has parent %d", o.Name, o.Level, o.Parent)
		}
		switch o.Level {
		case 3:
			if !gridCodes[o.GridCode] {
				t.Errorf("%s leads unknown grid %s", o.Name, o.GridCode)
			}
		case 4:
			c := d.Compounds[o.Compound]
			if d.PartyOrgs[o.Parent].GridCode != c.GridCode {
				t.Errorf("%s is under the wrong grid", o.Name)
			}
		case 5, 6:
			b := d.Buildings[o.Building]
			p := d.PartyOrgs[o.Parent]
			if o.Level == 5 && p.Compound != b.Compound || o.Level == 6 && p.Building != o.Building {
				t.Errorf("%s is under %s", o.Name, p.Name)
			}
		}
		if o.Leader >= 0 && o.Level == 6 && d.People[o.Leader].Team != gridline.TeamVolunteer {
			t.Errorf("%s is led by a %s", o.Name, d.People[o.Leader].Team)
		}
	}
}

func TestDeterministic(t *testing.T) {
	d := testDistrict(t)
	again, err := Generate(testSeed)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d, again) {
		diff := cmp.Diff(d, again)
		if len(diff) > 2000 {
			diff = diff[:2000]
		}
		t.Fatalf("Generate(%d) differs between calls:\n%s", testSeed, diff)
	}
	other, err := Generate(testSeed + 1)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(d.Towns, other.Towns) || reflect.DeepEqual(d.People, other.People) {
		t.Error("a different seed gives the same district")
	}
}

// TestOtherSeeds checks that the geometry holds for seeds other than the
// one the rest of the tests use.
func TestOtherSeeds(t *testing.T) {
	seeds := []uint64{0, 1, 2, 3, 7, 1234567}
	if testing.Short() {
		seeds = seeds[:2]
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			d, err := Generate(seed)
			if err != nil {
				t.Fatal(err)
			}
			s := d.Summary()
			if s["grids_party"] != 344 || s["grids_comprehensive"] != 299 || s["points"] != 1961 || s["urban_grid_workers"] != 334 {
				t.Errorf("summary %v", s)
			}
			var names []string
			var polys []gridline.Polygon
			for _, g := range d.Grids {
				if g.Layer == gridline.LayerParty {
					names, polys = append(names, g.Code), append(polys, g.Geometry)
				}
			}
			noOverlaps(t, "party grids", names, polys, gridline.OverlapToleranceM)
		})
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(testSeed); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCentroids checks that a compound's or building's Lon/Lat is the
// centroid of its outline, by which the store locates it, and that the
// centroid lies inside the outline.
func TestCentroids(t *testing.T) {
	d := testDistrict(t)
	check := func(what string, p gridline.Polygon, lon, lat float64) {
		t.Helper()
		c := p.Centroid()
		if !p.Contains(c) {
			t.Errorf("%s: centroid %v lies outside", what, c)
		}
		if lon != c[0] || lat != c[1] {
			t.Errorf("%s: lon/lat %v, %v, centroid %v", what, lon, lat, c)
		}
	}
	for _, c := range d.Compounds {
		check(c.Name, c.Geometry, c.Lon, c.Lat)
	}
	for _, b := range d.Buildings {
		check(d.Compounds[b.Compound].Name+b.Name, b.Footprint, b.Lon, b.Lat)
	}
}
