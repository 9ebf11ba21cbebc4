package sqlstore

import (
	"context"
	"database/sql"
)

// QueryRowForTest runs a read query on the database, for tests that count
// what a write left behind.
func (db *DB) QueryRowForTest(ctx context.Context, q string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, q, args...)
}
