package sqlstore

import "context"

// AuditCount returns how many audit log rows name entity (e.g. "point",
// "party_org"), so tests and operators can check that writes are logged.
func (db *DB) AuditCount(ctx context.Context, entity string) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE entity = $1`, entity).Scan(&n)
	return n, translate(db.dialect, err)
}
