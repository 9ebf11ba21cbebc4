package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/gridline/gridline"
)

// QueryRowForTest runs a read query on the database, for tests that count
// what a write left behind.
func (db *DB) QueryRowForTest(ctx context.Context, q string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, q, args...)
}

// TextCandidatesForTest counts the cases the text index gives for q within
// the region code (or anywhere: ""), before the LIKE that decides: what the
// index narrows a text search to.
func (db *DB) TextCandidatesForTest(ctx context.Context, q, region string) (int, error) {
	cond, arg := gramCondition(db.dialect, q, regionTerm(region))
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets t WHERE `+strings.Replace(cond, "?", "$1", 1), arg).Scan(&n)
	return n, err
}

// RebuildTicketTotalsForTest counts the cases into ticket_totals again as
// migration 0023 does.
func (db *DB) RebuildTicketTotalsForTest(ctx context.Context) error {
	tx, err := db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := backfillTicketTotals(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// DumpTicketTotalsForTest returns ticket_totals' non-zero rows as
// "dim/key/stripe" → n.
func (db *DB) DumpTicketTotalsForTest(ctx context.Context) (map[string]int64, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT dim, key, stripe, n FROM ticket_totals WHERE n <> 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var dim, key string
		var stripe, n int64
		if err := rows.Scan(&dim, &key, &stripe, &n); err != nil {
			return nil, err
		}
		out[fmt.Sprintf("%s/%s/%d", dim, key, stripe)] = n
	}
	return out, rows.Err()
}

// RebuildTextIndexForTest empties the text index and fills it again as
// migration 0019 does for the cases already there.
func (db *DB) RebuildTextIndexForTest(ctx context.Context) error {
	tx, err := db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	clear := `INSERT INTO ticket_grams (ticket_grams) VALUES ('delete-all')`
	if db.dialect.isPostgres() {
		clear = `DROP INDEX ticket_grams_idx; DELETE FROM ticket_grams`
	}
	if _, err := tx.ExecContext(ctx, clear); err != nil {
		return err
	}
	if err := backfillTicketGrams(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// ExecForTest runs a statement outside any transaction, for benchmarks
// that shape the database (copies of rows, an index dropped).
func (db *DB) ExecForTest(ctx context.Context, q string, args ...any) error {
	_, err := db.write.ExecContext(ctx, q, args...)
	return err
}

// WriteTextIndexForTest indexes texts under ids, unlocated, in one
// transaction, as ImportTickets does for its cases.
func (db *DB) WriteTextIndexForTest(ctx context.Context, ids []int64, texts []string) error {
	tx, err := db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := writeTicketGrams(ctx, tx, ids, texts, make([]gridline.RegionPath, len(ids))); err != nil {
		return err
	}
	return tx.Commit()
}

// DumpRowsForTest returns the rows of a read query, each formatted as its
// values in column order.
func DumpRowsForTest(ctx context.Context, db *DB, q string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		out = append(out, fmt.Sprint(vals...))
	}
	return out, rows.Err()
}

// PlanForTest returns SQLite's query plan of q with its parameters bound,
// each step's detail: what the planner does with a statement as the store
// prepares it (parameters, not literals).
func PlanForTest(ctx context.Context, db *DB, q string, args ...any) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		out = append(out, detail)
	}
	return out, rows.Err()
}

// ExternalLookupForTest is the store's lookup of a case by external number.
const ExternalLookupForTest = externalLookup

// SuperviseQueryForTest is the scheduler's query of the cases due a
// warning or overdue, with n open statuses.
func SuperviseQueryForTest(n int) string { return superviseQuery(n) }

// TicketPageQueryForTest returns the list's query of the ids of a page
// (100) of f's selection for ctx's caller, as findTicketPage asks it, and
// its arguments.
func TicketPageQueryForTest(ctx context.Context, db *DB, f gridline.TicketFilter) (string, []any, error) {
	tx, err := db.BeginTx(ctx, false)
	if err != nil {
		return "", nil, err
	}
	defer tx.Rollback()
	w, _ := ticketWhere(ctx, tx, f)
	return pageIDsQuery(w, 100, 0), w.args, nil
}

// DuplicateWindowQueryForTest is the duplicate finder's read of the cases
// around a point in a window, over n place cells.
func DuplicateWindowQueryForTest(n int) string { return duplicateWindowQuery(n) }
