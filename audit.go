package gridline

import (
	"context"
	"time"
)

// AuditEntry is one write recorded in the audit log: who did what to which
// record, when. The log is append-only and written in the same transaction
// as the write it records.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"` // create, update, delete, import, …
	Entity string    `json:"entity"` // grid, point, person, …
	Key    string    `json:"key"`    // the record's code or id
	Detail string    `json:"detail,omitempty"`
	// Addr is where the request came from; empty for the CLI and the
	// scheduler.
	Addr string `json:"addr,omitempty"`
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Entity *string
	Key    *string
	Actor  *string
	Action *string
	// From and To bound when: From <= at < To.
	From, To *time.Time
	Offset   int
	Limit    int
}

// AuditService reads the audit log. There is no way to change or remove
// an entry: the store refuses it (a trigger on each database).
type AuditService interface {
	FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, int, error)
}
