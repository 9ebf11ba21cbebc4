package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// WhistleService implements gridline.WhistleService.
type WhistleService struct {
	db *DB
	// ReportWithin is how long called units have to report;
	// gridline.DefaultWhistleReportWithin unless a district sets another.
	ReportWithin time.Duration
}

// NewWhistleService returns a WhistleService over db with the default
// report time.
func NewWhistleService(db *DB) *WhistleService {
	return &WhistleService{db: db, ReportWithin: gridline.DefaultWhistleReportWithin}
}

var _ gridline.WhistleService = (*WhistleService)(nil)

// BlowWhistle implements gridline.WhistleService.
func (s *WhistleService) BlowWhistle(ctx context.Context, ticketID int64, r gridline.WhistleRequest) (*gridline.Whistle, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.lockRow(ctx, "tickets", "id", ticketID); err != nil {
		return nil, err
	}
	var number, town, community string
	var status gridline.TicketStatus
	err = tx.QueryRowContext(ctx, `SELECT number, status, town_code, community_code FROM tickets WHERE id = $1`, ticketID).
		Scan(&number, &status, &town, &community)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Case %d not found.", ticketID)
	} else if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	// A whistle is blown on a case its blower may supervise; another's
	// case is as unknown as a missing one.
	if sc, ok := scopeFor(ctx, gridline.ResourceTickets, gridline.Action(gridline.ActionSupervise)); ok {
		if in, err := ticketInScope(ctx, tx, ticketID, sc); err != nil {
			return nil, err
		} else if !in {
			return nil, gridline.Errorf(gridline.ENOTFOUND, "Case %d not found.", ticketID)
		}
	}
	if !gridline.WhistleOpen(status) {
		return nil, &gridline.Error{Code: gridline.ECONFLICT,
			Message: fmt.Sprintf("Case %s is %s; a whistle is blown on an open, located case.", number, status),
			Fields:  map[string]string{"status": string(status)}}
	}
	names, err := unitNames(ctx, tx, "units", r.Units)
	if err != nil {
		return nil, err
	}
	w := &gridline.Whistle{TicketID: ticketID, TicketNumber: number, TownCode: town, CommunityCode: community,
		Reason: r.Reason, BlownBy: gridline.ActorFrom(ctx).Name, BlownAt: tx.now, ReportBy: tx.now.Add(s.ReportWithin),
		Status: gridline.WhistleWaiting, UpdatedAt: tx.now}
	if err := tx.QueryRowContext(ctx, `INSERT INTO whistles (ticket_id, town_code, community_code, reason, blown_by,
		blown_at, report_by, status, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		w.TicketID, w.TownCode, w.CommunityCode, w.Reason, w.BlownBy, w.BlownAt, w.ReportBy, string(w.Status),
		w.UpdatedAt).Scan(&w.ID); err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	for _, u := range r.Units {
		if _, err := tx.exec(ctx, `INSERT INTO whistle_units (whistle_id, unit_id) VALUES ($1, $2)`, w.ID, u); err != nil {
			return nil, err
		}
	}
	note := fmt.Sprintf("吹哨 #%d，%s前报到：%s", w.ID, w.ReportBy.In(gridline.ChinaTime).Format("15:04"), strings.Join(names, "、"))
	if err := addTicketEvent(ctx, tx, &gridline.TicketEvent{TicketID: ticketID, Action: gridline.ActionWhistle,
		From: status, To: status, Opinion: "", Note: note + "。" + r.Reason}); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, "create", "whistle", auditKey(w.ID), number); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindWhistleByID(ctx, w.ID)
}

// unitNames returns the names of units ids, in order, or EINVALID naming
// field[i] for the first that does not exist.
func unitNames(ctx context.Context, tx *Tx, field string, ids []int64) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM units WHERE id IN (`+placeholders(1, len(ids))+`)`, args...)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	found := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, err
		}
		found[id] = name
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		name, ok := found[id]
		if !ok {
			return nil, gridline.FieldErrorf(fmt.Sprintf("%s[%d]", field, i), "no unit %d", id)
		}
		names[i] = name
	}
	return names, nil
}

// FindWhistleByID implements gridline.WhistleService.
func (s *WhistleService) FindWhistleByID(ctx context.Context, id int64) (*gridline.Whistle, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findWhistleByID(ctx, tx, id)
}

func findWhistleByID(ctx context.Context, tx *Tx, id int64) (*gridline.Whistle, error) {
	ws, _, err := findWhistles(ctx, tx, gridline.WhistleFilter{}, &id)
	if err != nil {
		return nil, err
	} else if len(ws) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Whistle %d not found.", id)
	}
	return ws[0], nil
}

// FindWhistles implements gridline.WhistleService.
func (s *WhistleService) FindWhistles(ctx context.Context, f gridline.WhistleFilter) ([]*gridline.Whistle, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findWhistles(ctx, tx, f, nil)
}

