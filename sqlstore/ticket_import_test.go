package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// history builds a case with its timeline for ImportTickets: steps are
// taken from the intake, each a minute after the one before.
type history struct {
	t   *gridline.Ticket
	at  time.Time
	now gridline.TicketStatus
}

func newHistory(at time.Time, lon, lat float64, grid *gridline.Grid, text string) *history {
	t := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: text, Category: "0115", ReportedAt: at.Add(-3 * time.Minute),
		Reporter: gridline.Reporter{Name: "李先生", Phone: "13912345678"}}
	status := gridline.StatusUnlocated
	if grid != nil {
		t.Lon, t.Lat, t.RegionPath, status = &lon, &lat, grid.Path(), gridline.StatusReceived
	}
	t.Timeline = []*gridline.TicketEvent{{At: at, Actor: "12345热线", Action: gridline.ActionCreate, To: status}}
	t.Status = status
	return &history{t: t, at: at, now: status}
}

func (h *history) step(action gridline.TicketAction, outcome gridline.Outcome, unit *int64, opinion string) *history {
	h.at = h.at.Add(time.Minute)
	to, err := gridline.NextStatus(h.now, action, outcome)
	if err != nil {
		panic(err)
	}
	h.t.Timeline = append(h.t.Timeline, &gridline.TicketEvent{At: h.at, Actor: "区指挥中心", UnitID: unit, Action: action,
		From: h.now, To: to, Outcome: outcome, Opinion: opinion})
	h.now, h.t.Status = to, to
	if to == gridline.StatusClosed {
		at := h.at
		h.t.ClosedAt = &at
	}
	return h
}

