package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"
	"time"

	"github.com/gridline/gridline"
)

// IdempotencyService implements gridline.IdempotencyService. The keys
// themselves are taken by the writes they guard (takeIdempotencyKey), in
// the same transaction.
type IdempotencyService struct {
	db *DB
}

// NewIdempotencyService returns an IdempotencyService over db.
func NewIdempotencyService(db *DB) *IdempotencyService { return &IdempotencyService{db: db} }

var _ gridline.IdempotencyService = (*IdempotencyService)(nil)

// idempotencyUser is the account a key belongs to: keys are per account,
// so two phones cannot collide; the system and anonymous callers share 0.
func idempotencyUser(ctx context.Context) int64 {
	if p := gridline.PrincipalFrom(ctx); p != nil && p.User != nil {
		return p.User.ID
	}
	return 0
}

// FindIdempotent implements gridline.IdempotencyService.
func (s *IdempotencyService) FindIdempotent(ctx context.Context, key string) (*gridline.IdempotentAnswer, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	a := gridline.IdempotentAnswer{Key: key}
	err = tx.QueryRowContext(ctx, `SELECT fingerprint, ticket_id, status, body, created_at FROM idempotency_keys
		WHERE user_id = $1 AND idem_key = $2 AND created_at >= $3`,
		idempotencyUser(ctx), key, tx.now.Add(-gridline.IdempotencyRetention)).
		Scan(&a.Fingerprint, &a.TicketID, &a.Status, &a.Body, &a.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "No request with this Idempotency-Key.")
	} else if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// SaveIdempotentAnswer implements gridline.IdempotencyService. It is
// bookkeeping of an answer already given, not a change of record, so it
// has no audit row or feed event.
func (s *IdempotencyService) SaveIdempotentAnswer(ctx context.Context, key string, status int, body []byte) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `UPDATE idempotency_keys SET status = $1, body = $2
		WHERE user_id = $3 AND idem_key = $4 AND body IS NULL`, status, body, idempotencyUser(ctx), key); err != nil {
		return translate(tx.db.dialect, err)
	}
	return tx.Commit()
}

// PurgeIdempotencyKeys deletes the keys older than
// gridline.IdempotencyRetention and returns how many. Writes that take a
// key call it at most once an hour (purgeEvery); tests call it directly.
func (s *IdempotencyService) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	n, err := purgeIdempotencyKeys(ctx, tx)
	if err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

func purgeIdempotencyKeys(ctx context.Context, tx *Tx) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, tx.now.Add(-gridline.IdempotencyRetention))
	if err != nil {
		return 0, translate(tx.db.dialect, err)
	}
	return res.RowsAffected()
}

// purgeEvery is how often the writes that take keys purge expired ones;
// lastPurge is when this process last did (Unix seconds).
const purgeEvery = time.Hour

var lastPurge atomic.Int64

// checkIdempotent returns gridline.ErrIdempotentReplay when the caller's
// account has used idem's key within the retention: the write it guards
// must change nothing. A nil idem checks nothing.
func checkIdempotent(ctx context.Context, tx *Tx, idem *gridline.Idempotent) error {
	if idem == nil {
		return nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2 AND created_at >= $3`,
		idempotencyUser(ctx), idem.Key, tx.now.Add(-gridline.IdempotencyRetention)).Scan(&n)
	if err == nil {
		return gridline.ErrIdempotentReplay
	} else if !errors.Is(err, sql.ErrNoRows) {
		return translate(tx.db.dialect, err)
	}
	return nil
}

// takeIdempotencyKey records idem's key as used by the write to case
// ticketID, in the write's transaction, so the key is taken exactly when
// the write commits. A key taken meanwhile by a concurrent request (the
// unique key) is gridline.ErrIdempotentReplay, and the write rolls back.
func takeIdempotencyKey(ctx context.Context, tx *Tx, idem *gridline.Idempotent, ticketID int64) error {
	if idem == nil {
		return nil
	}
	user := idempotencyUser(ctx)
	if last := lastPurge.Load(); tx.now.Unix()-last >= int64(purgeEvery/time.Second) && lastPurge.CompareAndSwap(last, tx.now.Unix()) {
		if _, err := purgeIdempotencyKeys(ctx, tx); err != nil {
			return err
		}
	} else if _, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2 AND created_at < $3`,
		user, idem.Key, tx.now.Add(-gridline.IdempotencyRetention)); err != nil {
		// The same key after the retention is a new request.
		return translate(tx.db.dialect, err)
	}
	_, err := tx.exec(ctx, `INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, ticket_id, status, created_at)
		VALUES ($1, $2, $3, $4, 0, $5)`, user, idem.Key, idem.Fingerprint, ticketID, tx.now)
	if err != nil {
		if gridline.ErrorCode(translate(tx.db.dialect, err)) == gridline.ECONFLICT {
			return gridline.ErrIdempotentReplay
		}
		return translate(tx.db.dialect, err)
	}
	return nil
}

// addActionPhotos stores the photos an on-site action brought, numbered
// after the case's photos so far, each naming the event.
func addActionPhotos(ctx context.Context, tx *Tx, ticketID, eventID int64, photos []*gridline.Photo) error {
	if len(photos) == 0 {
		return nil
	}
	var last int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM ticket_photos WHERE ticket_id = $1`, ticketID).Scan(&last); err != nil {
		return translate(tx.db.dialect, err)
	}
	for i, p := range photos {
		p.N, p.EventID = last+i+1, &eventID
	}
	return addTicketPhotos(ctx, tx, ticketID, photos)
}

// recordCheck keeps the check tasks of case t in step with action e: a
// check_request opens one (ECONFLICT if one is open), a check_report
// answers the open one (ECONFLICT if none is).
func recordCheck(ctx context.Context, tx *Tx, t *gridline.Ticket, action gridline.TicketAction, e *gridline.TicketEvent) error {
	switch action {
	case gridline.ActionCheckRequest:
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ticket_checks WHERE ticket_id = $1 AND answered_at IS NULL`, t.ID).Scan(&open); err != nil {
			return translate(tx.db.dialect, err)
		}
		if open > 0 {
			return &gridline.Error{Code: gridline.ECONFLICT, Message: "An on-site check of case " + t.Number + " is asked already and not yet answered.",
				Fields: map[string]string{"action": "a check is open"}}
		}
		_, err := tx.exec(ctx, `INSERT INTO ticket_checks (ticket_id, request_event, requested_at) VALUES ($1, $2, $3)`, t.ID, e.ID, tx.now)
		return translate(tx.db.dialect, err)
	case gridline.ActionCheckReport:
		res, err := tx.exec(ctx, `UPDATE ticket_checks SET answer_event = $1, answered_at = $2, finding = $3
			WHERE ticket_id = $4 AND answered_at IS NULL`, e.ID, tx.now, string(e.Outcome), t.ID)
		if err != nil {
			return translate(tx.db.dialect, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &gridline.Error{Code: gridline.ECONFLICT, Message: "No on-site check of case " + t.Number + " is waiting for an answer.",
				Fields: map[string]string{"action": "no check is open"}}
		}
	}
	return nil
}
