package sqlstore

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"time"

	"github.com/gridline/gridline"
)

// ResidentService implements gridline.ResidentService: the residents'
// page, over the ticket intake.
type ResidentService struct {
	db      *DB
	tickets *TicketService
	// Limits bound how often residents may report; the zero value takes
	// gridline.DefaultResidentLimits.
	Limits gridline.ResidentLimits
}

// NewResidentService returns a ResidentService over db that takes cases in
// through tickets, with the default limits.
func NewResidentService(db *DB, tickets *TicketService) *ResidentService {
	return &ResidentService{db: db, tickets: tickets, Limits: gridline.DefaultResidentLimits}
}

var _ gridline.ResidentService = (*ResidentService)(nil)

// ResidentActor is the name the timeline and the audit log give a
// resident's report and rating.
const ResidentActor = "群众（随手拍）"

// residentCtx is ctx as a resident: anonymous (a report is not the
// signed-in caller's, whoever that is), named ResidentActor, from the
// caller's address.
func residentCtx(ctx context.Context) context.Context {
	addr := gridline.ClientFrom(ctx).Addr
	if p := gridline.PrincipalFrom(ctx); p != nil && addr == "" {
		addr = p.Addr
	}
	ctx = gridline.WithPrincipal(ctx, nil)
	ctx = gridline.WithClient(ctx, gridline.Client{Addr: addr})
	return gridline.WithActor(ctx, gridline.Actor{Name: ResidentActor})
}

// systemCtx is ctx acting as the system, still named ResidentActor and
// from the resident's address: reading their own case back, recording
// their rating. The follow code is the permission.
func systemCtx(ctx context.Context) context.Context {
	ctx = residentCtx(ctx)
	return gridline.WithPrincipal(ctx, &gridline.Principal{System: true, Addr: gridline.ClientFrom(ctx).Addr})
}

func (s *ResidentService) limits() gridline.ResidentLimits {
	if s.Limits == (gridline.ResidentLimits{}) {
		return gridline.DefaultResidentLimits
	}
	return s.Limits
}

// ReportAsResident implements gridline.ResidentService. The limits are
// counted inside the intake's transaction, after a lock that serialises
// residents' reports (PostgreSQL; SQLite has one writer), so two reports
// at once cannot both take the last one allowed.
func (s *ResidentService) ReportAsResident(ctx context.Context, r *gridline.ResidentReport) (*gridline.ResidentReceipt, error) {
	if err := r.Normalize(); err != nil {
		return nil, err
	}
	ctx = residentCtx(ctx)
	// A plate whose pin the resident left where it was places the case at
	// its building and entrance too; a moved pin says the problem is
	// elsewhere, and the plate only names the address.
	atPlate := r.QR != "" && r.Lon == nil && r.Lat == nil
	if r.QR != "" {
		a, err := NewAddressService(s.db).FindAddressByQR(ctx, r.QR)
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return nil, gridline.FieldErrorf("qr", "no door plate has this QR code")
		} else if err != nil {
			return nil, err
		}
		if r.Address == "" {
			r.Address = a.FullName
		}
		if r.Lon == nil && r.Lat == nil {
			lon, lat := a.Lon, a.Lat
			r.Lon, r.Lat = &lon, &lat
		}
	}
	code, err := gridline.NewFollowCode()
	if err != nil {
		return nil, err
	}
	lim := s.limits()
	t := r.Ticket()
	if atPlate {
		t.QRToken = r.QR
	}
	created, err := s.tickets.createWith(ctx, t, func(ctx context.Context, tx *Tx) error {
		if err := tx.lockKey(ctx, "resident_reports"); err != nil {
			return err
		}
		if err := s.checkLimits(ctx, tx, lim, r); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO resident_reports (ticket_id, follow_hash, address, lon, lat, reported_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, gridline.HashFollowCode(code), r.Address, r.Lon, r.Lat, tx.now); err != nil {
			return err
		}
		return tx.record(ctx, "create", "resident_report", auditKey(t.ID), "")
	})
	if err != nil {
		return nil, err
	}
	if !created {
		return nil, gridline.Errorf(gridline.EINTERNAL, "resident report: case %d was not new", t.ID)
	}
	return &gridline.ResidentReceipt{Number: t.Number, FollowCode: code, Case: gridline.PublicCaseOf(t, nil, s.db.catalogue())}, nil
}

