package gridline

import (
	"fmt"
	"slices"
	"time"
)

// AssignmentRole is a unit's part in a case: it leads (主办) or co-handles
// (协办) it.
type AssignmentRole string

// Assignment roles.
const (
	AssignLead AssignmentRole = "lead" // 主办: replies for the case
	AssignCo   AssignmentRole = "co"   // 协办: replies to the lead
)

// MaxCoUnits bounds the co-units of one dispatch: more than this is a
// meeting's business (工单协调会), not a dispatch form's.
const MaxCoUnits = 10

// TicketAssignment is one unit's part in a case's current dispatch, with
// its own deadline, sign-off and reply. A co-unit's reply goes to the
// lead; the lead rates its cooperation (1–5).
type TicketAssignment struct {
	UnitID   int64          `json:"unit_id"`
	UnitName string         `json:"unit_name"`
	Role     AssignmentRole `json:"role"`
	// AssignedAt is when the dispatch named the unit; Deadline when its
	// reply is due. Warning is its light: for the lead the case's, for a
	// co-unit its own (red when its reply is overdue).
	AssignedAt time.Time    `json:"assigned_at"`
	Deadline   time.Time    `json:"deadline"`
	Warning    WarningLevel `json:"warning"`
	SignedAt   *time.Time   `json:"signed_at"`
	RepliedAt  *time.Time   `json:"replied_at"`
	Reply      string       `json:"reply,omitempty"`
	// Rating is the lead's rating of a co-unit's cooperation, 1 to 5.
	Rating        *int       `json:"rating"`
	RatingOpinion string     `json:"rating_opinion,omitempty"`
	RatedAt       *time.Time `json:"rated_at"`
}

// coActions are what a co-unit does on a case: sign its part and reply
// to the lead, while the lead has the case (dispatched or handling).
// Neither moves the case.
var coActions = []TicketAction{ActionSign, ActionReply}

// coStatuses are the statuses in which a co-unit signs and replies.
var coStatuses = []TicketStatus{StatusDispatched, StatusHandling}

// NextStatusAs is [NextStatus] for a unit acting in role on the case: the
// lead (or a role acting for the whole case) follows the loop; a co-unit
// only signs and replies to the lead while the case is dispatched or in
// handling, and the case stays where it is. Anything else a co-unit tries
// is ECONFLICT naming the status and what it may do now.
func NextStatusAs(from TicketStatus, action TicketAction, outcome Outcome, role AssignmentRole) (TicketStatus, error) {
	if role != AssignCo {
		return NextStatus(from, action, outcome)
	}
	if !action.Valid() {
		return "", FieldErrorf("action", "unknown action %q", action)
	}
	if slices.Contains(coActions, action) && slices.Contains(coStatuses, from) {
		if outcome != OutcomeNone {
			return "", FieldErrorf("outcome", "%s takes no outcome, got %q", action, outcome)
		}
		return from, nil
	}
	allowed := AllowedCoActions(from)
	return "", &Error{Code: ECONFLICT,
		Message: fmt.Sprintf("A co-unit cannot %s a case that is %s; allowed to a co-unit now: %s.", action, from, joinActions(allowed)),
		Fields:  map[string]string{"status": string(from), "allowed": joinActions(allowed), "role": string(AssignCo)}}
}

// AllowedCoActions returns what a co-unit may do on a case in status s.
func AllowedCoActions(s TicketStatus) []TicketAction {
	if slices.Contains(coStatuses, s) {
		return slices.Clone(coActions)
	}
	return nil
}

// checkCoUnits checks a dispatch's co-units: known ids, none twice, not
// the lead, at most MaxCoUnits. Whether each unit exists is the store's.
func checkCoUnits(lead int64, co []int64) error {
	if len(co) > MaxCoUnits {
		return FieldErrorf(fmt.Sprintf("co_units[%d]", MaxCoUnits), "a dispatch names at most %d co-units; hold a coordination meeting for more", MaxCoUnits)
	}
	for i, u := range co {
		f := fmt.Sprintf("co_units[%d]", i)
		if u <= 0 {
			return FieldErrorf(f, "%d is not a unit id", u)
		}
		if u == lead {
			return FieldErrorf(f, "unit %d is the lead unit; a unit leads or co-handles, not both", u)
		}
		if j := slices.Index(co[:i], u); j >= 0 {
			return FieldErrorf(f, "unit %d is named twice (also co_units[%d])", u, j)
		}
	}
	return nil
}

