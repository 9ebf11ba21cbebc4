package sqlstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
)

// whistleHistory is a hand-made day of whistles (times UTC, the clock
// moved by hand), read at t0+5h10m over [t0−1h, t0+6h):
//
//	t0−24h  W0 calls A              (before the period; A never reports)
//	t0      W1 calls A, B           A reports +10m; B +40m, late
//	t0+2h   W2 calls A, C           A reports +20m; C never
//	t0+4h   W3 calls B, C, D, E, F  B +5m, E +25m, F +40m late; C, D never
//	t0+5h   W4 calls D              D still within its 30 minutes
//	t0+5h5m ratings: W1 A 5, B 3; W2 A 4, C 1; W3 E 3 (W1 and W2 rated)
type whistleHistory struct {
	f                  *fixture
	now                *time.Time
	t0                 time.Time
	a, b, c, d, e, uf  *gridline.Unit
	w0, w1, w2, w3, w4 *gridline.Whistle
	tk3, tk1           *gridline.Ticket
}

func newWhistleHistory(t *testing.T) *whistleHistory {
	f := newFixture(t)
	h := &whistleHistory{f: f, t0: time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)}
	now := h.t0.Add(-24 * time.Hour)
	h.now = &now
	f.db.Now = func() time.Time { return *h.now }
	unit := func(name string) *gridline.Unit { return f.mustUnit(t, gridline.UnitDepartment, name, "370812") }
	h.a, h.b, h.c, h.d, h.e, h.uf = unit("区水务局"), unit("区公安分局"), unit("区城管局"), unit("区教体局"), unit("区应急局"), unit("区住建局")
	h.tk1 = mustTicketIn(t, f, 116.805, 35.555, "供水管道破裂，路面积水", "10402")
	tk2 := mustTicketIn(t, f, 116.806, 35.556, "路边违章建筑", "10101")
	h.tk3 = mustTicketIn(t, f, 116.825, 35.555, "府东社区燃气管道异味", "10403") // in g2, another street
	at := func(d time.Duration) { *h.now = h.t0.Add(d) }
	blow := func(tk *gridline.Ticket, us ...*gridline.Unit) *gridline.Whistle {
		var ids []int64
		for _, u := range us {
			ids = append(ids, u.ID)
		}
		w, err := f.s.Whistles.BlowWhistle(ctx, tk.ID, gridline.WhistleRequest{Units: ids, Reason: "需多部门联合处置"})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	report := func(w *gridline.Whistle, u *gridline.Unit) {
		if _, err := f.s.Whistles.ReportWhistle(ctx, w.ID, gridline.WhistleReport{Unit: u.ID, Note: "已到场"}); err != nil {
			t.Fatal(err)
		}
	}
	rate := func(w *gridline.Whistle, rs ...gridline.WhistleRating) {
		if _, err := f.s.Whistles.RateWhistle(ctx, w.ID, gridline.WhistleRate{Ratings: rs}); err != nil {
			t.Fatal(err)
		}
	}
	h.w0 = blow(h.tk1, h.a)
	at(0)
	h.w1 = blow(h.tk1, h.a, h.b)
	at(10 * time.Minute)
	report(h.w1, h.a)
	at(40 * time.Minute)
	report(h.w1, h.b)
	at(2 * time.Hour)
	h.w2 = blow(tk2, h.a, h.c)
	at(2*time.Hour + 20*time.Minute)
	report(h.w2, h.a)
	at(4 * time.Hour)
	h.w3 = blow(h.tk3, h.b, h.c, h.d, h.e, h.uf)
	at(4*time.Hour + 5*time.Minute)
	report(h.w3, h.b)
	at(4*time.Hour + 25*time.Minute)
	report(h.w3, h.e)
	at(4*time.Hour + 40*time.Minute)
	report(h.w3, h.uf)
	at(5 * time.Hour)
	h.w4 = blow(h.tk3, h.d)
	at(5*time.Hour + 5*time.Minute)
	rate(h.w1, gridline.WhistleRating{Unit: h.a.ID, Score: 5}, gridline.WhistleRating{Unit: h.b.ID, Score: 3})
	rate(h.w2, gridline.WhistleRating{Unit: h.a.ID, Score: 4}, gridline.WhistleRating{Unit: h.c.ID, Score: 1})
	rate(h.w3, gridline.WhistleRating{Unit: h.e.ID, Score: 3})
	at(5*time.Hour + 10*time.Minute)
	return h
}

