package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// TestIntakeBatch takes in cases from many clients at once, so they share
// transactions (group commit), and checks each keeps its guarantees: a
// case that fails inside a batch (an external number another sender
// holds) fails alone; the same external number twice is one case; every
// case has its own daily number, first event, audit row and feed event,
// and is found by its text within its own place, on both databases.
func TestIntakeBatch(t *testing.T) {
	f := newFixture(t)
	lon, lat := 116.805, 35.555
	lon2 := 116.825 // another grid: the cases alternate between the two
	ext, other := as(72, gridline.Grant{Role: gridline.RoleExternal}), as(73, gridline.Grant{Role: gridline.RoleExternal})
	first := &gridline.Ticket{Channel: gridline.ChannelHotline, ExternalID: "SD-1", Text: "路灯不亮", Lon: &lon, Lat: &lat}
	if created, err := f.s.Tickets.CreateTicket(ext, first); err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	const n = 60
	type result struct {
		t       *gridline.Ticket
		created bool
		err     error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: fmt.Sprintf("路灯不亮 %d", i), Lon: &lon, Lat: &lat}
			if i%2 == 1 {
				tk.Lon = &lon2
			}
			c := ctx
			switch i % 10 {
			case 0: // taken by ext: fails inside its batch
				tk.ExternalID, c = "SD-1", other
			case 1: // the same new number six times: one case
				tk.ExternalID, c = "SD-2", ext
			}
			<-start
			created, err := f.s.Tickets.CreateTicket(c, tk)
			results[i] = result{tk, created, err}
		}()
	}
	close(start)
	wg.Wait()

	numbers := map[string]bool{first.Number: true}
	ids := map[int64]bool{first.ID: true}
	var sd2 int64
	sd2Created := 0
	shared := map[string]int{} // created_at → cases: a batch shares its transaction's time
	for i, r := range results {
		switch i % 10 {
		case 0:
			if gridline.ErrorCode(r.err) != gridline.ECONFLICT {
				t.Errorf("case %d: %v, want ECONFLICT", i, r.err)
			}
			continue
		case 1:
			if r.err != nil {
				t.Fatalf("case %d: %v", i, r.err)
			}
			if sd2 == 0 {
				sd2 = r.t.ID
			} else if r.t.ID != sd2 {
				t.Errorf("SD-2 is cases %d and %d", sd2, r.t.ID)
			}
			if !r.created {
				continue
			}
			sd2Created++
		default:
			if r.err != nil || !r.created {
				t.Fatalf("case %d: %v %v", i, r.created, r.err)
			}
		}
		if numbers[r.t.Number] || ids[r.t.ID] {
			t.Errorf("case %d: number %s or id %d given twice", i, r.t.Number, r.t.ID)
		}
		numbers[r.t.Number], ids[r.t.ID] = true, true
		if len(r.t.Timeline) != 1 || r.t.Timeline[0].Action != "create" || r.t.Timeline[0].TicketID != r.t.ID {
			t.Errorf("case %d: timeline %+v", i, r.t.Timeline)
		}
		shared[r.t.CreatedAt.String()]++
	}
	if sd2Created != 1 {
		t.Errorf("SD-2 created %d times", sd2Created)
	}
	batched := false
	for _, c := range shared {
		batched = batched || c > 1
	}
	if !batched && !storetest.Postgres() {
		t.Log("no two cases shared a transaction: the batch path went untested this run")
	}

	// What is stored is exactly the cases answered as created.
	all, total, err := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(ids); total != want || len(all) != want {
		t.Fatalf("%d cases stored (%d listed), want %d", total, len(all), want)
	}
	for _, tk := range all {
		full, err := f.s.Tickets.FindTicketByID(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !ids[tk.ID] || len(full.Timeline) != 1 {
			t.Errorf("case %d: answered %v, %d events", tk.ID, ids[tk.ID], len(full.Timeline))
		}
	}
	entity, action := "ticket", "create"
	_, audits, err := f.s.Audit.FindAudit(ctx, gridline.AuditFilter{Entity: &entity, Action: &action})
	if err != nil {
		t.Fatal(err)
	}
	if audits != len(ids) {
		t.Errorf("%d audit rows, want %d", audits, len(ids))
	}
	evs, err := f.s.Events.FindEvents(ctx, gridline.EventFilter{Entities: []string{"ticket"}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, e := range evs {
		if e.Action == "create" {
			created++
		}
	}
	if created != len(ids) {
		t.Errorf("%d feed events, want %d", created, len(ids))
	}

	// The text index holds each case's own place (a case failing in a
	// batch must not shift the places of the cases after it).
	grids := map[string]int{}
	for _, tk := range all {
		grids[tk.GridCode]++
	}
	if len(grids) != 2 {
		t.Fatalf("cases in grids %v, want two", grids)
	}
	q := "路灯不亮"
	for code, n := range grids {
		got, total, err := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{Query: &q, GridCode: &code, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if total != n || len(got) != n {
			t.Errorf("text within grid %s: %d cases (%d listed), want %d", code, total, len(got), n)
		}
		for _, tk := range got {
			if tk.GridCode != code {
				t.Errorf("text within grid %s: case %d of grid %s", code, tk.ID, tk.GridCode)
			}
		}
	}
}

// TestExternalNumberLookupIndexed checks that the lookups of a case by its
// channel and external number use the partial unique index: a bound
// parameter does not tell SQLite's planner that the number is not empty,
// and without the explicit condition every intake with an external
// number read all the channel's cases.
func TestExternalNumberLookupIndexed(t *testing.T) {
	db := storetest.Open(t)
	if db.Dialect() != "sqlite" {
		t.Skip("the plan is SQLite's; PostgreSQL picks its plan per execution")
	}
	checkPlan(t, db, "tickets_external_idx", sqlstore.ExternalLookupForTest, "hotline", "SD-2026-000001")
}

// TestCaseIndexesUsed checks that the lists, scopes and finders read the
// case indexes intake was made to write less of: those on the columns a new
// case leaves empty (lead unit, deadline; most often building and
// compound) hold only the cases that have a value (migration 0030), and a
// community is a range of the grid index, the duplicate window a range of
// (reported_at, place_cell, …) (migration 0031). The planner must see that
// each query implies a partial index's condition and take the ranges, or a
// unit's list, a community's, the overdue filter, the scheduler or the
// duplicate finder would read the whole table.
func TestCaseIndexesUsed(t *testing.T) {
	db := storetest.Open(t)
	if db.Dialect() != "sqlite" {
		t.Skip("the plan is SQLite's; PostgreSQL picks its plan per execution")
	}
	unit, building := int64(7), int64(3)
	community := "370812001014"
	tests := []struct {
		name string
		ctx  context.Context
		f    gridline.TicketFilter
		want string
	}{
		{"unit", ctx, gridline.TicketFilter{UnitID: &unit}, "tickets_lead_idx"},
		{"building", ctx, gridline.TicketFilter{BuildingID: &building}, "tickets_building_idx"},
		{"overdue", ctx, gridline.TicketFilter{Overdue: true}, "tickets_status_deadline_idx"},
		{"community", ctx, gridline.TicketFilter{Within: &community}, "tickets_grid_idx"},
		{"department", as(51, gridline.Grant{Role: gridline.RoleDepartment, UnitID: &unit}), gridline.TicketFilter{}, "tickets_lead_idx"},
		{"property company", as(51, gridline.Grant{Role: gridline.RoleProperty, UnitID: &unit}), gridline.TicketFilter{}, "tickets_compound_idx"},
		{"community's staff", as(51, gridline.Grant{Role: gridline.RoleCommunity, Region: community}), gridline.TicketFilter{}, "tickets_grid_idx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, args, err := sqlstore.TicketPageQueryForTest(tt.ctx, db, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, db, tt.want, q, args...)
		})
	}
	t.Run("scheduler", func(t *testing.T) {
		now := time.Now()
		checkPlan(t, db, "tickets_status_deadline_idx", sqlstore.SuperviseQueryForTest(3), now, now, "filed", "dispatched", "signed")
	})
	t.Run("duplicate window", func(t *testing.T) {
		now := time.Now()
		args := []any{now.Add(-72 * time.Hour), now, int64(1), "merged", "voided", "rejected",
			116.8, 35.5, 116.9, 35.6, 116.85, 35.55, 90000.0, 111000.0, 250000.0, int64(11), int64(12), int64(13)}
		checkPlan(t, db, "tickets_reported_place_idx", sqlstore.DuplicateWindowQueryForTest(3), args...)
	})
}

// checkPlan fails t unless SQLite's plan of q reads the index want.
func checkPlan(t *testing.T, db *sqlstore.DB, want, q string, args ...any) {
	t.Helper()
	plan, err := sqlstore.PlanForTest(context.Background(), db, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(plan, "\n"), want) {
		t.Errorf("%s\nplan: %v, want the index %s", q, plan, want)
	}
}
