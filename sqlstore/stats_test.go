package sqlstore_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
)

// statsFixture adds people, places, units and party organisations to the
// grid fixture:
//
//	鼓楼街道 (street): 3 grid workers and 2 property staff on g1 (one of
//	  them on g1p too), a special grid worker on g1, a volunteer without
//	  assignment, 2 district cadres on a point in g1;
//	龙桥街道 (street): a grid worker and a property staff member on g2, a
//	  street staff member assigned to the street office, a grid worker on
//	  g4 in 韩楼村 (a villagers' committee);
//	大安镇 (town): 2 grid workers and a property staff member on g3;
//	nowhere: a welfare post without region or assignment.
func statsFixture(t *testing.T) *fixture {
	f := newFixture(t)
	cadre := func() *gridline.Person { return f.mustPerson(t, "干部", gridline.TeamCadre, "370812") }
	c1, c2 := cadre(), cadre()
	point := &gridline.Point{Name: "点位", Lon: 116.805, Lat: 35.555, CadreID: &c1.ID}
	if err := f.s.Points.CreatePoint(ctx, point); err != nil {
		t.Fatal(err)
	}
	f.mustAssign(t, c1, gridline.TargetPoint, point.ID, "")
	f.mustAssign(t, c2, gridline.TargetPoint, point.ID, "")
	on := func(name string, team gridline.Team, region string, g *gridline.Grid) *gridline.Person {
		p := f.mustPerson(t, name, team, region)
		f.mustAssign(t, p, gridline.TargetGrid, g.ID, "")
		return p
	}
	for i := 0; i < 3; i++ {
		on("鼓楼网格员", gridline.TeamGridWorker, "370812001002", f.g1)
	}
	ps1 := on("鼓楼物业", gridline.TeamPropertyStaff, "370812001002", f.g1)
	f.mustAssign(t, ps1, gridline.TargetGrid, f.g1p.ID, "")
	on("鼓楼物业", gridline.TeamPropertyStaff, "370812001002", f.g1)
	on("快递员", gridline.TeamSpecialGridWorker, "370812001", f.g1)
	f.mustPerson(t, "志愿者", gridline.TeamVolunteer, "370812001002")

	on("龙桥网格员", gridline.TeamGridWorker, "370812003001", f.g2)
	// 韩楼村 is a villagers' committee in a street: not urban.
	g4 := &gridline.Grid{Name: "韩楼村网格", Layer: gridline.LayerComprehensive, CommunityCode: "370812003204", Geometry: square(116.84, 35.55, 0.01)}
	if err := f.s.Grids.CreateGrid(ctx, g4); err != nil {
		t.Fatal(err)
	}
	on("韩楼网格员", gridline.TeamGridWorker, "370812003204", g4)
	on("龙桥物业", gridline.TeamPropertyStaff, "370812003001", f.g2)
	office := f.mustUnit(t, gridline.UnitDepartment, "龙桥街道办", "370812003")
	ss := f.mustPerson(t, "配套人员", gridline.TeamStreetStaff, "370812003")
	f.mustAssign(t, ss, gridline.TargetUnit, office.ID, "")

	on("大安网格员", gridline.TeamGridWorker, "370812101201", f.g3)
	on("大安网格员", gridline.TeamGridWorker, "370812101201", f.g3)
	on("大安物业", gridline.TeamPropertyStaff, "370812101201", f.g3)
	f.mustPerson(t, "公益岗", gridline.TeamWelfarePost, "")

	f.mustUnit(t, gridline.UnitDepartment, "区城管局", "370812")
	prop := f.mustUnit(t, gridline.UnitProperty, "鼓楼物业公司", "370812001")
	f.mustUnit(t, gridline.UnitProperty, "大安物业公司", "370812101")

	c := &gridline.Compound{Name: "韦园花园", PropertyUnitID: &prop.ID, Geometry: square(116.802, 35.552, 0.004)}
	if err := f.s.Compounds.CreateCompound(ctx, c); err != nil {
		t.Fatal(err)
	}
	f.mustBuilding(t, &gridline.Building{CompoundID: &c.ID, Name: "1号楼", Floors: 6, Footprint: square(116.803, 35.553, 0.0004),
		Entrances: []*gridline.Entrance{{Number: 1}, {Number: 2}}})

	l1 := &gridline.PartyOrg{Name: "鼓楼街道党工委", Level: 1, RegionCode: "370812001"}
	if err := f.s.PartyOrgs.CreatePartyOrg(ctx, l1); err != nil {
		t.Fatal(err)
	}
	l2 := &gridline.PartyOrg{Name: "韦园社区党委", Level: 2, ParentID: &l1.ID, RegionCode: "370812001002"}
	if err := f.s.PartyOrgs.CreatePartyOrg(ctx, l2); err != nil {
		t.Fatal(err)
	}
	if err := f.s.PartyOrgs.CreatePartyOrg(ctx, &gridline.PartyOrg{Name: "网格党支部", Level: 3, ParentID: &l2.ID, GridCode: f.g1p.Code}); err != nil {
		t.Fatal(err)
	}
	return f
}

