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

// onePerson hides the store's bulk CreatePeople, so demo.Load creates
// people one at a time as the API does.
type onePerson struct{ gridline.PersonService }

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
			s.People = onePerson{s.People}
		}
		if err := db.InTx(ctx, func(ctx context.Context) error { return demo.Load(ctx, d, s) }); err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for name, q := range map[string]string{
			"people":      `SELECT id, name, phone, team, role, unit_id, region_code, created_at, updated_at FROM people ORDER BY id`,
			"assignments": `SELECT id, person_id, target, target_id, role, grid_code FROM assignments ORDER BY id`,
			"points":      `SELECT id, name, cadre_id FROM points ORDER BY id`,
			"party_orgs":  `SELECT id, name, path, leader_id FROM party_orgs ORDER BY id`,
			"audit_log":   `SELECT id, at, actor, action, entity, entity_key, detail FROM audit_log ORDER BY id`,
			"events":      `SELECT seq, at, entity, action, entity_key, detail FROM events ORDER BY seq`,
		} {
			if out[name], err = sqlstore.DumpRowsForTest(ctx, db, q); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		return out
	}
	bulk, single := load(false), load(true)
	if n := len(single["people"]); n != len(d.People) {
		t.Fatalf("%d people stored one by one, want %d", n, len(d.People))
	}
	for name, want := range single {
		if diff := cmp.Diff(want, bulk[name]); diff != "" {
			t.Errorf("%s: bulk load differs from one at a time (-single +bulk):\n%s", name, diff)
		}
	}
}
