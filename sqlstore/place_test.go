package sqlstore_test

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

func TestPointCRUD(t *testing.T) {
	f := newFixture(t)
	cadre := f.mustPerson(t, "张三", gridline.TeamCadre, "370812")

	// Without a grid the comprehensive layer wins over the party layer.
	p := &gridline.Point{Name: "韦园菜市场", Kind: "market", Lon: 116.805, Lat: 35.555, CadreID: &cadre.ID}
	if err := f.s.Points.CreatePoint(ctx, p); err != nil {
		t.Fatal(err)
	}
	want := gridline.RegionPath{CountyCode: "370812", TownCode: "370812001", CommunityCode: "370812001002", GridCode: f.g1.Code}
	if p.ID == 0 || p.RegionPath != want || p.CadreName != "张三" || p.CreatedAt.IsZero() {
		t.Fatalf("created point = %+v", p)
	}
	// A named grid of another layer is honoured.
	q := &gridline.Point{Name: "韦园党群服务站", Lon: 116.801, Lat: 35.551}
	q.GridCode = f.g1p.Code
	if err := f.s.Points.CreatePoint(ctx, q); err != nil {
		t.Fatal(err)
	}
	if q.GridCode != f.g1p.Code || q.CommunityCode != "370812001002" {
		t.Fatalf("point in named grid = %+v", q)
	}

	ps, n, err := f.s.Points.FindPoints(ctx, gridline.PlaceFilter{GridCode: &f.g1.Code})
	if err != nil || n != 1 || ps[0].ID != p.ID || ps[0].CadreName != "张三" || *ps[0].CadreID != cadre.ID {
		t.Fatalf("find by grid = %v, %d, %v", ps, n, err)
	}
	if _, n, _ = f.s.Points.FindPoints(ctx, gridline.PlaceFilter{Within: ptr("370812001")}); n != 2 {
		t.Fatalf("within town = %d", n)
	}
	if _, n, _ = f.s.Points.FindPoints(ctx, gridline.PlaceFilter{Within: ptr("370812003")}); n != 0 {
		t.Fatalf("within other town = %d", n)
	}
	if ps, n, _ = f.s.Points.FindPoints(ctx, gridline.PlaceFilter{Query: ptr("菜市")}); n != 1 || ps[0].ID != p.ID {
		t.Fatalf("query = %v, %d", ps, n)
	}
	// LIKE wildcards in a query are literal.
	if _, n, _ = f.s.Points.FindPoints(ctx, gridline.PlaceFilter{Query: ptr("%")}); n != 0 {
		t.Fatalf("query %% matched %d", n)
	}
	if ps, n, _ = f.s.Points.FindPoints(ctx, gridline.PlaceFilter{Limit: 1, Offset: 1}); n != 2 || len(ps) != 1 || ps[0].ID != q.ID {
		t.Fatalf("page = %v, %d", ps, n)
	}
	_, _, err = f.s.Points.FindPoints(ctx, gridline.PlaceFilter{CompoundID: ptr(int64(1))})
	wantField(t, err, "compound_id")

	// Moving the point into another street relocates it.
	up, err := f.s.Points.UpdatePoint(ctx, p.ID, gridline.PointUpdate{Name: ptr("府东市场"), Lon: ptr(116.825)})
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "府东市场" || up.GridCode != f.g2.Code || up.TownCode != "370812003" || up.CadreName != "张三" {
		t.Fatalf("updated point = %+v", up)
	}
	// A small move inside the named party grid keeps it there.
	up, err = f.s.Points.UpdatePoint(ctx, q.ID, gridline.PointUpdate{Lat: ptr(35.552)})
	if err != nil || up.GridCode != f.g1p.Code {
		t.Fatalf("small move = %+v, %v", up, err)
	}
	_, err = f.s.Points.UpdatePoint(ctx, p.ID, gridline.PointUpdate{Lon: ptr(117.5)})
	wantField(t, err, "lon")
	_, err = f.s.Points.UpdatePoint(ctx, 999, gridline.PointUpdate{})
	wantCode(t, err, gridline.ENOTFOUND)

	// A cadre of a point cannot be deleted.
	wantCode(t, f.s.People.DeletePerson(ctx, cadre.ID), gridline.ECONFLICT)
	if err := f.s.Points.DeletePoint(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.s.Points.DeletePoint(ctx, p.ID), gridline.ENOTFOUND)
	if _, n, _ = f.s.Points.FindPoints(ctx, gridline.PlaceFilter{}); n != 1 {
		t.Fatalf("after delete: %d points", n)
	}
	wantAudit(t, f.db, "point", 5) // 2 creates, 2 updates, 1 delete
}

