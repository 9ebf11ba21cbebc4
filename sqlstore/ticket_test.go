package sqlstore_test

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/gridline/gridline"
)

func mustTicket(tb testing.TB, f *fixture, lon, lat float64, text string) *gridline.Ticket {
	tb.Helper()
	return mustTicketIn(tb, f, lon, lat, text, "")
}

// mustTicketIn takes a case of a given category in ("": suggested from
// the text).
func mustTicketIn(tb testing.TB, f *fixture, lon, lat float64, text, category string) *gridline.Ticket {
	tb.Helper()
	t := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: text, Category: category, Lon: &lon, Lat: &lat,
		Reporter: gridline.Reporter{Name: "王女士", Phone: "13912345678"}}
	if created, err := f.s.Tickets.CreateTicket(ctx, t); err != nil || !created {
		tb.Fatalf("create ticket: created %v, %v", created, err)
	}
	return t
}

func act(tb testing.TB, f *fixture, id int64, r gridline.TicketActionRequest) *gridline.Ticket {
	tb.Helper()
	t, err := f.s.Tickets.ActOnTicket(ctx, id, r)
	if err != nil {
		tb.Fatalf("%s: %v", r.Action, err)
	}
	return t
}

// TestTicketLoop takes one case through the whole loop and checks its
// status, version, timeline and the feed at the end.
// intakeOnly leaves out of a comparison what an intake's answer carries
// and the stored case does not: the category suggestions it was made with.
var intakeOnly = cmpopts.IgnoreFields(gridline.Ticket{}, "Suggestions")

func TestTicketLoop(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区执法局", "370812")
	tk := mustTicket(t, f, 116.805, 35.555, "韦园社区门口占道经营，影响通行")
	if !regexp.MustCompile(`^370812-\d{8}-000001$`).MatchString(tk.Number) {
		t.Fatalf("number %q", tk.Number)
	}
	if tk.Status != gridline.StatusReceived || tk.GridCode != f.g1.Code || tk.Community.Name == "" || tk.Version != 1 {
		t.Fatalf("after intake: %+v", tk)
	}
	// Intake answers with what it wrote, without reading it back: the
	// same case as a read gives.
	read, err := f.s.Tickets.FindTicketByID(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(read, tk, intakeOnly); diff != "" {
		t.Fatalf("intake answer differs from the stored case (-read +answer):\n%s", diff)
	}
	deadline := time.Now().Add(48 * time.Hour)
	steps := []gridline.TicketActionRequest{
		{Action: gridline.ActionFile},
		{Action: gridline.ActionDispatch, LeadUnit: &unit.ID, Deadline: &deadline},
		{Action: gridline.ActionSign},
		{Action: gridline.ActionReply, Opinion: "已清理占道摊点"},
		{Action: gridline.ActionVerify, Outcome: gridline.OutcomeFailed, Note: "仍有摊点"},
		{Action: gridline.ActionReply, Opinion: "已再次清理并设置劝导岗"},
		{Action: gridline.ActionVerify, Outcome: gridline.OutcomePassed},
		{Action: gridline.ActionCallback, Outcome: gridline.OutcomeSatisfied},
	}
	for i, r := range steps {
		v := tk.Version
		r.Version = &v
		tk = act(t, f, tk.ID, r)
		if tk.Version != v+1 {
			t.Fatalf("step %d: version %d after %d", i, tk.Version, v)
		}
	}
	if tk.Status != gridline.StatusClosed || tk.ClosedAt == nil || tk.LeadUnitID == nil || *tk.LeadUnitID != unit.ID {
		t.Fatalf("after the loop: %+v", tk)
	}
	if len(tk.Timeline) != len(steps)+1 || tk.Timeline[5].Outcome != gridline.OutcomeFailed || tk.Timeline[4].Opinion != "已清理占道摊点" {
		t.Fatalf("timeline: %d events", len(tk.Timeline))
	}
	if n, _ := f.db.AuditCount(ctx, "ticket"); n != len(steps)+1 {
		t.Fatalf("audit rows %d", n)
	}
	// Reopened after closure, it is handled again and no longer closed.
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionReopen, Note: "市民来电仍未解决"})
	if tk.Status != gridline.StatusHandling || tk.ClosedAt != nil {
		t.Fatalf("reopened: %s, closed at %v", tk.Status, tk.ClosedAt)
	}
}

