package sqlstore_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// TestTicketCoUnits dispatches a case to a lead with two co-units and
// follows each unit's part: the co-units see the case, sign and reply to
// the lead without moving it, may do nothing else; the lead replies for
// the case and rates the co-units; the scheduler lights an overdue
// co-unit red on its own; a redispatch replaces the co-units.
func TestTicketCoUnits(t *testing.T) {
	f := newFixture(t)
	housing := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	water := f.mustUnit(t, gridline.UnitDepartment, "区水务局", "370812")
	urban := f.mustUnit(t, gridline.UnitDepartment, "区城管局", "370812")
	other := f.mustUnit(t, gridline.UnitDepartment, "区民政局", "370812")
	at := func(s string) {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, gridline.ChinaTime)
		if err != nil {
			t.Fatal(err)
		}
		f.db.Now = func() time.Time { return tm }
	}
	dept := func(u *gridline.Unit) gridline.Grant {
		return gridline.Grant{Role: gridline.RoleDepartment, UnitID: &u.ID}
	}
	lead := as(71, dept(housing))
	co := as(72, dept(water))
	co2 := as(73, dept(urban))
	outsider := as(74, dept(other))

	at("2024-11-04 09:00")                                                 // a Monday
	tk := mustTicketIn(t, f, 116.805, 35.555, "老旧小区雨污管网混接，雨天污水外溢", "0211") // 5 working days
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})

	// Bad co-units are named, and nothing is written.
	for _, c := range []struct {
		co    []int64
		field string
	}{
		{[]int64{water.ID, 999999}, "co_units[1]"},
		{[]int64{water.ID, housing.ID}, "co_units[1]"},
		{[]int64{water.ID, urban.ID, water.ID}, "co_units[2]"},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, "co_units[10]"},
	} {
		_, err := f.s.Tickets.ActOnTicket(ctx, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch,
			LeadUnit: &housing.ID, CoUnits: c.co})
		wantField(t, err, c.field)
	}
	if got, _ := f.s.Tickets.FindTicketByID(ctx, tk.ID); got.Status != gridline.StatusFiled || len(got.Assignments) != 0 {
		t.Fatalf("after refused dispatches: %s, %d assignments", got.Status, len(got.Assignments))
	}

	at("2024-11-04 09:30")
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &housing.ID,
		CoUnits: []int64{water.ID, urban.ID}})
	cst := func(tm time.Time) string { return tm.In(gridline.ChinaTime).Format("2006-01-02 15:04") }
	if len(tk.Assignments) != 3 {
		t.Fatalf("assignments %+v", tk.Assignments)
	}
	la, ca := tk.Assignments[0], tk.Assignments[1]
	if la.Role != gridline.AssignLead || la.UnitID != housing.ID || la.UnitName != "区住建局" || cst(la.Deadline) != "2024-11-11 17:30" ||
		ca.Role != gridline.AssignCo || ca.UnitID != water.ID || cst(ca.Deadline) != "2024-11-08 17:30" {
		t.Fatalf("lead %+v (deadline %s), co %+v (deadline %s)", la, cst(la.Deadline), ca, cst(ca.Deadline))
	}

	// Each co-unit sees the case; another department does not.
	for _, c := range []struct {
		name string
		ctx  context.Context
		sees bool
	}{{"lead", lead, true}, {"co", co, true}, {"co2", co2, true}, {"outsider", outsider, false}} {
		_, n, err := f.s.Tickets.FindTickets(c.ctx, gridline.TicketFilter{})
		if err != nil || (n == 1) != c.sees {
			t.Fatalf("%s sees %d cases, %v", c.name, n, err)
		}
	}

	// A co-unit signs its part: the case stays dispatched for the lead.
	at("2024-11-04 10:00")
	got, err := f.s.Tickets.ActOnTicket(co, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionSign})
	if err != nil || got.Status != gridline.StatusDispatched || got.Assignments[1].SignedAt == nil || got.Version != tk.Version+1 {
		t.Fatalf("co-unit sign: %v, %+v", err, got)
	}
	_, err = f.s.Tickets.ActOnTicket(co, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionSign})
	wantCode(t, err, gridline.ECONFLICT)
	// A co-unit may not return, extend or rate: those are the lead's.
	for _, r := range []gridline.TicketActionRequest{
		{Action: gridline.ActionReturn, Opinion: "非我局职责"},
		{Action: gridline.ActionExtendRequest, Opinion: "需协调管网改造"},
		{Action: gridline.ActionRate, Unit: &urban.ID, Rating: ptr(5)},
	} {
		_, err := f.s.Tickets.ActOnTicket(co, tk.ID, r)
		wantCode(t, err, gridline.ECONFLICT)
	}
	_, err = f.s.Tickets.ActOnTicket(outsider, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionSign})
	wantCode(t, err, gridline.ENOTFOUND)

	// The lead signs: the case is in handling.
	at("2024-11-04 10:30")
	got, err = f.s.Tickets.ActOnTicket(lead, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionSign})
	if err != nil || got.Status != gridline.StatusHandling || got.Assignments[0].SignedAt == nil {
		t.Fatalf("lead sign: %v, %+v", err, got)
	}
	// The co-unit replies to the lead: the case stays in handling. A
	// reply without words is none.
	at("2024-11-06 16:00")
	_, err = f.s.Tickets.ActOnTicket(co, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionReply, Note: "已处理"})
	wantField(t, err, "opinion")
	got, err = f.s.Tickets.ActOnTicket(co, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionReply, Opinion: "已排查雨水管网三处混接点"})
	if err != nil || got.Status != gridline.StatusHandling || got.Assignments[1].RepliedAt == nil ||
		got.Assignments[1].Reply != "已排查雨水管网三处混接点" {
		t.Fatalf("co-unit reply: %v, %+v", err, got)
	}
	last := got.Timeline[len(got.Timeline)-1]
	if last.Action != gridline.ActionReply || last.UnitID == nil || *last.UnitID != water.ID || last.To != gridline.StatusHandling {
		t.Fatalf("co-unit reply event %+v", last)
	}
	// The lead rates it; a co-unit that has not replied cannot be rated.
	_, err = f.s.Tickets.ActOnTicket(lead, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionRate, Unit: &urban.ID, Rating: ptr(4)})
	wantField(t, err, "unit")
	_, err = f.s.Tickets.ActOnTicket(lead, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionRate, Unit: &housing.ID, Rating: ptr(4)})
	wantField(t, err, "unit")
	_, err = f.s.Tickets.ActOnTicket(lead, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionRate, Unit: &water.ID, Rating: ptr(6)})
	wantField(t, err, "rating")
	got, err = f.s.Tickets.ActOnTicket(lead, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionRate, Unit: &water.ID,
		Rating: ptr(5), Opinion: "配合及时"})
	if err != nil || got.Status != gridline.StatusHandling || got.Assignments[1].Rating == nil || *got.Assignments[1].Rating != 5 ||
		got.Assignments[1].RatingOpinion != "配合及时" {
		t.Fatalf("rate: %v, %+v", err, got.Assignments[1])
	}

	// The other co-unit has not replied by its deadline (Fri 8th 17:30):
	// its own light goes yellow, then red; the case's goes yellow a
	// working day before its own deadline (Mon 11th 17:30), not red.
	at("2024-11-07 18:00")
	n, err := f.s.Tickets.Supervise(ctx)
	if err != nil || n != (gridline.Supervision{Yellow: 1}) {
		t.Fatalf("supervise Thu: %+v, %v", n, err)
	}
	at("2024-11-08 18:00")
	n, err = f.s.Tickets.Supervise(ctx)
	if err != nil || n != (gridline.Supervision{Yellow: 1, Red: 1}) {
		t.Fatalf("supervise Fri: %+v, %v", n, err)
	}
	if n, _ := f.s.Tickets.Supervise(ctx); n != (gridline.Supervision{}) {
		t.Fatalf("second run: %+v", n)
	}
	got, _ = f.s.Tickets.FindTicketByID(ctx, tk.ID)
	if got.Warning != gridline.WarningYellow || got.Assignments[0].Warning != gridline.WarningYellow || got.Assignments[2].Warning != gridline.WarningRed || got.Assignments[1].Warning != gridline.WarningNone {
		t.Fatalf("lights: case %q, lead %q, water %q, urban %q", got.Warning, got.Assignments[0].Warning,
			got.Assignments[1].Warning, got.Assignments[2].Warning)
	}
	var lights []string
	for _, e := range got.Timeline {
		if e.Actor == "scheduler" && e.Note == "协办" {
			lights = append(lights, fmt.Sprintf("%s:%d", e.Action, *e.UnitID))
		}
	}
	if want := fmt.Sprintf("[yellow:%d red:%d]", urban.ID, urban.ID); fmt.Sprint(lights) != want {
		t.Fatalf("scheduler events %v, want %s", lights, want)
	}

	// The lead's reply moves the case.
	at("2024-11-08 19:00")
	got, err = f.s.Tickets.ActOnTicket(lead, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionReply, Opinion: "管网已改造"})
	if err != nil || got.Status != gridline.StatusVerifying || got.Assignments[0].RepliedAt == nil {
		t.Fatalf("lead reply: %v, %+v", err, got)
	}
	// A co-unit cannot reply once the case has left handling.
	_, err = f.s.Tickets.ActOnTicket(co2, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionReply, Opinion: "迟到的答复"})
	wantCode(t, err, gridline.ECONFLICT)

	// A redispatch replaces the co-units.
	tk2 := mustTicketIn(t, f, 116.806, 35.556, "路灯不亮", "0211")
	act(t, f, tk2.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	act(t, f, tk2.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &housing.ID, CoUnits: []int64{water.ID}})
	got = act(t, f, tk2.ID, gridline.TicketActionRequest{Action: gridline.ActionRedispatch, LeadUnit: &urban.ID, CoUnits: []int64{other.ID}})
	var units []int64
	for _, a := range got.Assignments {
		units = append(units, a.UnitID)
	}
	if !slices.Equal(units, []int64{urban.ID, other.ID}) {
		t.Fatalf("after redispatch: %v", units)
	}
	if _, n, _ := f.s.Tickets.FindTickets(co, gridline.TicketFilter{ID: &tk2.ID}); n != 0 {
		t.Fatal("a co-unit dropped by the redispatch still sees the case")
	}
	got = act(t, f, tk2.ID, gridline.TicketActionRequest{Action: gridline.ActionReturn, Opinion: "非我局职责"})
	if len(got.Assignments) != 0 {
		t.Fatalf("after return: %+v", got.Assignments)
	}
}

