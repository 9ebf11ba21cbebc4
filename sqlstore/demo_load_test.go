package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// onePerson, oneOrg, onePoint, oneBuilding and oneAssignment hide the
// store's bulk CreatePeople, CreatePartyOrgs, CreatePoints,
// CreateBuildings and CreateAssignments, so demo.Load creates one at a
// time as the API does.
type (
	onePerson     struct{ gridline.PersonService }
	oneOrg        struct{ gridline.PartyOrgService }
	onePoint      struct{ gridline.PointService }
	oneBuilding   struct{ gridline.BuildingService }
	oneAssignment struct{ gridline.AssignmentService }
)

// TestDemoLoadBulk: the demo district loaded through the store's bulk
// paths leaves the same rows — the objects, the audit log and the change
// feed, in order — as loaded one object at a time through the methods
// the API uses.
func TestDemoLoadBulk(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo district twice")
	}
	d, err := demo.Generate(1)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "demo"})
	load := func(single bool) map[string][]string {
		db := storetest.Open(t)
		db.Now = func() time.Time { return at }
		s := storetest.Services(t, db)
		if single {
			s.People, s.PartyOrgs = onePerson{s.People}, oneOrg{s.PartyOrgs}
			s.Points, s.Buildings, s.Assignments = onePoint{s.Points}, oneBuilding{s.Buildings}, oneAssignment{s.Assignments}
		}
		if err := db.InTx(ctx, func(ctx context.Context) error { return demo.Load(ctx, d, s) }); err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for name, q := range map[string]string{
			"people": `SELECT id, name, phone, team, role, unit_id, region_code, created_at, updated_at FROM people ORDER BY id`,
			"assignments": `SELECT id, person_id, target, target_id, role, county_code, town_code, community_code, grid_code,
				created_at FROM assignments ORDER BY id`,
			"points": `SELECT id, name, kind, lon, lat, county_code, town_code, community_code, grid_code, cadre_id, note,
				created_at, updated_at FROM points ORDER BY id`,
			"buildings": `SELECT id, compound_id, name, number, floors, height_m, footprint, lon, lat, county_code, town_code,
				community_code, grid_code, created_at, updated_at FROM buildings ORDER BY id`,
			// The QR tokens are random: only their presence and form are compared.
			"addresses": `SELECT id, code, full_name, building_id, entrance_no, lon, lat, county_code, town_code, community_code,
				grid_code, length(qr_token), created_at FROM addresses ORDER BY id`,
			"entrances": `SELECT id, building_id, number, floors, households, address_id FROM entrances ORDER BY id`,
			"party_orgs": `SELECT id, name, level, parent_id, path, region_code, grid_code, compound_id, building_id, leader_id,
				created_at, updated_at FROM party_orgs ORDER BY id`,
			"audit_log": `SELECT id, at, actor, action, entity, entity_key, detail FROM audit_log ORDER BY id`,
			"events":    `SELECT seq, at, entity, action, entity_key, detail FROM events ORDER BY seq`,
		} {
			if out[name], err = sqlstore.DumpRowsForTest(ctx, db, q); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		return out
	}
	bulk, single := load(false), load(true)
	if n, m := len(single["people"]), len(single["party_orgs"]); n != len(d.People) || m != len(d.PartyOrgs) {
		t.Fatalf("%d people and %d party organisations stored one by one, want %d and %d", n, m, len(d.People), len(d.PartyOrgs))
	}
	entrances := 0
	for _, b := range d.Buildings {
		entrances += len(b.Entrances)
	}
	for name, want := range map[string]int{"points": len(d.Points), "buildings": len(d.Buildings), "addresses": entrances,
		"entrances": entrances, "assignments": len(d.Assignments)} {
		if n := len(single[name]); n != want || want == 0 {
			t.Fatalf("%d %s stored one by one, want %d (not 0)", n, name, want)
		}
	}
	for name, want := range single {
		if diff := cmp.Diff(want, bulk[name]); diff != "" {
			t.Errorf("%s: bulk load differs from one at a time (-single +bulk):\n%s", name, diff)
		}
	}
}
