package sqlstore

import (
	"context"
	"time"
)

// dialect holds the handful of things that differ between SQLite and
// PostgreSQL. Everything else is the portable subset of SQL.
type dialect struct {
	name string
	// bulkRows is how many rows one multi-row INSERT carries.
	bulkRows int
}

var (
	sqliteDialect   = dialect{name: "sqlite", bulkRows: 8}
	postgresDialect = dialect{name: "postgres", bulkRows: 1000}
)

func (d dialect) isPostgres() bool { return d.name == "postgres" }

// storedTime returns t as the database gives it back, in UTC: PostgreSQL
// keeps microseconds (pgx truncates the rest); SQLite, with
// _time_format=sqlite, nanoseconds.
func (d dialect) storedTime(t time.Time) time.Time {
	if d.isPostgres() {
		return t.UTC().Truncate(time.Microsecond)
	}
	return t.UTC()
}

// lockKey serialises writers that check-then-write on the same key, e.g.
// the overlap check of grids in one layer. SQLite already has one writer
// (BEGIN IMMEDIATE on a single connection); PostgreSQL takes a
// transaction-scoped advisory lock.
func (tx *Tx) lockKey(ctx context.Context, key string) error {
	if !tx.db.dialect.isPostgres() {
		return nil
	}
	// Advisory locks are database-wide: the schema keeps two Gridline
	// instances in one database (or parallel tests) apart.
	_, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':' || $1))`, key)
	return err
}

// lockRow locks one row for the rest of a write transaction, so two
// concurrent read-modify-write updates of the same record run one after
// the other and neither loses the other's change. table and col are
// constants. SQLite needs nothing: its single writer connection with
// BEGIN IMMEDIATE already serialises write transactions.
func (tx *Tx) lockRow(ctx context.Context, table, col string, key any) error {
	if !tx.db.dialect.isPostgres() {
		return nil
	}
	_, err := tx.exec(ctx, `SELECT 1 FROM `+table+` WHERE `+col+` = $1 FOR UPDATE`, key)
	return err
}
