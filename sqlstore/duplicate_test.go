package sqlstore_test

import (
	"math"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

func candidateIDs(cs []gridline.DuplicateCandidate) []int64 {
	ids := []int64{}
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

// TestDuplicates takes in cases around one street lamp and checks which
// the finder offers: the paraphrase nearby and the one across a cell edge
// yes; the same text in another street, a different problem at the same
// place, a voided case and one from long ago no.
func TestDuplicates(t *testing.T) {
	f := newFixture(t)
	lamp := mustTicketIn(t, f, 116.8050, 35.5550, "市民来电反映龙城花园小区门口路灯不亮了，晚上出行很不方便。", "0115")
	refuse := mustTicketIn(t, f, 116.8051, 35.5550, "龙城花园小区门口垃圾桶旁边堆满了垃圾，几天没人清运，味道很大。", "10102")
	far := mustTicketIn(t, f, 116.8250, 35.5550, "市民来电反映龙城花园小区门口路灯不亮了，晚上出行很不方便。", "0115")
	voided := mustTicketIn(t, f, 116.8052, 35.5551, "龙城花园门口路灯坏了不亮", "0115")
	act(t, f, voided.ID, gridline.TicketActionRequest{Action: gridline.ActionVoid, Opinion: "测试"})
	old := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "龙城花园小区门口路灯不亮", Category: "0115",
		Lon: ptr(116.8050), Lat: ptr(35.5550), ReportedAt: time.Now().Add(-40 * 24 * time.Hour)}
	if _, err := f.s.Tickets.CreateTicket(ctx, old); err != nil {
		t.Fatal(err)
	}
	// The grid worker's note, 55 m away, a day later, in other words.
	patrol := &gridline.Ticket{Channel: gridline.ChannelGridPatrol, Text: "建设东路与龙桥北路交叉口北侧一盏路灯夜间不亮。",
		Category: "0115", Lon: ptr(116.8055), Lat: ptr(35.5553)}
	if _, err := f.s.Tickets.CreateTicket(ctx, patrol); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.Duplicates.FindDuplicatesOf(ctx, patrol)
	if err != nil {
		t.Fatal(err)
	}
	if ids := candidateIDs(got); len(ids) != 1 || ids[0] != lamp.ID {
		t.Fatalf("candidates of the patrol note: %v; want only the lamp %d (refuse %d, far %d, voided %d, old %d)",
			ids, lamp.ID, refuse.ID, far.ID, voided.ID, old.ID)
	}
	c := got[0]
	if c.Number != lamp.Number || c.Status != gridline.StatusReceived || c.Reasons.SameCategory != "sub" ||
		c.DistanceM < 40 || c.DistanceM > 70 || c.Score < gridline.DuplicateThreshold || c.Text != lamp.Text {
		t.Fatalf("candidate %+v", c)
	}
	// By id, from either side.
	byID, err := f.s.Duplicates.FindDuplicates(ctx, lamp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ids := candidateIDs(byID); len(ids) != 1 || ids[0] != patrol.ID {
		t.Fatalf("candidates of the lamp: %v; want the patrol note %d", ids, patrol.ID)
	}

	// Across the edge of a place cell (116.81 is one): 17 m apart.
	west := mustTicketIn(t, f, 116.80995, 35.5550, "韦园社区东门外一根路灯杆倾斜，随时可能倒下", "0115")
	east := mustTicketIn(t, f, 116.81005, 35.5550, "来电反映韦园社区东门那边路灯杆子歪了，很危险", "0115")
	if gridline.DuplicateCell(*west.Lon, *west.Lat) == gridline.DuplicateCell(*east.Lon, *east.Lat) {
		t.Fatal("the two cases should lie in different cells")
	}
	got, err = f.s.Duplicates.FindDuplicates(ctx, east.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ids := candidateIDs(got); len(ids) != 1 || ids[0] != west.ID {
		t.Fatalf("across the cell edge: %v; want %d", ids, west.ID)
	}

	// A merged case is no candidate; its master is.
	act(t, f, east.ID, gridline.TicketActionRequest{Action: gridline.ActionMerge, Into: &west.ID})
	again := mustTicketIn(t, f, 116.81000, 35.5551, "韦园社区东门路灯杆倾斜", "0115")
	got, err = f.s.Duplicates.FindDuplicates(ctx, again.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ids := candidateIDs(got); len(ids) != 1 || ids[0] != west.ID {
		t.Fatalf("with one merged away: %v; want only its master %d", ids, west.ID)
	}

	// No place, no candidates; an unknown case is not found.
	noPlace := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "路灯不亮", Address: "龙城花园"}
	if _, err := f.s.Tickets.CreateTicket(ctx, noPlace); err != nil {
		t.Fatal(err)
	}
	if got, err := f.s.Duplicates.FindDuplicates(ctx, noPlace.ID); err != nil || len(got) != 0 || got == nil {
		t.Fatalf("a case without a place: %v, %v", got, err)
	}
	_, err = f.s.Duplicates.FindDuplicates(ctx, 999999)
	wantCode(t, err, gridline.ENOTFOUND)
}

// TestDuplicatesLocated checks that placing an unlocated case by hand
// gives it a place cell: it finds, and is found by, the cases near it.
func TestDuplicatesLocated(t *testing.T) {
	f := newFixture(t)
	lamp := mustTicketIn(t, f, 116.8050, 35.5550, "龙城花园小区门口路灯不亮了", "0115")
	lost := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "龙城花园门口路灯坏了，晚上不亮", Category: "0115",
		Address: "龙城花园"}
	if _, err := f.s.Tickets.CreateTicket(ctx, lost); err != nil {
		t.Fatal(err)
	}
	act(t, f, lost.ID, gridline.TicketActionRequest{Action: gridline.ActionLocate, Lon: ptr(116.8051), Lat: ptr(35.5551)})
	got, err := f.s.Duplicates.FindDuplicates(ctx, lamp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ids := candidateIDs(got); len(ids) != 1 || ids[0] != lost.ID {
		t.Fatalf("candidates: %v; want the located case %d", ids, lost.ID)
	}
}

// TestMergedHearTheMaster takes a master through the loop with a case
// merged into it, and one merged into that before it was merged in turn:
// both get the master's reply and callback on their timelines, keeping
// their status and version.
func TestMergedHearTheMaster(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	master := mustTicketIn(t, f, 116.8050, 35.5550, "龙城花园门口路灯不亮", "0115")
	dup := mustTicketIn(t, f, 116.8051, 35.5550, "龙城花园小区门口路灯坏了", "0115")
	dupOfDup := mustTicketIn(t, f, 116.8051, 35.5551, "龙城花园门口那盏路灯晚上不亮", "0115")
	act(t, f, dupOfDup.ID, gridline.TicketActionRequest{Action: gridline.ActionMerge, Into: &dup.ID})
	dup = act(t, f, dup.ID, gridline.TicketActionRequest{Action: gridline.ActionMerge, Into: &master.ID})
	dupOfDup, err := f.s.Tickets.FindTicketByID(ctx, dupOfDup.ID)
	if err != nil {
		t.Fatal(err)
	}
	before := map[int64]int{dup.ID: dup.Version, dupOfDup.ID: dupOfDup.Version}
	for _, r := range []gridline.TicketActionRequest{
		{Action: gridline.ActionFile},
		{Action: gridline.ActionDispatch, LeadUnit: &unit.ID},
		{Action: gridline.ActionSign},
		{Action: gridline.ActionReply, Opinion: "已更换灯具，路灯恢复照明"},
		{Action: gridline.ActionVerify, Outcome: gridline.OutcomePassed},
		{Action: gridline.ActionCallback, Outcome: gridline.OutcomeSatisfied, Opinion: "回访满意"},
	} {
		act(t, f, master.ID, r)
	}
	for _, id := range []int64{dup.ID, dupOfDup.ID} {
		got, err := f.s.Tickets.FindTicketByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != gridline.StatusMerged || got.Version != before[id] {
			t.Fatalf("case %d: %s v%d; want merged v%d", id, got.Status, got.Version, before[id])
		}
		var relayed []string
		for _, e := range got.Timeline {
			switch e.Action {
			case gridline.ActionMasterReply, gridline.ActionMasterCallback, gridline.ActionMasterClose:
				relayed = append(relayed, string(e.Action)+":"+string(e.Outcome)+":"+e.Opinion+":"+e.Note)
			}
		}
		want := []string{"master_reply::已更换灯具，路灯恢复照明:" + master.Number,
			"master_callback:satisfied:回访满意:" + master.Number}
		if len(relayed) != len(want) || relayed[0] != want[0] || relayed[1] != want[1] {
			t.Fatalf("case %d relayed %q; want %q", id, relayed, want)
		}
	}
}

// TestDuplicatesDisc checks the radius at a diagonal, where the lookup's
// disc (tested in SQL) cuts the box's corner: the same report 145 m away
// is still read and a candidate (a lamp's radius is 150 m), 160 m away,
// inside the box, is not.
func TestDuplicatesDisc(t *testing.T) {
	f := newFixture(t)
	const lon, lat = 116.7900, 35.5450
	kx, ky, _ := gridline.DuplicateDisc(lon, lat, 0)
	at := func(m float64) (float64, float64) { d := m / math.Sqrt2; return lon + d/kx, lat + d/ky }
	text := "光明路与府河路交叉口东南角路灯不亮"
	near := mustTicketIn(t, f, lon, lat, text, "0115")
	x, y := at(145)
	in := mustTicketIn(t, f, x, y, text, "0115")
	x, y = at(160)
	out := mustTicketIn(t, f, x, y, text, "0115")
	got, err := f.s.Duplicates.FindDuplicates(ctx, near.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ids := candidateIDs(got); len(ids) != 1 || ids[0] != in.ID || got[0].DistanceM != 145 {
		t.Fatalf("candidates %+v; want only %d at 145 m (not %d at 160 m)", got, in.ID, out.ID)
	}
}

// TestDuplicatesOngoing checks that a caller saying they reported the
// problem before finds the first report beyond the class's window (a
// lamp's 30 days), and that the same words without it do not.
func TestDuplicatesOngoing(t *testing.T) {
	f := newFixture(t)
	first := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "龙城花园小区门口路灯不亮了", Category: "0115",
		Lon: ptr(116.8050), Lat: ptr(35.5550), ReportedAt: time.Now().Add(-40 * 24 * time.Hour)}
	if _, err := f.s.Tickets.CreateTicket(ctx, first); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		text string
		want int
	}{
		{"来电人称龙城花园门口那盏路灯上个月就打过电话了，到现在还不亮", 1},
		{"来电人称龙城花园门口那盏路灯不亮", 0},
	} {
		probe := &gridline.Ticket{ID: -1, Channel: gridline.ChannelHotline, Text: tt.text, Category: "0115",
			Lon: ptr(116.8051), Lat: ptr(35.5550), ReportedAt: time.Now()}
		got, err := f.s.Duplicates.FindDuplicatesOf(ctx, probe)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.want || tt.want == 1 && got[0].ID != first.ID {
			t.Errorf("%s: candidates %v; want %d (the first report %d)", tt.text, candidateIDs(got), tt.want, first.ID)
		}
	}
}

// TestUnmerge merges a dispatched case into another and unmerges it: it
// returns to dispatched with its unit and deadline, stands alone (no
// master, a duplicate candidate again, the master's later replies not
// relayed to it), and an unmerge of a case that is not merged is refused.
func TestUnmerge(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	master := mustTicketIn(t, f, 116.8050, 35.5550, "龙城花园门口路灯不亮", "0115")
	dup := mustTicketIn(t, f, 116.8051, 35.5550, "龙城花园小区门口路灯坏了", "0115")
	act(t, f, dup.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	dup = act(t, f, dup.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &unit.ID})
	deadline := *dup.Deadline
	merged := act(t, f, dup.ID, gridline.TicketActionRequest{Action: gridline.ActionMerge, Into: &master.ID})
	if merged.Status != gridline.StatusMerged || merged.MergedInto == nil {
		t.Fatalf("merged: %s into %v", merged.Status, merged.MergedInto)
	}
	if got, _ := f.s.Duplicates.FindDuplicates(ctx, master.ID); len(got) != 0 {
		t.Fatalf("a merged case is a candidate: %v", candidateIDs(got))
	}
	// A stale version is refused.
	stale := merged.Version - 1
	if _, err := f.s.Tickets.ActOnTicket(ctx, dup.ID, gridline.TicketActionRequest{Action: gridline.ActionUnmerge,
		Version: &stale}); gridline.ErrorCode(err) != gridline.ECONFLICT {
		t.Fatalf("unmerge at a stale version: %v", err)
	}
	back := act(t, f, dup.ID, gridline.TicketActionRequest{Action: gridline.ActionUnmerge, Note: "不是同一盏灯"})
	if back.Status != gridline.StatusDispatched || back.MergedInto != nil || back.Version != merged.Version+1 ||
		back.LeadUnitID == nil || *back.LeadUnitID != unit.ID || back.Deadline == nil || !back.Deadline.Equal(deadline) {
		t.Fatalf("unmerged: %s into %v v%d (was v%d), lead %v, deadline %v (was %v)", back.Status, back.MergedInto,
			back.Version, merged.Version, back.LeadUnitID, back.Deadline, deadline)
	}
	last := back.Timeline[len(back.Timeline)-1]
	if last.Action != gridline.ActionUnmerge || last.From != gridline.StatusMerged || last.To != gridline.StatusDispatched {
		t.Fatalf("the unmerge's event: %+v", last)
	}
	if got, _ := f.s.Duplicates.FindDuplicates(ctx, master.ID); len(got) != 1 || got[0].ID != dup.ID {
		t.Fatalf("after the unmerge the candidates of the master are %v; want %d", candidateIDs(got), dup.ID)
	}
	// The master's reply no longer reaches it.
	for _, r := range []gridline.TicketActionRequest{{Action: gridline.ActionFile},
		{Action: gridline.ActionDispatch, LeadUnit: &unit.ID}, {Action: gridline.ActionSign},
		{Action: gridline.ActionReply, Opinion: "已更换灯具"}} {
		act(t, f, master.ID, r)
	}
	got, err := f.s.Tickets.FindTicketByID(ctx, dup.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range got.Timeline {
		if e.Action == gridline.ActionMasterReply {
			t.Fatalf("the master's reply reached the unmerged case: %+v", e)
		}
	}
	if _, err := f.s.Tickets.ActOnTicket(ctx, dup.ID, gridline.TicketActionRequest{Action: gridline.ActionUnmerge}); gridline.ErrorCode(err) != gridline.ECONFLICT {
		t.Fatalf("unmerge of a case that is not merged: %v", err)
	}
}
