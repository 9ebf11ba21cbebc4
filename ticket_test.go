package gridline_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// TestLoop walks the transitions of DESIGN §5 one by one.
func TestLoop(t *testing.T) {
	type S = gridline.TicketStatus
	type A = gridline.TicketAction
	tests := []struct {
		from    S
		action  A
		outcome gridline.Outcome
		to      S
	}{
		{gridline.StatusUnlocated, gridline.ActionLocate, "", gridline.StatusReceived},
		{gridline.StatusReceived, gridline.ActionFile, "", gridline.StatusFiled},
		{gridline.StatusReceived, gridline.ActionReject, "", gridline.StatusRejected},
		{gridline.StatusReceived, gridline.ActionMerge, "", gridline.StatusMerged},
		{gridline.StatusReceived, gridline.ActionVoid, "", gridline.StatusVoided},
		{gridline.StatusFiled, gridline.ActionSelfHandle, "", gridline.StatusClosed},
		{gridline.StatusFiled, gridline.ActionDispatch, "", gridline.StatusDispatched},
		{gridline.StatusDispatched, gridline.ActionSign, "", gridline.StatusHandling},
		{gridline.StatusDispatched, gridline.ActionReturn, "", gridline.StatusFiled},
		{gridline.StatusDispatched, gridline.ActionRedispatch, "", gridline.StatusDispatched},
		{gridline.StatusHandling, gridline.ActionExtendRequest, "", gridline.StatusHandling},
		{gridline.StatusHandling, gridline.ActionExtendApprove, "", gridline.StatusHandling},
		{gridline.StatusHandling, gridline.ActionDefer, "", gridline.StatusHandling},
		{gridline.StatusHandling, gridline.ActionReply, "", gridline.StatusVerifying},
		{gridline.StatusVerifying, gridline.ActionVerify, gridline.OutcomeFailed, gridline.StatusHandling},
		{gridline.StatusVerifying, gridline.ActionVerify, gridline.OutcomePassed, gridline.StatusCallback},
		{gridline.StatusCallback, gridline.ActionCallback, gridline.OutcomeUnsatisfied, gridline.StatusHandling},
		{gridline.StatusCallback, gridline.ActionCallback, gridline.OutcomeSatisfied, gridline.StatusClosed},
		{gridline.StatusCallback, gridline.ActionCallback, gridline.OutcomeBasic, gridline.StatusClosed},
		{gridline.StatusCallback, gridline.ActionCallback, gridline.OutcomeUnreachable, gridline.StatusClosed},
		{gridline.StatusCallback, gridline.ActionUrge, "", gridline.StatusCallback},
		{gridline.StatusClosed, gridline.ActionReopen, "", gridline.StatusHandling},
		{gridline.StatusRejected, gridline.ActionReopen, "", gridline.StatusReceived},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %s", tt.from, tt.action, tt.outcome), func(t *testing.T) {
			got, err := gridline.NextStatus(tt.from, tt.action, tt.outcome)
			if err != nil || got != tt.to {
				t.Fatalf("NextStatus = %s, %v; want %s", got, err, tt.to)
			}
		})
	}
}

// TestIllegalAction: an action the loop does not allow is ECONFLICT naming
// the status and what is allowed; a bad action or outcome is EINVALID.
func TestIllegalAction(t *testing.T) {
	_, err := gridline.NextStatus(gridline.StatusReceived, gridline.ActionSign, "")
	if gridline.ErrorCode(err) != gridline.ECONFLICT {
		t.Fatalf("sign a received case: %v", err)
	}
	f := gridline.ErrorFields(err)
	if f["status"] != "received" || f["allowed"] != "file, reject, self_handle, merge, void, check_request, check_report" {
		t.Fatalf("fields = %v", f)
	}
	for _, tt := range []struct {
		action  gridline.TicketAction
		outcome gridline.Outcome
		field   string
	}{
		{"fly", "", "action"},
		{gridline.ActionVerify, "", "outcome"},
		{gridline.ActionVerify, gridline.OutcomeSatisfied, "outcome"},
		{gridline.ActionFile, gridline.OutcomePassed, "outcome"},
	} {
		_, err := gridline.NextStatus(gridline.StatusVerifying, tt.action, tt.outcome)
		if gridline.ErrorCode(err) != gridline.EINVALID || gridline.ErrorFields(err)[tt.field] == "" {
			t.Errorf("%s/%q: %v, want EINVALID on %s", tt.action, tt.outcome, err, tt.field)
		}
	}
}

