package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gridline/gridline"
)

// The units of a case's dispatch (ticket_assignments): the lead and its
// co-units, each with its deadline, sign-off, reply and rating. The case
// row keeps the lead and its deadline as before (lists, scope and KPIs read
// them there); the assignments add the co-units and each unit's progress.

// findAssignments reads case t's assignments, the lead first. A case
// dispatched before assignments were kept (or imported without them) shows
// its lead from the case row and its timeline.
func findAssignments(ctx context.Context, tx *Tx, t *gridline.Ticket) error {
	rows, err := tx.QueryContext(ctx, `SELECT a.ticket_id, `+assignmentRowColumns+` FROM `+assignmentRowFrom+` WHERE a.ticket_id = $1
		ORDER BY `+assignmentRowOrder, t.ID)
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	defer rows.Close()
	t.Assignments = nil
	this := func(int64) *gridline.Ticket { return t }
	for rows.Next() {
		if err := scanAssignment(rows, this); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if len(t.Assignments) == 0 && t.LeadUnitID != nil && t.Deadline != nil {
		a := &gridline.TicketAssignment{UnitID: *t.LeadUnitID, Role: gridline.AssignLead, Deadline: *t.Deadline, Warning: t.Warning}
		if err := tx.QueryRowContext(ctx, `SELECT name FROM units WHERE id = $1`, a.UnitID).Scan(&a.UnitName); err != nil &&
			!errors.Is(err, sql.ErrNoRows) {
			return translate(tx.db.dialect, err)
		}
		// Its progress since the last dispatch, from the timeline.
		for _, e := range t.Timeline {
			switch e.Action {
			case gridline.ActionDispatch, gridline.ActionRedispatch:
				at := e.At
				a.AssignedAt, a.SignedAt, a.RepliedAt, a.Reply = at, nil, nil, ""
			case gridline.ActionSign:
				at := e.At
				a.SignedAt = &at
			case gridline.ActionReply:
				at := e.At
				a.RepliedAt, a.Reply = &at, e.Opinion
			}
		}
		t.Assignments = []*gridline.TicketAssignment{a}
	}
	return nil
}

const (
	assignmentRowColumns = `a.unit_id, COALESCE(u.name, ''), a.role, a.assigned_at, a.deadline, a.warning,
		a.signed_at, a.replied_at, a.reply, a.rating, a.rating_opinion, a.rated_at`
	assignmentRowFrom  = `ticket_assignments a LEFT JOIN units u ON u.id = a.unit_id`
	assignmentRowOrder = `CASE WHEN a.role = 'lead' THEN 0 ELSE 1 END, a.assigned_at, a.unit_id`
)

// scanAssignment reads a row of a.ticket_id and assignmentRowColumns and
// appends it to the assignments of the case of returns for its ticket id
// (none: nil).
func scanAssignment(rows *sql.Rows, of func(id int64) *gridline.Ticket) error {
	var id int64
	var a gridline.TicketAssignment
	var signed, replied, rated sql.NullTime
	var rating sql.NullInt64
	if err := rows.Scan(&id, &a.UnitID, &a.UnitName, &a.Role, &a.AssignedAt, &a.Deadline, &a.Warning, &signed, &replied,
		&a.Reply, &rating, &a.RatingOpinion, &rated); err != nil {
		return err
	}
	t := of(id)
	if t == nil {
		return nil
	}
	a.AssignedAt, a.Deadline = a.AssignedAt.UTC(), a.Deadline.UTC()
	a.SignedAt, a.RepliedAt, a.RatedAt = nullTime(signed), nullTime(replied), nullTime(rated)
	if rating.Valid {
		r := int(rating.Int64)
		a.Rating = &r
	}
	if a.Role == gridline.AssignLead {
		// The lead's light is the case's, which the scheduler keeps
		// (with extensions).
		a.Warning = t.Warning
		if t.Deadline != nil {
			a.Deadline = *t.Deadline
		}
	}
	t.Assignments = append(t.Assignments, &a)
	return nil
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// checkCoUnitRefs checks that every co-unit exists and that ctx's
// principal may dispatch to it, naming co_units[i].
func checkCoUnitRefs(ctx context.Context, tx *Tx, action gridline.TicketAction, co []int64) error {
	if _, err := unitNames(ctx, tx, "co_units", co); err != nil {
		return err
	}
	for i, u := range co {
		if err := checkDispatchLevel(ctx, tx, action, u); err != nil {
			var e *gridline.Error
			if errors.As(err, &e) && e.Code == gridline.EFORBIDDEN {
				return &gridline.Error{Code: e.Code, Message: e.Message,
					Fields: map[string]string{fmt.Sprintf("co_units[%d]", i): "outside your region"}}
			}
			return err
		}
	}
	return nil
}

// replaceAssignments makes lead (due at deadline) and co the units of case
// id, each co-unit due by gridline.CoUnitDeadline; the previous dispatch's
// assignments go (the timeline keeps them). With lead nil (a return) the
// case has none.
func (s *TicketService) replaceAssignments(ctx context.Context, tx *Tx, id int64, lead *int64, deadline *time.Time, co []int64) error {
	if _, err := tx.exec(ctx, `DELETE FROM ticket_assignments WHERE ticket_id = $1`, id); err != nil {
		return err
	}
	if lead == nil || deadline == nil {
		return nil
	}
	ins := func(unit int64, role gridline.AssignmentRole, d time.Time) error {
		_, err := tx.exec(ctx, `INSERT INTO ticket_assignments (ticket_id, unit_id, role, assigned_at, deadline, warn_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, unit, string(role), tx.now, d.UTC(), s.calendar().WarnAt(d).UTC())
		return err
	}
	if err := ins(*lead, gridline.AssignLead, *deadline); err != nil {
		return err
	}
	coDeadline := gridline.CoUnitDeadline(s.calendar(), *deadline, tx.now)
	for _, u := range co {
		if err := ins(u, gridline.AssignCo, coDeadline); err != nil {
			return err
		}
	}
	return nil
}

// actingAs says in which part ctx's principal takes action on case t: as
// the lead (or for the whole case: the command centre, a street, the
// system), or as one of its co-units (sign and reply only; see
// gridline.NextStatusAs). A principal whose scope reaches the case only as
// a co-unit acts as that co-unit.
func actingAs(ctx context.Context, tx *Tx, t *gridline.Ticket, action gridline.TicketAction) (gridline.AssignmentRole, int64, error) {
	sc, ok := scopeFor(ctx, gridline.ResourceTickets, gridline.Action(action))
	if !ok || len(sc.Units) == 0 {
		return gridline.AssignLead, 0, nil
	}
	lead, err := ticketInScopeOf(ctx, tx, t.ID, sc, false)
	if err != nil || lead {
		return gridline.AssignLead, 0, err
	}
	for _, a := range t.Assignments {
		if a.Role == gridline.AssignCo && slices.Contains(sc.Units, a.UnitID) {
			return gridline.AssignCo, a.UnitID, nil
		}
	}
	return gridline.AssignLead, 0, nil
}

func assignmentOf(t *gridline.Ticket, unit int64) *gridline.TicketAssignment {
	for _, a := range t.Assignments {
		if a.UnitID == unit {
			return a
		}
	}
	return nil
}

// coAct records a co-unit's sign-off or reply to the lead on case t:
// the case keeps its status, gains a version and a timeline event under
// the co-unit's name.
func (s *TicketService) coAct(ctx context.Context, tx *Tx, t *gridline.Ticket, r gridline.TicketActionRequest, unit int64) (*gridline.Ticket, error) {
	a := assignmentOf(t, unit)
	if a == nil {
		return nil, gridline.Errorf(gridline.EFORBIDDEN, "Your unit is not a co-unit of case %s.", t.Number)
	}
	switch r.Action {
	case gridline.ActionSign:
		if a.SignedAt != nil {
			return nil, &gridline.Error{Code: gridline.ECONFLICT,
				Message: fmt.Sprintf("Your unit signed its part of case %s at %s.", t.Number, a.SignedAt.In(gridline.ChinaTime).Format("2006-01-02 15:04")),
				Fields:  map[string]string{"status": string(t.Status), "allowed": "reply"}}
		}
		if _, err := tx.exec(ctx, `UPDATE ticket_assignments SET signed_at = $1 WHERE ticket_id = $2 AND unit_id = $3`,
			tx.now, t.ID, unit); err != nil {
			return nil, err
		}
	case gridline.ActionReply:
		if a.RepliedAt != nil {
			return nil, &gridline.Error{Code: gridline.ECONFLICT,
				Message: fmt.Sprintf("Your unit replied to the lead of case %s at %s.", t.Number, a.RepliedAt.In(gridline.ChinaTime).Format("2006-01-02 15:04")),
				Fields:  map[string]string{"status": string(t.Status), "allowed": "none"}}
		}
		if _, err := tx.exec(ctx, `UPDATE ticket_assignments SET signed_at = COALESCE(signed_at, $1), replied_at = $1, reply = $2,
			warning = '' WHERE ticket_id = $3 AND unit_id = $4`, tx.now, r.Opinion, t.ID, unit); err != nil {
			return nil, err
		}
	}
	if _, err := tx.exec(ctx, `UPDATE tickets SET version = version + 1, updated_at = $1 WHERE id = $2`, tx.now, t.ID); err != nil {
		return nil, err
	}
	e := &gridline.TicketEvent{TicketID: t.ID, Action: r.Action, From: t.Status, To: t.Status, Opinion: r.Opinion,
		Note: joinNote("协办", r.Note), UnitID: &unit}
	if err := addTicketEvent(ctx, tx, e); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, string(r.Action), "ticket", auditKey(t.ID), fmt.Sprintf("co-unit %d", unit)); err != nil {
		return nil, err
	}
	return findTicketByID(unscoped(ctx), tx, t.ID)
}

func joinNote(prefix, note string) string {
	if note == "" {
		return prefix
	}
	return prefix + "：" + note
}

// applyAssignments keeps the lead's assignment in step with what an action
// did to the case (already applied to t), and records a rating.
func (s *TicketService) applyAssignments(ctx context.Context, tx *Tx, t *gridline.Ticket, r gridline.TicketActionRequest) error {
	switch r.Action {
	case gridline.ActionDispatch, gridline.ActionRedispatch:
		return s.replaceAssignments(ctx, tx, t.ID, t.LeadUnitID, t.Deadline, r.CoUnits)
	case gridline.ActionReturn:
		return s.replaceAssignments(ctx, tx, t.ID, nil, nil, nil)
	case gridline.ActionSign:
		_, err := tx.exec(ctx, `UPDATE ticket_assignments SET signed_at = COALESCE(signed_at, $1) WHERE ticket_id = $2 AND role = 'lead'`,
			tx.now, t.ID)
		return err
	case gridline.ActionReply:
		_, err := tx.exec(ctx, `UPDATE ticket_assignments SET replied_at = $1, reply = $2 WHERE ticket_id = $3 AND role = 'lead'`,
			tx.now, r.Opinion, t.ID)
		return err
	case gridline.ActionVerify, gridline.ActionCallback, gridline.ActionReopen:
		if t.Status == gridline.StatusHandling {
			// Rework: the lead replies again.
			_, err := tx.exec(ctx, `UPDATE ticket_assignments SET replied_at = NULL WHERE ticket_id = $1 AND role = 'lead'`, t.ID)
			return err
		}
	case gridline.ActionExtendApprove:
		if t.Deadline != nil {
			_, err := tx.exec(ctx, `UPDATE ticket_assignments SET deadline = $1, warn_at = $2 WHERE ticket_id = $3 AND role = 'lead'`,
				*t.Deadline, s.calendar().WarnAt(*t.Deadline).UTC(), t.ID)
			return err
		}
	}
	return nil
}

// checkRate checks a lead's rating of co-unit r.Unit on case t: the unit
// must be a co-unit of the current dispatch and have replied.
func checkRate(t *gridline.Ticket, r gridline.TicketActionRequest) error {
	a := assignmentOf(t, *r.Unit)
	if a == nil || a.Role != gridline.AssignCo {
		return gridline.FieldErrorf("unit", "unit %d is not a co-unit of case %s", *r.Unit, t.Number)
	}
	if a.RepliedAt == nil {
		return gridline.FieldErrorf("unit", "%s has not replied yet; rate its cooperation after its reply", a.UnitName)
	}
	return nil
}

// rate records the lead's rating of a co-unit.
func rate(ctx context.Context, tx *Tx, t *gridline.Ticket, r gridline.TicketActionRequest) error {
	_, err := tx.exec(ctx, `UPDATE ticket_assignments SET rating = $1, rating_opinion = $2, rated_at = $3 WHERE ticket_id = $4 AND unit_id = $5`,
		*r.Rating, r.Opinion, tx.now, t.ID, *r.Unit)
	return err
}

// superviseCoUnits lights the co-units that have not replied, one batch:
// yellow one working day before a co-unit's deadline, red past it, each
// with a timeline event under the co-unit. A co-unit's red is its own: it
// does not escalate the case (the lead's deadline does).
func (s *TicketService) superviseCoUnits(ctx context.Context, tx *Tx, n *gridline.Supervision) (bool, error) {
	args := []any{tx.now, tx.now}
	for _, st := range gridline.TicketStatuses {
		if st.Open() {
			args = append(args, string(st))
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT a.ticket_id, a.unit_id, a.deadline FROM ticket_assignments a JOIN tickets t ON t.id = a.ticket_id
		WHERE a.role = 'co' AND a.replied_at IS NULL AND (a.warning = '' AND a.warn_at <= $1 OR a.warning <> 'red' AND a.deadline < $2)
		AND t.status IN (`+placeholders(3, len(args)-2)+`) ORDER BY a.ticket_id, a.unit_id`+limitOffset(superviseBatch, 0), args...)
	if err != nil {
		return false, translate(tx.db.dialect, err)
	}
	type due struct {
		ticket, unit int64
		deadline     time.Time
	}
	var todo []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.ticket, &d.unit, &d.deadline); err != nil {
			rows.Close()
			return false, err
		}
		todo = append(todo, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	sched := gridline.WithActor(ctx, gridline.Actor{Name: "scheduler"})
	for _, d := range todo {
		level := gridline.WarningAt(s.calendar(), d.deadline, tx.now)
		if _, err := tx.exec(ctx, `UPDATE ticket_assignments SET warning = $1 WHERE ticket_id = $2 AND unit_id = $3`,
			string(level), d.ticket, d.unit); err != nil {
			return false, err
		}
		unit := d.unit
		e := &gridline.TicketEvent{TicketID: d.ticket, Action: gridline.TicketAction(level), UnitID: &unit, Note: "协办"}
		if err := addTicketEvent(sched, tx, e); err != nil {
			return false, err
		}
		if err := tx.record(sched, string(level), "ticket", auditKey(d.ticket), fmt.Sprintf("co-unit %d", d.unit)); err != nil {
			return false, err
		}
		if level == gridline.WarningRed {
			n.Red++
		} else {
			n.Yellow++
		}
	}
	return len(todo) < superviseBatch, nil
}
