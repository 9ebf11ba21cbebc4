package gridline

import (
	"fmt"
	"strings"
)

// ActionCreate is the first event of every timeline: the case taken in.
// It is not an action a client takes, so TicketActions does not list it.
const ActionCreate TicketAction = "create"

// ActorScheduler is the actor of the supervision lights on a timeline.
const ActorScheduler = "scheduler"

// IsLight reports whether a is a supervision light on a timeline: the
// deadline scheduler's yellow or red, which annotates a case without
// moving it through the loop.
func (a TicketAction) IsLight() bool {
	return a == TicketAction(WarningYellow) || a == TicketAction(WarningRed)
}

// TimelineVersion returns the version a case with timeline tl has: 1 at
// intake, one more for every action after it. Lights do not count, as
// they do not in TicketService.Supervise.
func TimelineVersion(tl []*TicketEvent) int {
	v := 0
	for _, e := range tl {
		if !e.Action.IsLight() && !e.Action.IsRelay() {
			v++
		}
	}
	return v
}

// ValidateTimeline checks a case that comes with its history, as an
// import brings it: the timeline starts with intake, and every later step
// is one the loop allows from where the step before it left the case
// (NextStatus), in time order, with the reason the action needs and
// texts within their limits; lights fall while the case is open. The
// case's own fields must agree with the timeline: its
// status is where the timeline ends, ClosedAt is when it was last closed,
// MergedInto is set exactly when it is merged, a case with units working
// on it has a lead unit and a deadline, extensions never bring the
// deadline before the one set at dispatch, a case has a grid exactly when
// it was placed, and only a red case is escalated. Call Validate for the
// intake fields. Returns EINVALID naming the field (timeline[i] for a
// step).
func (t *Ticket) ValidateTimeline() error {
	tl := t.Timeline
	if len(tl) == 0 {
		return FieldErrorf("timeline", "is required: at least the intake event")
	}
	first := tl[0]
	if first.Action != ActionCreate || first.From != "" || (first.To != StatusReceived && first.To != StatusUnlocated) {
		return FieldErrorf("timeline[0]", "must be the intake: action create from nothing to received or unlocated, got %s %q → %q",
			first.Action, first.From, first.To)
	}
	status := first.To
	placed := first.To == StatusReceived
	var closedAt *TicketEvent
	for i, e := range tl {
		field := fmt.Sprintf("timeline[%d]", i)
		if e.At.IsZero() {
			return FieldErrorf(field, "has no time")
		}
		if i > 0 && e.At.Before(tl[i-1].At) {
			return FieldErrorf(field, "%s comes before the step above it (%s)", e.At.Format("2006-01-02T15:04:05Z07:00"),
				tl[i-1].At.Format("2006-01-02T15:04:05Z07:00"))
		}
		if err := checkTexts(textCheck{field + ".opinion", e.Opinion, MaxTicketOpinionLen},
			textCheck{field + ".note", e.Note, MaxTicketOpinionLen}, textCheck{field + ".actor", e.Actor, MaxShortLen}); err != nil {
			return err
		}
		if i == 0 {
			continue
		}
		switch {
		case e.Action == ActionCreate:
			return FieldErrorf(field, "a case is taken in once, as its first step")
		case e.Action.IsRelay():
			// A master's news on a case merged into it: no step of its
			// own loop.
			if status != StatusMerged || e.From != StatusMerged || e.To != StatusMerged {
				return FieldErrorf(field, "%s is relayed to a merged case only, from and to merged (the case is %s)", e.Action, status)
			}
			continue
		case e.Action.IsLight():
			if e.From != "" || e.To != "" || e.Outcome != "" {
				return FieldErrorf(field, "a light moves nothing: no from, to or outcome")
			}
			if !status.Open() {
				return FieldErrorf(field, "a light on a case that is %s", status)
			}
			continue
		}
		if e.From != status {
			return FieldErrorf(field, "starts from %q, but the step above left the case %s", e.From, status)
		}
		role := AssignLead
		if e.ByCoUnit() {
			role = AssignCo
		}
		to, err := NextStatusIn(tl[:i], status, e.Action, e.Outcome, role)
		if err != nil {
			return FieldErrorf(field, "%s", ErrorMessage(err))
		}
		if e.To != to {
			return FieldErrorf(field, "%s from %s leads to %s, not %q", e.Action, status, to, e.To)
		}
		switch e.Action {
		case ActionReject, ActionReturn, ActionVoid, ActionExtendDeny:
			if strings.TrimSpace(e.Opinion) == "" && strings.TrimSpace(e.Note) == "" {
				return FieldErrorf(field, "a reason is required for %s", e.Action)
			}
		case ActionLocate:
			placed = true
		}
		if to == StatusClosed && status != StatusClosed {
			closedAt = e
		}
		status = to
	}
	if t.Status != status {
		return FieldErrorf("status", "is %q, but the timeline leaves the case %s", t.Status, status)
	}
	switch {
	case status == StatusClosed && (t.ClosedAt == nil || !t.ClosedAt.Equal(closedAt.At)):
		return FieldErrorf("closed_at", "must be when the timeline closed the case, %s", closedAt.At.Format("2006-01-02T15:04:05Z07:00"))
	case status != StatusClosed && t.ClosedAt != nil:
		return FieldErrorf("closed_at", "is set, but the case is %s", status)
	case (status == StatusMerged) != (t.MergedInto != nil):
		return FieldErrorf("merged_into", "is set exactly when the case is merged (it is %s)", status)
	case (t.Deadline == nil) != (t.BaseDeadline == nil):
		return FieldErrorf("base_deadline", "comes with the deadline: both or neither")
	case t.Deadline != nil && t.Deadline.Before(*t.BaseDeadline):
		return FieldErrorf("deadline", "is before the deadline set at dispatch (base_deadline)")
	case t.Deadline != nil && t.LeadUnitID == nil:
		return FieldErrorf("lead_unit_id", "is required with a deadline: deadlines are set by a dispatch")
	case t.Warning != WarningNone && t.Warning != WarningYellow && t.Warning != WarningRed:
		return FieldErrorf("warning", "unknown light %q", t.Warning)
	case t.Warning != WarningNone && t.Deadline == nil:
		return FieldErrorf("warning", "a light needs a deadline")
	case (t.Warning == WarningRed) != (t.EscalatedTo != ""):
		return FieldErrorf("escalated_to", "is set exactly when the case is red")
	case placed != (t.GridCode != ""):
		return FieldErrorf("grid_code", "a case has a grid exactly when it was taken in located or located later")
	case placed && t.Lon == nil:
		return FieldErrorf("lon", "a located case has a position")
	}
	switch status {
	case StatusDispatched, StatusHandling, StatusVerifying, StatusCallback:
		if t.LeadUnitID == nil || t.Deadline == nil {
			return FieldErrorf("lead_unit_id", "a case that is %s has a lead unit and a deadline", status)
		}
	}
	return t.validateAssignments()
}

// validateAssignments checks the units an imported case comes with: the
// case's lead first, as lead, then distinct co-units, each with a
// deadline and a rating of 1–5 if rated.
func (t *Ticket) validateAssignments() error {
	seen := map[int64]bool{}
	for i, a := range t.Assignments {
		field := fmt.Sprintf("assignments[%d]", i)
		switch {
		case a == nil:
			return FieldErrorf(field, "is empty")
		case i == 0 && (a.Role != AssignLead || t.LeadUnitID == nil || a.UnitID != *t.LeadUnitID):
			return FieldErrorf(field, "the first assignment is the lead's: role lead, the case's lead unit")
		case i > 0 && a.Role != AssignCo:
			return FieldErrorf(field+".role", "after the lead come co-units (role co), got %q", a.Role)
		case seen[a.UnitID]:
			return FieldErrorf(field+".unit_id", "unit %d is named twice", a.UnitID)
		case a.Deadline.IsZero():
			return FieldErrorf(field+".deadline", "is required")
		case a.Rating != nil && (*a.Rating < 1 || *a.Rating > 5):
			return FieldErrorf(field+".rating", "must be 1 to 5, got %d", *a.Rating)
		}
		seen[a.UnitID] = true
	}
	return nil
}
