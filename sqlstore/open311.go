package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// Open311Service implements gridline.Open311RequestService.
type Open311Service struct {
	db      *DB
	tickets *TicketService
	cat     *gridline.Catalogue
}

// NewOpen311Service returns an Open311Service over db that takes cases in
// through tickets.
func NewOpen311Service(db *DB, tickets *TicketService) *Open311Service {
	return &Open311Service{db: db, tickets: tickets, cat: gridline.DefaultCatalogue()}
}

var _ gridline.Open311RequestService = (*Open311Service)(nil)

// CreateOpen311Request implements gridline.Open311RequestService.
func (s *Open311Service) CreateOpen311Request(ctx context.Context, t *gridline.Ticket, m gridline.Open311Meta) (string, error) {
	p := gridline.PrincipalFrom(ctx)
	if p == nil || p.User == nil {
		return "", gridline.Errorf(gridline.EUNAUTHORIZED, "An Open311 request needs the api_key of an external system.")
	}
	// The token only finds a request again; it grants nothing, so 128
	// random bits in hex are plenty and easy to put in a path.
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b)
	t.ExternalID = "" // Open311 has no external number: every POST is a new request
	created, err := s.tickets.createWith(ctx, t, func(ctx context.Context, tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO open311_requests (ticket_id, token, service_code, media_url, user_id, requested_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, token, m.ServiceCode, m.MediaURL, p.User.ID, t.ReportedAt); err != nil {
			return err
		}
		return tx.record(ctx, "create", "open311_request", auditKey(t.ID), token)
	})
	if err != nil {
		return "", err
	}
	if !created {
		return "", gridline.Errorf(gridline.EINTERNAL, "open311: case %d was not new", t.ID)
	}
	return token, nil
}

// open311Columns read a request with its case and, for a merged case,
// its master (m): a merged request is handled as its master is, so it
// shows the master's status, unit, deadline and last change. status_notes
// is the latest public opinion on the request's own timeline, which the
// master's replies reach by relay.
const open311Columns = `t.number, t.category, o.service_code, t.text, t.status, COALESCE(m.status, ''), t.address,
	t.lon, t.lat, o.media_url, o.token, t.reported_at, t.updated_at, m.updated_at, t.deadline, m.deadline,
	COALESCE(u.name, ''),
	COALESCE((SELECT e.opinion FROM ticket_events e WHERE e.ticket_id = t.id AND e.opinion <> '' ORDER BY e.id DESC LIMIT 1), '')`

const open311From = `open311_requests o JOIN tickets t ON t.id = o.ticket_id
	LEFT JOIN tickets m ON t.status = 'merged' AND m.id = t.merged_into
	LEFT JOIN units u ON u.id = COALESCE(m.lead_unit_id, t.lead_unit_id)`

// open311Closed are the statuses the spec calls closed.
const open311Closed = `('closed', 'rejected', 'voided', 'merged')`

// FindOpen311Requests implements gridline.Open311RequestService. The
// requests are public: no caller scope narrows them.
func (s *Open311Service) FindOpen311Requests(ctx context.Context, f gridline.Open311Filter) ([]*gridline.Open311Request, error) {
	var w where
	if len(f.IDs) > 0 {
		args := make([]any, len(f.IDs))
		for i, id := range f.IDs {
			args[i] = id
		}
		w.add("t.number IN ("+placeholders(len(w.args)+1, len(args))+")", args...)
	}
	if len(f.ServiceCodes) > 0 {
		args := make([]any, len(f.ServiceCodes))
		for i, c := range f.ServiceCodes {
			args[i] = c
		}
		w.add("t.category IN ("+placeholders(len(w.args)+1, len(args))+")", args...)
	}
	if len(f.Statuses) == 1 {
		// A merged request is as open as its master.
		eff := `(CASE WHEN t.status = 'merged' AND m.status IS NOT NULL THEN m.status ELSE t.status END)`
		if f.Statuses[0] == "open" {
			w.add(eff + " NOT IN " + open311Closed)
		} else {
			w.add(eff + " IN " + open311Closed)
		}
	}
	if f.From != nil {
		w.add("o.requested_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		w.add("o.requested_at <= ?", f.To.UTC())
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+open311Columns+` FROM `+open311From+w.String()+
		` ORDER BY o.requested_at DESC, o.ticket_id DESC`+limitOffset(f.Limit, f.Offset), w.args...)
	if err != nil {
		return nil, translate(s.db.dialect, err)
	}
	defer rows.Close()
	out := []*gridline.Open311Request{}
	for rows.Next() {
		r, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FindOpen311Token implements gridline.Open311RequestService.
func (s *Open311Service) FindOpen311Token(ctx context.Context, token string) (*gridline.Open311Request, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+open311Columns+` FROM `+open311From+` WHERE o.token = $1`, token)
	if err != nil {
		return nil, translate(s.db.dialect, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, gridline.Errorf(gridline.ENOTFOUND, "No request has the token %q.", token)
	}
	return s.scan(rows)
}

func (s *Open311Service) scan(rows *sql.Rows) (*gridline.Open311Request, error) {
	var (
		r                   gridline.Open311Request
		category, code      string
		status, master      string
		mUpdated            sql.NullTime
		deadline, mDeadline sql.NullTime
	)
	if err := rows.Scan(&r.ServiceRequestID, &category, &code, &r.Description, &status, &master, &r.Address,
		&r.Long, &r.Lat, &r.MediaURL, &r.Token, &r.RequestedDatetime, &r.UpdatedDatetime, &mUpdated, &deadline, &mDeadline,
		&r.AgencyResponsible, &r.StatusNotes); err != nil {
		return nil, err
	}
	st := gridline.TicketStatus(status)
	if st == gridline.StatusMerged && master != "" {
		st = gridline.TicketStatus(master)
		if mUpdated.Valid && mUpdated.Time.After(r.UpdatedDatetime) {
			r.UpdatedDatetime = mUpdated.Time
		}
		deadline = mDeadline
	}
	r.Status = gridline.Open311Status(st)
	// The case's current class, which a person may have corrected; the
	// code the client chose otherwise.
	r.ServiceCode = category
	if r.ServiceCode == "" {
		r.ServiceCode = code
	}
	if c, ok := s.cat.Category(r.ServiceCode); ok {
		r.ServiceName = c.Name
		r.ServiceNotice = gridline.Open311Notice(c)
	}
	// Whole seconds in China Standard Time: what a w3c date-time reader
	// expects, and what a Chinese reader reads.
	r.RequestedDatetime = r.RequestedDatetime.Truncate(time.Second).In(gridline.ChinaTime)
	r.UpdatedDatetime = r.UpdatedDatetime.Truncate(time.Second).In(gridline.ChinaTime)
	if deadline.Valid {
		d := deadline.Time.Truncate(time.Second).In(gridline.ChinaTime)
		r.ExpectedDatetime = &d
	}
	r.Description = strings.TrimSpace(r.Description)
	return &r, nil
}
