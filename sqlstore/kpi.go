package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/gridline/gridline"
)

// KPIService implements gridline.KPIService: it reads the cases and their
// timelines of the period and counts them in Go, where every rule is the
// domain's (gridline.KPICounts documents what each count is).
type KPIService struct {
	db *DB
	// direct, when set, answers every report with the direct query
	// from the cases and timelines, never from the rollups (tests
	// compare the two).
	direct bool
}

// NewKPIService returns a KPIService over db on China's official calendar.
func NewKPIService(db *DB) *KPIService { return &KPIService{db: db} }

var _ gridline.KPIService = (*KPIService)(nil)

type kpiTicket struct {
	id                        int64
	channel, category, status string
	unit                      sql.NullInt64
	town, community, grid     string
	created                   time.Time
	deadline, closed          sql.NullTime
	key                       string
}

// KPIs implements gridline.KPIService.
func (s *KPIService) KPIs(ctx context.Context, f gridline.KPIFilter) (*gridline.KPIReport, error) {
	if f.Weights == (gridline.KPIWeights{}) {
		f.Weights = gridline.DefaultKPIWeights
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	from, to := f.From.UTC(), f.To.UTC()
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	if !s.direct {
		counts, ok, err := s.rollupKPIs(ctx, tx, f)
		if err != nil {
			return nil, err
		} else if ok {
			return s.report(ctx, tx, f, counts)
		}
	}

	// The cases that can count: received before the period's end and not
	// closed before its start (or due in it).
	var w where
	w.add("t.created_at < ?", to)
	w.add("(t.closed_at IS NULL OR t.closed_at >= ? OR t.deadline >= ?)", from, from)
	if sc, ok := scopeFor(ctx, gridline.ResourceKPIs, gridline.ActRead); ok {
		// A case counts for its lead unit: a co-unit's KPIs leave out
		// the cases it only co-handled.
		cond, args := ticketScopeOf(sc, false)
		w.add(cond, args...)
	}
	rows, err := tx.QueryContext(ctx, `SELECT t.id, t.channel, t.category, t.status, t.lead_unit_id, t.town_code, t.community_code,
		t.grid_code, t.created_at, t.deadline, t.closed_at FROM tickets t`+w.String()+` ORDER BY t.id`, w.args...)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	tickets := map[int64]*kpiTicket{}
	var ids []int64
	for rows.Next() {
		var t kpiTicket
		if err := rows.Scan(&t.id, &t.channel, &t.category, &t.status, &t.unit, &t.town, &t.community, &t.grid,
			&t.created, &t.deadline, &t.closed); err != nil {
			rows.Close()
			return nil, err
		}
		t.key = groupKey(&t, f.By)
		tickets[t.id] = &t
		ids = append(ids, t.id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	counts := map[string]*gridline.KPICounts{}
	row := func(key string) *gridline.KPICounts {
		c := counts[key]
		if c == nil {
			c = &gridline.KPICounts{}
			counts[key] = c
		}
		return c
	}
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	handling := map[string][2]int64{}
	for _, id := range ids {
		t := tickets[id]
		c := row(t.key)
		gone := t.status == string(gridline.StatusMerged) || t.status == string(gridline.StatusVoided)
		closedBy := func(end time.Time) bool { return t.closed.Valid && t.closed.Time.Before(end) }
		if in(t.created) && !gone {
			c.Received++
			if closedBy(to) {
				c.ReceivedClosed++
			}
		}
		if t.closed.Valid && in(t.closed.Time) && t.status == string(gridline.StatusClosed) {
			c.Closed++
			if !t.deadline.Valid || !t.closed.Time.After(t.deadline.Time) {
				c.ClosedOnTime++
			}
			// Summed in whole microseconds, exactly and in any order, as
			// the rollups do (kpi_rollup.go).
			h := handling[t.key]
			h[0] += t.closed.Time.Sub(t.created).Microseconds()
			h[1] += s.db.calendar().WorkingDuration(t.created, t.closed.Time).Microseconds()
			handling[t.key] = h
		}
		if !gone && t.status != string(gridline.StatusRejected) && !closedBy(to) && t.deadline.Valid && t.deadline.Time.Before(to) {
			c.OpenOverdue++
		}
		if t.deadline.Valid && in(t.deadline.Time) {
			c.Due++
		}
	}

	perDayUS := float64(s.db.calendar().HoursPerDay().Microseconds())
	for k, h := range handling {
		c := row(k)
		c.HandlingDays, c.HandlingWorkingDays = float64(h[0])/86400e6, float64(h[1])/perDayUS
	}

	// The timelines, up to the period's end: the steps in the period
	// count, and a sign-off is timed from the dispatch before it.
	if err := s.countEvents(ctx, tx, tickets, ids, from, to, row, in); err != nil {
		return nil, err
	}
	return s.report(ctx, tx, f, counts)
}

// report names and orders the groups of counts and adds their figures.
func (s *KPIService) report(ctx context.Context, tx *Tx, f gridline.KPIFilter, counts map[string]*gridline.KPICounts) (*gridline.KPIReport, error) {
	names, err := s.groupNames(ctx, tx, f.By, counts)
	if err != nil {
		return nil, err
	}
	r := &gridline.KPIReport{From: f.From.UTC(), To: f.To.UTC(), By: f.By, Rows: []gridline.KPIRow{}}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var total gridline.KPICounts
	for _, k := range keys {
		c := *counts[k]
		if c == (gridline.KPICounts{}) {
			continue // a case that counted for nothing in this period
		}
		total.Add(c)
		r.Rows = append(r.Rows, gridline.KPIRow{Key: k, Name: names[k], Counts: c, KPIFigures: c.Figures(f.Weights)})
	}
	r.Total = gridline.KPIRow{Key: "", Name: "合计", Counts: total, KPIFigures: total.Figures(f.Weights)}
	return r, nil
}

func (s *KPIService) countEvents(ctx context.Context, tx *Tx, tickets map[int64]*kpiTicket, ids []int64, from, to time.Time,
	row func(string) *gridline.KPICounts, in func(time.Time) bool) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT ticket_id, action, outcome, at, contacted, resolved, from_status, to_status FROM ticket_events
		WHERE at < $1 AND ticket_id >= $2 AND ticket_id <= $3 ORDER BY ticket_id, id`, to, ids[0], ids[len(ids)-1])
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	defer rows.Close()
	var cur int64 = -1
	var dispatched time.Time
	var callback *gridline.Outcome
	var contacted, resolved bool
	flush := func() {
		if t := tickets[cur]; t != nil && callback != nil {
			c := row(t.key)
			c.Callbacks++
			if contacted {
				c.Contacted++
			}
			if resolved {
				c.Resolved++
			}
			switch *callback {
			case gridline.OutcomeSatisfied:
				c.Satisfied++
			case gridline.OutcomeBasic:
				c.Basic++
			}
		}
		callback = nil
	}
	for rows.Next() {
		var id int64
		var action, outcome string
		var at time.Time
		var con, res *bool
		var fromStatus, toStatus string
		if err := rows.Scan(&id, &action, &outcome, &at, &con, &res, &fromStatus, &toStatus); err != nil {
			return err
		}
		if id != cur {
			flush()
			cur, dispatched = id, time.Time{}
		}
		t := tickets[id]
		if t == nil {
			continue // not a case of this report
		}
		a, o := gridline.TicketAction(action), gridline.Outcome(outcome)
		if a == gridline.ActionDispatch || a == gridline.ActionRedispatch {
			dispatched = at
		}
		if !in(at) {
			continue
		}
		c := row(t.key)
		switch {
		case a == gridline.ActionDispatch || a == gridline.ActionRedispatch:
			c.Dispatches++
		case a == gridline.ActionReturn:
			c.Returns++
		case a == gridline.ActionSign && fromStatus == toStatus:
			// A co-unit's sign-off: the case counts for its lead.
		case a == gridline.ActionSign:
			c.Signs++
			if limit, err := s.db.calendar().AddWorkingHours(dispatched, gridline.SignWithin); !dispatched.IsZero() && err == nil && !at.After(limit) {
				c.SignedOnTime++
			}
		case gridline.IsRework(a, o, gridline.TicketStatus(fromStatus), gridline.TicketStatus(toStatus)):
			c.Reworks++
		}
		if a == gridline.ActionCallback {
			// One valid callback per case: the last in the period,
			// with its answers as recorded (or derived, on older events).
			callback = &o
			contacted, resolved = gridline.CallbackAnswers(o, con, res)
		}
	}
	flush()
	return rows.Err()
}

func groupKey(t *kpiTicket, by string) string {
	switch by {
	case "unit":
		if t.unit.Valid {
			return fmt.Sprint(t.unit.Int64)
		}
		return ""
	case "grid":
		return t.grid
	case "community":
		return t.community
	case "town":
		return t.town
	case "category":
		return t.category
	}
	return t.channel
}

// groupNames names the groups: units and regions from the database,
// channels from their labels, categories from the catalogue.
func (s *KPIService) groupNames(ctx context.Context, tx *Tx, by string, counts map[string]*gridline.KPICounts) (map[string]string, error) {
	names := map[string]string{"": "未定"}
	var keys []string
	for k := range counts {
		if k != "" {
			keys = append(keys, k)
		}
	}
	switch by {
	case "unit":
		rows, err := tx.QueryContext(ctx, `SELECT id, name FROM units`)
		if err != nil {
			return nil, translate(tx.db.dialect, err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return nil, err
			}
			names[fmt.Sprint(id)] = name
		}
		return names, rows.Err()
	case "grid":
		// Names only: reading grids whole would parse every polygon.
		rows, err := tx.QueryContext(ctx, `SELECT code, name FROM grids`)
		if err != nil {
			return nil, translate(tx.db.dialect, err)
		}
		defer rows.Close()
		for rows.Next() {
			var code, name string
			if err := rows.Scan(&code, &name); err != nil {
				return nil, err
			}
			names[code] = name
		}
		return names, rows.Err()
	case "community", "town":
		rn, err := regionNames(ctx, tx, keys)
		if err != nil {
			return nil, err
		}
		for k, v := range rn {
			names[k] = v
		}
	case "channel":
		for _, l := range gridline.AllEnums().Channels {
			names[l.Code] = l.Name
		}
	case "category":
		// Named as the case page names them, main class / sub-class, from
		// the catalogue in use; a code it no longer has by the code.
		cat := s.db.catalogue()
		for _, k := range keys {
			names[k] = k
			if c, ok := cat.Category(k); ok {
				names[k] = c.Name
				if p, ok := cat.Category(c.ParentCode); ok && c.ParentCode != "" {
					names[k] = p.Name + " / " + c.Name
				}
			}
		}
	}
	return names, nil
}
