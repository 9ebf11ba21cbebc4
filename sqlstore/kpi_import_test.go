package sqlstore_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore"
)

// TestImportKPIRollups: an import writes the rollups of its cases from
// the rows it writes, not from the stored cases. Two imports of random
// histories (every action the loop allows from where a case stands,
// random answers and deadlines, merges, unlocated cases, times with
// nanoseconds), over the same days and keys as each other and as cases
// taken in and acted on before, between and after them, must leave
// rollups that answer every grouping and period as the direct query
// does — the second import adding to the rows of the first, not
// replacing them — and facts and rows equal to those rebuilt from the
// stored cases (migration 0018's backfill, which reads them back).
func TestImportKPIRollups(t *testing.T) {
	f := newFixture(t)
	direct := sqlstore.NewDirectKPIService(f.db)
	units := []*gridline.Unit{
		f.mustUnit(t, gridline.UnitDepartment, "区执法局", "370812"),
		f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812"),
		f.mustUnit(t, gridline.UnitDepartment, "区水务局", "370812"),
	}
	rng := rand.New(rand.NewPCG(3, 21))
	start := time.Date(2024, 11, 1, 0, 0, 0, 0, gridline.ChinaTime)
	const days = 10
	now := start.Add(9 * time.Hour)
	f.db.Now = func() time.Time { return now }

	grids := []*gridline.Grid{f.g1, f.g2, f.g3}
	channels := []gridline.Channel{gridline.ChannelHotline, gridline.ChannelGridPatrol, gridline.ChannelProperty}
	outcomes := map[gridline.TicketAction][]gridline.Outcome{
		gridline.ActionVerify: {gridline.OutcomePassed, gridline.OutcomePassed, gridline.OutcomeFailed},
		gridline.ActionCallback: {gridline.OutcomeSatisfied, gridline.OutcomeBasic, gridline.OutcomeUnsatisfied,
			gridline.OutcomeUnreachable},
	}
	jitter := func() time.Duration { return time.Duration(rng.IntN(1e9)) } // below the second, and the microsecond
	var actions map[gridline.TicketAction]int
	// history walks a case from its intake at first through up to a
	// dozen random steps; merge names the import's case 0.
	history := func(first time.Time, merge bool) *gridline.Ticket {
		g := grids[rng.IntN(len(grids))]
		var h *history
		if rng.IntN(12) == 0 {
			h = newHistory(first.Add(jitter()), 0, 0, nil, "路灯不亮")
			h.t.Address = "兖州区鼓楼街道"
		} else {
			h = newHistory(first.Add(jitter()), 116.805, 35.555, g, "路灯不亮")
		}
		h.t.Channel = channels[rng.IntN(len(channels))]
		h.t.Category = []string{"0115", "0211", ""}[rng.IntN(3)]
		add := func(e *gridline.TicketEvent) {
			h.at = h.at.Add(time.Duration(rng.IntN(30))*time.Hour + time.Duration(rng.IntN(60))*time.Minute + jitter())
			e.At, e.Actor = h.at, "区指挥中心"
			h.t.Timeline = append(h.t.Timeline, e)
		}
		if merge {
			add(&gridline.TicketEvent{Action: gridline.ActionMerge, From: h.now, To: gridline.StatusMerged})
			h.now, h.t.Status = gridline.StatusMerged, gridline.StatusMerged
			master := int64(-1)
			h.t.MergedInto = &master
			return h.t
		}
		for n := rng.IntN(13); n > 0; n-- {
			var pick []gridline.TicketAction
			for _, a := range gridline.AllowedActions(h.now) {
				switch a {
				case gridline.ActionMerge, gridline.ActionLocate:
					continue
				case gridline.ActionSign, gridline.ActionReply, gridline.ActionVerify, gridline.ActionCallback,
					gridline.ActionClose, gridline.ActionDispatch, gridline.ActionFile:
					pick = append(pick, a, a, a, a, a)
				}
				pick = append(pick, a)
			}
			if len(pick) == 0 {
				break
			}
			a := pick[rng.IntN(len(pick))]
			var o gridline.Outcome
			if os := outcomes[a]; len(os) > 0 {
				o = os[rng.IntN(len(os))]
			}
			to, err := gridline.NextStatus(h.now, a, o)
			if err != nil {
				continue // an action that needs an answer this walk does not give
			}
			e := &gridline.TicketEvent{Action: a, From: h.now, To: to, Outcome: o, Opinion: "处理意见"}
			switch a {
			case gridline.ActionDispatch, gridline.ActionRedispatch:
				u := units[rng.IntN(len(units))].ID
				e.UnitID, h.t.LeadUnitID = &u, &u
			case gridline.ActionCallback:
				if o != gridline.OutcomeUnreachable && rng.IntN(2) == 0 {
					yes, res := true, rng.IntN(2) == 0
					e.Contacted, e.Resolved = &yes, &res
				}
			}
			if h.t.LeadUnitID != nil && e.UnitID == nil {
				e.UnitID = h.t.LeadUnitID
			}
			add(e)
			if a == gridline.ActionDispatch && h.t.Deadline == nil {
				d := h.at.Add(time.Duration(4+rng.IntN(120)) * time.Hour)
				h.t.Deadline, h.t.BaseDeadline = &d, &d
			}
			h.now, h.t.Status = to, to
			h.t.ClosedAt = nil
			if to == gridline.StatusClosed {
				at := h.at
				h.t.ClosedAt = &at
			}
			if rng.IntN(8) == 0 && h.now.Open() && h.t.Deadline != nil {
				add(&gridline.TicketEvent{Action: gridline.TicketAction(gridline.WarningYellow), UnitID: h.t.LeadUnitID})
			}
		}
		return h.t
	}
	// batch returns n valid random cases received over the days, case 0
	// at the start (the master merges name).
	batch := func(n int) []*gridline.Ticket {
		actions = map[gridline.TicketAction]int{}
		var out []*gridline.Ticket
		for tries := 0; len(out) < n && tries < 10*n; tries++ {
			first := start.Add(time.Duration(rng.IntN((days-3)*24*60)) * time.Minute)
			if len(out) == 0 {
				first = start
			}
			tk := history(first, len(out) > 0 && rng.IntN(15) == 0)
			tk.Normalize()
			if tk.Validate() != nil || tk.ValidateTimeline() != nil {
				continue
			}
			if len(out) == 0 && (tk.Status == gridline.StatusVoided || tk.Status == gridline.StatusMerged) {
				continue // case 0 is the master merges name
			}
			for _, e := range tk.Timeline {
				actions[e.Action]++
			}
			out = append(out, tk)
		}
		if len(out) < n {
			t.Fatalf("only %d valid random cases of %d", len(out), n)
		}
		for _, a := range []gridline.TicketAction{gridline.ActionDispatch, gridline.ActionReturn, gridline.ActionSign,
			gridline.ActionVerify, gridline.ActionCallback, gridline.ActionClose, gridline.ActionMerge, gridline.ActionReopen} {
			if actions[a] == 0 {
				t.Fatalf("the random histories took no %s: make them richer (%v)", a, actions)
			}
		}
		return out
	}
	// live takes in a case now and moves it a few steps, as the API does.
	live := func() int64 {
		t.Helper()
		lon, lat := 116.805+rng.Float64()*0.004, 35.555+rng.Float64()*0.004
		tk := &gridline.Ticket{Channel: channels[rng.IntN(len(channels))], Text: "占道经营", Lon: &lon, Lat: &lat,
			Reporter: gridline.Reporter{Name: "王女士", Phone: "13912345678"}}
		if _, err := f.s.Tickets.CreateTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
		lead := units[rng.IntN(len(units))].ID
		for _, r := range []gridline.TicketActionRequest{{Action: gridline.ActionFile},
			{Action: gridline.ActionDispatch, LeadUnit: &lead}, {Action: gridline.ActionSign}} {
			now = now.Add(time.Duration(rng.IntN(300)) * time.Minute)
			if _, err := f.s.Tickets.ActOnTicket(ctx, tk.ID, r); err != nil {
				t.Fatalf("%s: %v", r.Action, err)
			}
		}
		return tk.ID
	}

	for range 8 {
		live()
	}
	first := batch(120)
	if err := f.s.Tickets.ImportTickets(ctx, first); err != nil {
		t.Fatal(err)
	}
	now = start.AddDate(0, 0, 4).Add(10 * time.Hour)
	for range 8 {
		live()
	}
	second := batch(120)
	if err := f.s.Tickets.ImportTickets(ctx, second); err != nil {
		t.Fatal(err)
	}
	// Imported cases acted on afterwards: the per-change refresh finds
	// the facts the import wrote and takes them back.
	acted := 0
	for _, tk := range append(first, second...) {
		if acted == 10 {
			break
		}
		r := gridline.TicketActionRequest{Action: gridline.ActionVoid, Opinion: "重复"}
		if tk.Status == gridline.StatusHandling {
			r = gridline.TicketActionRequest{Action: gridline.ActionReply, Opinion: "已处理"}
		}
		if _, err := f.s.Tickets.ActOnTicket(ctx, tk.ID, r); err == nil {
			acted++
		}
	}
	if acted == 0 {
		t.Fatal("no imported case could be acted on")
	}

	n := compareKPIRollups(t, ctx, f.s.KPIs, direct, start, days+1, "imports", gridline.KPIGroupings)
	if n == 0 {
		t.Fatal("no rows compared")
	}

	kept, err := sqlstore.DumpKPIRollups(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.RebuildKPIRollups(ctx, f.db); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := sqlstore.DumpKPIRollups(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(kept, rebuilt); diff != "" {
		t.Fatalf("rollups written by the imports differ from those rebuilt from the stored cases (-kept +rebuilt):\n%s", diff)
	}
	t.Logf("%d report rows compared; %d rollup rows and facts", n, len(kept))
}
