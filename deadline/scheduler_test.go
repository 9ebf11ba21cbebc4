package deadline_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/deadline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// TestSchedulerRaisesLights: a dispatched case whose deadline has passed
// is red soon after the scheduler starts, and stays red once.
func TestSchedulerRaisesLights(t *testing.T) {
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "test"})
	db := storetest.Open(t)
	s := storetest.Services(t, db)
	rows, _ := demo.Regions()
	if _, err := s.Regions.ImportRegions(ctx, rows); err != nil {
		t.Fatal(err)
	}
	sq := gridline.Polygon{{{116.80, 35.55}, {116.81, 35.55}, {116.81, 35.56}, {116.80, 35.56}, {116.80, 35.55}}}
	if err := s.Grids.CreateGrid(ctx, &gridline.Grid{Name: "网格", CommunityCode: "370812001002", Geometry: sq}); err != nil {
		t.Fatal(err)
	}
	u := &gridline.Unit{Kind: gridline.UnitDepartment, Name: "区执法局", RegionCode: "370812"}
	if err := s.Units.CreateUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	lon, lat := 116.805, 35.555
	tk := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "占道经营", Lon: &lon, Lat: &lat}
	if _, err := s.Tickets.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	soon := time.Now().Add(300 * time.Millisecond)
	for _, r := range []gridline.TicketActionRequest{{Action: gridline.ActionFile}, {Action: gridline.ActionDispatch, LeadUnit: &u.ID, Deadline: &soon}} {
		if _, err := s.Tickets.ActOnTicket(ctx, tk.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	sch := &deadline.Scheduler{Tickets: s.Tickets, Interval: 50 * time.Millisecond}
	sch.Open()
	defer sch.Close()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		got, err := s.Tickets.FindTicketByID(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Warning == gridline.WarningRed {
			break
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("still %q after 3 s", got.Warning)
		}
	}
}

// TestSupervisionExplicitDeadlineAnyTime: a case dispatched with an
// explicit deadline 40 seconds ahead is lit yellow by the next pass and red,
// escalated, by the first pass after that instant, whenever it happens —
// a weekday's working hours, lunch, a night, a Saturday at 03:00, a public
// holiday, an adjusted working day — on the store's clock, not the
// working calendar's. The browser journey (web/e2e/overdue.test.mjs) does
// the same on the real binary at whatever time CI runs.
func TestSupervisionExplicitDeadlineAnyTime(t *testing.T) {
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "test"})
	db := storetest.Open(t)
	var now time.Time
	db.Now = func() time.Time { return now }
	s := storetest.Services(t, db)
	rows, _ := demo.Regions()
	if _, err := s.Regions.ImportRegions(ctx, rows); err != nil {
		t.Fatal(err)
	}
	sq := gridline.Polygon{{{116.80, 35.55}, {116.81, 35.55}, {116.81, 35.56}, {116.80, 35.56}, {116.80, 35.55}}}
	if err := s.Grids.CreateGrid(ctx, &gridline.Grid{Name: "网格", CommunityCode: "370812001002", Geometry: sq}); err != nil {
		t.Fatal(err)
	}
	street := &gridline.Unit{Kind: gridline.UnitDepartment, Name: "鼓楼街道城管科", RegionCode: "370812001"}
	district := &gridline.Unit{Kind: gridline.UnitDepartment, Name: "区执法局", RegionCode: "370812"}
	for _, u := range []*gridline.Unit{street, district} {
		if err := s.Units.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	cst := func(v string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", v, gridline.ChinaTime)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tt := range []struct {
		at   string
		unit *gridline.Unit
		esc  string // escalated_to
	}{
		{"2026-09-18 10:00:00", district, "370812"},  // a Friday's working hours
		{"2026-09-20 12:15:00", street, "370812001"}, // the Sunday worked before Mid-Autumn, at lunch
		{"2026-09-22 17:29:50", district, "370812"},  // the deadline just after closing time
		{"2026-09-23 23:59:40", street, "370812001"}, // the deadline just after midnight
		{"2026-10-02 10:00:00", district, "370812"},  // National Day
		{"2026-10-10 08:59:40", street, "370812001"}, // the Saturday worked after it, before opening
		{"2026-11-28 03:00:00", district, "370812"},  // a Saturday at 03:00
	} {
		now = cst(tt.at)
		lon, lat := 116.805, 35.555
		tk := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "污水井盖破损下沉", Lon: &lon, Lat: &lat}
		if _, err := s.Tickets.CreateTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
		due := now.Add(40 * time.Second)
		for _, r := range []gridline.TicketActionRequest{{Action: gridline.ActionFile}, {Action: gridline.ActionDispatch, LeadUnit: &tt.unit.ID, Deadline: &due}} {
			if _, err := s.Tickets.ActOnTicket(ctx, tk.ID, r); err != nil {
				t.Fatalf("%s: %s: %v", tt.at, r.Action, err)
			}
		}
		now = now.Add(5 * time.Second)
		if n, err := s.Tickets.Supervise(ctx); err != nil || n != (gridline.Supervision{Yellow: 1}) {
			t.Fatalf("%s: the pass after the dispatch: %+v, %v; want one yellow", tt.at, n, err)
		}
		now = due
		if n, err := s.Tickets.Supervise(ctx); err != nil || n != (gridline.Supervision{}) {
			t.Fatalf("%s: the pass at the deadline: %+v, %v; want nothing (due is not overdue)", tt.at, n, err)
		}
		now = due.Add(time.Second)
		if n, err := s.Tickets.Supervise(ctx); err != nil || n != (gridline.Supervision{Red: 1, Escalated: 1}) {
			t.Fatalf("%s: the pass past the deadline: %+v, %v; want one red, escalated", tt.at, n, err)
		}
		got, err := s.Tickets.FindTicketByID(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var lights []string
		for _, e := range got.Timeline {
			if e.Action == "yellow" || e.Action == "red" {
				lights = append(lights, string(e.Action)+" "+e.At.In(gridline.ChinaTime).Format("15:04:05")+" "+e.Note)
			}
		}
		want := []string{"yellow " + due.Add(-35*time.Second).Format("15:04:05") + " ", "red " + due.Add(time.Second).Format("15:04:05") + " " + tt.esc}
		if got.Warning != gridline.WarningRed || got.EscalatedTo != tt.esc || len(lights) != 2 || lights[0] != want[0] || lights[1] != want[1] {
			t.Fatalf("%s: %q escalated to %q, lights %q; want red to %s, lights %q", tt.at, got.Warning, got.EscalatedTo, lights, tt.esc, want)
		}
	}
}

