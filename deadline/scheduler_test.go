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