// TestLoopShape checks properties of the whole table: every status is
// reachable from a new case, only closed and rejected cases can be brought
// back, merged ones only unmerged, voided ones never, and open cases can
// always move on.
func TestLoopShape(t *testing.T) {
	reach := map[gridline.TicketStatus]bool{gridline.StatusUnlocated: true, gridline.StatusReceived: true}
	for changed := true; changed; {
		changed = false
		for s := range reach {
			for _, a := range gridline.AllowedActions(s) {
				for _, o := range []gridline.Outcome{"", "passed", "failed", "satisfied", "basic", "unsatisfied", "unreachable"} {
					if to, err := gridline.NextStatus(s, a, o); err == nil && !reach[to] {
						reach[to] = true
						changed = true
					}
				}
			}
		}
	}
	for _, s := range gridline.TicketStatuses {
		if !reach[s] {
			t.Errorf("%s is unreachable", s)
		}
		allowed := gridline.AllowedActions(s)
		switch {
		case s == gridline.StatusMerged:
			if !slices.Equal(allowed, []gridline.TicketAction{gridline.ActionUnmerge}) {
				t.Errorf("%s allows %v, want unmerge only", s, allowed)
			}
		case s == gridline.StatusVoided:
			if len(allowed) != 0 {
				t.Errorf("%s allows %v", s, allowed)
			}
		case !s.Open():
			if !slices.Equal(allowed, []gridline.TicketAction{gridline.ActionReopen}) {
				t.Errorf("%s allows %v, want reopen only", s, allowed)
			}
		case len(allowed) == 0:
			t.Errorf("open status %s allows nothing", s)
		}
	}
}

// TestUnmergedStatus checks that an unmerged case returns to the status it
// was merged from, and to received when its timeline does not say.
func TestUnmergedStatus(t *testing.T) {
	ev := func(a gridline.TicketAction, from, to gridline.TicketStatus) *gridline.TicketEvent {
		return &gridline.TicketEvent{Action: a, From: from, To: to}
	}
	for _, tt := range []struct {
		timeline []*gridline.TicketEvent
		want     gridline.TicketStatus
	}{
		{[]*gridline.TicketEvent{ev("create", "", "received"), ev("merge", "received", "merged")}, gridline.StatusReceived},
		{[]*gridline.TicketEvent{ev("create", "", "received"), ev("file", "received", "filed"),
			ev("dispatch", "filed", "dispatched"), ev("merge", "dispatched", "merged")}, gridline.StatusDispatched},
		{[]*gridline.TicketEvent{ev("create", "", "unlocated"), ev("merge", "unlocated", "merged")}, gridline.StatusUnlocated},
		// Merged, unmerged when filed, merged again: the last merge counts.
		{[]*gridline.TicketEvent{ev("create", "", "received"), ev("merge", "received", "merged"),
			ev("unmerge", "merged", "received"), ev("file", "received", "filed"), ev("merge", "filed", "merged"),
			ev("master_reply", "merged", "merged")}, gridline.StatusFiled},
		{nil, gridline.StatusReceived},
	} {
		if got := gridline.UnmergedStatus(tt.timeline); got != tt.want {
			t.Errorf("UnmergedStatus(%d events) = %s; want %s", len(tt.timeline), got, tt.want)
		}
	}
}

func TestTicketNumber(t *testing.T) {
	// 17:00 UTC on the 13th is already the 14th in China.
	at := time.Date(2023, 11, 13, 17, 0, 0, 0, time.UTC)
	if got := gridline.TicketNumber("370812", at, 123); got != "370812-20231114-000123" {
		t.Fatalf("number = %s", got)
	}
}

// TestEveryEnumLabelled: every channel, status and action has both labels,
// so the UI never falls back to a code.
func TestEveryEnumLabelled(t *testing.T) {
	e := gridline.AllEnums()
	for name, ls := range map[string][]gridline.Label{"channels": e.Channels, "statuses": e.TicketStatuses,
		"actions": e.TicketActions, "teams": e.Teams, "party levels": e.PartyLevels} {
		for _, l := range ls {
			if l.Code == "" || l.Name == "" || l.NameEN == "" {
				t.Errorf("%s: %+v lacks a label", name, l)
			}
		}
	}
	if len(e.Channels) != len(gridline.Channels) || len(e.TicketStatuses) != len(gridline.TicketStatuses) || len(e.TicketActions) != len(gridline.TicketActions) {
		t.Fatal("an enumeration is missing values")
	}
	labelled := map[string]bool{}
	for _, l := range append(slices.Clone(e.TicketActions), e.TimelineEntries...) {
		labelled[l.Code] = true
	}
	for _, a := range append(slices.Clone(gridline.TicketActions), gridline.ActionMeeting, gridline.ActionMasterReply,
		gridline.ActionMasterCallback, gridline.ActionMasterClose, gridline.ActionWhistle, gridline.ActionWhistleReport,
		gridline.ActionWhistleRate, gridline.ActionWhistleOverdue) {
		if !labelled[string(a)] {
			t.Errorf("action %s has no label", a)
		}
	}
}