// TestImportTickets: cases come in with their timelines, numbered by the
// day they were received after the intake before them, and intake after
// the import continues the day's sequence; one audit row and one feed
// event for the whole import.
func TestImportTickets(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	day := time.Date(2026, 3, 10, 10, 0, 0, 0, gridline.ChinaTime)
	f.db.Now = func() time.Time { return day }
	before := mustTicket(t, f, 116.805, 35.555, "路灯不亮")

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
	yesterday := newHistory(day.Add(-20*time.Hour), 0, 0, nil, "家门口路灯不亮,具体位置不详")
	yesterday.t.Address = "兖州区鼓楼街道"
	// A light, as the scheduler leaves it, keeps the version.
	light := newHistory(day.Add(-30*time.Minute), 116.905, 35.605, f.g3, "村口路灯不亮").
		step(gridline.ActionFile, "", nil, "").
		step(gridline.ActionDispatch, "", &unit.ID, "")
	light.t.Timeline = append(light.t.Timeline, &gridline.TicketEvent{At: light.at.Add(time.Minute),
		Actor: gridline.ActorScheduler, Action: gridline.TicketAction(gridline.WarningYellow), UnitID: &unit.ID})
	light.t.LeadUnitID, light.t.Deadline, light.t.BaseDeadline, light.t.Warning = &unit.ID, &deadline, &deadline, gridline.WarningYellow

	ts := []*gridline.Ticket{closed.t, dup.t, yesterday.t, light.t}
	if err := f.s.Tickets.ImportTickets(ctx, ts); err != nil {
		t.Fatal(err)
	}
	after := mustTicket(t, f, 116.805, 35.555, "路灯又不亮了")
	want := map[*gridline.Ticket]string{before: "370812-20260310-000001", yesterday.t: "370812-20260309-000001",
		closed.t: "370812-20260310-000002", dup.t: "370812-20260310-000003", light.t: "370812-20260310-000004",
		after: "370812-20260310-000005"}
	for tk, number := range want {
		if tk.Number != number {
			t.Errorf("%s: number %s, want %s", tk.Text, tk.Number, number)
		}
	}
	if !(yesterday.t.ID < closed.t.ID && closed.t.ID < dup.t.ID && dup.t.ID < light.t.ID && light.t.ID < after.ID) {
		t.Errorf("ids do not follow receipt: %d %d %d %d %d", yesterday.t.ID, closed.t.ID, dup.t.ID, light.t.ID, after.ID)
	}

	got, err := f.s.Tickets.FindTicketByID(ctx, closed.t.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != gridline.StatusClosed || got.Version != 7 || len(got.Timeline) != 7 || got.ClosedAt == nil ||
		!got.ClosedAt.Equal(*closed.t.ClosedAt) || got.LeadUnitID == nil || *got.LeadUnitID != unit.ID ||
		!got.BaseDeadline.Equal(deadline) || got.ExternalID != "SD20260310-000001" || got.Grid.Name == "" ||
		!got.CreatedAt.Equal(day.Add(-2*time.Hour)) || !got.UpdatedAt.Equal(*closed.t.ClosedAt) ||
		!got.ReportedAt.Equal(day.Add(-2*time.Hour-3*time.Minute)) {
		t.Fatalf("closed case: %+v", got)
	}
	if e := got.Timeline[4]; e.Action != gridline.ActionReply || e.Opinion != "已更换灯泡" || e.UnitID == nil || e.Actor != "区指挥中心" {
		t.Errorf("reply event: %+v", e)
	}
	if got, _ := f.s.Tickets.FindTicketByID(ctx, dup.t.ID); got.MergedInto == nil || *got.MergedInto != closed.t.ID {
		t.Errorf("duplicate merged into %v, want %d", got.MergedInto, closed.t.ID)
	}
	if got, _ := f.s.Tickets.FindTicketByID(ctx, light.t.ID); got.Warning != gridline.WarningYellow || got.Version != 3 ||
		len(got.Timeline) != 4 {
		t.Errorf("lit case: warning %q, version %d, %d events", got.Warning, got.Version, len(got.Timeline))
	}
	if got, _ := f.s.Tickets.FindTicketByID(ctx, yesterday.t.ID); got.Status != gridline.StatusUnlocated || got.GridCode != "" {
		t.Errorf("unlocated case: %+v", got)
	}
	// Overdue follows the imported deadline.
	f.db.Now = func() time.Time { return deadline.Add(time.Hour) }
	if _, n, err := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{Overdue: true}); err != nil || n != 1 {
		t.Errorf("overdue: %d, %v", n, err)
	}
	if n, _ := f.db.AuditCount(ctx, "tickets"); n != 1 {
		t.Errorf("%d audit rows for the import, want 1", n)
	}
	evs, err := f.s.Events.FindEvents(ctx, gridline.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	imports := 0
	for _, e := range evs {
		if e.Entity == "tickets" && e.Action == "import" {
			imports++
		}
	}
	if imports != 1 {
		t.Errorf("%d feed events for the import, want 1", imports)
	}
}

// TestImportTicketsAllOrNothing: a case the loop could not have reached,
// or one pointing at what does not exist, fails the whole import, naming
// the case and the field, and nothing is written, numbers included.
func TestImportTicketsAllOrNothing(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	day := time.Date(2026, 3, 10, 10, 0, 0, 0, gridline.ChinaTime)
	good := func() *gridline.Ticket {
		return newHistory(day, 116.805, 35.556, f.g1, "路灯不亮").step(gridline.ActionFile, "", nil, "").t
	}
	nobody := int64(987654)
	cases := []struct {
		name  string
		bad   func() *gridline.Ticket
		code  string
		field string
	}{
		{"a step the loop forbids", func() *gridline.Ticket {
			tk := good()
			tk.Timeline = append(tk.Timeline, &gridline.TicketEvent{At: day.Add(time.Hour), Action: gridline.ActionSign,
				From: gridline.StatusFiled, To: gridline.StatusHandling})
			tk.Status = gridline.StatusHandling
			return tk
		}, gridline.EINVALID, "tickets[1].timeline[2]"},
		{"status not where the timeline ends", func() *gridline.Ticket {
			tk := good()
			tk.Status = gridline.StatusClosed
			return tk
		}, gridline.EINVALID, "tickets[1].status"},
		{"steps out of order", func() *gridline.Ticket {
			tk := good()
			tk.Timeline[1].At = day.Add(-time.Hour)
			return tk
		}, gridline.EINVALID, "tickets[1].timeline[1]"},
		{"a return without a reason", func() *gridline.Ticket {
			h := newHistory(day, 116.805, 35.556, f.g1, "路灯不亮").step(gridline.ActionFile, "", nil, "").
				step(gridline.ActionDispatch, "", &unit.ID, "").step(gridline.ActionReturn, "", nil, "")
			return h.t
		}, gridline.EINVALID, "tickets[1].timeline[3]"},
		{"an unknown grid", func() *gridline.Ticket {
			tk := good()
			tk.RegionPath = gridline.PathOf("370812001002999")
			return tk
		}, gridline.EINVALID, "tickets[1].grid_code"},
		{"an unknown unit", func() *gridline.Ticket {
			h := newHistory(day, 116.805, 35.556, f.g1, "路灯不亮").step(gridline.ActionFile, "", nil, "").
				step(gridline.ActionDispatch, "", &nobody, "")
			h.t.LeadUnitID, h.t.Deadline, h.t.BaseDeadline = &nobody, &day, &day
			return h.t
		}, gridline.EINVALID, "tickets[1].lead_unit_id"},
		{"merged into a later case", func() *gridline.Ticket {
			tk := good()
			later := int64(-2)
			tk.MergedInto = &later
			return tk
		}, gridline.EINVALID, "tickets[1].merged_into"},
		{"an external number twice", func() *gridline.Ticket {
			tk := good()
			tk.ExternalID = "SD-1"
			return tk
		}, gridline.ECONFLICT, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			first := good()
			first.ExternalID = "SD-1"
			err := f.s.Tickets.ImportTickets(ctx, []*gridline.Ticket{first, c.bad(), good()})
			wantCode(t, err, c.code)
			if _, ok := gridline.ErrorFields(err)[c.field]; c.field != "" && !ok {
				t.Errorf("error fields %v, want %s", gridline.ErrorFields(err), c.field)
			}
			if !strings.Contains(gridline.ErrorMessage(err), "tickets[1]") {
				t.Errorf("message %q does not name the case", gridline.ErrorMessage(err))
			}
			if _, n, _ := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{}); n != 0 {
				t.Fatalf("%d cases written", n)
			}
		})
	}
	// The numbers of a failed import are not used up.
	f.db.Now = func() time.Time { return day }
	if tk := mustTicket(t, f, 116.805, 35.555, "路灯不亮"); tk.Number != "370812-20260310-000001" {
		t.Errorf("number after failed imports: %s", tk.Number)
	}
	// An external number taken before is a conflict too.
	tk := good()
	tk.ExternalID = "SD-9"
	if err := f.s.Tickets.ImportTickets(ctx, []*gridline.Ticket{tk}); err != nil {
		t.Fatal(err)
	}
	again := good()
	again.ExternalID = "SD-9"
	wantCode(t, f.s.Tickets.ImportTickets(ctx, []*gridline.Ticket{again}), gridline.ECONFLICT)
}

