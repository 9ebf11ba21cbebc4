package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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
	// A whistle is blown on a case in its blower's whistle scope (a
	// street's town, a grid worker's grid); another's case is as unknown
	// as a missing one.
	if sc, ok := scopeFor(ctx, gridline.ResourceTickets, gridline.ActWhistle); ok {
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

// whistleScope narrows w to the whistles ctx's principal may see: those
// whose case it may see, and those that called one of its units, which
// must report to them.
func whistleScope(ctx context.Context, w *where) {
	sc, ok := scopeFor(ctx, gridline.ResourceTickets, gridline.ActRead)
	if !ok {
		return
	}
	cond, args := ticketScope(sc)
	if len(sc.Units) > 0 {
		cond = "(" + cond + " OR w.id IN (SELECT whistle_id FROM whistle_units WHERE unit_id IN (" + qmarks(len(sc.Units)) + ")))"
		for _, u := range sc.Units {
			args = append(args, u)
		}
	}
	w.add(cond, args...)
}

func findWhistles(ctx context.Context, tx *Tx, f gridline.WhistleFilter, id *int64) ([]*gridline.Whistle, int, error) {
	var w where
	whistleScope(ctx, &w)
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
	if f.Overdue {
		// WhistleUnit.Overdue: not reported and past the time, now.
		w.add("w.report_by < ? AND w.id IN (SELECT whistle_id FROM whistle_units WHERE reported_at IS NULL)", tx.now)
	}
	if f.From != nil {
		w.add("w.blown_at >= ?", *f.From)
	}
	if f.To != nil {
		w.add("w.blown_at < ?", *f.To)
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
		wu.comment, wu.overdue_at FROM whistle_units wu JOIN units u ON u.id = wu.unit_id
		WHERE wu.whistle_id IN (`+placeholders(1, len(ws))+`) ORDER BY wu.whistle_id, wu.unit_id`, args...)
	if err != nil {
		return nil, 0, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		var wid int64
		var u gridline.WhistleUnit
		var reported, flagged sql.NullTime
		var score sql.NullInt64
		if err := rows.Scan(&wid, &u.UnitID, &u.Name, &reported, &u.Note, &u.Late, &score, &u.Comment, &flagged); err != nil {
			return nil, 0, err
		}
		x := byID[wid]
		if flagged.Valid {
			f := flagged.Time.UTC()
			u.OverdueAt = &f
		}
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
	if err := checkReporter(ctx, tx, w.TicketID, r.Unit); err != nil {
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

// checkReporter refuses a report for a unit that is not the caller's: a
// department reports for itself; a role whose reply scope holds the case
// (the command centre) may record any unit's report, as told on the phone.
func checkReporter(ctx context.Context, tx *Tx, ticketID, unit int64) error {
	sc, ok := scopeFor(ctx, gridline.ResourceTickets, gridline.Action(gridline.ActionReply))
	if !ok || slices.Contains(sc.Units, unit) {
		return nil
	}
	if len(sc.Regions) > 0 {
		region := gridline.Scope{Regions: sc.Regions}
		if in, err := ticketInScope(ctx, tx, ticketID, region); err != nil || in {
			return err
		}
	}
	return &gridline.Error{Code: gridline.EFORBIDDEN, Message: fmt.Sprintf("You report for your own unit, not unit %d.", unit),
		Fields: map[string]string{"unit": fmt.Sprint(unit)}}
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
	// The street or grid that may whistle on the case rates; a unit
	// called to it sees the whistle but does not.
	if sc, ok := scopeFor(ctx, gridline.ResourceTickets, gridline.ActWhistle); ok {
		if in, err := ticketInScope(ctx, tx, w.TicketID, sc); err != nil {
			return nil, err
		} else if !in {
			return nil, gridline.Errorf(gridline.EFORBIDDEN, "Whistle %d is on a case outside your area; its street rates it.", id)
		}
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

// RankWhistleUnits implements gridline.WhistleService: one aggregate over
// the called units of the whistles blown in the period that the caller
// may see, ranked by gridline.RankWhistleUnits.
func (s *WhistleService) RankWhistleUnits(ctx context.Context, from, to *time.Time) (*gridline.WhistleRanking, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// $1 is the time of reading, which tells overdue from waiting.
	w := where{args: []any{tx.now}}
	whistleScope(ctx, &w)
	if from != nil {
		w.add("w.blown_at >= ?", *from)
	}
	if to != nil {
		w.add("w.blown_at < ?", *to)
	}
	rows, err := tx.QueryContext(ctx, `SELECT wu.unit_id, u.name, COUNT(*),
		SUM(CASE WHEN wu.reported_at IS NOT NULL AND NOT wu.late THEN 1 ELSE 0 END),
		SUM(CASE WHEN wu.reported_at IS NOT NULL AND wu.late THEN 1 ELSE 0 END),
		SUM(CASE WHEN wu.reported_at IS NULL AND w.report_by < $1 THEN 1 ELSE 0 END),
		SUM(CASE WHEN wu.reported_at IS NULL AND w.report_by >= $1 THEN 1 ELSE 0 END),
		COUNT(wu.score), COALESCE(SUM(wu.score), 0)
		FROM whistle_units wu JOIN whistles w ON w.id = wu.whistle_id JOIN tickets t ON t.id = w.ticket_id
		JOIN units u ON u.id = wu.unit_id`+w.String()+` GROUP BY wu.unit_id, u.name`, w.args...)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	ts := []gridline.WhistleTally{}
	for rows.Next() {
		var x gridline.WhistleTally
		if err := rows.Scan(&x.UnitID, &x.Name, &x.Called, &x.OnTime, &x.Late, &x.Overdue, &x.Waiting, &x.Rated, &x.ScoreSum); err != nil {
			return nil, err
		}
		ts = append(ts, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return &gridline.WhistleRanking{From: from, To: to, At: tx.now.UTC(), Rows: gridline.RankWhistleUnits(ts)}, nil
}

// superviseWhistleBatch bounds one transaction of SuperviseWhistles.
const superviseWhistleBatch = 500

// SuperviseWhistles implements gridline.WhistleService.
func (s *WhistleService) SuperviseWhistles(ctx context.Context) (int, error) {
	ctx = gridline.WithActor(ctx, gridline.Actor{Name: gridline.ActorScheduler})
	total := 0
	for {
		n, err := s.superviseWhistlesOnce(ctx)
		total += n
		if err != nil || n < superviseWhistleBatch {
			return total, err
		}
	}
}

func (s *WhistleService) superviseWhistlesOnce(ctx context.Context) (int, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT wu.whistle_id, wu.unit_id, u.name, w.ticket_id, w.report_by
		FROM whistle_units wu JOIN whistles w ON w.id = wu.whistle_id JOIN units u ON u.id = wu.unit_id
		WHERE wu.reported_at IS NULL AND wu.overdue_at IS NULL AND w.report_by < $1 AND w.status <> $2
		ORDER BY wu.whistle_id, wu.unit_id`+limitOffset(superviseWhistleBatch, 0), tx.now, string(gridline.WhistleRated))
	if err != nil {
		return 0, translate(tx.db.dialect, err)
	}
	type due struct {
		whistle, unit, ticket int64
		name                  string
		reportBy              time.Time
	}
	var todo []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.whistle, &d.unit, &d.name, &d.ticket, &d.reportBy); err != nil {
			rows.Close()
			return 0, err
		}
		todo = append(todo, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, d := range todo {
		if _, err := tx.exec(ctx, `UPDATE whistle_units SET overdue_at = $1 WHERE whistle_id = $2 AND unit_id = $3`,
			tx.now, d.whistle, d.unit); err != nil {
			return 0, err
		}
		if _, err := tx.exec(ctx, `UPDATE whistles SET updated_at = $1 WHERE id = $2`, tx.now, d.whistle); err != nil {
			return 0, err
		}
		note := fmt.Sprintf("吹哨 #%d：%s未在%s前报到", d.whistle, d.name, d.reportBy.In(gridline.ChinaTime).Format("15:04"))
		unit := d.unit
		if err := addWhistleEvent(ctx, tx, d.ticket, gridline.ActionWhistleOverdue, &unit, note); err != nil {
			return 0, err
		}
		if err := tx.record(ctx, "overdue", "whistle", auditKey(d.whistle), fmt.Sprint(d.unit)); err != nil {
			return 0, err
		}
	}
	return len(todo), tx.Commit()
}