// TestWhistleRanking checks the ranking of a hand-made history, number by
// number: the tallies, the rates, the order and the shared rank; the
// period; and the scope (another street sees its whistles only).
func TestWhistleRanking(t *testing.T) {
	h := newWhistleHistory(t)
	from, to := h.t0.Add(-time.Hour), h.t0.Add(6*time.Hour)
	rk, err := h.f.s.Whistles.RankWhistleUnits(ctx, &from, &to)
	if err != nil {
		t.Fatal(err)
	}
	if !rk.At.Equal(*h.now) {
		t.Errorf("at %v; want %v", rk.At, *h.now)
	}
	type line struct {
		Name                                               string
		Called, OnTime, Late, Overdue, Waiting, Rated, Sum int
		Mean, Rate                                         *float64
		Rank                                               int
	}
	f := func(v float64) *float64 { return &v }
	want := []line{
		{"区水务局", 2, 2, 0, 0, 0, 2, 9, f(4.5), f(1), 1},
		{"区应急局", 1, 1, 0, 0, 0, 1, 3, f(3), f(1), 2},
		{"区公安分局", 2, 1, 1, 0, 0, 1, 3, f(3), f(0.5), 3},
		{"区城管局", 2, 0, 0, 2, 0, 1, 1, f(1), f(0), 4},
		{"区教体局", 2, 0, 0, 1, 1, 0, 0, nil, f(0), 5}, // W4 still waiting: 0 of 1 due
		{"区住建局", 1, 0, 1, 0, 0, 0, 0, nil, f(0), 5}, // equal to 区教体局, fewer whistles
	}
	lines := func(rows []gridline.WhistleRank) []line {
		var got []line
		for _, r := range rows {
			got = append(got, line{r.Name, r.Called, r.OnTime, r.Late, r.Overdue, r.Waiting, r.Rated, r.ScoreSum, r.MeanScore, r.OnTimeRate, r.Rank})
		}
		return got
	}
	if diff := cmp.Diff(want, lines(rk.Rows)); diff != "" {
		t.Fatalf("ranking (-want +got):\n%s", diff)
	}

	// Without a period W0 counts: 区水务局 has an overdue whistle, 2 of
	// 3 on time, and is still first on its scores.
	all, err := h.f.s.Whistles.RankWhistleUnits(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := all.Rows[0]; r.Name != "区水务局" || r.Called != 3 || r.Overdue != 1 || *r.OnTimeRate != 2.0/3 {
		t.Fatalf("without a period: %+v", r)
	}
	// A period with nothing in it.
	late := h.t0.Add(7 * time.Hour)
	if none, err := h.f.s.Whistles.RankWhistleUnits(ctx, &late, nil); err != nil || len(none.Rows) != 0 {
		t.Fatalf("an empty period: %+v, %v", none, err)
	}

	// The street of W3 and W4's case (龙桥街道) sees those two only.
	street := as(51, gridline.Grant{Role: gridline.RoleStreet, Region: "370812003"})
	sr, err := h.f.s.Whistles.RankWhistleUnits(street, &from, &to)
	if err != nil {
		t.Fatal(err)
	}
	want = []line{
		{"区应急局", 1, 1, 0, 0, 0, 1, 3, f(3), f(1), 1},
		{"区公安分局", 1, 1, 0, 0, 0, 0, 0, nil, f(1), 2},
		// Equal: by whistles received, then name (in code point order).
		{"区教体局", 2, 0, 0, 1, 1, 0, 0, nil, f(0), 3},
		{"区住建局", 1, 0, 1, 0, 0, 0, 0, nil, f(0), 3},
		{"区城管局", 1, 0, 0, 1, 0, 0, 0, nil, f(0), 3},
	}
	if diff := cmp.Diff(want, lines(sr.Rows)); diff != "" {
		t.Fatalf("the other street's ranking (-want +got):\n%s", diff)
	}
}

// TestWhistleSupervise checks the scheduler's flags: the units past their
// time without a report, on whistles not rated, once each, with their
// timeline entry and audit row; a second run changes nothing; the
// waiting unit is flagged once its time is up; the overdue filter.
func TestWhistleSupervise(t *testing.T) {
	h := newWhistleHistory(t)
	overdue, n, err := h.f.s.Whistles.FindWhistles(ctx, gridline.WhistleFilter{Overdue: true})
	if err != nil || n != 3 {
		t.Fatalf("overdue whistles: %d, %v", n, err)
	}
	var got []int64
	for _, w := range overdue {
		got = append(got, w.ID)
	}
	if diff := cmp.Diff([]int64{h.w3.ID, h.w2.ID, h.w0.ID}, got); diff != "" {
		t.Fatalf("overdue whistles (-want +got):\n%s", diff)
	}
	from := h.t0.Add(3 * time.Hour)
	if _, n, err := h.f.s.Whistles.FindWhistles(ctx, gridline.WhistleFilter{Overdue: true, From: &from}); err != nil || n != 1 {
		t.Fatalf("overdue whistles since t0+3h: %d, %v", n, err)
	}
	before, _ := h.f.db.AuditCount(ctx, "whistle")

	k, err := h.f.s.Whistles.SuperviseWhistles(ctx)
	// W0's 区水务局, W3's 区城管局 and 区教体局; not W2's 区城管局 (W2 is
	// rated, closed), not W4's 区教体局 (still within its time).
	if err != nil || k != 3 {
		t.Fatalf("first run: %d, %v", k, err)
	}
	w3, err := h.f.s.Whistles.FindWhistleByID(ctx, h.w3.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range w3.Units {
		flagged := u.UnitID == h.c.ID || u.UnitID == h.d.ID
		if (u.OverdueAt != nil) != flagged || flagged && !u.OverdueAt.Equal(*h.now) {
			t.Errorf("W3 %s: overdue_at %v", u.Name, u.OverdueAt)
		}
	}
	if k, err := h.f.s.Whistles.SuperviseWhistles(ctx); err != nil || k != 0 {
		t.Fatalf("second run: %d, %v", k, err)
	}
	wantAudit(t, h.f.db, "whistle", before+3)

	*h.now = h.t0.Add(5*time.Hour + 31*time.Minute)
	if k, err := h.f.s.Whistles.SuperviseWhistles(ctx); err != nil || k != 1 {
		t.Fatalf("after W4's time: %d, %v", k, err)
	}
	tk, err := h.f.s.Tickets.FindTicketByID(ctx, h.tk3.ID)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, e := range tk.Timeline {
		if e.Action == gridline.ActionWhistleOverdue {
			notes = append(notes, e.Note)
			if e.Actor != gridline.ActorScheduler || e.UnitID == nil {
				t.Errorf("overdue entry %+v", e)
			}
		}
	}
	want := []string{"吹哨 #4：区城管局未在14:30前报到", "吹哨 #4：区教体局未在14:30前报到", "吹哨 #5：区教体局未在15:30前报到"}
	if diff := cmp.Diff(want, notes); diff != "" {
		t.Fatalf("timeline of the case (-want +got):\n%s", diff)
	}
	if tk.Version != h.tk3.Version || tk.Status != h.tk3.Status {
		t.Fatalf("the case moved: version %d → %d", h.tk3.Version, tk.Version)
	}
	// A late report keeps the flag.
	w, err := h.f.s.Whistles.ReportWhistle(ctx, h.w4.ID, gridline.WhistleReport{Unit: h.d.ID})
	if err != nil || !w.Units[0].Late || w.Units[0].OverdueAt == nil || w.Units[0].Overdue {
		t.Fatalf("late report: %+v, %v", w, err)
	}
}

// TestWhistleRoles checks who whistles, reports and rates where: a grid
// worker on its grid's cases only, a department for its own unit only, a
// street of another town not at all.
func TestWhistleRoles(t *testing.T) {
	f := newFixture(t)
	water := f.mustUnit(t, gridline.UnitDepartment, "区水务局", "370812")
	police := f.mustUnit(t, gridline.UnitDepartment, "区公安分局", "370812")
	in := mustTicketIn(t, f, 116.805, 35.555, "供水管道破裂", "10402")
	out := mustTicketIn(t, f, 116.825, 35.555, "燃气管道异味", "10403")
	grid := as(61, gridline.Grant{Role: gridline.RoleGridWorker, Region: f.g1.Code})
	req := gridline.WhistleRequest{Units: []int64{water.ID, police.ID}, Reason: "网格无法单独处置"}
	w, err := f.s.Whistles.BlowWhistle(grid, in.ID, req)
	if err != nil {
		t.Fatalf("a grid worker on its grid's case: %v", err)
	}
	_, err = f.s.Whistles.BlowWhistle(grid, out.ID, req)
	wantCode(t, err, gridline.ENOTFOUND)

	dept := as(62, gridline.Grant{Role: gridline.RoleDepartment, UnitID: &water.ID})
	_, err = f.s.Whistles.ReportWhistle(dept, w.ID, gridline.WhistleReport{Unit: police.ID})
	wantCode(t, err, gridline.EFORBIDDEN)
	if _, err := f.s.Whistles.ReportWhistle(dept, w.ID, gridline.WhistleReport{Unit: water.ID, Note: "已到场"}); err != nil {
		t.Fatalf("a department for itself: %v", err)
	}
	// The command centre records a report told on the phone.
	command := as(63, gridline.Grant{Role: gridline.RoleCommand, Region: "370812"})
	if _, err := f.s.Whistles.ReportWhistle(command, w.ID, gridline.WhistleReport{Unit: police.ID}); err != nil {
		t.Fatalf("the command centre for a unit: %v", err)
	}
	rating := gridline.WhistleRate{Ratings: []gridline.WhistleRating{{Unit: water.ID, Score: 4}}}
	_, err = f.s.Whistles.RateWhistle(as(64, gridline.Grant{Role: gridline.RoleStreet, Region: "370812003"}), w.ID, rating)
	wantCode(t, err, gridline.ENOTFOUND) // it cannot see the whistle
	if _, err := f.s.Whistles.RateWhistle(grid, w.ID, rating); err != nil {
		t.Fatalf("the grid rates its whistle: %v", err)
	}
}
