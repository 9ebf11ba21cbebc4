package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/gridline/gridline"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copyRows writes n rows of cols into table in bulk, row(i, dst)
// appending row i's values to dst: on PostgreSQL with COPY on the
// transaction's connection, on SQLite with multi-row INSERTs. Measured on
// the demo's year of cases (docs/benchmarks.md), COPY took 20–30 % less
// time than multi-row INSERTs; most of what remains is PostgreSQL's own
// work, the foreign-key checks of every event row about half of it.
func copyRows(ctx context.Context, tx *Tx, table string, cols []string, n int, row func(i int, dst []any) []any) error {
	if n == 0 {
		return nil
	}
	if tx.conn != nil {
		return tx.conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, &rowSource{n: n, i: -1, row: row})
			return translate(tx.db.dialect, err)
		})
	}
	return insertRows(ctx, tx, table, cols, n, row)
}

// rowSource feeds copyRows' rows to COPY.
type rowSource struct {
	n, i int
	row  func(i int, dst []any) []any
	buf  []any
}

func (s *rowSource) Next() bool { s.i++; return s.i < s.n }

func (s *rowSource) Values() ([]any, error) {
	s.buf = s.row(s.i, s.buf[:0])
	return s.buf, nil
}

func (s *rowSource) Err() error { return nil }

// bulkParams bounds the parameters of one multi-row INSERT: PostgreSQL
// takes up to 65,535; SQLite up to 32,766.
const bulkParams = 3000

// bulkBatch is how many rows of cols columns one multi-row INSERT takes.
func bulkBatch(cols int) int { return max(1, bulkParams/cols) }

// valueRows returns the VALUES list of a multi-row INSERT: rows tuples of
// cols placeholders. On SQLite the placeholders are anonymous: modernc
// looks a $n parameter up by its name, linearly, so a statement of k
// parameters costs k² (region.go keeps its batches at 8 rows for that),
// while ? parameters bind by position and batches can be wide.
func (d dialect) valueRows(rows, cols int) string {
	var sb strings.Builder
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	for i := 0; i < rows; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		if d.isPostgres() {
			sb.WriteString("(" + placeholders(i*cols+1, cols) + ")")
		} else {
			sb.WriteString(tuple)
		}
	}
	return sb.String()
}

// insertRows writes n rows with multi-row INSERTs (see valueRows); full
// batches reuse one prepared statement. On the demo's year of cases,
// 3,000-parameter batches of ? took about 15 % less time on SQLite than
// the best $n batches (40 parameters).
func insertRows(ctx context.Context, tx *Tx, table string, cols []string, n int, row func(i int, dst []any) []any) error {
	return insertRowsThen(ctx, tx, table, cols, "", n, row)
}

// insertRowsThen is insertRows with tail (an ON CONFLICT clause) after
// each statement's VALUES.
func insertRowsThen(ctx context.Context, tx *Tx, table string, cols []string, tail string, n int,
	row func(i int, dst []any) []any) error {
	batch := bulkBatch(len(cols))
	stmtFor := func(rows int) string {
		return `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES ` + tx.db.dialect.valueRows(rows, len(cols)) + tail
	}
	full, err := tx.PrepareContext(ctx, stmtFor(min(batch, n)))
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	defer full.Close()
	args := make([]any, 0, batch*len(cols))
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		if end-start == min(batch, n) {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, stmtFor(end-start), args...)
		}
		if err != nil {
			return translate(tx.db.dialect, err)
		}
	}
	return nil
}

// addRows is copyRows for tables of sums: a row whose key (the columns
// conflict) is stored already is added to the stored one by set
// ("x = t.x + excluded.x") instead of failing, so a bulk write on top of
// existing rows adds to them. Rows go in the order given. On PostgreSQL
// they are copied into a temporary table, then merged in one INSERT …
// SELECT … ON CONFLICT ordered by order (which must give the order of the
// rows, so that it locks them as the per-change upserts do); on SQLite,
// whose one writer needs no such care, by wide multi-row upserts.
func addRows(ctx context.Context, tx *Tx, table string, cols []string, conflict, set, order string, n int,
	row func(i int, dst []any) []any) error {
	if n == 0 {
		return nil
	}
	tail := ` ON CONFLICT (` + conflict + `) DO UPDATE SET ` + set
	if tx.load && tx.conn != nil {
		// A load (InLoadTx) into an empty table has nothing to add to:
		// the rows are copied as they are.
		var stored bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+`)`).Scan(&stored); err != nil {
			return translate(tx.db.dialect, err)
		}
		if !stored {
			return copyRows(ctx, tx, table, cols, n, row)
		}
	}
	if tx.conn == nil {
		return insertRowsThen(ctx, tx, table, cols, tail, n, row)
	}
	tmp := table + "_add"
	if _, err := tx.ExecContext(ctx, `CREATE TEMPORARY TABLE `+tmp+` (LIKE `+table+`)`); err != nil {
		return translate(tx.db.dialect, err)
	}
	if err := copyRows(ctx, tx, tmp, cols, n, row); err != nil {
		return err
	}
	list := strings.Join(cols, ", ")
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (`+list+`) SELECT `+list+` FROM `+tmp+` ORDER BY `+order+tail); err != nil {
		return translate(tx.db.dialect, err)
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE `+tmp); err != nil {
		return translate(tx.db.dialect, err)
	}
	return nil
}