func teams(gw, cadre, street, prop, vol, welfare, special int) map[gridline.Team]int {
	return map[gridline.Team]int{
		gridline.TeamGridWorker: gw, gridline.TeamCadre: cadre, gridline.TeamStreetStaff: street,
		gridline.TeamPropertyStaff: prop, gridline.TeamVolunteer: vol, gridline.TeamWelfarePost: welfare,
		gridline.TeamSpecialGridWorker: special,
	}
}

// yanzhouCounts counts the shipped extract's villages and residents'
// committees in Go, to check the SQL that tells them apart by code.
func yanzhouCounts(t *testing.T, prefix string) (villages, communities int) {
	rows, err := demo.Regions()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Level == gridline.LevelVillage && len(r.Code) >= len(prefix) && r.Code[:len(prefix)] == prefix {
			villages++
			if gridline.IsResidentsCommittee(r.Code) {
				communities++
			}
		}
	}
	return villages, communities
}

func TestOverview(t *testing.T) {
	f := statsFixture(t)
	villages, communities := yanzhouCounts(t, "370812")
	if villages != 347 || communities == 0 || communities == villages {
		t.Fatalf("extract has %d villages, %d communities", villages, communities)
	}
	townVillages, townCommunities := yanzhouCounts(t, "370812001")
	daVillages, daCommunities := yanzhouCounts(t, "370812101")
	tests := []struct {
		region string
		want   gridline.Overview
	}{
		{"", gridline.Overview{Towns: 10, Streets: 4, Villages: villages, Communities: communities,
			Grids: map[string]int{"comprehensive": 4, "party": 1}, GridsTotal: 5, Points: 1,
			People: teams(7, 2, 1, 4, 1, 1, 1), PeopleTotal: 17, Departments: 2, Property: 2,
			Compounds: 1, Buildings: 1, Addresses: 2, PartyOrgs: map[int]int{1: 1, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0}}},
		// The welfare post has neither region nor assignment.
		{"370812", gridline.Overview{Towns: 10, Streets: 4, Villages: villages, Communities: communities,
			Grids: map[string]int{"comprehensive": 4, "party": 1}, GridsTotal: 5, Points: 1,
			People: teams(7, 2, 1, 4, 1, 0, 1), PeopleTotal: 16, Departments: 2, Property: 2,
			Compounds: 1, Buildings: 1, Addresses: 2, PartyOrgs: map[int]int{1: 1, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0}}},
		// The district cadres count through their point; the district
		// department serves the street, the town's property company not.
		{"370812001", gridline.Overview{Towns: 1, Streets: 1, Villages: townVillages, Communities: townCommunities,
			Grids: map[string]int{"comprehensive": 1, "party": 1}, GridsTotal: 2, Points: 1,
			People: teams(3, 2, 0, 2, 1, 0, 1), PeopleTotal: 9, Departments: 1, Property: 1,
			Compounds: 1, Buildings: 1, Addresses: 2, PartyOrgs: map[int]int{1: 1, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0}}},
		{"370812101", gridline.Overview{Towns: 1, Streets: 0, Villages: daVillages, Communities: daCommunities,
			Grids: map[string]int{"comprehensive": 1, "party": 0}, GridsTotal: 1,
			People: teams(2, 0, 0, 1, 0, 0, 0), PeopleTotal: 3, Departments: 1, Property: 1,
			PartyOrgs: map[int]int{1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0}}},
	}
	for _, tt := range tests {
		t.Run("region="+tt.region, func(t *testing.T) {
			got, err := f.s.Stats.Overview(ctx, tt.region)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.RegionCode = tt.region
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Fatalf("overview (-want +got):\n%s", diff)
			}
		})
	}
	_, err := f.s.Stats.Overview(ctx, "37'")
	wantField(t, err, "region")
}