// TestTicketRefusals: an action the loop does not allow, a stale version
// and bad bodies are refused, and leave the case and its timeline as they
// were.
func TestTicketRefusals(t *testing.T) {
	f := newFixture(t)
	tk := mustTicket(t, f, 116.805, 35.555, "路灯不亮")
	_, err := f.s.Tickets.ActOnTicket(ctx, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionSign})
	wantCode(t, err, gridline.ECONFLICT)
	stale := 7
	_, err = f.s.Tickets.ActOnTicket(ctx, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionFile, Version: &stale})
	wantCode(t, err, gridline.ECONFLICT)
	_, err = f.s.Tickets.ActOnTicket(ctx, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionReject})
	wantCode(t, err, gridline.EINVALID) // a rejection needs a reason
	_, err = f.s.Tickets.ActOnTicket(ctx, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionMerge, Into: &tk.ID})
	wantCode(t, err, gridline.EINVALID)
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	nobody, past := int64(999), time.Now().Add(-time.Hour)
	_, err = f.s.Tickets.ActOnTicket(ctx, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &nobody})
	wantCode(t, err, gridline.EINVALID)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	_, err = f.s.Tickets.ActOnTicket(ctx, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &unit.ID, Deadline: &past})
	wantCode(t, err, gridline.EINVALID)
	_, err = f.s.Tickets.ActOnTicket(ctx, 424242, gridline.TicketActionRequest{Action: gridline.ActionFile})
	wantCode(t, err, gridline.ENOTFOUND)
	got, err := f.s.Tickets.FindTicketByID(ctx, tk.ID)
	if err != nil || got.Status != gridline.StatusFiled || got.Version != 2 || len(got.Timeline) != 2 || got.LeadUnitID != nil {
		t.Fatalf("after refusals: %+v, %v", got, err)
	}
}

// TestTicketUnlocated: a place in no grid is taken in and waits to be
// placed by hand, never refused.
func TestTicketUnlocated(t *testing.T) {
	f := newFixture(t)
	tk := mustTicket(t, f, 116.95, 35.70, "野外垃圾堆放")
	if tk.Status != gridline.StatusUnlocated || tk.GridCode != "" || tk.Number == "" {
		t.Fatalf("outside every grid: %+v", tk)
	}
	lon, lat := 116.95, 35.70
	_, err := f.s.Tickets.ActOnTicket(ctx, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionLocate, Lon: &lon, Lat: &lat})
	wantCode(t, err, gridline.EINVALID)
	lon, lat = 116.905, 35.605
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionLocate, Lon: &lon, Lat: &lat})
	if tk.Status != gridline.StatusReceived || tk.GridCode != f.g3.Code || tk.Town.Name == "" {
		t.Fatalf("located: %+v", tk)
	}
	// An address alone also waits in the queue.
	addr := &gridline.Ticket{Channel: gridline.ChannelMailbox, Text: "噪音", Address: "兖州区某小区"}
	if _, err := f.s.Tickets.CreateTicket(ctx, addr); err != nil || addr.Status != gridline.StatusUnlocated {
		t.Fatalf("address only: %s, %v", addr.Status, err)
	}
}

// TestTicketExternalIDIdempotent: the same external number on one channel
// is one case.
func TestTicketExternalIDIdempotent(t *testing.T) {
	f := newFixture(t)
	lon, lat := 116.805, 35.555
	mk := func(ch gridline.Channel) (*gridline.Ticket, bool) {
		tk := &gridline.Ticket{Channel: ch, ExternalID: "SD12345-0001", Text: "供暖不热", Lon: &lon, Lat: &lat}
		created, err := f.s.Tickets.CreateTicket(ctx, tk)
		if err != nil {
			t.Fatal(err)
		}
		return tk, created
	}
	a, created := mk(gridline.ChannelHotline)
	b, again := mk(gridline.ChannelHotline)
	c, other := mk(gridline.ChannelMailbox)
	if !created || again || a.ID != b.ID || !other || c.ID == a.ID {
		t.Fatalf("ids %d %d %d, created %v %v %v", a.ID, b.ID, c.ID, created, again, other)
	}
}

