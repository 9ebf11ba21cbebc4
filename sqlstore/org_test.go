package sqlstore_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

func TestUnitCRUD(t *testing.T) {
	f := newFixture(t)
	u := &gridline.Unit{Kind: gridline.UnitDepartment, Name: "区城管局", ShortName: "城管", Phone: "0537-3412345", RegionCode: "370812"}
	if err := f.s.Units.CreateUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.Units.FindUnitByID(ctx, u.ID)
	if err != nil || got.Name != "区城管局" || got.ShortName != "城管" || got.RegionCode != "370812" || got.PartyLed {
		t.Fatalf("found = %+v, %v", got, err)
	}
	// The same name is a conflict within a kind, not across kinds.
	err = f.s.Units.CreateUnit(ctx, &gridline.Unit{Kind: gridline.UnitDepartment, Name: "区城管局"})
	wantCode(t, err, gridline.ECONFLICT)
	if !strings.Contains(gridline.ErrorMessage(err), "区城管局") {
		t.Fatalf("conflict message = %q", gridline.ErrorMessage(err))
	}
	prop := f.mustUnit(t, gridline.UnitProperty, "区城管局", "370812001")

	tests := []struct {
		name  string
		unit  gridline.Unit
		field string
	}{
		{"bad kind", gridline.Unit{Kind: "club", Name: "x"}, "kind"},
		{"no name", gridline.Unit{Kind: gridline.UnitOther, Name: " "}, "name"},
		{"bad region", gridline.Unit{Kind: gridline.UnitOther, Name: "x", RegionCode: "37a"}, "region_code"},
		{"unknown region", gridline.Unit{Kind: gridline.UnitOther, Name: "x", RegionCode: "370899"}, "region_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.unit
			wantField(t, f.s.Units.CreateUnit(ctx, &u), tt.field)
		})
	}

	kind := gridline.UnitProperty
	us, n, err := f.s.Units.FindUnits(ctx, gridline.UnitFilter{Kind: &kind, Limit: 10})
	if err != nil || n != 1 || us[0].ID != prop.ID {
		t.Fatalf("property units = %v, %d, %v", us, n, err)
	}
	if _, n, _ = f.s.Units.FindUnits(ctx, gridline.UnitFilter{}); n != 2 {
		t.Fatalf("all units = %d", n)
	}
	up, err := f.s.Units.UpdateUnit(ctx, prop.ID, gridline.UnitUpdate{Name: ptr("红色物业公司"), Phone: ptr("0537-1234567"), PartyLed: ptr(true)})
	if err != nil || up.Name != "红色物业公司" || !up.PartyLed || up.Phone != "0537-1234567" {
		t.Fatalf("updated = %+v, %v", up, err)
	}
	_, err = f.s.Units.UpdateUnit(ctx, prop.ID, gridline.UnitUpdate{Name: ptr("")})
	wantField(t, err, "name")
	_, err = f.s.Units.UpdateUnit(ctx, 999, gridline.UnitUpdate{})
	wantCode(t, err, gridline.ENOTFOUND)

	// A unit with staff cannot be deleted.
	p := f.mustPerson(t, "李四", gridline.TeamStreetStaff, "")
	if _, err := f.s.People.UpdatePerson(ctx, p.ID, gridline.PersonUpdate{UnitID: &u.ID}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.s.Units.DeleteUnit(ctx, u.ID), gridline.ECONFLICT)
	if err := f.s.Units.DeleteUnit(ctx, prop.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Units.FindUnitByID(ctx, prop.ID)
	wantCode(t, err, gridline.ENOTFOUND)
	wantAudit(t, f.db, "unit", 4) // 2 creates, 1 update, 1 delete
}