func TestWorkforce(t *testing.T) {
	f := statsFixture(t)
	ws, err := f.s.Stats.Workforce(ctx, "370812")
	if err != nil {
		t.Fatal(err)
	}
	if ws.Total != 16 || !cmp.Equal(ws.ByTeam, teams(7, 2, 1, 4, 1, 0, 1)) {
		t.Fatalf("by team = %v, total %d", ws.ByTeam, ws.Total)
	}
	// 4 urban grid workers and 3 urban property staff: the special grid
	// worker is not counted, nor is anyone in 大安镇 or 韩楼村.
	if ws.UrbanGridWorkers != 7 || ws.UrbanPropertyStaff != 3 || ws.PropertyShare != 42.86 {
		t.Fatalf("urban = %d/%d = %v%%", ws.UrbanPropertyStaff, ws.UrbanGridWorkers, ws.PropertyShare)
	}
	if len(ws.ByTown) != 10 {
		t.Fatalf("%d towns", len(ws.ByTown))
	}
	want := map[string]gridline.TownWorkforce{
		"370812001": {Town: gridline.Named{Code: "370812001", Name: "鼓楼街道"}, Street: true, People: teams(3, 2, 0, 2, 1, 0, 1), Total: 9},
		"370812003": {Town: gridline.Named{Code: "370812003", Name: "龙桥街道"}, Street: true, People: teams(2, 0, 1, 1, 0, 0, 0), Total: 4},
		"370812101": {Town: gridline.Named{Code: "370812101", Name: "大安镇"}, Street: false, People: teams(2, 0, 0, 1, 0, 0, 0), Total: 3},
		"370812102": {Town: gridline.Named{Code: "370812102", Name: "新驿镇"}, Street: false, People: teams(0, 0, 0, 0, 0, 0, 0)},
	}
	sum := 0
	for _, tw := range ws.ByTown {
		sum += tw.Total
		if w, ok := want[tw.Town.Code]; ok {
			if diff := cmp.Diff(w, tw); diff != "" {
				t.Errorf("town %s (-want +got):\n%s", tw.Town.Code, diff)
			}
		}
	}
	if sum != ws.Total {
		t.Fatalf("towns sum to %d, total %d", sum, ws.Total)
	}

	ws, err = f.s.Stats.Workforce(ctx, "370812001")
	if err != nil {
		t.Fatal(err)
	}
	if ws.Total != 9 || len(ws.ByTown) != 1 || ws.UrbanGridWorkers != 5 || ws.UrbanPropertyStaff != 2 || ws.PropertyShare != 40 {
		t.Fatalf("street workforce = %+v", ws)
	}
	ws, err = f.s.Stats.Workforce(ctx, "370812101")
	if err != nil || ws.UrbanGridWorkers != 0 || ws.PropertyShare != 0 || ws.Total != 3 {
		t.Fatalf("town workforce = %+v, %v", ws, err)
	}
}