// TestImportTicketsCoUnits: a case imported with a co-unit's steps, the
// lead's rating, its assignments and the callback's answers reads back
// with all of them; the KPIs count the lead's sign-off only.
func TestImportTicketsCoUnits(t *testing.T) {
	f := newFixture(t)
	lead := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	co := f.mustUnit(t, gridline.UnitDepartment, "区水务局", "370812")
	day := time.Date(2026, 3, 10, 10, 0, 0, 0, gridline.ChinaTime)
	f.db.Now = func() time.Time { return day.Add(24 * time.Hour) }
	h := newHistory(day, 116.805, 35.556, f.g1, "雨污管网混接").
		step(gridline.ActionFile, "", nil, "").
		step(gridline.ActionDispatch, "", &lead.ID, "").
		step(gridline.ActionSign, "", &lead.ID, "")
	coStep := func(a gridline.TicketAction, unit *int64, opinion string) {
		h.at = h.at.Add(time.Minute)
		h.t.Timeline = append(h.t.Timeline, &gridline.TicketEvent{At: h.at, Actor: "水务局", UnitID: unit, Action: a,
			From: gridline.StatusHandling, To: gridline.StatusHandling, Opinion: opinion, Note: "协办"})
	}
	coStep(gridline.ActionSign, &co.ID, "")
	coStep(gridline.ActionReply, &co.ID, "已排查")
	coStep(gridline.ActionRate, &lead.ID, "配合及时")
	h.step(gridline.ActionReply, "", &lead.ID, "已改造").
		step(gridline.ActionVerify, gridline.OutcomePassed, &lead.ID, "").
		step(gridline.ActionCallback, gridline.OutcomeBasic, &lead.ID, "")
	yes, no := true, false
	cb := h.t.Timeline[len(h.t.Timeline)-1]
	cb.Contacted, cb.Resolved = &yes, &no
	deadline := day.Add(48 * time.Hour).UTC()
	h.t.LeadUnitID, h.t.Deadline, h.t.BaseDeadline = &lead.ID, &deadline, &deadline
	signed, replied, rating := h.t.Timeline[4].At, h.t.Timeline[5].At, 5
	h.t.Assignments = []*gridline.TicketAssignment{
		{UnitID: lead.ID, Role: gridline.AssignLead, AssignedAt: h.t.Timeline[2].At, Deadline: deadline},
		{UnitID: co.ID, Role: gridline.AssignCo, AssignedAt: h.t.Timeline[2].At, Deadline: deadline.Add(-24 * time.Hour),
			SignedAt: &signed, RepliedAt: &replied, Reply: "已排查", Rating: &rating, RatingOpinion: "配合及时", RatedAt: &replied},
	}
	if err := f.s.Tickets.ImportTickets(ctx, []*gridline.Ticket{h.t}); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.Tickets.FindTicketByID(ctx, h.t.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Assignments) != 2 || got.Assignments[1].UnitID != co.ID || got.Assignments[1].Rating == nil ||
		*got.Assignments[1].Rating != 5 || got.Assignments[1].RepliedAt == nil || got.Assignments[1].UnitName != "区水务局" {
		t.Fatalf("assignments %+v", got.Assignments)
	}
	e := got.Timeline[len(got.Timeline)-1]
	if e.Contacted == nil || !*e.Contacted || e.Resolved == nil || *e.Resolved {
		t.Fatalf("callback answers %+v", e)
	}
	r, err := f.s.KPIs.KPIs(ctx, gridline.KPIFilter{From: day.Add(-time.Hour), To: day.Add(24 * time.Hour), By: "unit"})
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Total.Counts; c.Signs != 1 || c.Callbacks != 1 || c.Contacted != 1 || c.Resolved != 0 {
		t.Fatalf("KPI counts %+v", r.Total.Counts)
	}
	// Bad assignments name the field, and nothing is written.
	h2 := newHistory(day, 116.805, 35.556, f.g1, "另一件").step(gridline.ActionFile, "", nil, "").step(gridline.ActionDispatch, "", &lead.ID, "")
	h2.t.LeadUnitID, h2.t.Deadline, h2.t.BaseDeadline = &lead.ID, &deadline, &deadline
	h2.t.Assignments = []*gridline.TicketAssignment{{UnitID: lead.ID, Role: gridline.AssignLead, Deadline: deadline},
		{UnitID: 999999, Role: gridline.AssignCo, Deadline: deadline}}
	err = f.s.Tickets.ImportTickets(ctx, []*gridline.Ticket{h2.t})
	if gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(gridline.ErrorMessage(err), "assignments") {
		t.Fatalf("import with an unknown co-unit: %v", err)
	}
}