func TestPersonCRUD(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitProperty, "兖州物业", "370812")
	p := &gridline.Person{Name: "王网格", Phone: "13912345678", Team: gridline.TeamGridWorker, Role: "grid_leader",
		UnitID: &unit.ID, RegionCode: "370812001002"}
	if err := f.s.People.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.People.FindPersonByID(ctx, p.ID)
	if err != nil || got.Phone != "13912345678" || got.Role != "grid_leader" || *got.UnitID != unit.ID || len(got.Assignments) != 0 {
		t.Fatalf("found = %+v, %v", got, err)
	}

	tests := []struct {
		name   string
		person gridline.Person
		field  string
	}{
		{"no name", gridline.Person{Team: gridline.TeamCadre}, "name"},
		{"bad team", gridline.Person{Name: "x", Team: "pilot"}, "team"},
		{"bad phone", gridline.Person{Name: "x", Team: gridline.TeamCadre, Phone: "call me"}, "phone"},
		{"bad region", gridline.Person{Name: "x", Team: gridline.TeamCadre, RegionCode: "x"}, "region_code"},
		{"unknown region", gridline.Person{Name: "x", Team: gridline.TeamCadre, RegionCode: "370812999"}, "region_code"},
		{"unknown unit", gridline.Person{Name: "x", Team: gridline.TeamCadre, UnitID: ptr(int64(99))}, "unit_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.person
			wantField(t, f.s.People.CreatePerson(ctx, &p), tt.field)
		})
	}

	// A cadre working for the district but assigned in 龙桥街道.
	cadre := f.mustPerson(t, "赵干部", gridline.TeamCadre, "370812")
	f.mustAssign(t, cadre, gridline.TargetGrid, f.g2.ID, "")
	vol := f.mustPerson(t, "钱志愿", gridline.TeamVolunteer, "370812101201")

	find := func(t *testing.T, f2 gridline.PersonFilter) []int64 {
		t.Helper()
		ps, n, err := f.s.People.FindPeople(ctx, f2)
		if err != nil || n < len(ps) || f2.Limit == 0 && n != len(ps) {
			t.Fatalf("find %+v = %d of %d, %v", f2, len(ps), n, err)
		}
		var ids []int64
		for _, p := range ps {
			ids = append(ids, p.ID)
			if p.Assignments != nil {
				t.Fatalf("FindPeople loaded assignments of %d", p.ID)
			}
		}
		return ids
	}
	cases := []struct {
		name   string
		filter gridline.PersonFilter
		want   []int64
	}{
		{"all", gridline.PersonFilter{}, []int64{p.ID, cadre.ID, vol.ID}},
		{"team", gridline.PersonFilter{Team: ptr(gridline.TeamCadre)}, []int64{cadre.ID}},
		{"within own region", gridline.PersonFilter{Within: ptr("370812001")}, []int64{p.ID}},
		{"within by assignment", gridline.PersonFilter{Within: ptr("370812003")}, []int64{cadre.ID}},
		{"within county", gridline.PersonFilter{Within: ptr("370812")}, []int64{p.ID, cadre.ID, vol.ID}},
		{"grid", gridline.PersonFilter{GridCode: &f.g2.Code}, []int64{cadre.ID}},
		{"unit", gridline.PersonFilter{UnitID: &unit.ID}, []int64{p.ID}},
		{"query", gridline.PersonFilter{Query: ptr("志愿")}, []int64{vol.ID}},
		{"query wildcards are literal", gridline.PersonFilter{Query: ptr("钱_愿")}, nil},
		{"page", gridline.PersonFilter{Offset: 1, Limit: 1}, []int64{cadre.ID}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if got := find(t, tt.filter); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}

	up, err := f.s.People.UpdatePerson(ctx, p.ID, gridline.PersonUpdate{Name: ptr("王组长"), Team: ptr(gridline.TeamPropertyStaff), RegionCode: ptr("370812003")})
	if err != nil || up.Name != "王组长" || up.Team != gridline.TeamPropertyStaff || up.RegionCode != "370812003" || up.Phone != "13912345678" {
		t.Fatalf("updated = %+v, %v", up, err)
	}
	_, err = f.s.People.UpdatePerson(ctx, p.ID, gridline.PersonUpdate{Team: ptr(gridline.Team("x"))})
	wantField(t, err, "team")

	// Deleting a person takes their assignments along.
	if err := f.s.People.DeletePerson(ctx, cadre.ID); err != nil {
		t.Fatal(err)
	}
	if got := find(t, gridline.PersonFilter{GridCode: &f.g2.Code}); len(got) != 0 {
		t.Fatalf("assigned after delete: %v", got)
	}
	_, err = f.s.People.FindPersonByID(ctx, cadre.ID)
	wantCode(t, err, gridline.ENOTFOUND)
	wantCode(t, f.s.People.DeletePerson(ctx, cadre.ID), gridline.ENOTFOUND)
	wantAudit(t, f.db, "person", 5) // 3 creates, 1 update, 1 delete
}

