package gridline

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Channel is where a case came from.
type Channel string

// Channels, in display order.
const (
	ChannelHotline      Channel = "hotline"       // 12345 热线
	ChannelMailbox      Channel = "mailbox"       // 区长信箱
	ChannelWebsite      Channel = "website"       // 政府网站
	ChannelApp          Channel = "app"           // 新闻客户端 / 政务 App
	ChannelGridPatrol   Channel = "grid_patrol"   // 网格员巡查
	ChannelSnapReport   Channel = "snap_report"   // 随手拍
	ChannelHazardReport Channel = "hazard_report" // 隐患直报
	ChannelProperty     Channel = "property"      // 物业上报
	ChannelVideoPatrol  Channel = "video_patrol"  // 视频巡查
	ChannelSensor       Channel = "sensor"        // 感知设备告警
	ChannelWalkIn       Channel = "walk_in"       // 来访
)

// Channels lists every channel in display order.
var Channels = []Channel{ChannelHotline, ChannelMailbox, ChannelWebsite, ChannelApp, ChannelGridPatrol,
	ChannelSnapReport, ChannelHazardReport, ChannelProperty, ChannelVideoPatrol, ChannelSensor, ChannelWalkIn}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// TicketStatus is where a case stands in the closed loop (DESIGN §5).
type TicketStatus string

// The statuses of a case. "Replied" in the loop diagram is the reply
// action, which takes a case to verifying.
const (
	StatusUnlocated  TicketStatus = "unlocated"  // 待定位: its place is in no grid; a person places it
	StatusReceived   TicketStatus = "received"   // 待受理
	StatusFiled      TicketStatus = "filed"      // 已立案, to be dispatched
	StatusRejected   TicketStatus = "rejected"   // 不予受理
	StatusDispatched TicketStatus = "dispatched" // 已派遣, waiting for the lead unit to sign
	StatusHandling   TicketStatus = "handling"   // 处置中
	StatusVerifying  TicketStatus = "verifying"  // 待核查: replied, to be verified on site
	StatusCallback   TicketStatus = "callback"   // 待回访
	StatusClosed     TicketStatus = "closed"     // 已结案
	StatusMerged     TicketStatus = "merged"     // 已合并 into another case
	StatusVoided     TicketStatus = "voided"     // 已作废
)

// TicketStatuses lists every status in loop order.
var TicketStatuses = []TicketStatus{StatusUnlocated, StatusReceived, StatusFiled, StatusRejected,
	StatusDispatched, StatusHandling, StatusVerifying, StatusCallback, StatusClosed, StatusMerged, StatusVoided}

// Valid reports whether s is a known status.
func (s TicketStatus) Valid() bool { return slices.Contains(TicketStatuses, s) }

// Open reports whether a case in status s still needs work: it is not
// closed, rejected, merged or voided. Only open cases can be overdue.
func (s TicketStatus) Open() bool {
	switch s {
	case StatusClosed, StatusRejected, StatusMerged, StatusVoided:
		return false
	}
	return s.Valid()
}

// TicketAction is a step of the loop: POST /api/v1/tickets/{id}/actions/{action}.
type TicketAction string

// The actions.
const (
	ActionLocate        TicketAction = "locate"         // place an unlocated case by hand
	ActionFile          TicketAction = "file"           // 立案
	ActionReject        TicketAction = "reject"         // 不予受理
	ActionSelfHandle    TicketAction = "self_handle"    // a grid worker closes a small case on the spot
	ActionMerge         TicketAction = "merge"          // a duplicate joins its master case
	ActionVoid          TicketAction = "void"           // 作废
	ActionDispatch      TicketAction = "dispatch"       // 派遣: lead unit and co-units
	ActionSign          TicketAction = "sign"           // 签收
	ActionReturn        TicketAction = "return"         // 退单: misrouted, with a reason
	ActionRedispatch    TicketAction = "redispatch"     // 改派
	ActionExtendRequest TicketAction = "extend_request" // 申请延期
	ActionExtendApprove TicketAction = "extend_approve" // 批准延期
	ActionExtendDeny    TicketAction = "extend_deny"    // 驳回延期
	ActionDefer         TicketAction = "defer"          // 暂缓办理
	ActionReply         TicketAction = "reply"          // 办结回复
	ActionVerify        TicketAction = "verify"         // 核查: passed or failed (rework)
	ActionCallback      TicketAction = "callback"       // 回访
	ActionClose         TicketAction = "close"          // 结案
	ActionReopen        TicketAction = "reopen"         // 重办
	ActionUrge          TicketAction = "urge"           // 催办
	ActionSupervise     TicketAction = "supervise"      // 督办
)