// TestTicketConcurrentActions: of several clients acting on one case at
// once with the version they read, exactly one wins; none is lost.
func TestTicketConcurrentActions(t *testing.T) {
	f := newFixture(t)
	tk := mustTicket(t, f, 116.805, 35.555, "井盖缺失")
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start // all at once
			v := tk.Version
			r := gridline.TicketActionRequest{Action: gridline.ActionFile, Version: &v, Note: fmt.Sprint("client ", i)}
			if i%2 == 1 {
				r = gridline.TicketActionRequest{Action: gridline.ActionReject, Version: &v, Opinion: "非本辖区"}
			}
			_, err := f.s.Tickets.ActOnTicket(ctx, tk.ID, r)
			mu.Lock()
			defer mu.Unlock()
			switch gridline.ErrorCode(err) {
			case "":
				wins++
			case gridline.ECONFLICT:
				conflicts++
			default:
				t.Errorf("client %d: %v", i, err)
			}
		}(i)
	}
	close(start)
	wg.Wait()
	got, err := f.s.Tickets.FindTicketByID(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if wins != 1 || conflicts != n-1 || got.Version != 2 || len(got.Timeline) != 2 {
		t.Fatalf("wins %d, conflicts %d, version %d, %d events", wins, conflicts, got.Version, len(got.Timeline))
	}
}

// TestTicketFilters checks the list's filters and totals.
func TestTicketFilters(t *testing.T) {
	f := newFixture(t)
	a := mustTicket(t, f, 116.805, 35.555, "小区路灯坏了")
	noise := mustTicket(t, f, 116.825, 35.555, "楼上装修噪音")
	mustTicket(t, f, 116.905, 35.605, "路灯不亮")
	unit := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	act(t, f, a.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	soon := time.Now().Add(time.Hour)
	act(t, f, a.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &unit.ID, Deadline: &soon})
	count := func(fl gridline.TicketFilter) int {
		t.Helper()
		_, n, err := f.s.Tickets.FindTickets(ctx, fl)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	dispatched, q, street, town := gridline.StatusDispatched, "路灯", "370812001", "370812101"
	// Every level's code as within: a community and a grid as a range of
	// the grid index (regionCases), the county and above by the
	// county's code.
	community, grid, county, city := a.CommunityCode, a.GridCode, "370812", "3708"
	if len(community) != 12 || len(grid) != gridline.GridCodeLen {
		t.Fatalf("a's community %q, grid %q", community, grid)
	}
	for name, tt := range map[string]struct {
		f    gridline.TicketFilter
		want int
	}{
		"all":        {gridline.TicketFilter{}, 3},
		"status":     {gridline.TicketFilter{Status: &dispatched}, 1},
		"text":       {gridline.TicketFilter{Query: &q}, 2},
		"street":     {gridline.TicketFilter{Within: &street}, 1},
		"town":       {gridline.TicketFilter{Within: &town}, 1},
		"community":  {gridline.TicketFilter{Within: &community}, 1},
		"grid":       {gridline.TicketFilter{Within: &grid}, 1},
		"county":     {gridline.TicketFilter{Within: &county}, 3},
		"city":       {gridline.TicketFilter{Within: &city}, 3},
		"lead unit":  {gridline.TicketFilter{UnitID: &unit.ID}, 1},
		"overdue":    {gridline.TicketFilter{Overdue: true}, 0},
		"page total": {gridline.TicketFilter{Limit: 1}, 3},
	} {
		if got := count(tt.f); got != tt.want {
			t.Errorf("%s: %d, want %d", name, got, tt.want)
		}
	}
	f.db.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if got := count(gridline.TicketFilter{Overdue: true}); got != 1 {
		t.Errorf("overdue two hours later: %d, want 1", got)
	}
	// Open leaves out the final statuses; with a light, it is the
	// supervision board's selection.
	red := gridline.WarningRed
	if got := count(gridline.TicketFilter{Open: true}); got != 3 {
		t.Errorf("open: %d, want 3", got)
	}
	act(t, f, noise.ID, gridline.TicketActionRequest{Action: gridline.ActionReject, Opinion: "非本辖区"})
	if got := count(gridline.TicketFilter{Open: true}); got != 2 {
		t.Errorf("open after a rejection: %d, want 2", got)
	}
	if got, all := count(gridline.TicketFilter{Open: true, Warning: &red}), count(gridline.TicketFilter{Warning: &red}); got > all {
		t.Errorf("open red %d > red %d", got, all)
	}
	// Keyset pages: below an id, newest first, not counted.
	var seen []int64
	fl := gridline.TicketFilter{Limit: 2}
	for {
		ts, _, err := f.s.Tickets.FindTickets(ctx, fl)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range ts {
			seen = append(seen, tk.ID)
		}
		if len(ts) < fl.Limit {
			break
		}
		last := ts[len(ts)-1].ID
		fl.BeforeID = &last
	}
	if fmt.Sprint(seen) != "[3 2 1]" {
		t.Errorf("keyset pages gave %v", seen)
	}
}

// TestTicketSupervision runs the scheduler's step at chosen times across
// the 2024 Mid-Autumn holiday (15–17 September off, Saturday the 14th a
// working day): a case dispatched on Friday the 13th without a deadline
// of its own is due five working days later — 14, 18, 19, 20 and 23
// September — at the close of business, turns yellow one working day
// before, red after, is escalated, and a second run changes nothing.
func TestTicketSupervision(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区执法局", "370812")
	at := func(s string) {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		tm = tm.Add(-8 * time.Hour) // China time to UTC
		f.db.Now = func() time.Time { return tm }
	}
	at("2024-09-13 10:00")
	tk := mustTicketIn(t, f, 116.805, 35.555, "停车位被占", "0211") // 停车设施: 5 working days
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &unit.ID})
	if want := "2024-09-23 17:30"; tk.Deadline.In(gridline.ChinaTime).Format("2006-01-02 15:04") != want {
		t.Fatalf("deadline %s, want %s", tk.Deadline.In(gridline.ChinaTime), want)
	}
	run := func(when string, want gridline.Supervision, light gridline.WarningLevel) {
		t.Helper()
		at(when)
		got, err := f.s.Tickets.Supervise(ctx)
		if err != nil || got != want {
			t.Fatalf("%s: %+v, %v; want %+v", when, got, err, want)
		}
		tk, err := f.s.Tickets.FindTicketByID(ctx, tk.ID)
		if err != nil || tk.Warning != light {
			t.Fatalf("%s: light %q, want %q", when, tk.Warning, light)
		}
	}
	run("2024-09-20 12:00", gridline.Supervision{}, gridline.WarningNone)
	run("2024-09-21 09:00", gridline.Supervision{Yellow: 1}, gridline.WarningYellow) // a Saturday after the warning
	run("2024-09-21 09:05", gridline.Supervision{}, gridline.WarningYellow)          // idempotent
	run("2024-09-23 18:00", gridline.Supervision{Red: 1, Escalated: 1}, gridline.WarningRed)
	run("2024-09-24 09:00", gridline.Supervision{}, gridline.WarningRed)
	got, _ := f.s.Tickets.FindTicketByID(ctx, tk.ID)
	if got.EscalatedTo != "370812" || got.Version != tk.Version {
		t.Fatalf("escalated to %q, version %d (was %d): lights must not change the version", got.EscalatedTo, got.Version, tk.Version)
	}
	var lights []string
	for _, e := range got.Timeline {
		if e.Actor == "scheduler" {
			lights = append(lights, string(e.Action))
		}
	}
	if fmt.Sprint(lights) != "[yellow red]" {
		t.Fatalf("scheduler events %v", lights)
	}
	// An approved extension puts the light out until the new deadline nears.
	later := time.Date(2024, 10, 10, 9, 30, 0, 0, time.UTC) // within 10 working days of the 23rd
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionSign})
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionExtendRequest, Opinion: "需协调车位"})
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionExtendApprove, Deadline: &later})
	run("2024-09-24 10:00", gridline.Supervision{}, gridline.WarningNone)
}