func TestAssign(t *testing.T) {
	f := newFixture(t)
	p := f.mustPerson(t, "孙网格", gridline.TeamGridWorker, "370812001002")
	point := &gridline.Point{Name: "点位", Lon: 116.825, Lat: 35.555}
	if err := f.s.Points.CreatePoint(ctx, point); err != nil {
		t.Fatal(err)
	}
	compound := f.mustCompound(t, "罗屯小区", square(116.902, 35.602, 0.002), "")
	townUnit := f.mustUnit(t, gridline.UnitDepartment, "鼓楼街道办", "370812001")
	county := f.mustUnit(t, gridline.UnitDepartment, "区民政局", "370812")
	root := &gridline.PartyOrg{Name: "鼓楼街道党工委", Level: 1, RegionCode: "370812001"}
	if err := f.s.PartyOrgs.CreatePartyOrg(ctx, root); err != nil {
		t.Fatal(err)
	}
	comm := &gridline.PartyOrg{Name: "韦园社区党委", Level: 2, ParentID: &root.ID, RegionCode: "370812001002"}
	if err := f.s.PartyOrgs.CreatePartyOrg(ctx, comm); err != nil {
		t.Fatal(err)
	}
	gridOrg := &gridline.PartyOrg{Name: "韦园网格党支部", Level: 3, ParentID: &comm.ID, GridCode: f.g1p.Code}
	if err := f.s.PartyOrgs.CreatePartyOrg(ctx, gridOrg); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		target gridline.AssignmentTarget
		id     int64
		want   gridline.RegionPath
	}{
		{"grid", gridline.TargetGrid, f.g1.ID, f.g1.Path()},
		{"point", gridline.TargetPoint, point.ID, f.g2.Path()},
		{"compound", gridline.TargetCompound, compound.ID, f.g3.Path()},
		{"town unit", gridline.TargetUnit, townUnit.ID, gridline.RegionPath{CountyCode: "370812", TownCode: "370812001"}},
		{"county unit", gridline.TargetUnit, county.ID, gridline.RegionPath{CountyCode: "370812"}},
		{"community party org", gridline.TargetPartyOrg, comm.ID, gridline.PathOf("370812001002")},
		{"grid party org", gridline.TargetPartyOrg, gridOrg.ID, f.g1p.Path()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.mustAssign(t, p, tt.target, tt.id, "member")
			if a.ID == 0 || a.RegionPath != tt.want || a.CreatedAt.IsZero() {
				t.Fatalf("assignment = %+v, want path %+v", a, tt.want)
			}
		})
	}
	got, err := f.s.People.FindPersonByID(ctx, p.ID)
	if err != nil || len(got.Assignments) != len(tests) || got.Assignments[0].Target != gridline.TargetGrid ||
		got.Assignments[0].GridCode != f.g1.Code {
		t.Fatalf("person with assignments = %+v, %v", got, err)
	}

	wantField(t, f.s.Assignments.CreateAssignment(ctx, &gridline.Assignment{PersonID: p.ID, Target: gridline.TargetGrid, TargetID: 999}), "target_id")
	wantField(t, f.s.Assignments.CreateAssignment(ctx, &gridline.Assignment{PersonID: p.ID, Target: gridline.TargetPartyOrg, TargetID: 999}), "target_id")
	wantField(t, f.s.Assignments.CreateAssignment(ctx, &gridline.Assignment{PersonID: p.ID, Target: "house", TargetID: 1}), "target")
	wantField(t, f.s.Assignments.CreateAssignment(ctx, &gridline.Assignment{PersonID: 999, Target: gridline.TargetGrid, TargetID: f.g1.ID}), "person_id")
	err = f.s.Assignments.CreateAssignment(ctx, &gridline.Assignment{PersonID: p.ID, Target: gridline.TargetGrid, TargetID: f.g1.ID, Role: "member"})
	wantCode(t, err, gridline.ECONFLICT)
	// Another role on the same grid is a separate assignment.
	leader := f.mustAssign(t, p, gridline.TargetGrid, f.g1.ID, "grid_leader")

	// Targets with people assigned cannot be deleted.
	wantCode(t, f.s.Points.DeletePoint(ctx, point.ID), gridline.ECONFLICT)
	wantCode(t, f.s.Compounds.DeleteCompound(ctx, compound.ID), gridline.ECONFLICT)
	wantCode(t, f.s.Units.DeleteUnit(ctx, county.ID), gridline.ECONFLICT)
	wantCode(t, f.s.PartyOrgs.DeletePartyOrg(ctx, gridOrg.ID), gridline.ECONFLICT)

	if err := f.s.Assignments.DeleteAssignment(ctx, leader.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.s.Assignments.DeleteAssignment(ctx, leader.ID), gridline.ENOTFOUND)
	wantAudit(t, f.db, "assignment", len(tests)+2)
}

