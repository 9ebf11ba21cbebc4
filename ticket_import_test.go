package gridline_test

import (
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// closedCase is a case taken through the whole loop, with every field the
// timeline implies.
func closedCase() *gridline.Ticket {
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, gridline.ChinaTime)
	lon, lat, unit := 116.8, 35.55, int64(7)
	t := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "路灯不亮", Lon: &lon, Lat: &lat,
		RegionPath: gridline.PathOf("370812001002001"), LeadUnitID: &unit}
	steps := []struct {
		a gridline.TicketAction
		o gridline.Outcome
	}{{gridline.ActionCreate, ""}, {gridline.ActionFile, ""}, {gridline.ActionDispatch, ""}, {gridline.ActionSign, ""},
		{gridline.TicketAction(gridline.WarningYellow), ""}, {gridline.ActionReply, ""}, {gridline.ActionVerify, gridline.OutcomeFailed},
		{gridline.ActionReply, ""}, {gridline.ActionVerify, gridline.OutcomePassed}, {gridline.ActionCallback, gridline.OutcomeBasic}}
	status := gridline.TicketStatus("")
	for i, s := range steps {
		e := &gridline.TicketEvent{At: at.Add(time.Duration(i) * time.Hour), Action: s.a, Outcome: s.o}
		switch {
		case s.a == gridline.ActionCreate:
			e.To = gridline.StatusReceived
		case !s.a.IsLight():
			to, err := gridline.NextStatus(status, s.a, s.o)
			if err != nil {
				panic(err)
			}
			e.From, e.To = status, to
		}
		if e.To != "" {
			status = e.To
		}
		t.Timeline = append(t.Timeline, e)
	}
	deadline := at.Add(48 * time.Hour)
	closed := t.Timeline[len(t.Timeline)-1].At
	t.Status, t.ClosedAt, t.Deadline, t.BaseDeadline, t.Warning = status, &closed, &deadline, &deadline, gridline.WarningYellow
	return t
}

