package gridline

import (
	"context"
	"fmt"
	"io"
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
	ActionUnmerge       TicketAction = "unmerge"        // 取消合并: a merged case stands alone again
	ActionVoid          TicketAction = "void"           // 作废
	ActionDispatch      TicketAction = "dispatch"       // 派遣: lead unit and co-units
	ActionSign          TicketAction = "sign"           // 签收
	ActionReturn        TicketAction = "return"         // 退单: misrouted, with a reason
	ActionRedispatch    TicketAction = "redispatch"     // 改派
	ActionExtendRequest TicketAction = "extend_request" // 申请延期
	ActionExtendApprove TicketAction = "extend_approve" // 批准延期
	ActionExtendDeny    TicketAction = "extend_deny"    // 驳回延期
	ActionDefer         TicketAction = "defer"          // 暂缓办理
	ActionReply         TicketAction = "reply"          // 办结回复; a co-unit's reply goes to the lead
	ActionRate          TicketAction = "rate"           // the lead rates a co-unit's cooperation
	ActionVerify        TicketAction = "verify"         // 核查: passed or failed (rework)
	ActionCallback      TicketAction = "callback"       // 回访
	ActionClose         TicketAction = "close"          // 结案
	ActionReopen        TicketAction = "reopen"         // 重办
	ActionUrge          TicketAction = "urge"           // 催办
	ActionSupervise     TicketAction = "supervise"      // 督办
	// ActionCheckRequest asks the grid workers of a case's grid to check
	// it on site (核查任务); ActionCheckReport is a worker's answer, with
	// the place it was given from, photos and a finding. Neither moves the
	// case through the loop: the check informs whoever acts next.
	ActionCheckRequest TicketAction = "check_request"
	ActionCheckReport  TicketAction = "check_report"
)

// TicketActions lists every action in loop order.
var TicketActions = []TicketAction{ActionLocate, ActionFile, ActionReject, ActionSelfHandle, ActionMerge, ActionUnmerge, ActionVoid,
	ActionDispatch, ActionSign, ActionReturn, ActionRedispatch, ActionExtendRequest, ActionExtendApprove,
	ActionExtendDeny, ActionDefer, ActionReply, ActionRate, ActionVerify, ActionCallback, ActionClose, ActionReopen,
	ActionUrge, ActionSupervise, ActionCheckRequest, ActionCheckReport}

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
	// A check's findings: the problem is there as reported (情况属实),
	// nothing was found at the place (未发现), or it was handled already
	// (已处置).
	OutcomeConfirmed      Outcome = "confirmed"
	OutcomeNotFound       Outcome = "not_found"
	OutcomeAlreadyHandled Outcome = "already_handled"
)