func TestPointValidation(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		point gridline.Point
		field string
		msg   string
	}{
		{"no name", gridline.Point{Lon: 116.805, Lat: 35.555}, "name", "required"},
		{"lon out of range", gridline.Point{Name: "x", Lon: 216.8, Lat: 35.5}, "lon", "longitude"},
		{"lat out of range", gridline.Point{Name: "x", Lon: 116.8, Lat: 95.5}, "lat", "latitude"},
		{"swapped", gridline.Point{Name: "x", Lon: 35.555, Lat: 116.805}, "lat", "[lat, lon]"},
		{"in no grid", gridline.Point{Name: "x", Lon: 116.95, Lat: 35.555}, "lon", "lies in no grid"},
		{"outside named grid", gridline.Point{Name: "x", Lon: 116.825, Lat: 35.555, RegionPath: gridline.RegionPath{GridCode: f.g1.Code}},
			"lon", "lies outside grid " + f.g1.Code},
		{"unknown grid", gridline.Point{Name: "x", Lon: 116.805, Lat: 35.555, RegionPath: gridline.RegionPath{GridCode: "370812001002999"}},
			"grid_code", "no grid"},
		{"unknown cadre", gridline.Point{Name: "x", Lon: 116.805, Lat: 35.555, CadreID: ptr(int64(42))}, "cadre_id", "no person"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.point
			err := f.s.Points.CreatePoint(ctx, &p)
			wantField(t, err, tt.field)
			if !strings.Contains(gridline.ErrorMessage(err), tt.msg) {
				t.Fatalf("message %q lacks %q", gridline.ErrorMessage(err), tt.msg)
			}
		})
	}
	wantAudit(t, f.db, "point", 0)
}

