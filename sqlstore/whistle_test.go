package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore"
)

// timelineActions returns the actions on case id's timeline.
func timelineActions(tb testing.TB, f *fixture, id int64) []gridline.TicketAction {
	tb.Helper()
	t, err := f.s.Tickets.FindTicketByID(ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	var out []gridline.TicketAction
	for _, e := range t.Timeline {
		out = append(out, e.Action)
	}
	return out
}

// TestWhistle blows a whistle on a case calling two departments: one
// reports in time, one after the 30 minutes (the clock moved on), the
// street rates both; each step is on the case's timeline and in the
// audit, and the case's status and version stay.
func TestWhistle(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	f.db.Now = func() time.Time { return now }
	water := f.mustUnit(t, gridline.UnitDepartment, "区水务局", "370812")
	police := f.mustUnit(t, gridline.UnitDepartment, "区公安分局", "370812")
	other := f.mustUnit(t, gridline.UnitDepartment, "区教体局", "370812")
	tk := mustTicketIn(t, f, 116.805, 35.555, "韦园社区门口供水管道破裂，路面大量积水", "10402")

	w, err := f.s.Whistles.BlowWhistle(ctx, tk.ID, gridline.WhistleRequest{Units: []int64{water.ID, police.ID},
		Reason: "涉及供水管网和交通疏导，街道无法单独处置"})
	if err != nil {
		t.Fatal(err)
	}
	if w.Status != gridline.WhistleWaiting || w.TicketNumber != tk.Number || w.TownCode != tk.TownCode ||
		!w.ReportBy.Equal(now.Add(30*time.Minute)) || len(w.Units) != 2 || w.Units[0].Name != "区水务局" {
		t.Fatalf("blown: %+v", w)
	}
	now = now.Add(20 * time.Minute)
	w, err = f.s.Whistles.ReportWhistle(ctx, w.ID, gridline.WhistleReport{Unit: water.ID, Note: "抢修队已到场关阀"})
	if err != nil {
		t.Fatal(err)
	}
	if u := w.Units[0]; u.ReportedAt == nil || u.Late || u.Note != "抢修队已到场关阀" || w.Status != gridline.WhistleWaiting {
		t.Fatalf("after the first report: %+v", w)
	}
	// Twice is refused; a unit not called is named.
	_, err = f.s.Whistles.ReportWhistle(ctx, w.ID, gridline.WhistleReport{Unit: water.ID})
	wantCode(t, err, gridline.ECONFLICT)
	_, err = f.s.Whistles.ReportWhistle(ctx, w.ID, gridline.WhistleReport{Unit: other.ID})
	wantField(t, err, "unit")

	now = now.Add(15 * time.Minute) // 35 minutes after the whistle
	listed, n, err := f.s.Whistles.FindWhistles(ctx, gridline.WhistleFilter{UnitID: &police.ID})
	if err != nil || n != 1 || !listed[0].Units[1].Overdue || listed[0].Units[0].Overdue {
		t.Fatalf("police's whistles past the time: %d, %+v, %v", n, listed, err)
	}
	w, err = f.s.Whistles.ReportWhistle(ctx, w.ID, gridline.WhistleReport{Unit: police.ID, Note: "交警到场疏导"})
	if err != nil {
		t.Fatal(err)
	}
	if u := w.Units[1]; !u.Late || w.Status != gridline.WhistleReported {
		t.Fatalf("after the late report: %+v", w)
	}

	_, err = f.s.Whistles.RateWhistle(ctx, w.ID, gridline.WhistleRate{Ratings: []gridline.WhistleRating{
		{Unit: water.ID, Score: 5}, {Unit: other.ID, Score: 3}}})
	wantField(t, err, "ratings[1].unit")
	w, err = f.s.Whistles.RateWhistle(ctx, w.ID, gridline.WhistleRate{Ratings: []gridline.WhistleRating{
		{Unit: water.ID, Score: 5, Comment: "到场及时"}}})
	if err != nil || w.Status != gridline.WhistleReported || *w.Units[0].Score != 5 {
		t.Fatalf("after rating one unit: %+v, %v", w, err)
	}
	_, err = f.s.Whistles.RateWhistle(ctx, w.ID, gridline.WhistleRate{Ratings: []gridline.WhistleRating{{Unit: water.ID, Score: 4}}})
	wantCode(t, err, gridline.ECONFLICT)
	w, err = f.s.Whistles.RateWhistle(ctx, w.ID, gridline.WhistleRate{Ratings: []gridline.WhistleRating{{Unit: police.ID, Score: 3, Comment: "迟到"}}})
	if err != nil || w.Status != gridline.WhistleRated || w.RatedAt == nil {
		t.Fatalf("after rating both: %+v, %v", w, err)
	}
	_, err = f.s.Whistles.ReportWhistle(ctx, w.ID, gridline.WhistleReport{Unit: police.ID})
	wantCode(t, err, gridline.ECONFLICT)

	got := timelineActions(t, f, tk.ID)
	want := []gridline.TicketAction{"create", gridline.ActionWhistle, gridline.ActionWhistleReport,
		gridline.ActionWhistleReport, gridline.ActionWhistleRate, gridline.ActionWhistleRate}
	if !slices.Equal(got, want) {
		t.Fatalf("timeline %v; want %v", got, want)
	}
	after, err := f.s.Tickets.FindTicketByID(ctx, tk.ID)
	if err != nil || after.Status != tk.Status || after.Version != tk.Version {
		t.Fatalf("the case moved: %+v, %v", after, err)
	}
	wantAudit(t, f.db, "whistle", 5)

	for _, filter := range []gridline.WhistleFilter{
		{Town: &tk.TownCode}, {TicketID: &tk.ID}, {Status: ptr(gridline.WhistleRated)},
	} {
		if ws, n, err := f.s.Whistles.FindWhistles(ctx, filter); err != nil || n != 1 || len(ws) != 1 || ws[0].ID != w.ID {
			t.Fatalf("filter %+v: %d, %v", filter, n, err)
		}
	}
	if _, n, err := f.s.Whistles.FindWhistles(ctx, gridline.WhistleFilter{UnitID: &other.ID}); err != nil || n != 0 {
		t.Fatalf("a unit not called: %d, %v", n, err)
	}
}

// TestWhistleRefused checks what a whistle refuses and that a refusal
// writes nothing: an unknown unit, a closed case, an unknown case.
func TestWhistleRefused(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区城管局", "370812")
	tk := mustTicketIn(t, f, 116.805, 35.555, "路边违章建筑", "10101")
	_, err := f.s.Whistles.BlowWhistle(ctx, tk.ID, gridline.WhistleRequest{Units: []int64{unit.ID, 999999}, Reason: "需联合执法"})
	wantField(t, err, "units[1]")
	_, err = f.s.Whistles.BlowWhistle(ctx, tk.ID, gridline.WhistleRequest{Units: []int64{unit.ID, unit.ID}, Reason: "需联合执法"})
	wantField(t, err, "units[1]")
	_, err = f.s.Whistles.BlowWhistle(ctx, tk.ID, gridline.WhistleRequest{Units: []int64{unit.ID}})
	wantField(t, err, "reason")
	_, err = f.s.Whistles.BlowWhistle(ctx, 999999, gridline.WhistleRequest{Units: []int64{unit.ID}, Reason: "x"})
	wantCode(t, err, gridline.ENOTFOUND)
	act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionVoid, Opinion: "重复"})
	_, err = f.s.Whistles.BlowWhistle(ctx, tk.ID, gridline.WhistleRequest{Units: []int64{unit.ID}, Reason: "需联合执法"})
	wantCode(t, err, gridline.ECONFLICT)
	if _, n, err := f.s.Whistles.FindWhistles(ctx, gridline.WhistleFilter{}); err != nil || n != 0 {
		t.Fatalf("whistles after refusals: %d, %v", n, err)
	}
	if got := timelineActions(t, f, tk.ID); len(got) != 2 {
		t.Fatalf("timeline after refusals: %v", got)
	}
	_, err = f.s.Whistles.ReportWhistle(ctx, 999999, gridline.WhistleReport{Unit: unit.ID})
	wantCode(t, err, gridline.ENOTFOUND)
}

// TestWhistleReportWithin checks that the report time is the service's.
func TestWhistleReportWithin(t *testing.T) {
	f := newFixture(t)
	ws := sqlstore.NewWhistleService(f.db)
	ws.ReportWithin = time.Hour
	unit := f.mustUnit(t, gridline.UnitDepartment, "区应急局", "370812")
	tk := mustTicketIn(t, f, 116.805, 35.555, "燃气泄漏", "10403")
	w, err := ws.BlowWhistle(ctx, tk.ID, gridline.WhistleRequest{Units: []int64{unit.ID}, Reason: "需应急部门"})
	if err != nil {
		t.Fatal(err)
	}
	if d := w.ReportBy.Sub(w.BlownAt); d != time.Hour {
		t.Fatalf("report within %v; want 1h", d)
	}
}