func findWhistles(ctx context.Context, tx *Tx, f gridline.WhistleFilter, id *int64) ([]*gridline.Whistle, int, error) {
	var w where
	// A whistle is seen by whoever may see its case, and by the units
	// whistled for, who must report to it.
	if sc, ok := scopeFor(ctx, gridline.ResourceTickets, gridline.ActRead); ok {
		cond, args := ticketScope(sc)
		if len(sc.Units) > 0 {
			cond = "(" + cond + " OR w.id IN (SELECT whistle_id FROM whistle_units WHERE unit_id IN (" + qmarks(len(sc.Units)) + ")))"
			for _, u := range sc.Units {
				args = append(args, u)
			}
		}
		w.add(cond, args...)
	}
	if id != nil {
		w.add("w.id = ?", *id)
	}
	if f.Status != nil {
		w.add("w.status = ?", string(*f.Status))
	}
	if f.Town != nil {
		w.add("w.town_code = ?", *f.Town)
	}
	if f.TicketID != nil {
		w.add("w.ticket_id = ?", *f.TicketID)
	}
	if f.UnitID != nil {
		w.add("w.id IN (SELECT whistle_id FROM whistle_units WHERE unit_id = ?)", *f.UnitID)
	}
	ws, total, err := findPage(ctx, tx, `w.id, w.ticket_id, t.number, w.town_code, w.community_code, w.reason, w.blown_by,
		w.blown_at, w.report_by, w.status, w.rated_at, w.updated_at`, `whistles w JOIN tickets t ON t.id = w.ticket_id`, w,
		"w.id DESC", f.Limit, f.Offset, func(rows *sql.Rows, total *int) (*gridline.Whistle, error) {
			var x gridline.Whistle
			var rated sql.NullTime
			err := rows.Scan(&x.ID, &x.TicketID, &x.TicketNumber, &x.TownCode, &x.CommunityCode, &x.Reason, &x.BlownBy,
				&x.BlownAt, &x.ReportBy, &x.Status, &rated, &x.UpdatedAt, total)
			x.BlownAt, x.ReportBy, x.UpdatedAt = x.BlownAt.UTC(), x.ReportBy.UTC(), x.UpdatedAt.UTC()
			if rated.Valid {
				r := rated.Time.UTC()
				x.RatedAt = &r
			}
			x.Units = []gridline.WhistleUnit{}
			return &x, err
		})
	if err != nil || len(ws) == 0 {
		return ws, total, err
	}
	byID := map[int64]*gridline.Whistle{}
	args := make([]any, len(ws))
	for i, x := range ws {
		byID[x.ID], args[i] = x, x.ID
	}
	rows, err := tx.QueryContext(ctx, `SELECT wu.whistle_id, wu.unit_id, u.name, wu.reported_at, wu.note, wu.late, wu.score,
		wu.comment FROM whistle_units wu JOIN units u ON u.id = wu.unit_id
		WHERE wu.whistle_id IN (`+placeholders(1, len(ws))+`) ORDER BY wu.whistle_id, wu.unit_id`, args...)
	if err != nil {
		return nil, 0, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		var wid int64
		var u gridline.WhistleUnit
		var reported sql.NullTime
		var score sql.NullInt64
		if err := rows.Scan(&wid, &u.UnitID, &u.Name, &reported, &u.Note, &u.Late, &score, &u.Comment); err != nil {
			return nil, 0, err
		}
		x := byID[wid]
		if reported.Valid {
			r := reported.Time.UTC()
			u.ReportedAt = &r
		} else {
			u.Overdue = tx.now.After(x.ReportBy)
		}
		if score.Valid {
			n := int(score.Int64)
			u.Score = &n
		}
		x.Units = append(x.Units, u)
	}
	return ws, total, rows.Err()
}

// lockWhistle locks whistle id for the transaction and returns it.
func lockWhistle(ctx context.Context, tx *Tx, id int64) (*gridline.Whistle, error) {
	if err := tx.lockRow(ctx, "whistles", "id", id); err != nil {
		return nil, err
	}
	return findWhistleByID(ctx, tx, id)
}

func whistleUnit(w *gridline.Whistle, unit int64) *gridline.WhistleUnit {
	for i := range w.Units {
		if w.Units[i].UnitID == unit {
			return &w.Units[i]
		}
	}
	return nil
}