// TestTicketCallbackAnswers records callbacks with their answers and
// refuses contradictory ones, naming the field.
func TestTicketCallbackAnswers(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区执法局", "370812")
	yes, no := true, false
	for _, c := range []struct {
		r     gridline.TicketActionRequest
		field string
	}{
		{gridline.TicketActionRequest{Contacted: &no, Satisfaction: gridline.OutcomeSatisfied}, "satisfaction"},
		{gridline.TicketActionRequest{Contacted: &yes, Satisfaction: gridline.OutcomeUnreachable}, "contacted"},
		{gridline.TicketActionRequest{Resolved: &yes, Satisfaction: gridline.OutcomeUnreachable}, "resolved"},
		{gridline.TicketActionRequest{Satisfaction: gridline.OutcomeBasic, Outcome: gridline.OutcomeSatisfied}, "satisfaction"},
		{gridline.TicketActionRequest{Contacted: &yes}, "satisfaction"},
		{gridline.TicketActionRequest{Satisfaction: "happy"}, "satisfaction"},
	} {
		c.r.Action = gridline.ActionCallback
		wantField(t, c.r.Validate(), c.field)
	}
	tk := mustTicket(t, f, 116.805, 35.555, "占道经营")
	for _, r := range []gridline.TicketActionRequest{{Action: gridline.ActionFile},
		{Action: gridline.ActionDispatch, LeadUnit: &unit.ID}, {Action: gridline.ActionSign}, {Action: gridline.ActionReply, Opinion: "已处理"},
		{Action: gridline.ActionVerify, Outcome: gridline.OutcomePassed}} {
		act(t, f, tk.ID, r)
	}
	_, err := f.s.Tickets.ActOnTicket(ctx, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionCallback,
		Contacted: &no, Satisfaction: gridline.OutcomeBasic})
	wantField(t, err, "satisfaction")
	got := act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionCallback, Contacted: &yes, Resolved: &no,
		Satisfaction: gridline.OutcomeSatisfied})
	e := got.Timeline[len(got.Timeline)-1]
	if got.Status != gridline.StatusClosed || e.Outcome != gridline.OutcomeSatisfied || e.Contacted == nil || !*e.Contacted ||
		e.Resolved == nil || *e.Resolved {
		t.Fatalf("callback: %s, event %+v", got.Status, e)
	}
}

