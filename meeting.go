package gridline

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Meeting is a coordination meeting (工单协调会): the cases discussed, and
// for each the lead unit, the co-units, the plan and the deadline agreed.
type Meeting struct {
	ID     int64     `json:"id"`
	HeldAt time.Time `json:"held_at"`
	// Topic is what the meeting was called for; optional ("" on meetings
	// recorded before it existed).
	Topic string `json:"topic"`
	Place string `json:"place"`
	Chair string `json:"chair"`
	// Attendees are the people who attended, free text with their posts
	// ("张三（城管局副局长）"): they need not have accounts. AttendeeUnits
	// are the units that attended.
	Attendees     []string      `json:"attendees"`
	AttendeeUnits []int64       `json:"attendee_units"`
	Items         []MeetingItem `json:"items"`
	CreatedBy     string        `json:"created_by"`
	CreatedAt     time.Time     `json:"created_at"`
}

// MeetingItem is one case a meeting decided on. With Dispatch, the
// decision is applied as the case's dispatch (a filed case) or
// redispatch (a dispatched or handling one) to LeadUnit with Deadline,
// in the same transaction as the meeting.
type MeetingItem struct {
	ID           int64  `json:"id"`
	TicketID     int64  `json:"ticket_id"`
	TicketNumber string `json:"ticket_number"`
	// TicketStatus is the case's status now (as read), not at the meeting.
	TicketStatus TicketStatus `json:"ticket_status,omitempty"`
	LeadUnit     int64        `json:"lead_unit"`
	CoUnits      []int64      `json:"co_units"`
	Plan         string       `json:"plan"`
	Deadline     *time.Time   `json:"deadline"`
	Dispatch     bool         `json:"dispatch,omitempty"`
}

// Meeting bounds.
const (
	MaxMeetingItems     = 50
	MaxMeetingAttendees = 100
)

// Validate checks a meeting before it is stored: a time, a place and a
// chair; attendee people named and units each once; one to MaxMeetingItems items, each on a
// different case, with a lead unit that is not among its co-units, a plan,
// and a deadline after the meeting.
func (m *Meeting) Validate() error {
	m.Topic, m.Place, m.Chair = strings.TrimSpace(m.Topic), strings.TrimSpace(m.Place), strings.TrimSpace(m.Chair)
	if m.HeldAt.IsZero() {
		return FieldErrorf("held_at", "is required: when the meeting was held (RFC 3339)")
	}
	if m.Place == "" {
		return FieldErrorf("place", "is required")
	}
	if m.Chair == "" {
		return FieldErrorf("chair", "is required: who chaired the meeting")
	}
	if err := checkTexts(textCheck{"topic", m.Topic, MaxNameLen}, textCheck{"place", m.Place, MaxNameLen},
		textCheck{"chair", m.Chair, MaxNameLen}); err != nil {
		return err
	}
	if len(m.Attendees) > MaxMeetingAttendees {
		return FieldErrorf("attendees", "%d people; at most %d", len(m.Attendees), MaxMeetingAttendees)
	}
	for i, a := range m.Attendees {
		m.Attendees[i] = strings.TrimSpace(a)
		f := indexed("attendees", i)
		if m.Attendees[i] == "" {
			return FieldErrorf(f, "is empty: name the person")
		}
		if err := CheckText(f, m.Attendees[i], MaxNameLen); err != nil {
			return err
		}
		if slices.Contains(m.Attendees[:i], m.Attendees[i]) {
			return FieldErrorf(f, "%q is named twice", m.Attendees[i])
		}
	}
	if len(m.AttendeeUnits) > MaxMeetingAttendees {
		return FieldErrorf("attendee_units", "%d units; at most %d", len(m.AttendeeUnits), MaxMeetingAttendees)
	}
	if err := checkIDs("attendee_units", m.AttendeeUnits); err != nil {
		return err
	}
	if len(m.Items) == 0 {
		return FieldErrorf("items", "name at least one case the meeting decided on")
	}
	if len(m.Items) > MaxMeetingItems {
		return FieldErrorf("items", "%d items; at most %d", len(m.Items), MaxMeetingItems)
	}
	for i := range m.Items {
		it := &m.Items[i]
		f := indexed("items", i)
		it.Plan = strings.TrimSpace(it.Plan)
		if it.TicketID <= 0 {
			return FieldErrorf(f+".ticket_id", "is required: the case decided on")
		}
		if slices.ContainsFunc(m.Items[:i], func(o MeetingItem) bool { return o.TicketID == it.TicketID }) {
			return FieldErrorf(f+".ticket_id", "case %d is already an item of this meeting", it.TicketID)
		}
		if it.LeadUnit <= 0 {
			return FieldErrorf(f+".lead_unit", "is required: the unit that leads")
		}
		if len(it.CoUnits) > MaxWhistleUnits {
			return FieldErrorf(f+".co_units", "%d units; at most %d", len(it.CoUnits), MaxWhistleUnits)
		}
		if err := checkIDs(f+".co_units", it.CoUnits); err != nil {
			return err
		}
		if k := slices.Index(it.CoUnits, it.LeadUnit); k >= 0 {
			return FieldErrorf(indexed(f+".co_units", k), "unit %d is the lead unit", it.LeadUnit)
		}
		if it.Plan == "" {
			return FieldErrorf(f+".plan", "is required: what was agreed")
		}
		if err := CheckText(f+".plan", it.Plan, MaxNoteLen); err != nil {
			return err
		}
		if it.Deadline != nil && !it.Deadline.After(m.HeldAt) {
			return FieldErrorf(f+".deadline", "%s is not after the meeting", it.Deadline.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// MeetingFilter selects meetings, newest held first.
type MeetingFilter struct {
	TicketID *int64 // meetings that decided on this case
	From, To *time.Time
	Offset   int
	Limit    int
}

// MeetingService keeps coordination meetings.
type MeetingService interface {
	// CreateMeeting records a meeting and leaves a "meeting" entry on the
	// timeline of each case it decided on, and dispatches the items that
	// ask for it, all in one transaction. Returns EINVALID naming the
	// field (items[i].ticket_id, items[i].co_units[j], attendee_units[k]
	// …) for what is missing or unknown, ECONFLICT naming
	// items[i].ticket_id for a case that is not open or cannot be
	// dispatched now.
	CreateMeeting(ctx context.Context, m *Meeting) error
	// FindMeetingByID returns a meeting with its items, or ENOTFOUND.
	FindMeetingByID(ctx context.Context, id int64) (*Meeting, error)
	// FindMeetings returns a page of meetings with their items, newest
	// first, and the total.
	FindMeetings(ctx context.Context, f MeetingFilter) ([]*Meeting, int, error)
}