// checkable lists the statuses in which a case can be checked on site:
// placed in a grid and still open.
var checkable = []TicketStatus{StatusReceived, StatusFiled, StatusDispatched, StatusHandling, StatusVerifying, StatusCallback}

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
	// Unmerge undoes a merge: the case returns to the status it was
	// merged from (UnmergedStatus); received is the row's default.
	t = append(t, transition{StatusMerged, ActionUnmerge, OutcomeNone, StatusReceived})
	for _, s := range []TicketStatus{StatusDispatched, StatusHandling} {
		// Extensions and deferral are asked for while the units work;
		// the status stays.
		for _, a := range []TicketAction{ActionExtendRequest, ActionExtendApprove, ActionExtendDeny} {
			t = append(t, transition{s, a, OutcomeNone, ""})
		}
	}
	t = append(t, transition{StatusHandling, ActionDefer, OutcomeNone, ""})
	for _, s := range []TicketStatus{StatusHandling, StatusVerifying, StatusCallback} {
		// The lead rates its co-units once they have replied, until
		// the case closes; the status stays.
		t = append(t, transition{s, ActionRate, OutcomeNone, ""})
	}
	for _, s := range working {
		t = append(t, transition{s, ActionUrge, OutcomeNone, ""}, transition{s, ActionSupervise, OutcomeNone, ""})
	}
	for _, s := range checkable {
		// A check asked and answered keeps the status; whether one is
		// open is the store's to say.
		t = append(t, transition{s, ActionCheckRequest, OutcomeNone, ""})
		for _, o := range outcomesOf(ActionCheckReport) {
			t = append(t, transition{s, ActionCheckReport, o, ""})
		}
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
	case ActionCheckReport:
		return []Outcome{OutcomeConfirmed, OutcomeNotFound, OutcomeAlreadyHandled}
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

// UnmergedStatus returns the status a merged case returns to when it is
// unmerged: the one its timeline shows it was merged from (unlocated,
// received, filed or dispatched; a dispatched case goes back to its units
// with its deadline), else received (a case imported merged).
func UnmergedStatus(timeline []*TicketEvent) TicketStatus {
	for i := len(timeline) - 1; i >= 0; i-- {
		if e := timeline[i]; e.Action == ActionMerge && e.To == StatusMerged {
			if slices.Contains(before, e.From) {
				return e.From
			}
			break
		}
	}
	return StatusReceived
}

// NextStatusIn returns the status action a (with outcome o, as role)
// leads a case in status s to, whose timeline so far is timeline: the
// loop's table (NextStatusAs), except that unmerge goes back to where the
// merge took the case from (UnmergedStatus). The store's actions and the
// check of imported timelines both ask it.
func NextStatusIn(timeline []*TicketEvent, s TicketStatus, a TicketAction, o Outcome, role AssignmentRole) (TicketStatus, error) {
	to, err := NextStatusAs(s, a, o, role)
	if err == nil && a == ActionUnmerge {
		to = UnmergedStatus(timeline)
	}
	return to, err
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
	return fmt.Sprintf("%s-%s-%06d", county, received.In(ChinaTime).Format("20060102"), seq)
}

// Reporter is who reported a case. Confidential reporters' names and
// phones are shown only to those who may see personal data.
type Reporter struct {
	Name         string `json:"name,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Confidential bool   `json:"confidential,omitempty"`
}

// Ticket is a case (工单): one appeal or finding, placed in its grid and
// moved through the closed loop. Version grows with every action, so a
// client can say which state it acted on.
type Ticket struct {
	ID         int64        `json:"id"`
	Number     string       `json:"number"`
	Channel    Channel      `json:"channel"`
	ExternalID string       `json:"external_id,omitempty"`
	Text       string       `json:"text"`
	Category   string       `json:"category,omitempty"`
	Status     TicketStatus `json:"status"`
	Version    int          `json:"version"`
	// Lon and Lat place the case; Address names it in words. A case with
	// neither a place in a grid nor one found from its address waits in
	// StatusUnlocated for a person to place it.
	Lon     *float64 `json:"lon"`
	Lat     *float64 `json:"lat"`
	Address string   `json:"address,omitempty"`
	RegionPath
	// BuildingID, Entrance and Floor place the case inside a building of
	// the foundation: "building 5, entrance 2, floor 6" (see
	// [CheckBuildingPlace]). Entrance is the entrance unit's number (0:
	// not known), Floor 1 to the entrance's floors (nil: not known).
	// Building is the building as a case shows it, filled by the store.
	BuildingID *int64          `json:"building_id"`
	Building   *TicketBuilding `json:"building"`
	Entrance   int             `json:"entrance"`
	Floor      *int            `json:"floor"`
	// AddressID and QRToken are intake's other ways to name the place: a
	// standard address, or the token of a scanned QR door plate. Each
	// resolves to its building, entrance and point. Not stored.
	AddressID  *int64    `json:"address_id,omitempty"`
	QRToken    string    `json:"qr_token,omitempty"`
	Grid       PlaceName `json:"grid"`
	Community  PlaceName `json:"community"`
	Town       PlaceName `json:"town"`
	Reporter   Reporter  `json:"reporter"`
	ReportedAt time.Time `json:"reported_at"`
	LeadUnitID *int64    `json:"lead_unit_id"`
	// CompoundID is the compound whose outline holds the case's place,
	// found at intake: a property company sees the cases of the
	// compounds it serves.
	CompoundID *int64 `json:"compound_id,omitempty"`
	// CreatedBy is the account that took the case in (a resident, an
	// external system, a grid worker); nil for the system and imports.
	CreatedBy *int64     `json:"created_by,omitempty"`
	Deadline  *time.Time `json:"deadline"`
	// BaseDeadline is the deadline set at dispatch, before extensions.
	BaseDeadline *time.Time `json:"base_deadline"`
	// Assignments are the units of the current dispatch, the lead first,
	// each with its deadline and light (FindTicketByID only).
	Assignments []*TicketAssignment `json:"assignments,omitempty"`
	MergedInto  *int64              `json:"merged_into,omitempty"`
	ClosedAt    *time.Time          `json:"closed_at"`
	// Warning is the supervision light the scheduler keeps: yellow one
	// working day before the deadline, red past it; EscalatedTo names the
	// region whose supervision office a red case was escalated to.
	Warning     WarningLevel `json:"warning"`
	EscalatedTo string       `json:"escalated_to,omitempty"`
	// Timeline is the case's events, oldest first (FindTicketByID only).
	Timeline []*TicketEvent `json:"timeline,omitempty"`
	// Photos are the case's pictures, in the order sent: at intake with
	// their cleaned bytes (see [ReadPhoto]), from FindTicketByID without.
	Photos    []*Photo  `json:"photos,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Suggestions are the sub-classes proposed for the text at intake,
	// best first, when the store chose the category from them (none was
	// given): the answer shows them without suggesting twice. Not stored.
	Suggestions []Suggestion `json:"-"`
	// Idempotency is the intake's key, when its sender gave one: a retry
	// with the same key takes nothing in (see [Idempotent]). Not stored
	// with the case.
	Idempotency *Idempotent `json:"-"`
}

// TicketEvent is one step of a case's timeline, written in the same
// transaction as the change it records and never changed afterwards.
type TicketEvent struct {
	ID       int64        `json:"id"`
	TicketID int64        `json:"ticket_id"`
	At       time.Time    `json:"at"`
	Actor    string       `json:"actor"`
	UnitID   *int64       `json:"unit_id,omitempty"`
	Action   TicketAction `json:"action"` // "create" for intake
	From     TicketStatus `json:"from,omitempty"`
	To       TicketStatus `json:"to"`
	Outcome  Outcome      `json:"outcome,omitempty"`
	// Opinion is the public reply, shown to the reporter; Note is
	// internal and never leaves the government side.
	Opinion string `json:"opinion,omitempty"`
	Note    string `json:"note,omitempty"`
	// Contacted and Resolved are a callback's answers as recorded; nil on
	// other events and on callbacks recorded before they were asked.
	Contacted *bool `json:"contacted,omitempty"`
	Resolved  *bool `json:"resolved,omitempty"`
	// Lon and Lat are where the actor stood when an on-site action
	// (verify, self_handle, check_report) was sent, and DistanceM how far
	// that is from the case's place, in metres; nil when not given.
	Lon       *float64 `json:"lon,omitempty"`
	Lat       *float64 `json:"lat,omitempty"`
	DistanceM *float64 `json:"distance_m,omitempty"`
}

// OnSiteRadiusM is how far from a case's place, in metres, an on-site
// action may be sent and still count as on site: phone GPS in a town errs
// by tens of metres, and a case's place is where it was reported from.
// Farther is recorded and flagged, not refused.
const OnSiteRadiusM = 300

// OnSite reports whether an action given from (lon, lat) at distance d
// from the case counts as on site.
func OnSite(d float64) bool { return d <= OnSiteRadiusM }

// onSiteActions are the actions that take the actor's position and
// photos: done at the place.
var onSiteActions = []TicketAction{ActionSelfHandle, ActionVerify, ActionCheckReport}

// CheckOpen reports whether an on-site check of t is asked and not yet
// answered, from its timeline (FindTicketByID's): the last check event
// is a request.
func CheckOpen(t *Ticket) bool {
	for i := len(t.Timeline) - 1; i >= 0; i-- {
		switch t.Timeline[i].Action {
		case ActionCheckRequest:
			return true
		case ActionCheckReport:
			return false
		}
	}
	return false
}

// ExtensionPending reports whether an extension of t is asked and not yet
// decided, from its timeline: the last extension request came after any
// approval or denial, and after the case was last dispatched, returned or
// replied to by its lead (a new deadline, or the work answered, leaves a
// request with nothing to extend).
func ExtensionPending(t *Ticket) bool {
	for i := len(t.Timeline) - 1; i >= 0; i-- {
		e := t.Timeline[i]
		switch e.Action {
		case ActionExtendRequest:
			return true
		case ActionExtendApprove, ActionExtendDeny, ActionDispatch, ActionRedispatch, ActionReturn:
			return false
		case ActionReply:
			if !e.ByCoUnit() {
				return false
			}
		}
	}
	return false
}

// CheckExtension returns ECONFLICT on action when a is an extension step
// the case's history does not allow now: a request while one is pending,
// an approval or denial while none is (ExtensionPending). Other actions
// pass.
func CheckExtension(t *Ticket, a TicketAction) error {
	pending := ExtensionPending(t)
	var msg string
	switch {
	case a == ActionExtendRequest && pending:
		msg = fmt.Sprintf("an extension of case %s is already requested and not yet decided; approve or deny it first", t.Number)
	case (a == ActionExtendApprove || a == ActionExtendDeny) && !pending:
		msg = fmt.Sprintf("case %s has no extension request to decide", t.Number)
	default:
		return nil
	}
	return &Error{Code: ECONFLICT, Message: strings.ToUpper(msg[:1]) + msg[1:] + ".",
		Fields: map[string]string{"action": msg, "status": string(t.Status)}}
}

// TakesPlace reports whether action a is done at the place and so takes
// a position and photos.
func TakesPlace(a TicketAction) bool { return slices.Contains(onSiteActions, a) }

// Ticket text limits, in characters.
const (
	MaxTicketTextLen    = 5000
	MaxTicketOpinionLen = 2000
)

// Normalize trims the fields a person types.
func (t *Ticket) Normalize() {
	t.Text = strings.TrimSpace(t.Text)
	t.Address = strings.TrimSpace(t.Address)
	t.ExternalID = strings.TrimSpace(t.ExternalID)
	t.QRToken = strings.TrimSpace(t.QRToken)
	t.Reporter.Name = strings.TrimSpace(t.Reporter.Name)
	t.Reporter.Phone = strings.TrimSpace(t.Reporter.Phone)
}

// Validate checks a case at intake: a known channel, a text, a place (a
// position or an address), a plausible reporter.
func (t *Ticket) Validate() error {
	if !t.Channel.Valid() {
		return FieldErrorf("channel", "unknown channel %q (want one of %s)", t.Channel, joinChannels())
	}
	if t.Text == "" {
		return FieldErrorf("text", "is required: what happened, where")
	}
	if err := checkTexts(textCheck{"text", t.Text, MaxTicketTextLen}, textCheck{"address", t.Address, MaxNameLen},
		textCheck{"external_id", t.ExternalID, MaxShortLen}, textCheck{"category", t.Category, MaxShortLen},
		textCheck{"reporter.name", t.Reporter.Name, MaxShortLen}); err != nil {
		return err
	}
	if (t.Lon == nil) != (t.Lat == nil) {
		return FieldErrorf("lat", "lon and lat come together")
	}
	if t.Lon != nil {
		if err := LonLatError(*t.Lon, *t.Lat); err != nil {
			return err
		}
	} else if t.Address == "" && !t.NamesBuilding() {
		return FieldErrorf("lon", "a place is required: lon and lat, an address, a building (building_id, address_id) or a door plate (qr_token)")
	}
	if err := t.validateBuildingPlace(); err != nil {
		return err
	}
	if t.Reporter.Phone != "" && !validPhone(t.Reporter.Phone) {
		return FieldErrorf("reporter.phone", "%q is not a phone number", MaskPhone(t.Reporter.Phone))
	}
	return validatePhotos(t.Photos)
}

// ReportedAtSkew is how far ahead of the server's clock a case's
// reported_at may be: a sender's clock a little fast is tolerated, a
// report from the future is not.
const ReportedAtSkew = 5 * time.Minute

// CheckReportedAt returns EINVALID on reported_at if t says it was
// reported more than ReportedAtSkew after now; zero means now.
func (t *Ticket) CheckReportedAt(now time.Time) error {
	if t.ReportedAt.After(now.Add(ReportedAtSkew)) {
		return FieldErrorf("reported_at", "%s is in the future (the server's time is %s)",
			t.ReportedAt.Format(time.RFC3339), now.In(ChinaTime).Format(time.RFC3339))
	}
	return nil
}

func joinChannels() string {
	s := make([]string, len(Channels))
	for i, c := range Channels {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// TicketFilter selects cases, newest first.
type TicketFilter struct {
	ID       *int64
	Status   *TicketStatus
	Channel  *Channel
	Category *string // a main class or sub-class code (prefix)
	Within   *string // region code prefix
	GridCode *string
	// CheckOpen keeps the cases with an on-site check asked and not yet
	// answered: a grid worker's check tasks.
	CheckOpen bool
	// CreatedBy keeps the cases the account took in: a grid worker's own
	// reports, which they may then handle on the spot.
	CreatedBy *int64
	UnitID    *int64 // lead unit
	Overdue   bool   // open and past the deadline
	// Open keeps the cases not yet in a final status (closed, rejected,
	// merged, voided): a supervision board's, since a closed case keeps
	// its last light as history but can no longer be urged.
	Open bool
	// BuildingID keeps the cases at that building; AtBuilding the cases
	// placed at any building (the command centre's 3D view).
	BuildingID *int64
	AtBuilding bool
	// Warning keeps the cases with this supervision light (yellow, red).
	Warning  *WarningLevel
	From, To *time.Time
	Query    *string // text contains
	// BeforeID pages by key: only cases with a lower id, newest first,
	// and the total is not counted (it would cost the whole selection on
	// every page). Exports walk a large selection this way.
	BeforeID *int64
	// CountUpTo, when above zero, is how far a text search's total is
	// counted instead of TextTotalBound (see TotalBound): an export counts
	// to its own cap.
	CountUpTo int
	Offset    int
	Limit     int
}

// TextTotalBound is how many cases the case list counts of a text search
// (TicketFilter.Query) before it stops and says "more": a text matches
// anything from none to a tenth of all cases (灯 43,300 and 小区 88,000 of a
// million), and counting them is a visit to each match, which is how
// PostgreSQL checks a match is visible (a GIN index cannot count alone).
// Search engines bound their totals the same way (Elasticsearch's
// track_total_hits, 10,000). Every other filter is counted exactly, from
// indexes and kept counts.
const TextTotalBound = 10_000

// TotalBound returns how far a list of f counts its total: 0 for exactly,
// else the count stops above the bound and FindTickets answers bound+1
// for "more than bound" (see TotalOf).
func (f TicketFilter) TotalBound() int {
	if f.Query == nil || *f.Query == "" || f.BeforeID != nil {
		return 0
	}
	if f.CountUpTo > 0 {
		return f.CountUpTo
	}
	return TextTotalBound
}

// TotalOf turns the count FindTickets answered for f into the total a
// list shows and whether it is exact: above f's bound it is the bound, at
// least.
func (f TicketFilter) TotalOf(n int) (total int, exact bool) {
	if b := f.TotalBound(); b > 0 && n > b {
		return b, false
	}
	return n, true
}

// TicketActionRequest is the body of an action on a case.
type TicketActionRequest struct {
	Action  TicketAction `json:"-"`
	Outcome Outcome      `json:"outcome"`
	// Version, when given, must be the case's current version: a stale
	// one is ECONFLICT, so an action is never taken on a state its sender
	// has not seen.
	Version *int   `json:"version"`
	Opinion string `json:"opinion"`
	Note    string `json:"note"`
	// Into is the master case of a merge; LeadUnit the unit a dispatch or
	// redispatch names, Deadline its deadline; Lon and Lat place an
	// unlocated case.
	Into     *int64     `json:"into"`
	LeadUnit *int64     `json:"lead_unit"`
	Deadline *time.Time `json:"deadline"`
	Lon      *float64   `json:"lon"`
	Lat      *float64   `json:"lat"`
	// CoUnits are a dispatch's co-units (协办单位), each with a deadline
	// of its own (see [CoUnitDeadline]).
	CoUnits []int64 `json:"co_units"`
	// Unit and Rating are a rate's: the co-unit the lead rates, 1 to 5;
	// the opinion says why.
	Unit   *int64 `json:"unit"`
	Rating *int   `json:"rating"`
	// Contacted, Resolved and Satisfaction are a callback's answers:
	// whether the reporter was reached, whether they say the problem is
	// resolved, how satisfied they are (the outcome; Outcome is still
	// accepted for it).
	Contacted    *bool   `json:"contacted"`
	Resolved     *bool   `json:"resolved"`
	Satisfaction Outcome `json:"satisfaction"`
	// Passed is a verification's result as a yes or no: true is the
	// outcome passed, false failed (rework); outcome is accepted too.
	Passed *bool `json:"passed"`
	// Photos are the pictures an on-site action brings (self_handle,
	// verify, check_report), sent as multipart parts; the case keeps them
	// after its intake photos.
	Photos []*Photo `json:"-"`
	// Idempotency is the action's key, when its sender gave one.
	Idempotency *Idempotent `json:"-"`
}

// Validate checks the fields an action needs, before the store looks at
// the case.
func (r *TicketActionRequest) Validate() error {
	if !r.Action.Valid() {
		return FieldErrorf("action", "unknown action %q", r.Action)
	}
	if err := checkTexts(textCheck{"opinion", r.Opinion, MaxTicketOpinionLen}, textCheck{"note", r.Note, MaxTicketOpinionLen}); err != nil {
		return err
	}
	switch r.Action {
	case ActionMerge:
		if r.Into == nil {
			return FieldErrorf("into", "is required: the case this one duplicates")
		}
	case ActionDispatch, ActionRedispatch:
		if r.LeadUnit == nil {
			return FieldErrorf("lead_unit", "is required for %s", r.Action)
		}
		if err := checkCoUnits(*r.LeadUnit, r.CoUnits); err != nil {
			return err
		}
	case ActionRate:
		if r.Unit == nil {
			return FieldErrorf("unit", "is required: the co-unit rated")
		}
		if r.Rating == nil || *r.Rating < 1 || *r.Rating > 5 {
			return FieldErrorf("rating", "is required: 1 (poor) to 5 (excellent)")
		}
	case ActionCallback:
		if err := r.checkCallback(); err != nil {
			return err
		}
	case ActionVerify:
		if err := r.checkVerify(); err != nil {
			return err
		}
	case ActionLocate:
		if r.Lon == nil || r.Lat == nil {
			return FieldErrorf("lon", "lon and lat are required to locate a case")
		}
		if err := LonLatError(*r.Lon, *r.Lat); err != nil {
			return err
		}
	case ActionReject, ActionReturn, ActionVoid, ActionExtendDeny, ActionCheckRequest, ActionExtendRequest, ActionDefer:
		if strings.TrimSpace(r.Opinion) == "" && strings.TrimSpace(r.Note) == "" {
			return FieldErrorf("opinion", "a reason is required for %s", r.Action)
		}
	case ActionExtendApprove:
		// Whether it lies ahead, and within the limit, is the store's
		// to say: it needs the clock and the case.
		if r.Deadline == nil {
			return FieldErrorf("deadline", "is required: the extended deadline")
		}
	case ActionReply:
		// The lead's reply is what the reporter is told; a co-unit's is
		// what the lead is told. Neither is a reply without words.
		if strings.TrimSpace(r.Opinion) == "" {
			return FieldErrorf("opinion", "is required: the reply, what was done")
		}
	case ActionSelfHandle:
		if len(r.Photos) == 0 {
			return FieldErrorf("photo", "at least one photo is required: a case handled on the spot shows what was done")
		}
	}
	// lon and lat on other actions are ignored, as they always were.
	if TakesPlace(r.Action) && (r.Lon != nil || r.Lat != nil) {
		if r.Lon == nil || r.Lat == nil {
			return FieldErrorf("lat", "lon and lat come together")
		}
		if err := LonLatError(*r.Lon, *r.Lat); err != nil {
			return err
		}
	}
	if len(r.Photos) > 0 && !TakesPlace(r.Action) {
		return FieldErrorf("photo", "%s takes no photos (only %s do)", r.Action, joinActions(onSiteActions))
	}
	return validatePhotos(r.Photos)
}

// WarningLevel is a case's supervision light.
type WarningLevel string

// Warning levels.
const (
	WarningNone   WarningLevel = ""
	WarningYellow WarningLevel = "yellow" // 黄牌预警: at most one working day left
	WarningRed    WarningLevel = "red"    // 红牌: overdue
)

// WarningAt returns the light an open case with deadline shows at now on
// calendar cal: red past the deadline, yellow from cal.WarnAt(deadline),
// none before.
func WarningAt(cal *Calendar, deadline, now time.Time) WarningLevel {
	switch {
	case now.After(deadline):
		return WarningRed
	case !now.Before(cal.WarnAt(deadline)):
		return WarningYellow
	}
	return WarningNone
}

// EscalationTarget returns where a red case is escalated: the supervision
// office one level above the case's place — its town (street) office for
// a case in a community, the county's (the district command centre) for
// one placed no lower than a town or handled by a district unit.
func EscalationTarget(p RegionPath, districtUnit bool) string {
	if p.TownCode != "" && !districtUnit {
		return p.TownCode
	}
	return p.CountyCode
}

// Supervision counts what one run of the deadline scheduler changed.
type Supervision struct {
	Yellow    int `json:"yellow"`
	Red       int `json:"red"`
	Escalated int `json:"escalated"`
}

// TicketService takes cases in and moves them through the loop. Every
// change writes its timeline event, its audit row and its change-feed
// event in one transaction: a failed action leaves the case as it was.
type TicketService interface {
	// FindTicketByID returns the case with its timeline, or ENOTFOUND.
	FindTicketByID(ctx context.Context, id int64) (*Ticket, error)
	// FindTickets returns a page of cases, newest first, and the total:
	// for a text search at most f.TotalBound()+1, which means more than
	// the bound (TicketFilter.TotalOf).
	FindTickets(ctx context.Context, f TicketFilter) ([]*Ticket, int, error)
	// FindTicketSummaries returns the cases of ids that exist and the
	// caller may read, in the order of ids, each summarised: what a live
	// screen shows of it (LiveTicketOf) and what a scope decides by
	// (Scope.InScope). Set are ID, Number, Status, Warning, Channel,
	// Category, Lon, Lat, the RegionPath, ReportedAt, BuildingID, Floor,
	// CreatedBy, LeadUnitID, CompoundID and the UnitID and Role of each of
	// its Assignments; nothing else. A reader of the change feed loads a
	// page of its events' cases in one read.
	FindTicketSummaries(ctx context.Context, ids []int64) ([]*Ticket, error)
	// CreateTicket takes a case in: it numbers it, locates it (a place in
	// no grid makes it StatusUnlocated, never an error) and writes its
	// first event and its photos, all or nothing. The same ExternalID on
	// the same channel returns the case already taken in, with created
	// false, and adds none of t's photos.
	CreateTicket(ctx context.Context, t *Ticket) (created bool, err error)
	// FindTicketPhoto returns photo n of case id and its bytes, read from
	// the store as they are asked for (a few hundred KB at a time, so a
	// slow download holds no whole photo), within ctx. Returns ENOTFOUND
	// if the case or the photo does not exist.
	FindTicketPhoto(ctx context.Context, id int64, n int) (*Photo, io.ReadSeeker, error)
	// ActOnTicket takes one step of the loop. Returns ECONFLICT when the
	// loop does not allow the action now or the version is stale,
	// EINVALID when the request lacks what the action needs, ENOTFOUND
	// for an unknown case.
	ActOnTicket(ctx context.Context, id int64, r TicketActionRequest) (*Ticket, error)
	// RevealReporter returns the case's reporter unmasked and records the
	// look in the audit log (who, when, from where). Returns ENOTFOUND
	// outside the caller's scope, EFORBIDDEN if the caller's role may not
	// reveal this case's reporter (a confidential one: only the command
	// centre and the admin).
	RevealReporter(ctx context.Context, id int64) (*Reporter, error)
	// ImportTickets brings in cases together with their history: a
	// migration from another system, the demo's year. Each case comes
	// with its timeline (checked by Validate and ValidateTimeline), its
	// region path as given (the caller placed it; its grid must exist),
	// and its lead unit, deadlines, light and closure as the timeline
	// left them. The store numbers the cases as CreateTicket does, by
	// county and the day each was received, in order of receipt, and
	// later intake continues those sequences; it fills in ID, Number,
	// Version, CreatedAt (the intake event) and UpdatedAt (the last
	// action). MergedInto names a stored case by its ID or, as −k, the
	// kth case of ts, which must come before its duplicate. All or
	// nothing, with one audit row and one change-feed event for the
	// whole import. Returns EINVALID naming tickets[i] and the field, or
	// ECONFLICT for an external number already taken on its channel.
	ImportTickets(ctx context.Context, ts []*Ticket) error
	// Supervise raises the lights that are due at the store's current
	// time: yellow one working day before a deadline, red past it, and
	// escalates red cases, each with its timeline event. A second run at
	// the same time changes nothing.
	Supervise(ctx context.Context) (Supervision, error)
}
