package sqlstore_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// fixture is the Yanzhou regions with four grids:
//
//	g1  comprehensive, 韦园社区 (鼓楼街道, a street), 116.80–116.81, 35.55–35.56
//	g1p party,         the same square, so g1 wins by layer order
//	g2  comprehensive, 府东社区 (龙桥街道, a street), 116.82–116.83, 35.55–35.56
//	g3  comprehensive, 罗屯村 (大安镇, a town),       116.90–116.91, 35.60–35.61
type fixture struct {
	db *sqlstore.DB
	s  gridline.Services

	g1, g1p, g2, g3 *gridline.Grid
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	db := storetest.Open(tb)
	mustImportYanzhou(tb, db)
	f := &fixture{db: db, s: storetest.Services(tb, db)}
	mk := func(name, layer, community string, geom gridline.Polygon) *gridline.Grid {
		g := &gridline.Grid{Name: name, Layer: layer, CommunityCode: community, Geometry: geom}
		if err := f.s.Grids.CreateGrid(ctx, g); err != nil {
			tb.Fatalf("create grid %s: %v", name, err)
		}
		return g
	}
	f.g1 = mk("韦园第1网格", gridline.LayerComprehensive, "370812001002", square(116.80, 35.55, 0.01))
	f.g1p = mk("韦园党建网格", gridline.LayerParty, "370812001002", square(116.80, 35.55, 0.01))
	f.g2 = mk("府东第1网格", gridline.LayerComprehensive, "370812003001", square(116.82, 35.55, 0.01))
	f.g3 = mk("罗屯第1网格", gridline.LayerComprehensive, "370812101201", square(116.90, 35.60, 0.01))
	return f
}

func (f *fixture) mustUnit(tb testing.TB, kind gridline.UnitKind, name, region string) *gridline.Unit {
	tb.Helper()
	u := &gridline.Unit{Kind: kind, Name: name, RegionCode: region}
	if err := f.s.Units.CreateUnit(ctx, u); err != nil {
		tb.Fatalf("create unit %s: %v", name, err)
	}
	return u
}

func (f *fixture) mustPerson(tb testing.TB, name string, team gridline.Team, region string) *gridline.Person {
	tb.Helper()
	p := &gridline.Person{Name: name, Team: team, RegionCode: region, Phone: "13812345678"}
	if err := f.s.People.CreatePerson(ctx, p); err != nil {
		tb.Fatalf("create person %s: %v", name, err)
	}
	return p
}

func (f *fixture) mustAssign(tb testing.TB, p *gridline.Person, target gridline.AssignmentTarget, id int64, role string) *gridline.Assignment {
	tb.Helper()
	a := &gridline.Assignment{PersonID: p.ID, Target: target, TargetID: id, Role: role}
	if err := f.s.Assignments.CreateAssignment(ctx, a); err != nil {
		tb.Fatalf("assign %s to %s %d: %v", p.Name, target, id, err)
	}
	return a
}

func (f *fixture) mustCompound(tb testing.TB, name string, geom gridline.Polygon, grid string) *gridline.Compound {
	tb.Helper()
	c := &gridline.Compound{Name: name, Geometry: geom}
	c.GridCode = grid
	if err := f.s.Compounds.CreateCompound(ctx, c); err != nil {
		tb.Fatalf("create compound %s: %v", name, err)
	}
	return c
}

func (f *fixture) mustBuilding(tb testing.TB, b *gridline.Building) *gridline.Building {
	tb.Helper()
	if err := f.s.Buildings.CreateBuilding(ctx, b); err != nil {
		tb.Fatalf("create building %s: %v", b.Name, err)
	}
	return b
}

// wantField fails unless err is EINVALID naming field.
func wantField(tb testing.TB, err error, field string) {
	tb.Helper()
	if gridline.ErrorCode(err) != gridline.EINVALID || gridline.ErrorFields(err)[field] == "" {
		tb.Fatalf("want EINVALID on field %s, got %v", field, err)
	}
}

// wantCode fails unless err has the code.
func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if gridline.ErrorCode(err) != code {
		tb.Fatalf("want %s, got %v", code, err)
	}
}

func wantAudit(tb testing.TB, db *sqlstore.DB, entity string, want int) {
	tb.Helper()
	n, err := db.AuditCount(ctx, entity)
	if err != nil {
		tb.Fatal(err)
	}
	if n != want {
		tb.Fatalf("audit rows for %s = %d, want %d", entity, n, want)
	}
}

func ptr[T any](v T) *T { return &v }

// pickAction draws one of the actions allowed in status, each as often as
// its weight (others: dflt): the random walks of the rollup and totals
// tests go mostly forward through the loop and now and then out of it.
func pickAction(rng *rand.Rand, status gridline.TicketStatus, dflt int, weight map[gridline.TicketAction]int) (gridline.TicketAction, bool) {
	var pick []gridline.TicketAction
	for _, a := range gridline.AllowedActions(status) {
		n, ok := weight[a]
		if !ok {
			n = dflt
		}
		for range n {
			pick = append(pick, a)
		}
	}
	if len(pick) == 0 {
		return "", false
	}
	return pick[rng.IntN(len(pick))], true
}