// TestTicketCategoryDeadline: a case without a category gets its text's
// best match, and a dispatch without a deadline takes that category's
// time limit (a water-supply manhole cover: 2 working hours).
func TestTicketCategoryDeadline(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	monday, _ := time.ParseInLocation("2006-01-02 15:04", "2024-11-04 16:30", gridline.ChinaTime)
	f.db.Now = func() time.Time { return monday }
	tk := mustTicketIn(t, f, 116.805, 35.555, "井盖丢了", "0101")
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &unit.ID})
	// 16:30 + 2 working hours: one hour on Monday, one on Tuesday morning.
	if got := tk.Deadline.In(gridline.ChinaTime).Format("2006-01-02 15:04"); got != "2024-11-05 10:00" {
		t.Fatalf("deadline %s", got)
	}
	s := mustTicket(t, f, 116.805, 35.555, "小区门口的路灯不亮了，晚上很黑")
	if s.Category == "" {
		t.Fatal("no category suggested")
	}
	if c, _ := gridline.DefaultCatalogue().Category(s.Category); c.Name != "路灯" {
		t.Fatalf("suggested %s %s, want 路灯", s.Category, c.Name)
	}
}

// TestTicketWindows: a unit may return a case only within 2 working days
// of dispatch, and extensions add at most 10 working days to the deadline
// set at dispatch (the Shandong 12345 profile); past either, a 400 naming
// the field and the limit.
func TestTicketWindows(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	at := func(s string) {
		tm, _ := time.ParseInLocation("2006-01-02 15:04", s, gridline.ChinaTime)
		f.db.Now = func() time.Time { return tm }
	}
	at("2024-11-04 10:00") // Monday
	tk := mustTicketIn(t, f, 116.805, 35.555, "停车位", "0211")
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &unit.ID})
	at("2024-11-06 18:00") // after Wednesday's close: the window (2 working days after Monday) is over
	_, err := f.s.Tickets.ActOnTicket(ctx, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionReturn, Opinion: "非我局职责"})
	if gridline.ErrorCode(err) != gridline.EINVALID || gridline.ErrorFields(err)["action"] == "" {
		t.Fatalf("late return: %v", err)
	}
	at("2024-11-06 17:00")
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionReturn, Opinion: "非我局职责"})
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &unit.ID})
	// Dispatched Wednesday 17:00: due 5 working days later, Wednesday the 13th
	// 17:30; extensions up to 10 working days more, to Wednesday the 27th.
	if got := tk.BaseDeadline.In(gridline.ChinaTime).Format("2006-01-02 15:04"); got != "2024-11-13 17:30" {
		t.Fatalf("base deadline %s", got)
	}
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionExtendRequest, Opinion: "需协调车位"})
	tooLate, _ := time.ParseInLocation("2006-01-02 15:04", "2024-11-28 17:30", gridline.ChinaTime)
	_, err = f.s.Tickets.ActOnTicket(ctx, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionExtendApprove, Deadline: &tooLate})
	if gridline.ErrorCode(err) != gridline.EINVALID || gridline.ErrorFields(err)["deadline"] == "" {
		t.Fatalf("extension past the limit: %v", err)
	}
	ok, _ := time.ParseInLocation("2006-01-02 15:04", "2024-11-27 17:30", gridline.ChinaTime)
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionExtendApprove, Deadline: &ok})
	if !tk.Deadline.Equal(ok) || !tk.BaseDeadline.Before(ok) {
		t.Fatalf("after extension: deadline %v base %v", tk.Deadline, tk.BaseDeadline)
	}
}