func TestWarningAt(t *testing.T) {
	cal := gridline.ChinaCalendar()
	cst := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, gridline.ChinaTime)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	deadline := cst("2024-10-08 17:30") // the first working day after National Day
	for _, tt := range []struct {
		now  string
		want gridline.WarningLevel
	}{
		{"2024-09-29 10:00", gridline.WarningNone},   // the Sunday worked before the holiday
		{"2024-09-30 17:29", gridline.WarningNone},   // the last working day before, just before closing
		{"2024-09-30 17:30", gridline.WarningYellow}, // one working day left: 8 October
		{"2024-10-03 12:00", gridline.WarningYellow}, // the holiday
		{"2024-10-08 17:31", gridline.WarningRed},
	} {
		if got := gridline.WarningAt(cal, deadline, cst(tt.now)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.now, got, tt.want)
		}
	}
	p := gridline.PathOf("370812001002")
	if gridline.EscalationTarget(p, false) != "370812001" || gridline.EscalationTarget(p, true) != "370812" ||
		gridline.EscalationTarget(gridline.RegionPath{}, false) != "" {
		t.Fatal("escalation targets")
	}
}

// TestWarningAtShortDeadline: a deadline set seconds ahead (a dispatch's
// explicit deadline is a wall-clock instant) is yellow at once and red the
// moment it passes, whatever the hour and the day: in working hours, at
// lunch, at night, on a weekend, on a public holiday and on an adjusted
// working day. Less than a working day of any time is left, so at most
// that of working time, which is the yellow rule; the browser test of the
// journey (web/e2e/overdue.test.mjs) relies on it at any time CI runs.
func TestWarningAtShortDeadline(t *testing.T) {
	cal := gridline.ChinaCalendar()
	// Mid-Autumn and National Day 2026, with the Sunday worked before them.
	from := time.Date(2026, 9, 18, 0, 0, 0, 0, gridline.ChinaTime)
	to := time.Date(2026, 10, 12, 0, 0, 0, 0, gridline.ChinaTime)
	for now := from; now.Before(to); now = now.Add(7 * time.Minute) {
		deadline := now.Add(40 * time.Second)
		if got := gridline.WarningAt(cal, deadline, now); got != gridline.WarningYellow {
			t.Fatalf("%s (%s), due 40 s later: %q, want yellow (warn at %s)", now, cal.DayType(now), got, cal.WarnAt(deadline))
		}
		if got := gridline.WarningAt(cal, deadline, deadline); got != gridline.WarningYellow {
			t.Fatalf("%s: %q at the deadline itself, want yellow", deadline, got)
		}
		if got := gridline.WarningAt(cal, deadline, deadline.Add(time.Second)); got != gridline.WarningRed {
			t.Fatalf("%s: %q a second past the deadline, want red", deadline, got)
		}
	}
}

// TestVerifyPassed checks that a verification's result may be sent as
// passed (true, false) instead of outcome, and that the two must agree.
func TestVerifyPassed(t *testing.T) {
	yes, no := true, false
	for _, tt := range []struct {
		passed  *bool
		outcome gridline.Outcome
		want    gridline.Outcome
		err     string
	}{
		{&yes, "", gridline.OutcomePassed, ""},
		{&no, "", gridline.OutcomeFailed, ""},
		{nil, gridline.OutcomeFailed, gridline.OutcomeFailed, ""},
		{&yes, gridline.OutcomePassed, gridline.OutcomePassed, ""},
		{&no, gridline.OutcomePassed, "", "passed"},
	} {
		r := gridline.TicketActionRequest{Action: gridline.ActionVerify, Passed: tt.passed, Outcome: tt.outcome}
		err := r.Validate()
		if tt.err != "" {
			if _, ok := gridline.ErrorFields(err)[tt.err]; !ok {
				t.Errorf("passed %v, outcome %q: err %v, want one on %s", tt.passed, tt.outcome, err, tt.err)
			}
			continue
		}
		if err != nil || r.Outcome != tt.want {
			t.Errorf("passed %v, outcome %q: %q, %v; want %q", tt.passed, tt.outcome, r.Outcome, err, tt.want)
		}
	}
}