// TicketActions lists every action in loop order.
var TicketActions = []TicketAction{ActionLocate, ActionFile, ActionReject, ActionSelfHandle, ActionMerge, ActionVoid,
	ActionDispatch, ActionSign, ActionReturn, ActionRedispatch, ActionExtendRequest, ActionExtendApprove,
	ActionExtendDeny, ActionDefer, ActionReply, ActionVerify, ActionCallback, ActionClose, ActionReopen,
	ActionUrge, ActionSupervise}

// Valid reports whether a is a known action.
func (a TicketAction) Valid() bool { return slices.Contains(TicketActions, a) }

// Outcome is the result an action carries where the next status depends
// on it: a verification passed or failed, a callback's satisfaction.
type Outcome string

// Outcomes.
const (
	OutcomeNone        Outcome = ""
	OutcomePassed      Outcome = "passed"      // verify
	OutcomeFailed      Outcome = "failed"      // verify: rework
	OutcomeSatisfied   Outcome = "satisfied"   // callback: 满意
	OutcomeBasic       Outcome = "basic"       // callback: 基本满意
	OutcomeUnsatisfied Outcome = "unsatisfied" // callback: 不满意, the case is reopened
	OutcomeUnreachable Outcome = "unreachable" // callback: 联系不上
)

// transition is one row of the loop: in status from, action with outcome
// leads to status to. A row with to == "" keeps the status (urge, an
// extension request…).
type transition struct {
	from    TicketStatus
	action  TicketAction
	outcome Outcome
	to      TicketStatus
}

// before lists the statuses before handling starts, where a case can still
// be merged into a duplicate or voided.
var before = []TicketStatus{StatusUnlocated, StatusReceived, StatusFiled, StatusDispatched}

// working lists the statuses in which units work on a case: it can be
// urged and supervised, and its deadline runs.
var working = []TicketStatus{StatusDispatched, StatusHandling, StatusVerifying, StatusCallback}

// transitions is the closed loop of DESIGN §5 as a table, the one place
// the loop is defined.
var transitions = func() []transition {
	t := []transition{
		{StatusUnlocated, ActionLocate, OutcomeNone, StatusReceived},
		{StatusUnlocated, ActionReject, OutcomeNone, StatusRejected},
		{StatusReceived, ActionFile, OutcomeNone, StatusFiled},
		{StatusReceived, ActionReject, OutcomeNone, StatusRejected},
		{StatusReceived, ActionSelfHandle, OutcomeNone, StatusClosed},
		{StatusFiled, ActionDispatch, OutcomeNone, StatusDispatched},
		{StatusFiled, ActionSelfHandle, OutcomeNone, StatusClosed},
		{StatusDispatched, ActionSign, OutcomeNone, StatusHandling},
		{StatusDispatched, ActionReturn, OutcomeNone, StatusFiled},
		{StatusDispatched, ActionRedispatch, OutcomeNone, StatusDispatched},
		{StatusHandling, ActionReturn, OutcomeNone, StatusFiled},
		{StatusHandling, ActionRedispatch, OutcomeNone, StatusDispatched},
		{StatusHandling, ActionReply, OutcomeNone, StatusVerifying},
		{StatusVerifying, ActionVerify, OutcomePassed, StatusCallback},
		{StatusVerifying, ActionVerify, OutcomeFailed, StatusHandling},
		{StatusCallback, ActionCallback, OutcomeSatisfied, StatusClosed},
		{StatusCallback, ActionCallback, OutcomeBasic, StatusClosed},
		{StatusCallback, ActionCallback, OutcomeUnreachable, StatusClosed},
		{StatusCallback, ActionCallback, OutcomeUnsatisfied, StatusHandling},
		{StatusCallback, ActionClose, OutcomeNone, StatusClosed},
		{StatusClosed, ActionReopen, OutcomeNone, StatusHandling},
		{StatusRejected, ActionReopen, OutcomeNone, StatusReceived},
	}
	for _, s := range before {
		t = append(t, transition{s, ActionMerge, OutcomeNone, StatusMerged}, transition{s, ActionVoid, OutcomeNone, StatusVoided})
	}
	for _, s := range []TicketStatus{StatusDispatched, StatusHandling} {
		// Extensions and deferral are asked for while the units work;
		// the status stays.
		for _, a := range []TicketAction{ActionExtendRequest, ActionExtendApprove, ActionExtendDeny} {
			t = append(t, transition{s, a, OutcomeNone, ""})
		}
	}
	t = append(t, transition{StatusHandling, ActionDefer, OutcomeNone, ""})
	for _, s := range working {
		t = append(t, transition{s, ActionUrge, OutcomeNone, ""}, transition{s, ActionSupervise, OutcomeNone, ""})
	}
	return t
}()