// TestCreatedByFilter lists a grid worker's own reports (the phone app's
// "my recent reports"): only theirs, counted exactly also for a caller
// without a scope (whose bare filters the totals table answers), and a
// report handled on the spot leaves the open ones.
func TestCreatedByFilter(t *testing.T) {
	f := newFixture(t)
	worker := as(93, gridline.Grant{Role: gridline.RoleGridWorker, Region: f.g1.Code})
	other := as(94, gridline.Grant{Role: gridline.RoleGridWorker, Region: f.g1.Code})
	lon, lat := 116.805, 35.555
	report := func(ctx context.Context, text string) *gridline.Ticket {
		t.Helper()
		tk := &gridline.Ticket{Channel: gridline.ChannelGridPatrol, Text: text, Lon: &lon, Lat: &lat}
		if _, err := f.s.Tickets.CreateTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
		return tk
	}
	a := report(worker, "井盖缺失")
	b := report(worker, "垃圾堆放")
	report(other, "路灯不亮")
	mustTicket(t, f, lon, lat, "来电反映噪音扰民")
	mine := int64(93)
	ids := func(ctx context.Context, fl gridline.TicketFilter) ([]int64, int) {
		t.Helper()
		ts, n, err := f.s.Tickets.FindTickets(ctx, fl)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, tk := range ts {
			out = append(out, tk.ID)
		}
		return out, n
	}
	for name, c := range map[string]context.Context{"worker": worker, "other worker": other, "system": ctx} {
		got, n := ids(c, gridline.TicketFilter{CreatedBy: &mine})
		if !cmp.Equal(got, []int64{b.ID, a.ID}) || n != 2 {
			t.Errorf("%s: created by 93: %v (total %d), want [%d %d]", name, got, n, b.ID, a.ID)
		}
	}
	if _, err := f.s.Tickets.ActOnTicket(worker, a.ID, gridline.TicketActionRequest{Action: gridline.ActionSelfHandle,
		Opinion: "已补装井盖", Version: &a.Version, Photos: []*gridline.Photo{testJPEG(t, 1, 10)}}); err != nil {
		t.Fatal(err)
	}
	if got, n := ids(worker, gridline.TicketFilter{CreatedBy: &mine, Open: true}); !cmp.Equal(got, []int64{b.ID}) || n != 1 {
		t.Errorf("open reports after handling one: %v (total %d)", got, n)
	}
	nobody := int64(999)
	if got, n := ids(ctx, gridline.TicketFilter{CreatedBy: &nobody}); len(got) != 0 || n != 0 {
		t.Errorf("created by nobody: %v (total %d)", got, n)
	}
}