// itemError names item i of list in a domain error's field and message
// ("people[3].unit_id").
func itemError(list string, i int, err error) error {
	e, ok := err.(*gridline.Error)
	if !ok {
		return fmt.Errorf("%s[%d]: %w", list, i, err)
	}
	what := fmt.Sprintf("%s[%d]", list, i)
	out := &gridline.Error{Code: e.Code, Message: what + ": " + e.Message, Fields: map[string]string{}}
	for k, v := range e.Fields {
		out.Fields[what+"."+k] = v
	}
	return out
}

// lookup returns, for those of vals the query finds, the second column
// of its row by the first: q selects (key, value) and ends in "IN ";
// vals go 500 at a time. Keys scan as int64 or string, as vals are.
func lookup(ctx context.Context, tx *Tx, q string, vals []any) (map[any]string, error) {
	out := map[any]string{}
	for start := 0; start < len(vals); start += 500 {
		part := vals[start:min(start+500, len(vals))]
		rows, err := tx.QueryContext(ctx, q+`(`+placeholders(1, len(part))+`)`, part...)
		if err != nil {
			return nil, translate(tx.db.dialect, err)
		}
		for rows.Next() {
			var v string
			var k any
			if _, ok := part[0].(int64); ok {
				var id int64
				err = rows.Scan(&id, &v)
				k = id
			} else {
				var code string
				err = rows.Scan(&code, &v)
				k = code
			}
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[k] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// deferIndexes, in a load transaction (InLoadTx) whose tables are all
// empty, on PostgreSQL drops their secondary indexes (primary keys and
// unique constraints stay) and their foreign keys, and returns the
// statements that create them again, exactly as the catalogue had them:
// building an index over the loaded rows, and checking a foreign key in one
// join, costs a fraction of keeping them row by row. Run restoreIndexes
// after the rows; a failure rolls the whole back. Elsewhere, or when a
// table has rows, it does nothing and returns nil.
func deferIndexes(ctx context.Context, tx *Tx, tables ...string) ([]string, error) {
	if !tx.load {
		return nil, nil
	}
	for _, t := range tables {
		var rows bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&rows); err != nil {
			return nil, translate(tx.db.dialect, err)
		} else if rows {
			return nil, nil
		}
	}
	if !tx.db.dialect.isPostgres() {
		return deferSQLiteIndexes(ctx, tx, tables)
	}
	list := "{" + strings.Join(tables, ",") + "}"
	// Indexes first, then the foreign keys (which check against them).
	q := `SELECT 'DROP INDEX ' || i.indexrelid::regclass, pg_get_indexdef(i.indexrelid), 0 AS kind, i.indexrelid::regclass::text
		FROM pg_index i
		WHERE i.indrelid = ANY ($1::regclass[]) AND NOT i.indisprimary
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
		UNION ALL
		SELECT 'ALTER TABLE ' || c.conrelid::regclass || ' DROP CONSTRAINT ' || quote_ident(c.conname),
			'ALTER TABLE ' || c.conrelid::regclass || ' ADD CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid),
			1, c.conname::text
		FROM pg_constraint c
		WHERE c.conrelid = ANY ($1::regclass[]) AND c.contype = 'f'
		ORDER BY 3, 4`
	rows, err := tx.QueryContext(ctx, q, list)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	var drops, restore []string
	for rows.Next() {
		var drop, create, name string
		var kind int
		if err := rows.Scan(&drop, &create, &kind, &name); err != nil {
			rows.Close()
			return nil, err
		}
		drops, restore = append(drops, drop), append(restore, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, d := range drops {
		if _, err := tx.ExecContext(ctx, d); err != nil {
			return nil, fmt.Errorf("defer indexes: %w", translate(tx.db.dialect, err))
		}
	}
	return restore, nil
}

// deferSQLiteIndexes is deferIndexes on SQLite: the tables' own
// non-unique indexes are dropped and made again after the rows. Primary
// keys, inline constraints and unique indexes stay: upserts name them as
// their conflict targets, and they keep the load's keys unique as it goes.
// Foreign keys are part of SQLite's table definitions and stay too.
// Inserting the demo's 66,539 cases and their events row by row into every
// index was most of its import on SQLite (docs/benchmarks.md); an index
// made over the rows sorts its keys once.
func deferSQLiteIndexes(ctx context.Context, tx *Tx, tables []string) ([]string, error) {
	in := make([]string, len(tables))
	args := make([]any, len(tables))
	for i, t := range tables {
		in[i], args[i] = "?", t
	}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'
			AND tbl_name IN (`+strings.Join(in, ", ")+`) ORDER BY name`, args...)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	var names, restore []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			rows.Close()
			return nil, err
		}
		names, restore = append(names, name), append(restore, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+n+`"`); err != nil {
			return nil, fmt.Errorf("defer indexes: %w", translate(tx.db.dialect, err))
		}
	}
	return restore, nil
}

// restoreIndexes runs the statements deferIndexes returned.
func restoreIndexes(ctx context.Context, tx *Tx, restore []string) error {
	if len(restore) == 0 {
		return nil
	}
	if !tx.db.dialect.isPostgres() {
		// SQLite sorts each index's keys once; nothing to set.
	} else if _, err := tx.ExecContext(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return translate(tx.db.dialect, err)
	}
	for _, q := range restore {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("restore indexes: %w", translate(tx.db.dialect, err))
		}
	}
	return nil
}