func TestValidateTimeline(t *testing.T) {
	if err := closedCase().ValidateTimeline(); err != nil {
		t.Fatalf("a closed case: %v", err)
	}
	if v := gridline.TimelineVersion(closedCase().Timeline); v != 9 {
		t.Errorf("version %d, want 9: lights do not count", v)
	}
	// A merged case hears its master: the relayed entries move nothing.
	merged := closedCase()
	merged.Timeline = merged.Timeline[:2]
	merged.Timeline[1] = &gridline.TicketEvent{At: merged.Timeline[1].At, Action: gridline.ActionMerge,
		From: gridline.StatusReceived, To: gridline.StatusMerged}
	merged.Timeline = append(merged.Timeline, &gridline.TicketEvent{At: merged.Timeline[1].At.Add(time.Hour),
		Action: gridline.ActionMasterReply, From: gridline.StatusMerged, To: gridline.StatusMerged, Opinion: "已修复"})
	m := int64(1)
	merged.Status, merged.MergedInto, merged.ClosedAt, merged.Deadline, merged.BaseDeadline = gridline.StatusMerged, &m, nil, nil, nil
	merged.Warning, merged.LeadUnitID = gridline.WarningNone, nil
	if err := merged.ValidateTimeline(); err != nil {
		t.Errorf("a merged case with its master's reply: %v", err)
	}
	if v := gridline.TimelineVersion(merged.Timeline); v != 2 {
		t.Errorf("merged case's version %d, want 2: relayed entries do not count", v)
	}
	// An unmerge goes back to where the merge took the case from, as the
	// store's action does: a filed case merged and unmerged is filed.
	unmerged := closedCase()
	tl := unmerged.Timeline[:2]
	tl = append(tl, &gridline.TicketEvent{At: tl[1].At.Add(time.Hour), Action: gridline.ActionMerge, From: gridline.StatusFiled, To: gridline.StatusMerged},
		&gridline.TicketEvent{At: tl[1].At.Add(2 * time.Hour), Action: gridline.ActionUnmerge, From: gridline.StatusMerged, To: gridline.StatusFiled,
			Note: "不是同一件事"})
	unmerged.Timeline, unmerged.Status = tl, gridline.StatusFiled
	unmerged.ClosedAt, unmerged.Deadline, unmerged.BaseDeadline, unmerged.LeadUnitID = nil, nil, nil, nil
	unmerged.Warning = gridline.WarningNone
	if err := unmerged.ValidateTimeline(); err != nil {
		t.Errorf("a filed case merged and unmerged: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*gridline.Ticket)
		field string
	}{
		{"no timeline", func(t *gridline.Ticket) { t.Timeline = nil }, "timeline"},
		{"not starting with intake", func(t *gridline.Ticket) { t.Timeline = t.Timeline[1:] }, "timeline[0]"},
		{"intake twice", func(t *gridline.Ticket) { t.Timeline[1].Action = gridline.ActionCreate }, "timeline[1]"},
		{"a step the loop forbids", func(t *gridline.Ticket) { t.Timeline[3].Action = gridline.ActionReply }, "timeline[3]"},
		{"a step from elsewhere", func(t *gridline.Ticket) { t.Timeline[2].From = gridline.StatusReceived }, "timeline[2]"},
		{"a step to elsewhere", func(t *gridline.Ticket) { t.Timeline[6].To = gridline.StatusCallback }, "timeline[6]"},
		{"back in time", func(t *gridline.Ticket) { t.Timeline[5].At = t.Timeline[0].At }, "timeline[5]"},
		{"a light that moves", func(t *gridline.Ticket) { t.Timeline[4].To = gridline.StatusHandling }, "timeline[4]"},
		{"a light after closure", func(t *gridline.Ticket) {
			t.Timeline = append(t.Timeline, &gridline.TicketEvent{At: t.ClosedAt.Add(time.Hour), Action: gridline.TicketAction(gridline.WarningRed)})
		}, "timeline[10]"},
		{"status elsewhere", func(t *gridline.Ticket) { t.Status = gridline.StatusCallback }, "status"},
		{"closed at another time", func(t *gridline.Ticket) { c := t.ClosedAt.Add(time.Minute); t.ClosedAt = &c }, "closed_at"},
		{"merged into without a merge", func(t *gridline.Ticket) { m := int64(3); t.MergedInto = &m }, "merged_into"},
		{"a deadline without a base", func(t *gridline.Ticket) { t.BaseDeadline = nil }, "base_deadline"},
		{"extended before the base", func(t *gridline.Ticket) { d := t.BaseDeadline.Add(-time.Hour); t.Deadline = &d }, "deadline"},
		{"a deadline without a lead", func(t *gridline.Ticket) { t.LeadUnitID = nil }, "lead_unit_id"},
		{"red without escalation", func(t *gridline.Ticket) { t.Warning = gridline.WarningRed }, "escalated_to"},
		{"a co-unit first", func(t *gridline.Ticket) {
			t.Assignments = []*gridline.TicketAssignment{{UnitID: 9, Role: gridline.AssignCo, Deadline: *t.Deadline}}
		}, "assignments[0]"},
		{"a co-unit twice", func(t *gridline.Ticket) {
			t.Assignments = []*gridline.TicketAssignment{{UnitID: *t.LeadUnitID, Role: gridline.AssignLead, Deadline: *t.Deadline},
				{UnitID: 9, Role: gridline.AssignCo, Deadline: *t.Deadline}, {UnitID: 9, Role: gridline.AssignCo, Deadline: *t.Deadline}}
		}, "assignments[2].unit_id"},
		{"a grid never placed", func(t *gridline.Ticket) {
			t.Timeline[0].To = gridline.StatusUnlocated
			t.Timeline[1].From = gridline.StatusUnlocated
		}, "timeline[1]"},
		{"placed without a grid", func(t *gridline.Ticket) { t.RegionPath = gridline.RegionPath{} }, "grid_code"},
		{"a master's reply relayed to a case not merged", func(t *gridline.Ticket) {
			t.Timeline = append(t.Timeline, &gridline.TicketEvent{At: t.ClosedAt.Add(time.Hour), Action: gridline.ActionMasterReply,
				From: gridline.StatusMerged, To: gridline.StatusMerged})
		}, "timeline[10]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := closedCase()
			tt.edit(c)
			err := c.ValidateTimeline()
			if gridline.ErrorCode(err) != gridline.EINVALID {
				t.Fatalf("err = %v, want invalid", err)
			}
			if _, ok := gridline.ErrorFields(err)[tt.field]; !ok {
				t.Errorf("fields %v, want %s", gridline.ErrorFields(err), tt.field)
			}
		})
	}
}