// TestTicketActionRequestValidate: the body-only rules of an action, each
// refusal naming its field.
func TestTicketActionRequestValidate(t *testing.T) {
	photo := &gridline.Photo{N: 1, MIME: gridline.PhotoJPEG, Data: []byte{1, 2, 3}, Size: 3}
	later := time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name  string
		r     gridline.TicketActionRequest
		field string // "" when valid
	}{
		{"extend request without a reason", gridline.TicketActionRequest{Action: gridline.ActionExtendRequest}, "opinion"},
		{"extend request, blank reason", gridline.TicketActionRequest{Action: gridline.ActionExtendRequest, Opinion: "  "}, "opinion"},
		{"extend request with a reason", gridline.TicketActionRequest{Action: gridline.ActionExtendRequest, Opinion: "需采购配件"}, ""},
		{"extend request, reason as a note", gridline.TicketActionRequest{Action: gridline.ActionExtendRequest, Note: "需采购配件"}, ""},
		{"defer without a reason", gridline.TicketActionRequest{Action: gridline.ActionDefer}, "opinion"},
		{"defer with a reason", gridline.TicketActionRequest{Action: gridline.ActionDefer, Note: "等待业主回家"}, ""},
		{"extend approve without a deadline", gridline.TicketActionRequest{Action: gridline.ActionExtendApprove}, "deadline"},
		{"extend approve with a deadline", gridline.TicketActionRequest{Action: gridline.ActionExtendApprove, Deadline: &later}, ""},
		{"extend deny without a reason", gridline.TicketActionRequest{Action: gridline.ActionExtendDeny}, "opinion"},
		{"reply without words", gridline.TicketActionRequest{Action: gridline.ActionReply, Note: "内部备注"}, "opinion"},
		{"reply, blank", gridline.TicketActionRequest{Action: gridline.ActionReply, Opinion: "\n "}, "opinion"},
		{"reply", gridline.TicketActionRequest{Action: gridline.ActionReply, Opinion: "已更换灯泡"}, ""},
		{"self handle without a photo", gridline.TicketActionRequest{Action: gridline.ActionSelfHandle, Opinion: "已清理"}, "photo"},
		{"self handle with a photo", gridline.TicketActionRequest{Action: gridline.ActionSelfHandle, Photos: []*gridline.Photo{photo}}, ""},
		{"sign needs nothing", gridline.TicketActionRequest{Action: gridline.ActionSign}, ""},
	} {
		err := tt.r.Validate()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if gridline.ErrorCode(err) != gridline.EINVALID || gridline.ErrorFields(err)[tt.field] == "" {
			t.Errorf("%s: %v, want EINVALID on %s", tt.name, err, tt.field)
		}
	}
}

// TestCheckReportedAt: a case reported a few minutes ahead of the
// server's clock is taken in; one from further ahead is refused on
// reported_at.
func TestCheckReportedAt(t *testing.T) {
	now := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		at   time.Time
		want bool // refused
	}{
		{time.Time{}, false},
		{now.Add(-48 * time.Hour), false},
		{now, false},
		{now.Add(gridline.ReportedAtSkew), false},
		{now.Add(gridline.ReportedAtSkew + time.Second), true},
		{now.Add(24 * time.Hour), true},
	} {
		tk := &gridline.Ticket{ReportedAt: tt.at}
		err := tk.CheckReportedAt(now)
		if got := gridline.ErrorFields(err)["reported_at"] != ""; got != tt.want {
			t.Errorf("reported at %v: %v, want refused %v", tt.at, err, tt.want)
		}
	}
}

// TestTicketFilterTotalBound: only a text search's count is bounded, by
// TextTotalBound or the caller's CountUpTo, and past the bound the total
// is the bound and not exact.
func TestTicketFilterTotalBound(t *testing.T) {
	text, empty := "路灯", ""
	before := int64(9)
	tests := []struct {
		name  string
		f     gridline.TicketFilter
		n     int
		bound int
		total int
		exact bool
	}{
		{"no text", gridline.TicketFilter{}, 968276, 0, 968276, true},
		{"empty text", gridline.TicketFilter{Query: &empty}, 50000, 0, 50000, true},
		{"text under", gridline.TicketFilter{Query: &text}, 9194, gridline.TextTotalBound, 9194, true},
		{"text at", gridline.TicketFilter{Query: &text}, gridline.TextTotalBound, gridline.TextTotalBound, gridline.TextTotalBound, true},
		{"text past", gridline.TicketFilter{Query: &text}, gridline.TextTotalBound + 1, gridline.TextTotalBound, gridline.TextTotalBound, false},
		{"text, own bound", gridline.TicketFilter{Query: &text, CountUpTo: 100000}, 43300, 100000, 43300, true},
		{"text, own bound past", gridline.TicketFilter{Query: &text, CountUpTo: 3}, 4, 3, 3, false},
		{"paged by key: not counted", gridline.TicketFilter{Query: &text, BeforeID: &before}, 0, 0, 0, true},
	}
	for _, tt := range tests {
		if b := tt.f.TotalBound(); b != tt.bound {
			t.Errorf("%s: bound %d, want %d", tt.name, b, tt.bound)
		}
		if total, exact := tt.f.TotalOf(tt.n); total != tt.total || exact != tt.exact {
			t.Errorf("%s: TotalOf(%d) = %d, %v; want %d, %v", tt.name, tt.n, total, exact, tt.total, tt.exact)
		}
	}
}