// checkLimits refuses r when its phone has made lim.PerPhoneDay reports in
// the last 24 hours, or its place (the same address, or a point within
// lim.PlaceRadius) has had lim.PerPlaceHour in the last hour.
func (s *ResidentService) checkLimits(ctx context.Context, tx *Tx, lim gridline.ResidentLimits, r *gridline.ResidentReport) error {
	day := tx.now.Add(-24 * time.Hour)
	// The phone is on the ticket, as every reporter's; the index on
	// reported_at keeps this to the last day's residents' reports, and
	// the limit's worth of them is enough to decide.
	rows, err := tx.QueryContext(ctx, `SELECT r.reported_at FROM resident_reports r JOIN tickets t ON t.id = r.ticket_id
		WHERE r.reported_at > $1 AND t.reporter_phone = $2 ORDER BY r.reported_at LIMIT $3`, day, r.Phone, lim.PerPhoneDay)
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	var ats []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			rows.Close()
			return err
		}
		ats = append(ats, at)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ats) >= lim.PerPhoneDay {
		return gridline.ResidentLimitError("phone", lim.PerPhoneDay, ats[0].Add(24*time.Hour).Sub(tx.now))
	}
	hour := tx.now.Add(-time.Hour)
	cond, args := `r.address = $2 AND r.address <> ''`, []any{hour, r.Address}
	if r.Lon != nil && r.Lat != nil {
		b := gridline.DuplicateBox(*r.Lon, *r.Lat, lim.PlaceRadius)
		cond = `(` + cond + `) OR (r.lon >= $3 AND r.lon <= $4 AND r.lat >= $5 AND r.lat <= $6)`
		args = append(args, b[0], b[2], b[1], b[3])
	}
	rows, err = tx.QueryContext(ctx, `SELECT r.address, r.lon, r.lat, r.reported_at FROM resident_reports r
		WHERE r.reported_at > $1 AND (`+cond+`) ORDER BY r.reported_at`, args...)
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	defer rows.Close()
	n := 0
	var first time.Time
	for rows.Next() {
		var addr string
		var lon, lat sql.NullFloat64
		var at time.Time
		if err := rows.Scan(&addr, &lon, &lat, &at); err != nil {
			return err
		}
		same := r.Address != "" && addr == r.Address
		if !same && r.Lon != nil && lon.Valid && lat.Valid {
			same = gridline.DistanceM(*r.Lon, *r.Lat, lon.Float64, lat.Float64) <= lim.PlaceRadius
		}
		if same {
			if n == 0 {
				first = at
			}
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n >= lim.PerPlaceHour {
		return gridline.ResidentLimitError("place", lim.PerPlaceHour, first.Add(time.Hour).Sub(tx.now))
	}
	return nil
}

// followed is a resident's report as found by its number.
type followed struct {
	id      int64
	rating  string
	comment string
	ratedAt sql.NullTime
}

// findFollowed returns the resident's report numbered number if code is its
// follow code, else the same ENOTFOUND for every wrong guess.
func findFollowed(ctx context.Context, tx *Tx, number, code string) (*followed, error) {
	var f followed
	var hash, phone string
	err := tx.QueryRowContext(ctx, `SELECT r.ticket_id, r.follow_hash, r.rating, r.rating_comment, r.rated_at, t.reporter_phone
		FROM resident_reports r JOIN tickets t ON t.id = r.ticket_id WHERE t.number = $1`, number).Scan(
		&f.id, &hash, &f.rating, &f.comment, &f.ratedAt, &phone)
	if err == sql.ErrNoRows {
		// Hash anyway: a wrong number costs what a wrong code costs.
		gridline.HashFollowCode(code)
		return nil, gridline.ErrCaseNotFollowed()
	} else if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	// The follow code, or the whole phone number the case was reported
	// with.
	byCode := subtle.ConstantTimeCompare([]byte(hash), []byte(gridline.HashFollowCode(code))) == 1
	if !byCode && !gridline.FollowedByPhone(code, phone) {
		return nil, gridline.ErrCaseNotFollowed()
	}
	return &f, nil
}

func (f *followed) publicRating() *gridline.ResidentRating {
	if !f.ratedAt.Valid {
		return nil
	}
	at := f.ratedAt.Time.UTC()
	return &gridline.ResidentRating{Satisfaction: gridline.Outcome(f.rating), Comment: f.comment, At: &at}
}

// FollowCase implements gridline.ResidentService.
func (s *ResidentService) FollowCase(ctx context.Context, number, code string) (*gridline.PublicCase, error) {
	ctx = systemCtx(ctx)
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	f, err := findFollowed(ctx, tx, number, code)
	if err != nil {
		return nil, err
	}
	t, err := findTicketByID(ctx, tx, f.id)
	if err != nil {
		return nil, err
	}
	return gridline.PublicCaseOf(t, f.publicRating(), s.db.catalogue()), nil
}

// RateCase implements gridline.ResidentService. The rating is the case's
// callback event (gridline.ResidentRatingAction), written with the
// rating's row in one transaction: in StatusCallback through the loop as
// any callback, on a closed case as an event that leaves it closed.
func (s *ResidentService) RateCase(ctx context.Context, number, code string, r gridline.ResidentRating) (*gridline.PublicCase, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	req := gridline.ResidentRatingAction(r)
	if err := req.Validate(); err != nil {
		return nil, err
	}
	ctx = systemCtx(ctx)
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	f, err := findFollowed(ctx, tx, number, code)
	if err != nil {
		return nil, err
	}
	if err := tx.lockRow(ctx, "tickets", "id", f.id); err != nil {
		return nil, err
	}
	if f.ratedAt.Valid {
		return nil, gridline.Errorf(gridline.ECONFLICT, "这个案件已经评价过了。This case has been rated already.")
	}
	t, err := findTicketByID(ctx, tx, f.id)
	if err != nil {
		return nil, err
	}
	if _, err := gridline.ResidentRatingStatus(t.Status, r.Satisfaction); err != nil {
		return nil, err
	}
	if t.Status == gridline.StatusCallback {
		if _, err := s.tickets.act(ctx, tx, t.ID, req, gridline.RegionPath{}); err != nil {
			return nil, err
		}
	} else {
		// Closed: the rating is recorded as a callback that keeps the
		// case where it is.
		if _, err := tx.exec(ctx, `UPDATE tickets SET version = version + 1, updated_at = $1 WHERE id = $2`, tx.now, t.ID); err != nil {
			return nil, err
		}
		e := &gridline.TicketEvent{TicketID: t.ID, Action: gridline.ActionCallback, From: t.Status, To: t.Status,
			Outcome: req.Outcome, Note: req.Note, UnitID: t.LeadUnitID, Contacted: req.Contacted, Resolved: req.Resolved}
		if err := addTicketEvent(ctx, tx, e); err != nil {
			return nil, err
		}
		if err := tx.record(ctx, string(gridline.ActionCallback), "ticket", auditKey(t.ID), ""); err != nil {
			return nil, err
		}
	}
	if _, err := tx.exec(ctx, `UPDATE resident_reports SET rating = $1, rating_comment = $2, rated_at = $3 WHERE ticket_id = $4`,
		string(r.Satisfaction), r.Comment, tx.now, t.ID); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, "rate", "resident_report", auditKey(t.ID), string(r.Satisfaction)); err != nil {
		return nil, err
	}
	t, err = findTicketByID(ctx, tx, t.ID)
	if err != nil {
		return nil, err
	}
	now := tx.now
	out := gridline.PublicCaseOf(t, &gridline.ResidentRating{Satisfaction: r.Satisfaction, Comment: r.Comment, At: &now}, s.db.catalogue())
	return out, tx.Commit()
}
