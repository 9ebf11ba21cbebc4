package sqlstore_test

import (
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// TestFusionDaily compares a hand-made day: a call the grid had reported
// (found first), one it reported the next morning (found later), one it
// never saw (missed), a call at a finding's place about another problem
// (a hard negative: missed), a call merged into a patrol finding far
// away (found first by the link), an unlocated call, a livelihood call
// and calls of the days around, which do not count.
func TestFusionDaily(t *testing.T) {
	f := newFixture(t)
	day := time.Date(2026, 6, 10, 0, 0, 0, 0, gridline.ChinaTime)
	at := func(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }
	mk := func(ch gridline.Channel, lon, lat float64, text, category string, when time.Time) *gridline.Ticket {
		t.Helper()
		tk := &gridline.Ticket{Channel: ch, Text: text, Category: category, ReportedAt: when}
		if lon != 0 {
			tk.Lon, tk.Lat = ptr(lon), ptr(lat)
		} else {
			tk.Address = "不知道哪个小区门口"
		}
		if ch == gridline.ChannelHotline {
			tk.Reporter = gridline.Reporter{Name: "王女士", Phone: "13912345678"}
		}
		if created, err := f.s.Tickets.CreateTicket(ctx, tk); err != nil || !created {
			t.Fatalf("create %s: %v %v", text, created, err)
		}
		return tk
	}
	hot, grid := gridline.ChannelHotline, gridline.ChannelGridPatrol
	// The grid's findings.
	mk(grid, 116.8052, 35.5551, "龙城花园门口一盏路灯夜间不亮。", "0115", at(8))
	mk(grid, 116.8252, 35.5530, "府东社区东门外人行道井盖缺失。", "0101", at(24+9))
	master := mk(grid, 116.8300, 35.5580, "建设路口雨水箅子丢失", "0101", at(7))
	// The hotline's calls.
	first := mk(hot, 116.8050, 35.5550, "市民来电反映龙城花园小区门口路灯不亮了，晚上出行很不方便。", "0115", at(10))
	later := mk(hot, 116.8250, 35.5530, "来电称府东社区东门人行道上井盖没了，很危险，希望尽快处理。", "0101", at(11))
	missed := mk(hot, 116.8070, 35.5580, "来电反映韦园社区南门外垃圾桶满溢，垃圾散落一地没人清运。", "10102", at(12))
	negative := mk(hot, 116.8051, 35.5550, "龙城花园小区门口垃圾堆满了，几天没人清运，味道很大。", "10102", at(13))
	merged := mk(hot, 116.7950, 35.5450, "来电反映路上有个下水道盖子没了", "0101", at(14))
	act(t, f, merged.ID, gridline.TicketActionRequest{Action: gridline.ActionMerge, Into: &master.ID})
	mk(hot, 0, 0, "来电反映小区附近路灯不亮", "0115", at(15))                                  // unlocated
	mk(hot, 116.8050, 35.5550, "来电反映龙城花园楼下广场舞音响太吵，晚上十点还不停。", "20501", at(16))      // not compared
	mk(hot, 116.8050, 35.5550, "来电反映龙城花园小区门口路灯不亮。", "0115", day.Add(-time.Minute)) // the day before
	mk(hot, 116.8250, 35.5530, "来电反映府东社区东门井盖缺失。", "0101", day.AddDate(0, 0, 1))    // the day after

	rep, err := f.s.Fusion.FusionDaily(ctx, gridline.FusionFilter{From: day, To: day, By: "grid"})
	if err != nil {
		t.Fatal(err)
	}
	want := gridline.FusionCounts{Hotline: 5, FoundFirst: 2, FoundLater: 1, Missed: 2, Unlocated: 1}
	if rep.Total.FusionCounts != want || rep.Total.Rate == nil || *rep.Total.Rate != 0.4 {
		t.Fatalf("total %+v (rate %v), want %+v at 0.4", rep.Total.FusionCounts, rep.Total.Rate, want)
	}
	if len(rep.Misses) != 2 || rep.Misses[0].ID != missed.ID || rep.Misses[1].ID != negative.ID || rep.Misses[0].Lat != 35.5580 {
		t.Fatalf("misses %+v, want %d and %d", rep.Misses, missed.ID, negative.ID)
	}
	byKey := map[string]gridline.FusionRow{}
	for _, r := range rep.Rows {
		byKey[r.Key] = r
	}
	if r := byKey[f.g1.Code]; r.Name != f.g1.Name || r.FoundFirst != 1 || r.Missed != 2 || r.Hotline != 3 {
		t.Errorf("grid %s: %+v", f.g1.Code, r)
	}
	if r := byKey[f.g2.Code]; r.FoundLater != 1 || r.Hotline != 1 {
		t.Errorf("grid %s: %+v", f.g2.Code, r)
	}
	// Outside every grid: the call merged into the patrol finding.
	if r := byKey[""]; r.FoundFirst != 1 || r.Hotline != 1 || r.Unlocated != 1 {
		t.Errorf("outside the grids: %+v", r)
	}
	for _, id := range []int64{first.ID, later.ID} {
		for _, m := range rep.Misses {
			if m.ID == id {
				t.Errorf("case %d among the misses", id)
			}
		}
	}

	// By town: one row, the same total.
	rep, err = f.s.Fusion.FusionDaily(ctx, gridline.FusionFilter{From: day, To: day, By: "town"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.FusionCounts != want || len(rep.Rows) == 0 {
		t.Fatalf("by town: %+v", rep)
	}

	// Only the livelihood class: the noise call, missed.
	rep, err = f.s.Fusion.FusionDaily(ctx, gridline.FusionFilter{From: day, To: day, By: "town", Classes: []string{"205"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.Hotline != 1 || rep.Total.Missed != 1 {
		t.Fatalf("class 205: %+v", rep.Total)
	}

	// Two days: the call at midnight of the 11th came before the patrol
	// of 09:00 that day: found later too.
	rep, err = f.s.Fusion.FusionDaily(ctx, gridline.FusionFilter{From: day, To: day.AddDate(0, 0, 1), By: "town"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.Hotline != 6 || rep.Total.FoundLater != 2 {
		t.Fatalf("two days: %+v", rep.Total)
	}

	// By day over three days: a row per day with calls, each exactly that
	// day's own comparison (the day before's call, too).
	three := gridline.FusionFilter{From: day.AddDate(0, 0, -1), To: day.AddDate(0, 0, 1), By: "day"}
	rep, err = f.s.Fusion.FusionDaily(ctx, three)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 3 || rep.Rows[0].Key != "2026-06-09" || rep.Rows[1].Name != "2026-06-10" || rep.Rows[2].Key != "2026-06-11" {
		t.Fatalf("by day: rows %+v", rep.Rows)
	}
	for i, r := range rep.Rows {
		d := day.AddDate(0, 0, i-1)
		one, err := f.s.Fusion.FusionDaily(ctx, gridline.FusionFilter{From: d, To: d, By: "town"})
		if err != nil {
			t.Fatal(err)
		}
		if r.FusionCounts != one.Total.FusionCounts {
			t.Errorf("by day %s: %+v, the day alone %+v", r.Key, r.FusionCounts, one.Total.FusionCounts)
		}
	}

	// Scoped like cases: the 府东 community's staff see their call only.
	rep, err = f.s.Fusion.FusionDaily(as(99, gridline.Grant{Role: gridline.RoleCommunity, Region: "370812003001"}),
		gridline.FusionFilter{From: day, To: day, By: "community"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.Hotline != 1 || rep.Total.FoundLater != 1 || len(rep.Rows) != 1 || rep.Rows[0].Key != "370812003001" {
		t.Fatalf("scoped: %+v", rep)
	}

	wantField(t, func() error {
		_, err := f.s.Fusion.FusionDaily(ctx, gridline.FusionFilter{From: day, To: day, By: "unit"})
		return err
	}(), "by")
}
