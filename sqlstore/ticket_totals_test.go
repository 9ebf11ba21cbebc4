package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
)

// TestTicketTotalsMatchCount checks the case list's totals read from the
// kept counts (ticket_totals: no filter, a status, channel, category or
// lead unit) against a count of the cases, after intake (alone and in
// concurrent batches), actions of every kind (dispatches, merges, voids,
// reopenings…) and an import; and that a scoped caller or a second filter
// still gets its exact count.
func TestTicketTotalsMatchCount(t *testing.T) {
	f := newFixture(t)
	units := []*gridline.Unit{
		f.mustUnit(t, gridline.UnitDepartment, "区执法局", "370812"),
		f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812"),
		f.mustUnit(t, gridline.UnitDepartment, "区水务局", "370812"),
	}
	rng := rand.New(rand.NewPCG(23, 5))
	channels := []gridline.Channel{gridline.ChannelHotline, gridline.ChannelGridPatrol, gridline.ChannelSnapReport, gridline.ChannelProperty}
	categories := []string{"", "0211", "0101", "0212"}
	places := [][2]float64{{116.805, 35.555}, {116.825, 35.555}, {116.905, 35.605}}
	newCase := func() *gridline.Ticket {
		tk := &gridline.Ticket{Channel: channels[rng.IntN(len(channels))], Text: "路灯不亮",
			Category: categories[rng.IntN(len(categories))], Reporter: gridline.Reporter{Name: "王女士", Phone: "13912345678"}}
		p := places[rng.IntN(len(places))]
		tk.Lon, tk.Lat = &p[0], &p[1]
		return tk
	}
	var ids []int64
	intake := func() {
		t.Helper()
		tk := newCase()
		if _, err := f.s.Tickets.CreateTicket(ctx, tk); err != nil {
			t.Fatalf("intake: %v", err)
		}
		ids = append(ids, tk.ID)
	}
	// Concurrent intakes: on SQLite they commit in batches, a savepoint
	// each.
	burst := func() {
		t.Helper()
		ts := make([]*gridline.Ticket, 8)
		for i := range ts {
			ts[i] = newCase()
		}
		var wg sync.WaitGroup
		errs := make([]error, len(ts))
		for i, tk := range ts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.s.Tickets.CreateTicket(ctx, tk)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("concurrent intake: %v", err)
			}
			ids = append(ids, ts[i].ID)
		}
	}
	done := map[gridline.TicketAction]int{}
	step := func() {
		t.Helper()
		id := ids[rng.IntN(len(ids))]
		tk, err := f.s.Tickets.FindTicketByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// Mostly the loop forward; now and then a way out of it. A
		// merged case is mostly left merged; one in three is unmerged.
		if tk.Status == gridline.StatusMerged && id%3 > 0 {
			return
		}
		a, ok := pickAction(rng, tk.Status, 6, map[gridline.TicketAction]int{
			gridline.ActionReject: 1, gridline.ActionVoid: 1, gridline.ActionMerge: 1, gridline.ActionSelfHandle: 1,
			gridline.ActionCheckRequest: 1, gridline.ActionReopen: 1,
			gridline.ActionSign: 20, gridline.ActionReply: 20, gridline.ActionVerify: 20, gridline.ActionCallback: 20,
			gridline.ActionClose: 20,
		})
		if !ok {
			return
		}
		r := gridline.TicketActionRequest{Action: a, Opinion: "处理意见"}
		switch r.Action {
		case gridline.ActionDispatch, gridline.ActionRedispatch:
			r.LeadUnit = &units[rng.IntN(len(units))].ID
		case gridline.ActionSelfHandle:
			r.Photos = []*gridline.Photo{testJPEG(t, 1, 10)} // handled on the spot, with its photo
		case gridline.ActionMerge:
			r.Into = &ids[rng.IntN(len(ids))]
		case gridline.ActionVerify:
			r.Outcome = []gridline.Outcome{gridline.OutcomePassed, gridline.OutcomeFailed}[rng.IntN(2)]
		case gridline.ActionCallback:
			r.Satisfaction = gridline.OutcomeSatisfied
		case gridline.ActionLocate:
			p := places[rng.IntN(len(places))]
			r.Lon, r.Lat = &p[0], &p[1]
		}
		if _, err := f.s.Tickets.ActOnTicket(ctx, id, r); err == nil {
			done[r.Action]++
		}
	}
	for i := range 600 {
		switch n := rng.IntN(100); {
		case n < 15 || len(ids) < 5:
			intake()
		case n < 17:
			burst()
		default:
			step()
		}
		if i == 300 {
			var imp []*gridline.Ticket
			// Across midnight in China, which is 16:00 in UTC: the days
			// counted are China's.
			at := time.Date(2026, 3, 10, 22, 0, 0, 0, gridline.ChinaTime)
			for k := range 6 {
				h := newHistory(at.Add(time.Duration(k)*time.Hour), 116.805, 35.556, f.g1, "路灯坏了").
					step(gridline.ActionFile, "", nil, "").
					step(gridline.ActionDispatch, "", &units[k%3].ID, "")
				if k%2 == 0 {
					h.step(gridline.ActionSign, "", &units[k%3].ID, "").step(gridline.ActionReply, "", &units[k%3].ID, "已修复").
						step(gridline.ActionVerify, gridline.OutcomePassed, &units[k%3].ID, "").
						step(gridline.ActionCallback, gridline.OutcomeSatisfied, &units[k%3].ID, "")
				}
				dl := h.t.Timeline[0].At.Add(48 * time.Hour).UTC()
				h.t.LeadUnitID, h.t.Deadline, h.t.BaseDeadline = &units[k%3].ID, &dl, &dl
				imp = append(imp, h.t)
			}
			if err := f.s.Tickets.ImportTickets(ctx, imp); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d cases taken in; actions: %v", len(ids), done)
	for _, a := range []gridline.TicketAction{gridline.ActionDispatch, gridline.ActionMerge, gridline.ActionVoid,
		gridline.ActionReopen, gridline.ActionRedispatch} {
		if done[a] == 0 {
			t.Errorf("no %s taken: the history does not test much", a)
		}
	}

	type check struct {
		name  string
		f     gridline.TicketFilter
		where string
		arg   any
	}
	checks := []check{{name: "all", where: "1 = 1"}}
	for _, st := range gridline.TicketStatuses {
		st := st
		checks = append(checks, check{"status " + string(st), gridline.TicketFilter{Status: &st}, "status = $1", string(st)})
	}
	for _, ch := range channels {
		ch := ch
		checks = append(checks, check{"channel " + string(ch), gridline.TicketFilter{Channel: &ch}, "channel = $1", string(ch)})
	}
	for _, c := range []string{"02", "0211", "01", "0101", "03", "021"} {
		c := c
		checks = append(checks, check{"category " + c, gridline.TicketFilter{Category: &c}, "category LIKE $1", c + "%"})
	}
	for _, u := range units {
		checks = append(checks, check{fmt.Sprint("unit ", u.ID), gridline.TicketFilter{UnitID: &u.ID}, "lead_unit_id = $1", u.ID})
	}
	// Periods: from the days' counts when both ends are midnight in China,
	// counted otherwise.
	day := func(y, m, d, h int) *time.Time {
		at := time.Date(y, time.Month(m), d, h, 0, 0, 0, gridline.ChinaTime)
		return &at
	}
	now := f.db.Now()
	today := day(now.In(gridline.ChinaTime).Year(), int(now.In(gridline.ChinaTime).Month()), now.In(gridline.ChinaTime).Day(), 0)
	tomorrow := today.AddDate(0, 0, 1)
	for _, p := range []struct {
		name     string
		from, to *time.Time
	}{
		{"day 2026-03-10", day(2026, 3, 10, 0), day(2026, 3, 11, 0)},
		{"day 2026-03-11", day(2026, 3, 11, 0), day(2026, 3, 12, 0)},
		{"March 2026", day(2026, 3, 1, 0), day(2026, 4, 1, 0)},
		{"from 2026-03-11", day(2026, 3, 11, 0), nil},
		{"to 2026-03-11", nil, day(2026, 3, 11, 0)},
		{"today", today, &tomorrow},
		{"an empty period", day(2026, 3, 11, 0), day(2026, 3, 10, 0)},
		{"not at midnight", day(2026, 3, 10, 23), day(2026, 3, 11, 1)},
	} {
		where, args := "1 = 1", []any{}
		if p.from != nil {
			where, args = where+" AND created_at >= $1", append(args, p.from.UTC())
		}
		if p.to != nil {
			where, args = where+fmt.Sprintf(" AND created_at < $%d", len(args)+1), append(args, p.to.UTC())
		}
		checks = append(checks, check{"period " + p.name, gridline.TicketFilter{From: p.from, To: p.to}, where, args})
	}
	nonZero := 0
	for _, c := range checks {
		var want int
		args := []any{}
		if more, ok := c.arg.([]any); ok {
			args = more
		} else if c.arg != nil {
			args = append(args, c.arg)
		}
		if err := f.db.QueryRowForTest(ctx, `SELECT COUNT(*) FROM tickets WHERE `+c.where, args...).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if want > 0 {
			nonZero++
		}
		for _, limit := range []int{1000, 1} {
			c.f.Limit = limit
			ts, n, err := f.s.Tickets.FindTickets(ctx, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if n != want {
				t.Errorf("%s (limit %d): total %d, counted %d", c.name, limit, n, want)
			}
			if limit == 1000 && len(ts) != want {
				t.Errorf("%s: %d cases on the page, counted %d", c.name, len(ts), want)
			}
		}
	}
	if nonZero < len(checks)*2/3 {
		t.Errorf("only %d of %d filters select cases: the history does not test much", nonZero, len(checks))
	}

	// The counts kept step by step are those migration 0023 would fill.
	kept, err := f.db.DumpTicketTotalsForTest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.RebuildTicketTotalsForTest(ctx); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := f.db.DumpTicketTotalsForTest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rebuilt, kept); diff != "" {
		t.Errorf("ticket_totals kept step by step differ from a backfill (-backfill +kept):\n%s", diff)
	}

	// Not from the counts: a second filter, and a scoped caller.
	closed := gridline.StatusClosed
	ch := channels[0]
	var want int
	if err := f.db.QueryRowForTest(ctx, `SELECT COUNT(*) FROM tickets WHERE status = $1 AND channel = $2`, string(closed), string(ch)).
		Scan(&want); err != nil {
		t.Fatal(err)
	}
	if _, n, err := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{Status: &closed, Channel: &ch, Limit: 1}); err != nil || n != want {
		t.Errorf("closed and %s: total %d (%v), counted %d", ch, n, err, want)
	}
	street := as(70, gridline.Grant{Role: gridline.RoleStreet, Region: "370812001"})
	if err := f.db.QueryRowForTest(ctx, `SELECT COUNT(*) FROM tickets WHERE town_code = '370812001'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if _, n, err := f.s.Tickets.FindTickets(street, gridline.TicketFilter{Limit: 1}); err != nil || n != want {
		t.Errorf("street's cases: total %d (%v), counted %d", n, err, want)
	}
}
