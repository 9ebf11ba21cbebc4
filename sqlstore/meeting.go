package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// MeetingService implements gridline.MeetingService.
type MeetingService struct {
	db      *DB
	tickets *TicketService
}

// NewMeetingService returns a MeetingService over db; items that ask for
// it are dispatched through tickets, in the meeting's transaction.
func NewMeetingService(db *DB, tickets *TicketService) *MeetingService {
	return &MeetingService{db: db, tickets: tickets}
}

var _ gridline.MeetingService = (*MeetingService)(nil)

// CreateMeeting implements gridline.MeetingService.
func (s *MeetingService) CreateMeeting(ctx context.Context, m *gridline.Meeting) error {
	if err := m.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := unitNames(ctx, tx, "attendee_units", m.AttendeeUnits); err != nil {
		return err
	}
	m.HeldAt = m.HeldAt.UTC()
	m.CreatedBy, m.CreatedAt = gridline.ActorFrom(ctx).Name, tx.now
	if m.AttendeeUnits == nil {
		m.AttendeeUnits = []int64{}
	}
	if m.Attendees == nil {
		m.Attendees = []string{}
	}
	people, _ := json.Marshal(m.Attendees)
	if err := tx.QueryRowContext(ctx, `INSERT INTO meetings (held_at, topic, place, chair, attendees, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, m.HeldAt, m.Topic, m.Place, m.Chair, string(people), m.CreatedBy,
		m.CreatedAt).Scan(&m.ID); err != nil {
		return translate(tx.db.dialect, err)
	}
	for _, u := range m.AttendeeUnits {
		if _, err := tx.exec(ctx, `INSERT INTO meeting_units (meeting_id, unit_id) VALUES ($1, $2)`, m.ID, u); err != nil {
			return err
		}
	}
	for i := range m.Items {
		if err := s.addItem(ctx, tx, m, i); err != nil {
			return err
		}
	}
	if err := tx.record(ctx, "create", "meeting", auditKey(m.ID), ""); err != nil {
		return err
	}
	// Answer with the cases' statuses after the meeting's dispatches.
	for i := range m.Items {
		if err := tx.QueryRowContext(ctx, `SELECT status FROM tickets WHERE id = $1`, m.Items[i].TicketID).
			Scan(&m.Items[i].TicketStatus); err != nil {
			return translate(tx.db.dialect, err)
		}
	}
	return tx.Commit()
}

// addItem checks item i's case and units, stores it, leaves the meeting
// entry on the case's timeline and, if asked, dispatches the case.
func (s *MeetingService) addItem(ctx context.Context, tx *Tx, m *gridline.Meeting, i int) error {
	it := &m.Items[i]
	f := fmt.Sprintf("items[%d]", i)
	if it.CoUnits == nil {
		it.CoUnits = []int64{}
	}
	var status gridline.TicketStatus
	err := tx.QueryRowContext(ctx, `SELECT number, status FROM tickets WHERE id = $1`, it.TicketID).Scan(&it.TicketNumber, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return gridline.FieldErrorf(f+".ticket_id", "no case %d", it.TicketID)
	} else if err != nil {
		return translate(tx.db.dialect, err)
	}
	// A meeting decides on the cases its recorder may dispatch; another's
	// case is as unknown as a missing one.
	if sc, ok := scopeFor(ctx, gridline.ResourceTickets, gridline.Action(gridline.ActionDispatch)); ok {
		if in, err := ticketInScope(ctx, tx, it.TicketID, sc); err != nil {
			return err
		} else if !in {
			return gridline.FieldErrorf(f+".ticket_id", "no case %d", it.TicketID)
		}
	}
	if !status.Open() {
		return &gridline.Error{Code: gridline.ECONFLICT,
			Message: fmt.Sprintf("Case %s is %s; a meeting decides on open cases.", it.TicketNumber, status),
			Fields:  map[string]string{f + ".ticket_id": string(status)}}
	}
	lead, err := unitNames(ctx, tx, f+".lead_unit", []int64{it.LeadUnit})
	if err != nil {
		return gridline.FieldErrorf(f+".lead_unit", "no unit %d", it.LeadUnit)
	}
	co, err := unitNames(ctx, tx, f+".co_units", it.CoUnits)
	if err != nil {
		return err
	}
	coJSON, _ := json.Marshal(it.CoUnits)
	var deadline *time.Time
	if it.Deadline != nil {
		d := it.Deadline.UTC()
		deadline, it.Deadline = &d, &d
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO meeting_items (meeting_id, ticket_id, lead_unit_id, co_units, plan, deadline)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, m.ID, it.TicketID, it.LeadUnit, string(coJSON), it.Plan, deadline).
		Scan(&it.ID); err != nil {
		return translate(tx.db.dialect, err)
	}
	note := fmt.Sprintf("协调会 #%d（%s，%s主持）：主办%s", m.ID, m.HeldAt.In(gridline.ChinaTime).Format("2006-01-02 15:04"),
		m.Chair, lead[0])
	if len(co) > 0 {
		note += "，协办" + strings.Join(co, "、")
	}
	if deadline != nil {
		note += "，" + deadline.In(gridline.ChinaTime).Format("2006-01-02 15:04") + "前办结"
	}
	note += "。" + it.Plan
	if err := addTicketEvent(ctx, tx, &gridline.TicketEvent{TicketID: it.TicketID, Action: gridline.ActionMeeting,
		From: status, To: status, UnitID: &it.LeadUnit, Note: note}); err != nil {
		return err
	}
	if err := tx.record(ctx, string(gridline.ActionMeeting), "ticket", auditKey(it.TicketID), fmt.Sprint(m.ID)); err != nil {
		return err
	}
	if !it.Dispatch {
		return nil
	}
	action := gridline.ActionRedispatch
	if status == gridline.StatusFiled {
		action = gridline.ActionDispatch
	}
	r := gridline.TicketActionRequest{Action: action, LeadUnit: &it.LeadUnit, CoUnits: it.CoUnits, Deadline: deadline,
		Note: fmt.Sprintf("协调会 #%d 决定", m.ID)}
	if err := r.Validate(); err != nil {
		return err
	}
	if _, err := s.tickets.act(ctx, tx, it.TicketID, r, gridline.RegionPath{}); err != nil {
		var e *gridline.Error
		if errors.As(err, &e) && e.Code == gridline.ECONFLICT {
			// Name the item: the loop refused its dispatch.
			return &gridline.Error{Code: gridline.ECONFLICT, Message: e.Message,
				Fields: map[string]string{f + ".dispatch": e.Fields["allowed"], "status": string(status)}}
		}
		if errors.As(err, &e) && e.Code == gridline.EINVALID {
			for k, v := range e.Fields {
				return gridline.FieldErrorf(f+"."+k, "%s", v)
			}
		}
		return err
	}
	return nil
}

// FindMeetingByID implements gridline.MeetingService.
func (s *MeetingService) FindMeetingByID(ctx context.Context, id int64) (*gridline.Meeting, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ms, _, err := findMeetings(ctx, tx, gridline.MeetingFilter{}, &id)
	if err != nil {
		return nil, err
	} else if len(ms) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Meeting %d not found.", id)
	}
	return ms[0], nil
}

// FindMeetings implements gridline.MeetingService.
func (s *MeetingService) FindMeetings(ctx context.Context, f gridline.MeetingFilter) ([]*gridline.Meeting, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findMeetings(ctx, tx, f, nil)
}

func findMeetings(ctx context.Context, tx *Tx, f gridline.MeetingFilter, id *int64) ([]*gridline.Meeting, int, error) {
	var w where
	// A meeting is seen by whoever may see one of its cases, and by the
	// units that attended or were given an item; its minutes are shown
	// whole.
	if sc, ok := scopeFor(ctx, gridline.ResourceTickets, gridline.ActRead); ok {
		cond, args := ticketScope(sc)
		cond = "(id IN (SELECT i.meeting_id FROM meeting_items i JOIN tickets t ON t.id = i.ticket_id WHERE " + cond + ")"
		if len(sc.Units) > 0 {
			cond += " OR id IN (SELECT meeting_id FROM meeting_units WHERE unit_id IN (" + qmarks(len(sc.Units)) + "))" +
				" OR id IN (SELECT meeting_id FROM meeting_items WHERE lead_unit_id IN (" + qmarks(len(sc.Units)) + "))"
			for range 2 {
				for _, u := range sc.Units {
					args = append(args, u)
				}
			}
		}
		w.add(cond+")", args...)
	}
	if id != nil {
		w.add("id = ?", *id)
	}
	if f.TicketID != nil {
		w.add("id IN (SELECT meeting_id FROM meeting_items WHERE ticket_id = ?)", *f.TicketID)
	}
	if f.From != nil {
		w.add("held_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		w.add("held_at < ?", f.To.UTC())
	}
	ms, total, err := findPage(ctx, tx, `id, held_at, topic, place, chair, attendees, created_by, created_at`, `meetings`, w,
		"held_at DESC, id DESC", f.Limit, f.Offset, func(rows *sql.Rows, total *int) (*gridline.Meeting, error) {
			var m gridline.Meeting
			var people string
			err := rows.Scan(&m.ID, &m.HeldAt, &m.Topic, &m.Place, &m.Chair, &people, &m.CreatedBy, &m.CreatedAt, total)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(people), &m.Attendees); err != nil {
				return nil, fmt.Errorf("meeting %d: attendees: %w", m.ID, err)
			}
			if m.Attendees == nil {
				m.Attendees = []string{}
			}
			m.HeldAt, m.CreatedAt = m.HeldAt.UTC(), m.CreatedAt.UTC()
			m.AttendeeUnits, m.Items = []int64{}, []gridline.MeetingItem{}
			return &m, nil
		})
	if err != nil || len(ms) == 0 {
		return ms, total, err
	}
	byID := map[int64]*gridline.Meeting{}
	args := make([]any, len(ms))
	for i, m := range ms {
		byID[m.ID], args[i] = m, m.ID
	}
	in := placeholders(1, len(ms))
	rows, err := tx.QueryContext(ctx, `SELECT meeting_id, unit_id FROM meeting_units WHERE meeting_id IN (`+in+`)
		ORDER BY meeting_id, unit_id`, args...)
	if err != nil {
		return nil, 0, translate(tx.db.dialect, err)
	}
	for rows.Next() {
		var mid, uid int64
		if err := rows.Scan(&mid, &uid); err != nil {
			rows.Close()
			return nil, 0, err
		}
		byID[mid].AttendeeUnits = append(byID[mid].AttendeeUnits, uid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT i.meeting_id, i.id, i.ticket_id, t.number, t.status, i.lead_unit_id, i.co_units, i.plan,
		i.deadline FROM meeting_items i JOIN tickets t ON t.id = i.ticket_id WHERE i.meeting_id IN (`+in+`)
		ORDER BY i.meeting_id, i.id`, args...)
	if err != nil {
		return nil, 0, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		var mid int64
		var it gridline.MeetingItem
		var co string
		var deadline sql.NullTime
		if err := rows.Scan(&mid, &it.ID, &it.TicketID, &it.TicketNumber, &it.TicketStatus, &it.LeadUnit, &co, &it.Plan, &deadline); err != nil {
			return nil, 0, err
		}
		if err := json.Unmarshal([]byte(co), &it.CoUnits); err != nil {
			return nil, 0, fmt.Errorf("meeting item %d: co_units: %w", it.ID, err)
		}
		if it.CoUnits == nil {
			it.CoUnits = []int64{}
		}
		if deadline.Valid {
			d := deadline.Time.UTC()
			it.Deadline = &d
		}
		byID[mid].Items = append(byID[mid].Items, it)
	}
	return ms, total, rows.Err()
}
