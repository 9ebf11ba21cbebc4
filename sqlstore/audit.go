package sqlstore

import (
	"context"
	"database/sql"

	"github.com/gridline/gridline"
)

// AuditCount returns how many audit log rows name entity (e.g. "point",
// "party_org"), so tests and operators can check that writes are logged.
func (db *DB) AuditCount(ctx context.Context, entity string) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE entity = $1`, entity).Scan(&n)
	return n, translate(db.dialect, err)
}

// AuditService implements gridline.AuditService.
type AuditService struct{ db *DB }

// NewAuditService returns an AuditService over db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

var _ gridline.AuditService = (*AuditService)(nil)

// FindAudit implements gridline.AuditService.
func (s *AuditService) FindAudit(ctx context.Context, f gridline.AuditFilter) ([]*gridline.AuditEntry, int, error) {
	if p := gridline.PrincipalFrom(ctx); p != nil {
		if err := gridline.Authorize(p, gridline.ResourceAudit, gridline.ActRead); err != nil {
			return nil, 0, err
		}
	}
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	var w where
	if f.Entity != nil {
		w.add("entity = ?", *f.Entity)
	}
	if f.Key != nil {
		w.add("entity_key = ?", *f.Key)
	}
	if f.Actor != nil {
		w.add("actor = ?", *f.Actor)
	}
	if f.Action != nil {
		w.add("action = ?", *f.Action)
	}
	if f.From != nil {
		w.add("at >= ?", f.From.UTC())
	}
	if f.To != nil {
		w.add("at < ?", f.To.UTC())
	}
	return findPage(ctx, tx, "id, at, actor, action, entity, entity_key, detail, addr", "audit_log", w, "id DESC", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.AuditEntry, error) {
			var e gridline.AuditEntry
			if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Entity, &e.Key, &e.Detail, &e.Addr, total); err != nil {
				return nil, err
			}
			e.At = e.At.UTC()
			return &e, nil
		})
}
