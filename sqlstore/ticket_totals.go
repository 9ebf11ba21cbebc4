package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/gridline/gridline"
)

// The case list shows its true total. Counting a large selection costs
// what reading it costs: a million cases took 140–200 ms on PostgreSQL
// (an index-only scan of the whole table), a status holding most of them
// 50–240 ms on SQLite. ticket_totals keeps the counts the list asks for
// most, exactly, in the transactions that change them: every case, and
// the cases by status, channel, category (full code) and lead unit. A
// list filtered by nothing but one of these, for a caller without a scope,
// reads its total there (a few rows) instead of counting cases
// (totalsFor); any other filter counts as before.
//
// The cases by the day they were taken in (China time) are kept too: a
// list of a period that starts and ends at midnight in China, and nothing
// else, sums the days' rows instead of counting a month's 78,000 cases
// (90 ms on SQLite on a slow machine).
//
// Channel, category and the day taken in never change after intake;
// status and lead unit change only in act's UPDATE. So the counts are kept by intake
// (createTicketIn), actions (act) and ImportTickets, and filled for the
// cases before them by migration 0023. Each transaction adds its
// differences up in memory and writes them just before its commit, in
// key order, so a row is locked for the end of the transaction only.
// Each key is striped over totalStripes rows (by case id) that the read
// sums: two intakes at once on PostgreSQL rarely wait for the same row.

// totalStripes is how many rows each key's count is spread over.
const totalStripes = 8 // and "id % 8" in backfillTicketTotals

// Dimensions of ticket_totals.
const (
	totalAll      = "" // every case, key ""
	totalStatus   = "status"
	totalChannel  = "channel"
	totalCategory = "category"
	totalUnit     = "unit"
	totalDay      = "day" // key: the day taken in, China time, YYYYMMDD
)

// totalDayLayout is the key of a day's row.
const totalDayLayout = "20060102"

// dayKey is the key of the China day of t.
func dayKey(t time.Time) string { return t.In(gridline.ChinaTime).Format(totalDayLayout) }

// totalKey is a row of ticket_totals.
type totalKey struct {
	dim, key string
	stripe   int64
}

func compareTotalKeys(a, b totalKey) int {
	return cmp.Or(cmp.Compare(a.dim, b.dim), cmp.Compare(a.key, b.key), cmp.Compare(a.stripe, b.stripe))
}

// totalCase is what of a case its counts depend on.
type totalCase struct {
	id       int64
	status   gridline.TicketStatus
	channel  gridline.Channel
	category string
	unit     *int64
	day      string // dayKey of created_at
}

func totalCaseOf(t *gridline.Ticket) totalCase {
	c := totalCase{id: t.ID, status: t.Status, channel: t.Channel, category: t.Category, day: dayKey(t.CreatedAt)}
	if t.LeadUnitID != nil {
		u := *t.LeadUnitID
		c.unit = &u
	}
	return c
}

// countTicket adds sign × c to the transaction's differences of
// ticket_totals, written before its commit (flushTotals).
func (tx *Tx) countTicket(c totalCase, sign int64) {
	if tx.totals == nil {
		return
	}
	m := *tx.totals
	s := c.id % totalStripes
	m[totalKey{totalAll, "", s}] += sign
	m[totalKey{totalStatus, string(c.status), s}] += sign
	m[totalKey{totalChannel, string(c.channel), s}] += sign
	m[totalKey{totalCategory, c.category, s}] += sign
	if c.unit != nil {
		m[totalKey{totalUnit, strconv.FormatInt(*c.unit, 10), s}] += sign
	}
	m[totalKey{totalDay, c.day, s}] += sign
}

// recountTicket moves a case's counts from was to now (an action).
func (tx *Tx) recountTicket(was, now totalCase) {
	if was.status == now.status && sameUnit(was.unit, now.unit) {
		return
	}
	tx.countTicket(was, -1)
	tx.countTicket(now, +1)
}

