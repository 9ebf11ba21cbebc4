package sqlstore

import (
	"context"
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