// ReportWhistle implements gridline.WhistleService.
func (s *WhistleService) ReportWhistle(ctx context.Context, id int64, r gridline.WhistleReport) (*gridline.Whistle, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	w, err := lockWhistle(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	u := whistleUnit(w, r.Unit)
	switch {
	case u == nil:
		return nil, gridline.FieldErrorf("unit", "unit %d was not called by whistle %d", r.Unit, id)
	case u.ReportedAt != nil:
		return nil, &gridline.Error{Code: gridline.ECONFLICT,
			Message: fmt.Sprintf("%s reported to whistle %d at %s already.", u.Name, id,
				u.ReportedAt.In(gridline.ChinaTime).Format("2006-01-02 15:04")),
			Fields: map[string]string{"unit": fmt.Sprint(r.Unit)}}
	case w.Status == gridline.WhistleRated:
		return nil, &gridline.Error{Code: gridline.ECONFLICT, Message: fmt.Sprintf("Whistle %d is rated and closed.", id),
			Fields: map[string]string{"status": string(w.Status)}}
	}
	late := tx.now.After(w.ReportBy)
	if _, err := tx.exec(ctx, `UPDATE whistle_units SET reported_at = $1, note = $2, late = $3 WHERE whistle_id = $4 AND unit_id = $5`,
		tx.now, r.Note, late, id, r.Unit); err != nil {
		return nil, err
	}
	status := w.Status
	if status == gridline.WhistleWaiting && allReported(w, r.Unit) {
		status = gridline.WhistleReported
	}
	if _, err := tx.exec(ctx, `UPDATE whistles SET status = $1, updated_at = $2 WHERE id = $3`, string(status), tx.now, id); err != nil {
		return nil, err
	}
	note := fmt.Sprintf("吹哨 #%d：%s报到", id, u.Name)
	if late {
		note += fmt.Sprintf("（超时，应于%s前）", w.ReportBy.In(gridline.ChinaTime).Format("15:04"))
	}
	if r.Note != "" {
		note += "。" + r.Note
	}
	if err := addWhistleEvent(ctx, tx, w.TicketID, gridline.ActionWhistleReport, &r.Unit, note); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, "report", "whistle", auditKey(id), fmt.Sprint(r.Unit)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindWhistleByID(ctx, id)
}

// allReported reports whether every unit of w but the one reporting now
// has reported.
func allReported(w *gridline.Whistle, now int64) bool {
	for _, u := range w.Units {
		if u.UnitID != now && u.ReportedAt == nil {
			return false
		}
	}
	return true
}

// addWhistleEvent leaves an annotation on the case's timeline, its status
// unchanged.
func addWhistleEvent(ctx context.Context, tx *Tx, ticketID int64, action gridline.TicketAction, unit *int64, note string) error {
	var status gridline.TicketStatus
	if err := tx.QueryRowContext(ctx, `SELECT status FROM tickets WHERE id = $1`, ticketID).Scan(&status); err != nil {
		return translate(tx.db.dialect, err)
	}
	return addTicketEvent(ctx, tx, &gridline.TicketEvent{TicketID: ticketID, Action: action, From: status, To: status,
		UnitID: unit, Note: note})
}

// RateWhistle implements gridline.WhistleService.
func (s *WhistleService) RateWhistle(ctx context.Context, id int64, r gridline.WhistleRate) (*gridline.Whistle, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	w, err := lockWhistle(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	var parts []string
	for i, g := range r.Ratings {
		u := whistleUnit(w, g.Unit)
		if u == nil {
			return nil, gridline.FieldErrorf(fmt.Sprintf("ratings[%d].unit", i), "unit %d was not called by whistle %d", g.Unit, id)
		}
		if u.Score != nil {
			return nil, &gridline.Error{Code: gridline.ECONFLICT,
				Message: fmt.Sprintf("%s is rated on whistle %d already (%d).", u.Name, id, *u.Score),
				Fields:  map[string]string{fmt.Sprintf("ratings[%d].unit", i): fmt.Sprint(g.Unit)}}
		}
		if _, err := tx.exec(ctx, `UPDATE whistle_units SET score = $1, comment = $2 WHERE whistle_id = $3 AND unit_id = $4`,
			g.Score, g.Comment, id, g.Unit); err != nil {
			return nil, err
		}
		score := g.Score
		u.Score = &score
		parts = append(parts, fmt.Sprintf("%s %d分", u.Name, g.Score))
	}
	rated := true
	for _, u := range w.Units {
		if u.Score == nil {
			rated = false
		}
	}
	if rated {
		if _, err := tx.exec(ctx, `UPDATE whistles SET status = $1, rated_at = $2, updated_at = $2 WHERE id = $3`,
			string(gridline.WhistleRated), tx.now, id); err != nil {
			return nil, err
		}
	} else if _, err := tx.exec(ctx, `UPDATE whistles SET updated_at = $1 WHERE id = $2`, tx.now, id); err != nil {
		return nil, err
	}
	if err := addWhistleEvent(ctx, tx, w.TicketID, gridline.ActionWhistleRate, nil,
		fmt.Sprintf("吹哨 #%d 评价：%s", id, strings.Join(parts, "，"))); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, "rate", "whistle", auditKey(id), ""); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindWhistleByID(ctx, id)
}