// TestSchedulerFlagsWhistles: a unit a whistle called that has not
// reported when the time is up is flagged overdue by the scheduler, with
// one whistle_overdue entry on the case's timeline however often it runs;
// the unit that reported is not.
func TestSchedulerFlagsWhistles(t *testing.T) {
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "test"})
	db := storetest.Open(t)
	s := storetest.Services(t, db)
	rows, _ := demo.Regions()
	if _, err := s.Regions.ImportRegions(ctx, rows); err != nil {
		t.Fatal(err)
	}
	sq := gridline.Polygon{{{116.80, 35.55}, {116.81, 35.55}, {116.81, 35.56}, {116.80, 35.56}, {116.80, 35.55}}}
	if err := s.Grids.CreateGrid(ctx, &gridline.Grid{Name: "网格", CommunityCode: "370812001002", Geometry: sq}); err != nil {
		t.Fatal(err)
	}
	var units []int64
	for _, name := range []string{"区水务局", "区公安分局"} {
		u := &gridline.Unit{Kind: gridline.UnitDepartment, Name: name, RegionCode: "370812"}
		if err := s.Units.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
		units = append(units, u.ID)
	}
	lon, lat := 116.805, 35.555
	tk := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "供水管道破裂", Lon: &lon, Lat: &lat}
	if _, err := s.Tickets.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	s.Whistles.(*sqlstore.WhistleService).ReportWithin = 300 * time.Millisecond
	w, err := s.Whistles.BlowWhistle(ctx, tk.ID, gridline.WhistleRequest{Units: units, Reason: "需多部门联合处置"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Whistles.ReportWhistle(ctx, w.ID, gridline.WhistleReport{Unit: units[0]}); err != nil {
		t.Fatal(err)
	}
	sch := &deadline.Scheduler{Tickets: s.Tickets, Whistles: s.Whistles, Interval: 50 * time.Millisecond}
	sch.Open()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		got, err := s.Whistles.FindWhistleByID(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Units[1].OverdueAt != nil {
			if got.Units[0].OverdueAt != nil || got.Units[1].OverdueAt.Before(got.ReportBy) {
				t.Fatalf("flagged: %+v", got.Units)
			}
			break
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("not flagged after 3 s: %+v", got.Units)
		}
	}
	time.Sleep(150 * time.Millisecond) // more runs
	sch.Close()
	got, err := s.Tickets.FindTicketByID(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range got.Timeline {
		if e.Action == gridline.ActionWhistleOverdue {
			n++
			if e.UnitID == nil || *e.UnitID != units[1] || e.Actor != gridline.ActorScheduler {
				t.Errorf("overdue entry: %+v", e)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d whistle_overdue entries; want 1", n)
	}
}
