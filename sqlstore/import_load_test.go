package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore"
)

// TestImportTicketsLoad: an import into empty tables in a load
// transaction (InLoadTx: the indexes — on PostgreSQL the foreign keys
// too — are dropped and rebuilt after the rows, and on PostgreSQL the KPI
// rollups copied without merging) leaves the same rows — cases, timelines, dispatches, KPI facts
// and rollups, audit rows, feed events — as in an ordinary one (InTx), and
// the same indexes and constraints, rebuilt.
func TestImportTicketsLoad(t *testing.T) {
	day := time.Date(2026, 3, 10, 10, 0, 0, 0, gridline.ChinaTime)
	// PostgreSQL: the indexes and constraints of the tables the load
	// rebuilds (in the test's schema), and each index's identity.
	const schema = `SELECT c.relname::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
			JOIN pg_class c ON c.oid = i.indrelid
			WHERE c.relnamespace = current_schema()::regnamespace AND c.relname IN ('tickets', 'ticket_events', 'ticket_grams',
				'ticket_assignments', 'kpi_spans', 'kpi_days', 'kpi_facts')
		UNION ALL SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) FROM pg_constraint
			WHERE connamespace = current_schema()::regnamespace AND conrelid::regclass::text IN ('tickets', 'ticket_events',
				'ticket_grams', 'ticket_assignments', 'kpi_spans')
		ORDER BY 1, 2, 3`
	// SQLite: the indexes of those tables as their CREATE statements.
	schemaOf := func(f *fixture) string {
		if f.db.Dialect() == "postgres" {
			return schema
		}
		return `SELECT tbl_name, name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('tickets',
			'ticket_events', 'ticket_assignments', 'kpi_spans', 'kpi_days', 'kpi_facts') ORDER BY 1, 2`
	}
	const oids = `SELECT i.indexrelid::regclass::text, i.indexrelid::bigint FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = 'tickets' AND NOT i.indisprimary ORDER BY 1`
	var schemaBefore, oidsBefore []string
	load := func(inLoad bool) (map[string][]string, *fixture) {
		f := newFixture(t)
		unit := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
		f.db.Now = func() time.Time { return day }
		deadline := day.Add(48 * time.Hour).UTC()
		closed := newHistory(day.Add(-2*time.Hour), 116.805, 35.556, f.g1, "建设路东段路灯不亮").
			step(gridline.ActionFile, "", nil, "").
			step(gridline.ActionDispatch, "", &unit.ID, "").
			step(gridline.ActionSign, "", &unit.ID, "").
			step(gridline.ActionReply, "", &unit.ID, "已更换灯泡").
			step(gridline.ActionVerify, gridline.OutcomePassed, &unit.ID, "").
			step(gridline.ActionCallback, gridline.OutcomeSatisfied, &unit.ID, "")
		closed.t.LeadUnitID, closed.t.Deadline, closed.t.BaseDeadline = &unit.ID, &deadline, &deadline
		closed.t.ExternalID = "SD20260310-000001"
		master := int64(-1)
		dup := newHistory(day.Add(-time.Hour), 116.806, 35.556, f.g1, "建设路路灯坏了").step(gridline.ActionMerge, "", nil, "")
		dup.t.MergedInto = &master
		open := newHistory(day.Add(-30*time.Minute), 116.905, 35.605, f.g3, "村口路灯不亮").
			step(gridline.ActionFile, "", nil, "").
			step(gridline.ActionDispatch, "", &unit.ID, "")
		open.t.LeadUnitID, open.t.Deadline, open.t.BaseDeadline = &unit.ID, &deadline, &deadline
		ts := []*gridline.Ticket{closed.t, dup.t, open.t}
		in := f.db.InTx
		if inLoad {
			in = f.db.InLoadTx
			var err error
			if schemaBefore, err = sqlstore.DumpRowsForTest(ctx, f.db, schemaOf(f)); err != nil {
				t.Fatal(err)
			}
			if f.db.Dialect() == "postgres" {
				if oidsBefore, err = sqlstore.DumpRowsForTest(ctx, f.db, oids); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := in(ctx, func(ctx context.Context) error { return f.s.Tickets.ImportTickets(ctx, ts) }); err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for name, q := range map[string]string{
			"tickets": `SELECT id, number, status, version, grid_code, lead_unit_id, deadline, merged_into, closed_at, warn_at,
				created_at, updated_at, compound_id, place_cell FROM tickets ORDER BY id`,
			"ticket_events": `SELECT id, ticket_id, at, actor, unit_id, action, from_status, to_status, outcome, opinion
				FROM ticket_events ORDER BY id`,
			"kpi_facts": `SELECT ticket_id, unit_key, grid, community, town, category, channel, cells FROM kpi_facts ORDER BY ticket_id`,
			"kpi_days":  `SELECT * FROM kpi_days ORDER BY dim, day, key`,
			"kpi_spans": `SELECT * FROM kpi_spans ORDER BY dim, key, lo, hi`,
			// The fixture's own rows carry the wall clock's time.
			"audit_log": `SELECT id, at, actor, action, entity, entity_key, detail FROM audit_log WHERE entity IN ('ticket', 'tickets')
				ORDER BY id`,
			"events": `SELECT seq, at, entity, action, entity_key, detail FROM events WHERE entity IN ('ticket', 'tickets') ORDER BY seq`,
		} {
			var err error
			if out[name], err = sqlstore.DumpRowsForTest(ctx, f.db, q); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		// What the text index finds.
		found, _, err := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{Query: ptr("路灯")})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range found {
			out["text"] = append(out["text"], tk.Number)
		}
		return out, f
	}
	plain, _ := load(false)
	if len(plain["tickets"]) != 3 || len(plain["kpi_days"]) == 0 || len(plain["kpi_spans"]) == 0 || len(plain["text"]) == 0 {
		t.Fatalf("the ordinary import wrote %d cases, %d day and %d span rows, found %d by text", len(plain["tickets"]),
			len(plain["kpi_days"]), len(plain["kpi_spans"]), len(plain["text"]))
	}
	loaded, f := load(true)
	for name, want := range plain {
		if diff := cmp.Diff(want, loaded[name]); diff != "" {
			t.Errorf("%s: the load differs from the ordinary import (-InTx +InLoadTx):\n%s", name, diff)
		}
	}
	got, err := sqlstore.DumpRowsForTest(ctx, f.db, schemaOf(f))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(schemaBefore, got); diff != "" || len(got) < 10 {
		t.Errorf("indexes and constraints after the load (%d) differ from before (-before +after):\n%s", len(got), diff)
	}
	if f.db.Dialect() != "postgres" {
		return
	}
	// They were rebuilt: the load took the bulk path.
	after, err := sqlstore.DumpRowsForTest(ctx, f.db, oids)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) == 0 || cmp.Equal(oidsBefore, after) {
		t.Errorf("the cases' indexes were not rebuilt by the load: %v", after)
	}
}