func sameUnit(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// flushTotals adds the transaction's differences to ticket_totals, in key
// order (two transactions lock shared rows in the same order).
func (tx *Tx) flushTotals(ctx context.Context) error {
	if tx.totals == nil || len(*tx.totals) == 0 {
		return nil
	}
	keys := make([]totalKey, 0, len(*tx.totals))
	for k, v := range *tx.totals {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareTotalKeys)
	m := *tx.totals
	err := upsertBatches(ctx, tx, "ticket_totals", []string{"dim", "key", "stripe", "n"}, "dim, key, stripe",
		"n = ticket_totals.n + excluded.n", len(keys), func(i int, dst []any) []any {
			k := keys[i]
			return append(dst, k.dim, k.key, k.stripe, m[k])
		})
	clear(m)
	return err
}

// bareFilter reports whether f, for the caller of ctx, filters by
// nothing but status, channel, category, lead unit and text: no scope,
// no region, grid, building, creator, period or supervision filter, no key
// paging.
func bareFilter(ctx context.Context, f gridline.TicketFilter) bool {
	if _, scoped := scopeFor(ctx, gridline.ResourceTickets, gridline.ActRead); scoped {
		return false
	}
	return f.ID == nil && f.Within == nil && f.GridCode == nil && f.BuildingID == nil && !f.AtBuilding && !f.CheckOpen &&
		f.CreatedBy == nil && !f.Overdue && !f.Open && f.Warning == nil && f.From == nil && f.To == nil && f.BeforeID == nil
}

// totalsFor says whether ticket_totals holds the total of f for the
// caller of ctx, and which rows: dim and the key, or for a category (a
// code prefix) the keys in [key, hi). Only a caller without a scope, and
// a filter of nothing but one status, channel, category or lead unit, or
// no filter at all.
func totalsFor(ctx context.Context, f gridline.TicketFilter) (dim, key, hi string, ok bool) {
	if f.From != nil || f.To != nil {
		return periodTotals(ctx, f)
	}
	if !bareFilter(ctx, f) || (f.Query != nil && *f.Query != "") {
		return "", "", "", false
	}
	n := 0
	for _, set := range []bool{f.Status != nil, f.Channel != nil, f.Category != nil, f.UnitID != nil} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return totalAll, "", "", true
	case n > 1:
		return "", "", "", false
	case f.Status != nil:
		return totalStatus, string(*f.Status), "", true
	case f.Channel != nil:
		return totalChannel, string(*f.Channel), "", true
	case f.Category != nil:
		lo, hi := prefixRange(*f.Category)
		return totalCategory, lo, hi, true
	default:
		return totalUnit, strconv.FormatInt(*f.UnitID, 10), "", true
	}
}

// periodTotals says whether ticket_totals holds the total of f, a period
// (From, To, either or both) and nothing else, for a caller without a
// scope: when each end is midnight in China, the days' keys [key, hi).
func periodTotals(ctx context.Context, f gridline.TicketFilter) (dim, key, hi string, ok bool) {
	g := f
	g.From, g.To = nil, nil
	if !bareFilter(ctx, g) || (f.Query != nil && *f.Query != "") ||
		f.Status != nil || f.Channel != nil || f.Category != nil || f.UnitID != nil {
		return "", "", "", false
	}
	key, hi = "0", "9" // before and after every day's key
	for _, end := range []struct {
		at  *time.Time
		key *string
	}{{f.From, &key}, {f.To, &hi}} {
		if end.at == nil {
			continue
		}
		c := end.at.In(gridline.ChinaTime)
		if c.Hour() != 0 || c.Minute() != 0 || c.Second() != 0 || c.Nanosecond() != 0 {
			return "", "", "", false
		}
		*end.key = c.Format(totalDayLayout)
	}
	if hi <= key {
		return totalDay, key, key, true // an empty period: no key is in [key, key)
	}
	return totalDay, key, hi, true
}

// readTotal sums the rows of ticket_totals of dim and key, or with hi
// set of the keys in [key, hi).
func readTotal(ctx context.Context, tx *Tx, dim, key, hi string) (int, error) {
	q, args := `SELECT COALESCE(SUM(n), 0) FROM ticket_totals WHERE dim = $1 AND key = $2`, []any{dim, key}
	if hi != "" {
		q, args = `SELECT COALESCE(SUM(n), 0) FROM ticket_totals WHERE dim = $1 AND key >= $2 AND key < $3`, []any{dim, key, hi}
	}
	var n int64
	if err := tx.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, translate(tx.db.dialect, err)
	}
	return int(n), nil
}

// backfillTicketTotals counts the cases there are into ticket_totals
// (migration 0023), replacing what it holds.
func backfillTicketTotals(ctx context.Context, tx *Tx) error {
	const insert = `INSERT INTO ticket_totals (dim, key, stripe, n) `
	day := `strftime('%Y%m%d', created_at, '+8 hours')`
	if tx.db.dialect.isPostgres() {
		day = `to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')`
	}
	for _, q := range []string{
		`DELETE FROM ticket_totals`,
		insert + `SELECT '', '', id % 8, COUNT(*) FROM tickets GROUP BY id % 8`,
		insert + `SELECT 'status', status, id % 8, COUNT(*) FROM tickets GROUP BY status, id % 8`,
		insert + `SELECT 'channel', channel, id % 8, COUNT(*) FROM tickets GROUP BY channel, id % 8`,
		insert + `SELECT 'category', category, id % 8, COUNT(*) FROM tickets GROUP BY category, id % 8`,
		insert + `SELECT 'unit', CAST(lead_unit_id AS TEXT), id % 8, COUNT(*) FROM tickets
			WHERE lead_unit_id IS NOT NULL GROUP BY lead_unit_id, id % 8`,
		// The day taken in, China time (no summer time since 1991).
		insert + `SELECT 'day', ` + day + `, id % 8, COUNT(*) FROM tickets GROUP BY ` + day + `, id % 8`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return translate(tx.db.dialect, err)
		}
	}
	return nil
}