func TestPartyOrgTree(t *testing.T) {
	f := newFixture(t)
	leader := f.mustPerson(t, "周书记", gridline.TeamStreetStaff, "370812001")
	compound := f.mustCompound(t, "韦园花园", square(116.802, 35.552, 0.004), "")
	building := f.mustBuilding(t, &gridline.Building{CompoundID: &compound.ID, Name: "1号楼", Floors: 6, Footprint: square(116.803, 35.553, 0.0004)})
	other := f.mustCompound(t, "府东花园", square(116.822, 35.552, 0.004), "")

	create := func(o *gridline.PartyOrg) *gridline.PartyOrg {
		t.Helper()
		if err := f.s.PartyOrgs.CreatePartyOrg(ctx, o); err != nil {
			t.Fatalf("create %s: %v", o.Name, err)
		}
		return o
	}
	l1 := create(&gridline.PartyOrg{Name: "鼓楼街道党工委", Level: 1, RegionCode: "370812001", LeaderID: &leader.ID})
	l2 := create(&gridline.PartyOrg{Name: "韦园社区党委", Level: 2, ParentID: &l1.ID, RegionCode: "370812001002"})
	l3 := create(&gridline.PartyOrg{Name: "韦园网格党支部", Level: 3, ParentID: &l2.ID, GridCode: f.g1p.Code})
	l4 := create(&gridline.PartyOrg{Name: "韦园花园党支部", Level: 4, ParentID: &l3.ID, CompoundID: &compound.ID})
	l5 := create(&gridline.PartyOrg{Name: "1号楼党小组", Level: 5, ParentID: &l4.ID, BuildingID: &building.ID})
	l6 := create(&gridline.PartyOrg{Name: "1号楼楼栋长", Level: 6, ParentID: &l5.ID, BuildingID: &building.ID})
	other1 := create(&gridline.PartyOrg{Name: "龙桥街道党工委", Level: 1, RegionCode: "370812003"})

	if l1.Path != "/"+strconv.FormatInt(l1.ID, 10)+"/" || l6.Path != l5.Path+strconv.FormatInt(l6.ID, 10)+"/" || l1.LeaderName != "周书记" {
		t.Fatalf("paths %q %q, leader %q", l1.Path, l6.Path, l1.LeaderName)
	}
	for _, o := range []*gridline.PartyOrg{l3, l4, l5, l6} {
		if o.RegionCode != "370812001002" {
			t.Fatalf("%s region = %s", o.Name, o.RegionCode)
		}
	}

	ids := func(t *testing.T, filter gridline.PartyOrgFilter) []int64 {
		t.Helper()
		orgs, n, err := f.s.PartyOrgs.FindPartyOrgs(ctx, filter)
		if err != nil || n != len(orgs) {
			t.Fatalf("find %+v: %d of %d, %v", filter, len(orgs), n, err)
		}
		var out []int64
		for _, o := range orgs {
			out = append(out, o.ID)
		}
		return out
	}
	level := gridline.PartyGridOrg
	cases := []struct {
		name   string
		filter gridline.PartyOrgFilter
		want   []int64
	}{
		{"roots", gridline.PartyOrgFilter{Root: true}, []int64{l1.ID, other1.ID}},
		{"subtree", gridline.PartyOrgFilter{Subtree: &l1.ID}, []int64{l2.ID, l3.ID, l4.ID, l5.ID, l6.ID}},
		{"subtree of grid org", gridline.PartyOrgFilter{Subtree: &l3.ID}, []int64{l4.ID, l5.ID, l6.ID}},
		{"subtree of leaf", gridline.PartyOrgFilter{Subtree: &l6.ID}, nil},
		{"subtree of unknown", gridline.PartyOrgFilter{Subtree: ptr(int64(999))}, nil},
		{"children", gridline.PartyOrgFilter{ParentID: &l4.ID}, []int64{l5.ID}},
		{"level", gridline.PartyOrgFilter{Level: &level}, []int64{l3.ID}},
		{"within", gridline.PartyOrgFilter{Within: ptr("370812003")}, []int64{other1.ID}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(t, tt.filter); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	f.mustAssign(t, leader, gridline.TargetPartyOrg, l2.ID, "secretary")
	orgs, _, err := f.s.PartyOrgs.FindPartyOrgs(ctx, gridline.PartyOrgFilter{ID: &l2.ID})
	if err != nil || orgs[0].Children != 1 || orgs[0].Members != 1 || orgs[0].ParentID == nil || *orgs[0].ParentID != l1.ID {
		t.Fatalf("l2 = %+v, %v", orgs, err)
	}

	bad := []struct {
		name  string
		org   gridline.PartyOrg
		field string
	}{
		{"no name", gridline.PartyOrg{Level: 1, RegionCode: "370812001"}, "name"},
		{"bad level", gridline.PartyOrg{Name: "x", Level: 7}, "level"},
		{"root with parent", gridline.PartyOrg{Name: "x", Level: 1, ParentID: &l1.ID, RegionCode: "370812001"}, "parent_id"},
		{"level 1 on a community", gridline.PartyOrg{Name: "x", Level: 1, RegionCode: "370812001002"}, "region_code"},
		{"level 2 on a town", gridline.PartyOrg{Name: "x", Level: 2, ParentID: &l1.ID, RegionCode: "370812001"}, "region_code"},
		{"parent two levels up", gridline.PartyOrg{Name: "x", Level: 3, ParentID: &l1.ID, GridCode: f.g1.Code}, "parent_id"},
		{"unknown parent", gridline.PartyOrg{Name: "x", Level: 2, ParentID: ptr(int64(999)), RegionCode: "370812001003"}, "parent_id"},
		{"community of another town", gridline.PartyOrg{Name: "x", Level: 2, ParentID: &l1.ID, RegionCode: "370812003001"}, "parent_id"},
		{"grid of another community", gridline.PartyOrg{Name: "x", Level: 3, ParentID: &l2.ID, GridCode: f.g2.Code}, "parent_id"},
		{"unknown grid", gridline.PartyOrg{Name: "x", Level: 3, ParentID: &l2.ID, GridCode: "370812001002999"}, "grid_code"},
		{"unknown compound", gridline.PartyOrg{Name: "x", Level: 4, ParentID: &l3.ID, CompoundID: ptr(int64(999))}, "compound_id"},
		{"compound elsewhere", gridline.PartyOrg{Name: "x", Level: 4, ParentID: &l3.ID, CompoundID: &other.ID}, "parent_id"},
		{"unknown building", gridline.PartyOrg{Name: "x", Level: 5, ParentID: &l4.ID, BuildingID: ptr(int64(999))}, "building_id"},
		{"tie of another level", gridline.PartyOrg{Name: "x", Level: 3, ParentID: &l2.ID, GridCode: f.g1.Code, CompoundID: &compound.ID}, "compound_id"},
		{"unknown leader", gridline.PartyOrg{Name: "x", Level: 2, ParentID: &l1.ID, RegionCode: "370812001003", LeaderID: ptr(int64(999))}, "leader_id"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.org
			wantField(t, f.s.PartyOrgs.CreatePartyOrg(ctx, &o), tt.field)
		})
	}

	up, err := f.s.PartyOrgs.UpdatePartyOrg(ctx, l3.ID, gridline.PartyOrgUpdate{Name: ptr("韦园第一网格党支部"), LeaderID: &leader.ID})
	if err != nil || up.Name != "韦园第一网格党支部" || up.LeaderName != "周书记" || up.Path != l3.Path {
		t.Fatalf("updated = %+v, %v", up, err)
	}
	_, err = f.s.PartyOrgs.UpdatePartyOrg(ctx, l3.ID, gridline.PartyOrgUpdate{LeaderID: ptr(int64(999))})
	wantField(t, err, "leader_id")

	// Organisations with children, or tied to a building, stay.
	wantCode(t, f.s.PartyOrgs.DeletePartyOrg(ctx, l5.ID), gridline.ECONFLICT)
	wantCode(t, f.s.Buildings.DeleteBuilding(ctx, building.ID), gridline.ECONFLICT)
	if err := f.s.PartyOrgs.DeletePartyOrg(ctx, l6.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.s.PartyOrgs.DeletePartyOrg(ctx, l5.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.s.PartyOrgs.DeletePartyOrg(ctx, l5.ID), gridline.ENOTFOUND)
	wantAudit(t, f.db, "party_org", 7+1+2)
}