// CoUnitDeadline returns a co-unit's deadline on a case whose lead is due
// at lead, dispatched at now: one working day before the lead's, so the
// lead has a day to fold the co-units' replies into its own, or the lead's
// own deadline when that leaves no time (a limit in working hours).
func CoUnitDeadline(cal *Calendar, lead, now time.Time) time.Time {
	if d := cal.WarnAt(lead); d.After(now) {
		return d
	}
	return lead
}

// checkVerify settles a verification's outcome from passed, when given:
// true is passed, false failed; an outcome that says otherwise is
// refused.
func (r *TicketActionRequest) checkVerify() error {
	if r.Passed == nil {
		return nil
	}
	o := OutcomeFailed
	if *r.Passed {
		o = OutcomePassed
	}
	if r.Outcome != OutcomeNone && r.Outcome != o {
		return FieldErrorf("passed", "%v contradicts outcome %q; send one of them", *r.Passed, r.Outcome)
	}
	r.Outcome = o
	return nil
}

// checkCallback checks a callback's answers against each other and
// settles its outcome: the satisfaction, given as satisfaction or (as
// before) outcome. A reporter not contacted cannot have rated the handling
// nor said it resolved their problem; one contacted is not unreachable.
func (r *TicketActionRequest) checkCallback() error {
	if r.Satisfaction != OutcomeNone {
		if r.Outcome != OutcomeNone && r.Outcome != r.Satisfaction {
			return FieldErrorf("satisfaction", "%q contradicts outcome %q; send one of them", r.Satisfaction, r.Outcome)
		}
		r.Outcome = r.Satisfaction
	}
	if r.Outcome == OutcomeNone {
		return FieldErrorf("satisfaction", "is required: satisfied, basic, unsatisfied or unreachable")
	}
	if !slices.Contains(outcomesOf(ActionCallback), r.Outcome) {
		return FieldErrorf("satisfaction", "must be one of satisfied, basic, unsatisfied, unreachable; got %q", r.Outcome)
	}
	if r.Contacted != nil {
		if !*r.Contacted && r.Outcome != OutcomeUnreachable {
			return FieldErrorf("satisfaction", "%q needs a reporter who was contacted; with contacted false it can only be unreachable", r.Outcome)
		}
		if *r.Contacted && r.Outcome == OutcomeUnreachable {
			return FieldErrorf("contacted", "is true, but the satisfaction says the reporter was unreachable")
		}
	}
	if r.Resolved != nil && *r.Resolved && r.Outcome == OutcomeUnreachable {
		return FieldErrorf("resolved", "cannot be true when the reporter was not reached")
	}
	return nil
}

// CallbackAnswers returns whether a callback event reached the reporter
// and whether they said the problem was resolved: as recorded, or, for an
// event recorded without them, derived from its satisfaction (contacted
// unless unreachable; resolved if satisfied or basically satisfied).
func CallbackAnswers(outcome Outcome, contacted, resolved *bool) (bool, bool) {
	c := outcome != OutcomeUnreachable
	if contacted != nil {
		c = *contacted
	}
	res := outcome == OutcomeSatisfied || outcome == OutcomeBasic
	if resolved != nil {
		res = *resolved
	}
	return c, res
}

// ByCoUnit reports whether e is a co-unit's step: a sign-off or a reply
// that left the case where it was (the lead's sign-off takes a case to
// handling, its reply to verifying).
func (e *TicketEvent) ByCoUnit() bool {
	return (e.Action == ActionSign || e.Action == ActionReply) && e.From != "" && e.From == e.To
}