func TestCompoundCRUD(t *testing.T) {
	f := newFixture(t)
	prop := f.mustUnit(t, gridline.UnitProperty, "兖州物业", "370812")
	dept := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")

	c := &gridline.Compound{Name: "韦园花园", PropertyUnitID: &prop.ID, Geometry: square(116.802, 35.552, 0.002), Households: 120, BuiltYear: 2005}
	if err := f.s.Compounds.CreateCompound(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c.GridCode != f.g1.Code || c.PropertyUnitName != "兖州物业" || math.Abs(c.Lon-116.803) > 1e-9 || math.Abs(c.Lat-35.553) > 1e-9 {
		t.Fatalf("created compound = %+v", c)
	}
	cs, n, err := f.s.Compounds.FindCompounds(ctx, gridline.PlaceFilter{Within: ptr("370812001002")})
	if err != nil || n != 1 || cs[0].PropertyUnitName != "兖州物业" || len(cs[0].Geometry) != 1 || cs[0].Households != 120 {
		t.Fatalf("find = %v, %d, %v", cs, n, err)
	}
	// A compound without an outline is placed by its coordinates.
	bare := &gridline.Compound{Name: "罗屯新村", Lon: 116.905, Lat: 35.605}
	if err := f.s.Compounds.CreateCompound(ctx, bare); err != nil || bare.GridCode != f.g3.Code {
		t.Fatalf("bare compound = %+v, %v", bare, err)
	}

	tests := []struct {
		name     string
		compound gridline.Compound
		field    string
	}{
		{"no name", gridline.Compound{Geometry: square(116.802, 35.552, 0.002)}, "name"},
		{"bad geometry", gridline.Compound{Name: "x", Geometry: gridline.Polygon{orb.Ring{{116.8, 35.55}, {116.81, 35.55}, {116.8, 35.55}}}}, "geometry"},
		{"geometry in no grid", gridline.Compound{Name: "x", Geometry: square(116.95, 35.55, 0.002)}, "geometry"},
		{"point in no grid", gridline.Compound{Name: "x", Lon: 116.95, Lat: 35.55}, "lon"},
		{"department as property", gridline.Compound{Name: "x", PropertyUnitID: &dept.ID, Lon: 116.805, Lat: 35.555}, "property_unit_id"},
		{"unknown unit", gridline.Compound{Name: "x", PropertyUnitID: ptr(int64(99)), Lon: 116.805, Lat: 35.555}, "property_unit_id"},
		{"negative households", gridline.Compound{Name: "x", Households: -1, Lon: 116.805, Lat: 35.555}, "households"},
		{"unknown grid", gridline.Compound{Name: "x", Lon: 116.805, Lat: 35.555, RegionPath: gridline.RegionPath{GridCode: "1"}}, "grid_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.compound
			wantField(t, f.s.Compounds.CreateCompound(ctx, &c), tt.field)
		})
	}

	moved := square(116.822, 35.552, 0.002)
	up, err := f.s.Compounds.UpdateCompound(ctx, c.ID, gridline.CompoundUpdate{Name: ptr("府东花园"), Households: ptr(130), Geometry: &moved})
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "府东花园" || up.Households != 130 || up.GridCode != f.g2.Code || math.Abs(up.Lon-116.823) > 1e-9 {
		t.Fatalf("updated compound = %+v", up)
	}
	_, err = f.s.Compounds.UpdateCompound(ctx, c.ID, gridline.CompoundUpdate{PropertyUnitID: &dept.ID})
	wantField(t, err, "property_unit_id")

	// A compound with buildings cannot be deleted; the unit managing it neither.
	b := f.mustBuilding(t, &gridline.Building{CompoundID: &c.ID, Name: "1号楼", Floors: 6, Footprint: square(116.8225, 35.5525, 0.0003)})
	wantCode(t, f.s.Compounds.DeleteCompound(ctx, c.ID), gridline.ECONFLICT)
	wantCode(t, f.s.Units.DeleteUnit(ctx, prop.ID), gridline.ECONFLICT)
	if err := f.s.Buildings.DeleteBuilding(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Compounds.DeleteCompound(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.s.Compounds.DeleteCompound(ctx, c.ID), gridline.ENOTFOUND)
	wantAudit(t, f.db, "compound", 4) // 2 creates, 1 update, 1 delete
}

func TestBuildingEntrancesAndAddresses(t *testing.T) {
	f := newFixture(t)
	// The compound sits in the party grid; its buildings follow it there
	// although the comprehensive grid covers the same ground.
	c := f.mustCompound(t, "韦园花园", square(116.802, 35.552, 0.004), f.g1p.Code)
	b := &gridline.Building{CompoundID: &c.ID, Name: "5号楼", Number: 5, Floors: 6, HeightM: 18,
		Footprint: square(116.803, 35.553, 0.0004),
		Entrances: []*gridline.Entrance{{Number: 1, Households: 12}, {Number: 2, Floors: 7, Households: 14}}}
	f.mustBuilding(t, b)
	// A 40 m footprint's centroid is exact to the micrometre, not
	// swamped by the size of the coordinates.
	if b.GridCode != f.g1p.Code || b.TownCode != "370812001" || len(b.Entrances) != 2 ||
		math.Abs(b.Lon-116.8032) > 1e-9 || math.Abs(b.Lat-35.5532) > 1e-9 {
		t.Fatalf("created building = %+v", b)
	}
	if e := b.Entrances[0]; e.ID == 0 || e.BuildingID != b.ID || e.Floors != 6 || e.AddressID == nil {
		t.Fatalf("entrance 1 = %+v", e)
	}
	if e := b.Entrances[1]; e.Floors != 7 || e.Households != 14 {
		t.Fatalf("entrance 2 = %+v", e)
	}

	addrs, n, err := f.s.Addresses.FindAddresses(ctx, gridline.PlaceFilter{BuildingID: &b.ID})
	if err != nil || n != 2 {
		t.Fatalf("addresses = %v, %d, %v", addrs, n, err)
	}
	wantName := "山东省济宁市兖州区鼓楼街道韦园社区 韦园花园 5号楼2单元"
	if a := addrs[1]; a.FullName != wantName || a.EntranceNo != 2 || *a.BuildingID != b.ID || a.GridCode != f.g1p.Code ||
		a.Code != f.g1p.Code+"-"+strconv.FormatInt(b.ID, 10)+"-2" || a.ID != *b.Entrances[1].AddressID {
		t.Fatalf("address = %+v", a)
	}
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	if !hex32.MatchString(addrs[0].QRToken) || addrs[0].QRToken == addrs[1].QRToken {
		t.Fatalf("QR tokens %q %q", addrs[0].QRToken, addrs[1].QRToken)
	}
	got, err := f.s.Addresses.FindAddressByQR(ctx, addrs[1].QRToken)
	if err != nil || got.ID != addrs[1].ID {
		t.Fatalf("by QR = %+v, %v", got, err)
	}
	_, err = f.s.Addresses.FindAddressByQR(ctx, "00000000000000000000000000000000")
	wantCode(t, err, gridline.ENOTFOUND)
	if _, n, _ = f.s.Addresses.FindAddresses(ctx, gridline.PlaceFilter{CompoundID: &c.ID, Query: ptr("5号楼1单元")}); n != 1 {
		t.Fatalf("address query = %d", n)
	}

	// Without entrances a building gets one with its own floors; the
	// building outside any compound is located on its own.
	lone := f.mustBuilding(t, &gridline.Building{Name: "府东商厦", Floors: 12, Footprint: square(116.825, 35.555, 0.0004)})
	if lone.GridCode != f.g2.Code || len(lone.Entrances) != 1 || lone.Entrances[0].Number != 1 || lone.Entrances[0].Floors != 12 {
		t.Fatalf("lone building = %+v", lone)
	}
	bs, n, err := f.s.Buildings.FindBuildings(ctx, gridline.PlaceFilter{})
	if err != nil || n != 2 || len(bs[0].Entrances) != 2 || len(bs[1].Entrances) != 1 || bs[0].Entrances[1].Number != 2 {
		t.Fatalf("find buildings = %v, %d, %v", bs, n, err)
	}
	if len(bs[0].Footprint) != 1 || bs[0].HeightM != 18 {
		t.Fatalf("building round trip = %+v", bs[0])
	}
	if bs, n, _ = f.s.Buildings.FindBuildings(ctx, gridline.PlaceFilter{CompoundID: &c.ID}); n != 1 || bs[0].ID != b.ID {
		t.Fatalf("by compound = %v, %d", bs, n)
	}
	if cs, n, _ := f.s.Compounds.FindCompounds(ctx, gridline.PlaceFilter{BuildingID: &b.ID}); n != 1 || cs[0].ID != c.ID {
		t.Fatalf("compound of building = %v, %d", cs, n)
	}

	// Renaming follows into the addresses; entrances with the old floor
	// count follow a new one.
	up, err := f.s.Buildings.UpdateBuilding(ctx, b.ID, gridline.BuildingUpdate{Name: ptr("6号楼"), Floors: ptr(9)})
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "6号楼" || up.Entrances[0].Floors != 9 || up.Entrances[1].Floors != 7 {
		t.Fatalf("updated building = %+v %+v %+v", up, up.Entrances[0], up.Entrances[1])
	}
	if _, err := f.s.Compounds.UpdateCompound(ctx, c.ID, gridline.CompoundUpdate{Name: ptr("韦园新苑")}); err != nil {
		t.Fatal(err)
	}
	if a, _ := f.s.Addresses.FindAddressByQR(ctx, addrs[1].QRToken); a.FullName != "山东省济宁市兖州区鼓楼街道韦园社区 韦园新苑 6号楼2单元" {
		t.Fatalf("renamed address = %q", a.FullName)
	}
	_, err = f.s.Buildings.UpdateBuilding(ctx, b.ID, gridline.BuildingUpdate{Floors: ptr(0)})
	wantField(t, err, "floors")

	// Deleting a building takes its entrances and addresses along.
	if err := f.s.Buildings.DeleteBuilding(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, n, _ = f.s.Addresses.FindAddresses(ctx, gridline.PlaceFilter{}); n != 1 {
		t.Fatalf("addresses after delete = %d", n)
	}
	_, err = f.s.Addresses.FindAddressByQR(ctx, addrs[0].QRToken)
	wantCode(t, err, gridline.ENOTFOUND)
	wantCode(t, f.s.Buildings.DeleteBuilding(ctx, b.ID), gridline.ENOTFOUND)
	wantAudit(t, f.db, "building", 4) // 2 creates, 1 update, 1 delete
}

func TestBuildingValidation(t *testing.T) {
	f := newFixture(t)
	ok := square(116.803, 35.553, 0.0004)
	tests := []struct {
		name     string
		building gridline.Building
		field    string
	}{
		{"no name", gridline.Building{Floors: 6, Footprint: ok}, "name"},
		{"no floors", gridline.Building{Name: "x", Footprint: ok}, "floors"},
		{"negative height", gridline.Building{Name: "x", Floors: 6, HeightM: -1, Footprint: ok}, "height_m"},
		{"no footprint", gridline.Building{Name: "x", Floors: 6}, "footprint"},
		{"footprint in no grid", gridline.Building{Name: "x", Floors: 6, Footprint: square(116.95, 35.55, 0.0004)}, "footprint"},
		{"outside named grid", gridline.Building{Name: "x", Floors: 6, Footprint: ok, RegionPath: gridline.RegionPath{GridCode: f.g2.Code}}, "footprint"},
		{"unknown compound", gridline.Building{Name: "x", Floors: 6, Footprint: ok, CompoundID: ptr(int64(7))}, "compound_id"},
		{"duplicate entrances", gridline.Building{Name: "x", Floors: 6, Footprint: ok,
			Entrances: []*gridline.Entrance{{Number: 1}, {Number: 1}}}, "entrances"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.building
			wantField(t, f.s.Buildings.CreateBuilding(ctx, &b), tt.field)
		})
	}
	if _, n, _ := f.s.Addresses.FindAddresses(ctx, gridline.PlaceFilter{}); n != 0 {
		t.Fatalf("%d addresses left by failed creates", n)
	}
	wantAudit(t, f.db, "building", 0)
}

// TestListTotals checks every list's total on a page past the end, where
// COUNT(*) OVER () has no row to ride on, and that a negative offset is
// EINVALID on both databases.
func TestListTotals(t *testing.T) {
	f := newFixture(t)
	p1 := f.mustPerson(t, "张三", gridline.TeamCadre, "370812001002")
	f.mustPerson(t, "李四", gridline.TeamCadre, "370812001002")
	f.mustPerson(t, "王五", gridline.TeamVolunteer, "370812003001")
	for _, lon := range []float64{116.805, 116.806, 116.825} {
		if err := f.s.Points.CreatePoint(ctx, &gridline.Point{Name: "点位", Lon: lon, Lat: 35.555, CadreID: &p1.ID}); err != nil {
			t.Fatal(err)
		}
	}
	c := f.mustCompound(t, "韦园花园", square(116.802, 35.552, 0.004), "")
	f.mustCompound(t, "府东花园", square(116.822, 35.552, 0.004), "")
	f.mustBuilding(t, &gridline.Building{CompoundID: &c.ID, Name: "1号楼", Floors: 6, Footprint: square(116.803, 35.553, 0.0004),
		Entrances: []*gridline.Entrance{{Number: 1}, {Number: 2}, {Number: 3}}})
	f.mustBuilding(t, &gridline.Building{CompoundID: &c.ID, Name: "2号楼", Floors: 6, Footprint: square(116.804, 35.553, 0.0004)})
	f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	f.mustUnit(t, gridline.UnitProperty, "兖州物业", "370812")
	f.mustUnit(t, gridline.UnitProperty, "鼓楼物业", "370812001")
	root := &gridline.PartyOrg{Name: "鼓楼街道党工委", Level: 1, RegionCode: "370812001"}
	if err := f.s.PartyOrgs.CreatePartyOrg(ctx, root); err != nil {
		t.Fatal(err)
	}
	if err := f.s.PartyOrgs.CreatePartyOrg(ctx, &gridline.PartyOrg{Name: "韦园社区党委", Level: 2, ParentID: &root.ID, RegionCode: "370812001002"}); err != nil {
		t.Fatal(err)
	}

	street := ptr("370812001")
	property := gridline.UnitProperty
	cadre := gridline.TeamCadre
	// Each list with a filter that leaves want of its rows.
	lists := []struct {
		name string
		want int
		find func(offset, limit int) (int, int, error) // rows, total
	}{
		{"points", 2, func(offset, limit int) (int, int, error) {
			ps, n, err := f.s.Points.FindPoints(ctx, gridline.PlaceFilter{Within: street, Offset: offset, Limit: limit})
			return len(ps), n, err
		}},
		{"compounds", 1, func(offset, limit int) (int, int, error) {
			cs, n, err := f.s.Compounds.FindCompounds(ctx, gridline.PlaceFilter{Within: street, Offset: offset, Limit: limit})
			return len(cs), n, err
		}},
		{"buildings", 2, func(offset, limit int) (int, int, error) {
			bs, n, err := f.s.Buildings.FindBuildings(ctx, gridline.PlaceFilter{CompoundID: &c.ID, Offset: offset, Limit: limit})
			return len(bs), n, err
		}},
		{"addresses", 3, func(offset, limit int) (int, int, error) {
			as, n, err := f.s.Addresses.FindAddresses(ctx, gridline.PlaceFilter{Query: ptr("1号楼"), Offset: offset, Limit: limit})
			return len(as), n, err
		}},
		{"units", 2, func(offset, limit int) (int, int, error) {
			us, n, err := f.s.Units.FindUnits(ctx, gridline.UnitFilter{Kind: &property, Offset: offset, Limit: limit})
			return len(us), n, err
		}},
		{"people", 2, func(offset, limit int) (int, int, error) {
			ps, n, err := f.s.People.FindPeople(ctx, gridline.PersonFilter{Team: &cadre, Within: street, Offset: offset, Limit: limit})
			return len(ps), n, err
		}},
		{"party orgs", 1, func(offset, limit int) (int, int, error) {
			os, n, err := f.s.PartyOrgs.FindPartyOrgs(ctx, gridline.PartyOrgFilter{Subtree: &root.ID, Offset: offset, Limit: limit})
			return len(os), n, err
		}},
	}
	for _, l := range lists {
		t.Run(l.name, func(t *testing.T) {
			pages := []struct{ offset, limit, rows int }{
				{0, 0, l.want},
				{0, 1, 1},
				{l.want - 1, 10, 1},
				{l.want, 10, 0},     // just past the end
				{l.want + 5, 10, 0}, // far past it
				{l.want + 5, 0, 0},  // past it without a limit
			}
			for _, p := range pages {
				rows, total, err := l.find(p.offset, p.limit)
				if err != nil || rows != p.rows || total != l.want {
					t.Errorf("offset %d limit %d: %d rows of %d, %v; want %d of %d", p.offset, p.limit, rows, total, err, p.rows, l.want)
				}
			}
			_, _, err := l.find(-1, 10)
			wantField(t, err, "offset")
		})
	}
}

// TestIntegerColumns checks that counts beyond the 32-bit INTEGER columns
// are EINVALID naming the field on both databases (PostgreSQL cannot
// store them, SQLite would), as is a height that is not a finite number.
func TestIntegerColumns(t *testing.T) {
	f := newFixture(t)
	fp := square(116.803, 35.553, 0.0004)
	huge := 1 << 31
	tests := []struct {
		name     string
		building gridline.Building
		field    string
	}{
		{"floors", gridline.Building{Name: "x", Floors: huge, Footprint: fp}, "floors"},
		{"number", gridline.Building{Name: "x", Number: huge, Floors: 6, Footprint: fp}, "number"},
		{"entrance households", gridline.Building{Name: "x", Floors: 6, Footprint: fp,
			Entrances: []*gridline.Entrance{{Households: huge}}}, "entrances"},
		{"entrance floors", gridline.Building{Name: "x", Floors: 6, Footprint: fp,
			Entrances: []*gridline.Entrance{{Floors: huge}}}, "entrances"},
		{"entrance number", gridline.Building{Name: "x", Floors: 6, Footprint: fp,
			Entrances: []*gridline.Entrance{{Number: -1}}}, "entrances"},
		{"NaN height", gridline.Building{Name: "x", Floors: 6, HeightM: math.NaN(), Footprint: fp}, "height_m"},
		{"infinite height", gridline.Building{Name: "x", Floors: 6, HeightM: math.Inf(1), Footprint: fp}, "height_m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.building
			wantField(t, f.s.Buildings.CreateBuilding(ctx, &b), tt.field)
		})
	}
	err := f.s.Compounds.CreateCompound(ctx, &gridline.Compound{Name: "x", Households: huge, Lon: 116.805, Lat: 35.555})
	wantField(t, err, "households")
	c := f.mustCompound(t, "韦园花园", square(116.802, 35.552, 0.004), "")
	_, err = f.s.Compounds.UpdateCompound(ctx, c.ID, gridline.CompoundUpdate{Households: ptr(huge)})
	wantField(t, err, "households")
	b := f.mustBuilding(t, &gridline.Building{Name: "1号楼", Floors: 6, Footprint: fp})
	_, err = f.s.Buildings.UpdateBuilding(ctx, b.ID, gridline.BuildingUpdate{Floors: ptr(huge)})
	wantField(t, err, "floors")
	_, err = f.s.Buildings.UpdateBuilding(ctx, b.ID, gridline.BuildingUpdate{HeightM: ptr(math.NaN())})
	wantField(t, err, "height_m")
	// The largest value fits.
	max := &gridline.Building{Name: "2号楼", Floors: huge - 1, Footprint: square(116.804, 35.553, 0.0004)}
	f.mustBuilding(t, max)
	if bs, _, err := f.s.Buildings.FindBuildings(ctx, gridline.PlaceFilter{ID: &max.ID}); err != nil || bs[0].Floors != huge-1 {
		t.Fatalf("largest floors = %v, %v", bs, err)
	}
}
