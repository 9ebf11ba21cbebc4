package sqlstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gridline/gridline"
)

// TicketAggregateService implements gridline.TicketAggregateService.
type TicketAggregateService struct{ db *DB }

// NewTicketAggregateService returns a TicketAggregateService over db.
func NewTicketAggregateService(db *DB) *TicketAggregateService {
	return &TicketAggregateService{db: db}
}

var _ gridline.TicketAggregateService = (*TicketAggregateService)(nil)

// dayBucket is the China-time day (YYYY-MM-DD) of the timestamp col.
func (d dialect) dayBucket(col string) string {
	if d.isPostgres() {
		return `to_char((` + col + ` AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD')`
	}
	return `strftime('%Y-%m-%d', ` + col + `, '+8 hours')`
}

// floorInt is the integer floor of expr, which is never negative here:
// SQLite's CAST truncates (the floor of a number ≥ 0), PostgreSQL's
// rounds.
func (d dialect) floorInt(expr string) string {
	if d.isPostgres() {
		return "CAST(floor(" + expr + ") AS INTEGER)"
	}
	return "CAST(" + expr + " AS INTEGER)"
}

// AggregateTickets implements gridline.TicketAggregateService: one GROUP
// BY over the selection (the indexes of GET /api/v1/tickets' filters), so
// a year of cases is counted in the database, never sent whole.
func (s *TicketAggregateService) AggregateTickets(ctx context.Context, f gridline.TicketAggregateFilter) (*gridline.TicketAggregate, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	w, _ := ticketWhere(ctx, tx, f.Filter)
	if b := f.BBox; b != nil {
		w.add("t.lon >= ? AND t.lon <= ? AND t.lat >= ? AND t.lat <= ?", b[0], b[2], b[1], b[3])
	}
	out := &gridline.TicketAggregate{By: f.By, Rows: []gridline.TicketAggregateRow{}}
	if f.By == "case" {
		return out, aggregateCases(ctx, tx, w, f, out)
	}
	var open []string
	for _, st := range gridline.TicketStatuses {
		if st.Open() {
			open = append(open, "'"+string(st)+"'")
		}
	}
	// A closed case keeps the light it had: yellow and red count the
	// open cases with that light now.
	isOpen := `t.status IN (` + joinComma(open) + `)`
	counts := `COUNT(*), SUM(CASE WHEN ` + isOpen + ` THEN 1 ELSE 0 END),
		SUM(CASE WHEN ` + isOpen + ` AND t.warning = 'yellow' THEN 1 ELSE 0 END),
		SUM(CASE WHEN ` + isOpen + ` AND t.warning = 'red' THEN 1 ELSE 0 END)`
	var key, group string
	switch f.By {
	case "grid":
		key = "COALESCE(t.grid_code, '')"
	case "community":
		key = "t.community_code"
	case "town":
		key = "t.town_code"
	case "status":
		key = "t.status"
	case "category":
		key = "COALESCE(t.category, '')"
	case "channel":
		key = "t.channel"
	case "day":
		key = tx.db.dialect.dayBucket("t.created_at")
	case "tile":
		// Cells in degrees from (-180, -90). The size is a number the
		// code computed from a checked zoom, written into the SQL.
		z := f.Z
		out.Z = &z
		size := strconv.FormatFloat(gridline.AggregateCell(f.Z), 'g', -1, 64)
		w.add("t.lon IS NOT NULL AND t.lat IS NOT NULL")
		d := tx.db.dialect
		key = d.floorInt("(t.lon + 180) / "+size) + ", " + d.floorInt("(t.lat + 90) / "+size)
		counts += ", AVG(t.lon), AVG(t.lat)"
	}
	group = key
	rows, err := tx.QueryContext(ctx, `SELECT `+key+`, `+counts+` FROM tickets t`+w.String()+
		` GROUP BY `+group+` ORDER BY `+group, w.args...)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r gridline.TicketAggregateRow
		if f.By == "tile" {
			var x, y int64
			var lon, lat float64
			if err := rows.Scan(&x, &y, &r.Count, &r.Open, &r.Yellow, &r.Red, &lon, &lat); err != nil {
				return nil, err
			}
			r.Key, r.Lon, r.Lat = fmt.Sprintf("%d/%d", x, y), &lon, &lat
		} else if err := rows.Scan(&r.Key, &r.Count, &r.Open, &r.Yellow, &r.Red); err != nil {
			return nil, err
		}
		out.Total += r.Count
		out.Rows = append(out.Rows, r)
	}
	return out, rows.Err()
}

// aggregateCases lists the placed cases of the selection, newest first,
// at most f.Limit.
func aggregateCases(ctx context.Context, tx *Tx, w where, f gridline.TicketAggregateFilter, out *gridline.TicketAggregate) error {
	limit := f.Limit
	if limit <= 0 {
		limit = gridline.MaxAggregateCases
	}
	w.add("t.lon IS NOT NULL AND t.lat IS NOT NULL")
	rows, err := tx.QueryContext(ctx, `SELECT t.id, t.status, t.warning, t.lon, t.lat FROM tickets t`+w.String()+
		` ORDER BY t.id DESC`+limitOffset(limit+1, 0), w.args...)
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var lon, lat float64
		r := gridline.TicketAggregateRow{Count: 1}
		if err := rows.Scan(&id, &r.Status, &r.Warning, &lon, &lat); err != nil {
			return err
		}
		if len(out.Rows) == limit {
			out.Truncated = true
			break
		}
		r.Key, r.Lon, r.Lat = strconv.FormatInt(id, 10), &lon, &lat
		if r.Status.Open() {
			r.Open = 1
			switch r.Warning {
			case gridline.WarningYellow:
				r.Yellow = 1
			case gridline.WarningRed:
				r.Red = 1
			}
		}
		out.Total++
		out.Rows = append(out.Rows, r)
	}
	return rows.Err()
}

func joinComma(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}