// TestFindTicketSummaries reads several cases in one call, as the live
// stream does for a page of the feed: each summarised (the fields the
// interface names equal FindTicketByID's, nothing else read), with its
// assignments' units and roles (lead first), in the order asked, an
// unknown id left out, an id given twice once, and only what the caller
// may read.
func TestFindTicketSummaries(t *testing.T) {
	f := newFixture(t)
	housing := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	water := f.mustUnit(t, gridline.UnitDepartment, "区水务局", "370812")
	a := mustTicketIn(t, f, 116.805, 35.555, "路灯不亮", "0211")
	b := mustTicketIn(t, f, 116.825, 35.555, "井盖破损", "0211")
	c := mustTicketIn(t, f, 116.806, 35.556, "楼道堆物", "0211")
	act(t, f, b.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	act(t, f, b.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &housing.ID, CoUnits: []int64{water.ID}})

	got, err := f.s.Tickets.FindTicketSummaries(ctx, []int64{c.ID, b.ID, 1 << 40, a.ID, b.ID})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, g := range got {
		ids = append(ids, g.ID)
	}
	if !slices.Equal(ids, []int64{c.ID, b.ID, a.ID}) {
		t.Fatalf("ids %v, want %v", ids, []int64{c.ID, b.ID, a.ID})
	}
	for _, g := range got {
		full, err := f.s.Tickets.FindTicketByID(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := &gridline.Ticket{ID: full.ID, Number: full.Number, Status: full.Status, Warning: full.Warning,
			Channel: full.Channel, Category: full.Category, Lon: full.Lon, Lat: full.Lat, RegionPath: full.RegionPath,
			ReportedAt: full.ReportedAt, BuildingID: full.BuildingID, Floor: full.Floor, CreatedBy: full.CreatedBy,
			LeadUnitID: full.LeadUnitID, CompoundID: full.CompoundID}
		for _, a := range full.Assignments {
			want.Assignments = append(want.Assignments, &gridline.TicketAssignment{UnitID: a.UnitID, Role: a.Role})
		}
		if !reflect.DeepEqual(g, want) {
			t.Errorf("case %d:\n got %+v\nwant %+v", g.ID, *g, *want)
		}
		if want.Lon == nil || want.RegionPath.GridCode == "" || want.Number == "" {
			t.Fatalf("case %d: the fixture's case lacks what the comparison needs: %+v", g.ID, *want)
		}
	}
	if len(got[1].Assignments) != 2 || got[1].Assignments[0].UnitID != housing.ID || got[1].Assignments[1].UnitID != water.ID {
		t.Fatalf("dispatched case's assignments: %+v", got[1].Assignments)
	}
	// The co-unit reads only the case it co-handles.
	co := as(72, gridline.Grant{Role: gridline.RoleDepartment, UnitID: &water.ID})
	got, err = f.s.Tickets.FindTicketSummaries(co, []int64{a.ID, b.ID, c.ID})
	if err != nil || len(got) != 1 || got[0].ID != b.ID {
		t.Fatalf("co-unit: %v %+v", err, got)
	}
}
