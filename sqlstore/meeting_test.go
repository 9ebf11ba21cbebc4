package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// TestMeeting records a coordination meeting on two cases: one only
// decided (its timeline gets the meeting), one dispatched by the meeting
// to its lead unit with the agreed deadline, in the same transaction.
func TestMeeting(t *testing.T) {
	f := newFixture(t)
	housing := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	urban := f.mustUnit(t, gridline.UnitDepartment, "区城管局", "370812")
	water := f.mustUnit(t, gridline.UnitDepartment, "区水务局", "370812")
	a := mustTicketIn(t, f, 116.805, 35.555, "老旧小区雨污管网混接，雨天污水外溢", "10409")
	b := mustTicketIn(t, f, 116.806, 35.556, "小区门口违章搭建彩钢房多年未拆", "10101")
	act(t, f, b.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	held := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	deadline := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Second)
	m := &gridline.Meeting{HeldAt: held, Topic: " 老旧小区积案协调 ", Place: "区指挥中心三楼会议室", Chair: "张主任",
		Attendees:     []string{"李四（区住建局副局长）", " 王五（区城管局科长） "},
		AttendeeUnits: []int64{housing.ID, urban.ID, water.ID},
		Items: []gridline.MeetingItem{
			{TicketID: a.ID, LeadUnit: housing.ID, CoUnits: []int64{water.ID}, Plan: "住建局牵头改造管网，水务局配合排查", Deadline: &deadline},
			{TicketID: b.ID, LeadUnit: urban.ID, CoUnits: []int64{water.ID}, Plan: "城管局依法拆除，水务局配合", Deadline: &deadline, Dispatch: true},
		}}
	if err := f.s.Meetings.CreateMeeting(ctx, m); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.Meetings.FindMeetingByID(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.HeldAt.Equal(held) || got.Place != m.Place || !slices.Equal(got.AttendeeUnits, []int64{housing.ID, urban.ID, water.ID}) ||
		len(got.Items) != 2 || got.Items[0].TicketNumber != a.Number || !slices.Equal(got.Items[0].CoUnits, []int64{water.ID}) ||
		!got.Items[0].Deadline.Equal(deadline) || got.Items[1].LeadUnit != urban.ID || !slices.Equal(got.Items[1].CoUnits, []int64{water.ID}) {
		t.Fatalf("meeting read back: %+v", got)
	}
	// The topic and the people are kept trimmed; each item carries its
	// case's status now: a still filed, b dispatched by the meeting.
	if got.Topic != "老旧小区积案协调" || !slices.Equal(got.Attendees, []string{"李四（区住建局副局长）", "王五（区城管局科长）"}) ||
		got.Items[0].TicketStatus != gridline.StatusReceived || got.Items[1].TicketStatus != gridline.StatusDispatched ||
		m.Items[1].TicketStatus != gridline.StatusDispatched {
		t.Fatalf("topic %q, attendees %q, statuses %s %s (answer %s)", got.Topic, got.Attendees,
			got.Items[0].TicketStatus, got.Items[1].TicketStatus, m.Items[1].TicketStatus)
	}
	if acts := timelineActions(t, f, a.ID); !slices.Equal(acts, []gridline.TicketAction{"create", gridline.ActionMeeting}) {
		t.Fatalf("timeline of a: %v", acts)
	}
	bb, err := f.s.Tickets.FindTicketByID(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bb.Status != gridline.StatusDispatched || *bb.LeadUnitID != urban.ID || !bb.Deadline.Equal(deadline) {
		t.Fatalf("b after the meeting: %s lead %v deadline %v", bb.Status, bb.LeadUnitID, bb.Deadline)
	}
	// The meeting's co-unit is assigned too, due a working day before the lead.
	if len(bb.Assignments) != 2 || bb.Assignments[0].UnitID != urban.ID || bb.Assignments[1].UnitID != water.ID ||
		bb.Assignments[1].Role != gridline.AssignCo || !bb.Assignments[1].Deadline.Before(deadline) {
		t.Fatalf("b's assignments after the meeting: %+v", bb.Assignments)
	}
	if acts := timelineActions(t, f, b.ID); !slices.Equal(acts, []gridline.TicketAction{"create", "file", gridline.ActionMeeting, gridline.ActionDispatch}) {
		t.Fatalf("timeline of b: %v", acts)
	}
	for _, filter := range []gridline.MeetingFilter{{}, {TicketID: &b.ID}} {
		if ms, n, err := f.s.Meetings.FindMeetings(ctx, filter); err != nil || n != 1 || ms[0].ID != m.ID || len(ms[0].Items) != 2 {
			t.Fatalf("filter %+v: %d, %v", filter, n, err)
		}
	}
	wantAudit(t, f.db, "meeting", 1)
}

// TestMeetingRefused checks that a meeting with a bad item names it and
// writes nothing: not the meeting, not the good items' timeline entries,
// not a dispatch.
func TestMeetingRefused(t *testing.T) {
	f := newFixture(t)
	urban := f.mustUnit(t, gridline.UnitDepartment, "区城管局", "370812")
	a := mustTicketIn(t, f, 116.805, 35.555, "占道经营", "10501")
	act(t, f, a.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	closed := mustTicketIn(t, f, 116.805, 35.555, "井盖缺失", "0103")
	act(t, f, closed.ID, gridline.TicketActionRequest{Action: gridline.ActionSelfHandle, Photos: []*gridline.Photo{testJPEG(t, 1, 10)}})
	received := mustTicketIn(t, f, 116.805, 35.555, "路灯不亮", "0115")
	held := time.Now().Add(-time.Hour)
	good := gridline.MeetingItem{TicketID: a.ID, LeadUnit: urban.ID, Plan: "城管局牵头", Dispatch: true}
	for _, tc := range []struct {
		name  string
		item  gridline.MeetingItem
		code  string
		field string
	}{
		{"unknown case", gridline.MeetingItem{TicketID: 999999, LeadUnit: urban.ID, Plan: "x"}, gridline.EINVALID, "items[1].ticket_id"},
		{"unknown lead", gridline.MeetingItem{TicketID: received.ID, LeadUnit: 999999, Plan: "x"}, gridline.EINVALID, "items[1].lead_unit"},
		{"unknown co-unit", gridline.MeetingItem{TicketID: received.ID, LeadUnit: urban.ID, CoUnits: []int64{999999}, Plan: "x"}, gridline.EINVALID, "items[1].co_units[0]"},
		{"closed case", gridline.MeetingItem{TicketID: closed.ID, LeadUnit: urban.ID, Plan: "x"}, gridline.ECONFLICT, "items[1].ticket_id"},
		{"dispatch before filing", gridline.MeetingItem{TicketID: received.ID, LeadUnit: urban.ID, Plan: "x", Dispatch: true}, gridline.ECONFLICT, "items[1].dispatch"},
		{"blank attendee", gridline.MeetingItem{TicketID: received.ID, LeadUnit: urban.ID, Plan: "x"}, gridline.EINVALID, "attendees[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &gridline.Meeting{HeldAt: held, Place: "会议室", Chair: "李主任", Items: []gridline.MeetingItem{good, tc.item}}
			if tc.name == "blank attendee" {
				m.Attendees = []string{"赵六", "  "}
			}
			err := f.s.Meetings.CreateMeeting(ctx, m)
			if gridline.ErrorCode(err) != tc.code || gridline.ErrorFields(err)[tc.field] == "" {
				t.Fatalf("want %s on %s, got %v (%v)", tc.code, tc.field, err, gridline.ErrorFields(err))
			}
		})
	}
	if _, n, err := f.s.Meetings.FindMeetings(ctx, gridline.MeetingFilter{}); err != nil || n != 0 {
		t.Fatalf("meetings after refusals: %d, %v", n, err)
	}
	if acts := timelineActions(t, f, a.ID); !slices.Equal(acts, []gridline.TicketAction{"create", "file"}) {
		t.Fatalf("timeline of the good item's case: %v", acts)
	}
}