// TestTicketExtensionPending: an extension is decided only while one is
// asked, asked only once at a time, and approved only to a deadline
// ahead of the store's clock; each refusal names its field, and changes
// nothing.
func TestTicketExtensionPending(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	now, _ := time.ParseInLocation("2006-01-02 15:04", "2024-11-04 10:00", gridline.ChinaTime) // Monday
	f.db.Now = func() time.Time { return now }
	tk := mustTicketIn(t, f, 116.805, 35.555, "停车位", "0211")
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &unit.ID})
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionSign})
	later := tk.Deadline.Add(24 * time.Hour)
	refused := func(r gridline.TicketActionRequest, code, field string) {
		t.Helper()
		_, err := f.s.Tickets.ActOnTicket(ctx, tk.ID, r)
		if gridline.ErrorCode(err) != code || gridline.ErrorFields(err)[field] == "" {
			t.Fatalf("%s: %v, want %s on %s", r.Action, err, code, field)
		}
		got, _ := f.s.Tickets.FindTicketByID(ctx, tk.ID)
		if got.Version != tk.Version || len(got.Timeline) != len(tk.Timeline) {
			t.Fatalf("%s refused but written: version %d → %d", r.Action, tk.Version, got.Version)
		}
	}
	// Nothing asked: nothing to approve or deny.
	refused(gridline.TicketActionRequest{Action: gridline.ActionExtendApprove, Deadline: &later}, gridline.ECONFLICT, "action")
	refused(gridline.TicketActionRequest{Action: gridline.ActionExtendDeny, Opinion: "不符合条件"}, gridline.ECONFLICT, "action")
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionExtendRequest, Opinion: "需采购配件"})
	if !gridline.ExtensionPending(tk) {
		t.Fatal("no extension pending after a request")
	}
	// Asked once: not again until decided.
	refused(gridline.TicketActionRequest{Action: gridline.ActionExtendRequest, Opinion: "再次申请"}, gridline.ECONFLICT, "action")
	// A deadline in the past, or now, is no extension.
	past := now.Add(-time.Hour)
	refused(gridline.TicketActionRequest{Action: gridline.ActionExtendApprove, Deadline: &past}, gridline.EINVALID, "deadline")
	refused(gridline.TicketActionRequest{Action: gridline.ActionExtendApprove, Deadline: &now}, gridline.EINVALID, "deadline")
	// A dispatch with a deadline in the past is refused as well.
	refused(gridline.TicketActionRequest{Action: gridline.ActionRedispatch, LeadUnit: &unit.ID, Deadline: &past}, gridline.EINVALID, "deadline")
	// Denied: decided, so neither decision again; a new request may follow.
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionExtendDeny, Opinion: "请按期办结"})
	refused(gridline.TicketActionRequest{Action: gridline.ActionExtendApprove, Deadline: &later}, gridline.ECONFLICT, "action")
	refused(gridline.TicketActionRequest{Action: gridline.ActionExtendDeny, Opinion: "请按期办结"}, gridline.ECONFLICT, "action")
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionExtendRequest, Note: "配件到货延迟"})
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionExtendApprove, Deadline: &later})
	if !tk.Deadline.Equal(later) || gridline.ExtensionPending(tk) {
		t.Fatalf("approved: deadline %v, pending %v", tk.Deadline, gridline.ExtensionPending(tk))
	}
	// A request is void once the case is dispatched again.
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionExtendRequest, Opinion: "仍需时间"})
	tk = act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionRedispatch, LeadUnit: &unit.ID})
	refused(gridline.TicketActionRequest{Action: gridline.ActionExtendApprove, Deadline: &later}, gridline.ECONFLICT, "action")
}