// outcomesOf lists the outcomes an action takes: verify and callback need
// one, the others none.
func outcomesOf(a TicketAction) []Outcome {
	switch a {
	case ActionVerify:
		return []Outcome{OutcomePassed, OutcomeFailed}
	case ActionCallback:
		return []Outcome{OutcomeSatisfied, OutcomeBasic, OutcomeUnsatisfied, OutcomeUnreachable}
	}
	return []Outcome{OutcomeNone}
}

// NextStatus returns the status a case in status from moves to by action
// with outcome. An action the loop does not allow in from is ECONFLICT
// naming the status and the actions allowed in it (a 409 for the client);
// an unknown action, or an outcome the action does not take, is EINVALID.
func NextStatus(from TicketStatus, action TicketAction, outcome Outcome) (TicketStatus, error) {
	if !action.Valid() {
		return "", FieldErrorf("action", "unknown action %q", action)
	}
	if !slices.Contains(outcomesOf(action), outcome) {
		want := outcomesOf(action)
		if len(want) == 1 {
			return "", FieldErrorf("outcome", "%s takes no outcome, got %q", action, outcome)
		}
		return "", FieldErrorf("outcome", "%s needs one of %s, got %q", action, joinOutcomes(want), outcome)
	}
	for _, t := range transitions {
		if t.from == from && t.action == action && t.outcome == outcome {
			if t.to == "" {
				return from, nil
			}
			return t.to, nil
		}
	}
	return "", &Error{Code: ECONFLICT,
		Message: fmt.Sprintf("A case that is %s cannot be %s; allowed now: %s.", from, action, joinActions(AllowedActions(from))),
		Fields:  map[string]string{"status": string(from), "allowed": joinActions(AllowedActions(from))}}
}

// AllowedActions returns the actions the loop allows in status s, in loop
// order: what a case page offers.
func AllowedActions(s TicketStatus) []TicketAction {
	var out []TicketAction
	for _, a := range TicketActions {
		for _, t := range transitions {
			if t.from == s && t.action == a {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

func joinActions(as []TicketAction) string {
	if len(as) == 0 {
		return "none"
	}
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

func joinOutcomes(os []Outcome) string {
	s := make([]string, len(os))
	for i, o := range os {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

// TicketNumber is the number people see: county code, the day the case
// was received (China Standard Time) and a six-digit sequence of that
// county and day, e.g. 370812-20231114-000123.
func TicketNumber(county string, received time.Time, seq int) string {
	return fmt.Sprintf("%s-%s-%06d", county, received.In(chinaTime).Format("20060102"), seq)
}

// chinaTime is China Standard Time. China keeps no daylight saving, so a
// fixed zone is exact and needs no tzdata in the binary.
var chinaTime = time.FixedZone("CST", 8*3600)
