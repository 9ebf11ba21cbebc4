package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// WebhookService implements gridline.WebhookService.
type WebhookService struct {
	db *DB
}

// NewWebhookService returns a WebhookService over db.
func NewWebhookService(db *DB) *WebhookService { return &WebhookService{db: db} }

var _ gridline.WebhookService = (*WebhookService)(nil)

// enqueueStatus writes the outbox rows of status change e of case t, one
// per active subscriber of t's channel, in tx: the change and its news
// commit together or not at all.
func enqueueStatus(ctx context.Context, tx *Tx, t *gridline.Ticket, e *gridline.TicketEvent) error {
	return enqueueBody(ctx, tx, t, gridline.WebhookStatusBody{Event: "ticket.status", ExternalID: t.ExternalID,
		Channel: t.Channel, Number: t.Number, Action: e.Action, From: e.From, Status: e.To, Outcome: e.Outcome,
		Opinion: e.Opinion, At: e.At})
}

// enqueueRelay queues, for case t merged into master, the master's event
// e as relayed to it (relay: master_reply, master_callback,
// master_close), with the master's number and new status.
func enqueueRelay(ctx context.Context, tx *Tx, t, master *gridline.Ticket, e *gridline.TicketEvent, relay gridline.TicketAction) error {
	return enqueueBody(ctx, tx, t, gridline.WebhookStatusBody{Event: "ticket.status", ExternalID: t.ExternalID,
		Channel: t.Channel, Number: t.Number, Action: relay, From: gridline.StatusMerged, Status: gridline.StatusMerged,
		Outcome: e.Outcome, Opinion: e.Opinion, At: e.At, Master: master.Number, MasterStatus: e.To})
}

// enqueueBody queues body about case t for every active subscriber to its
// channel.
func enqueueBody(ctx context.Context, tx *Tx, t *gridline.Ticket, body gridline.WebhookStatusBody) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO webhook_deliveries (subscriber_id, ticket_id, body, status, attempts, next_at, created_at)
		SELECT id, $1, $2, 'pending', 0, $3, $3 FROM webhook_subscribers
		WHERE active = true AND channels LIKE '%,' || $4 || ',%'`, t.ID, string(b), tx.now, string(t.Channel))
	return err
}

// CreateWebhookSubscriber implements gridline.WebhookService.
func (s *WebhookService) CreateWebhookSubscriber(ctx context.Context, w *gridline.WebhookSubscriber) error {
	if err := w.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	chs := make([]string, len(w.Channels))
	for i, c := range w.Channels {
		chs[i] = string(c)
	}
	w.Active, w.CreatedAt = true, tx.now
	if err := tx.QueryRowContext(ctx, `INSERT INTO webhook_subscribers (name, url, secret, channels, active, created_at)
		VALUES ($1, $2, $3, $4, true, $5) RETURNING id`, w.Name, w.URL, w.Secret, ","+strings.Join(chs, ",")+",", tx.now).Scan(&w.ID); err != nil {
		return translate(tx.db.dialect, err)
	}
	// The secret is not in the audit detail.
	if err := tx.record(ctx, "create", "webhook_subscriber", auditKey(w.ID), w.Name+" "+w.URL); err != nil {
		return err
	}
	w.Secret = ""
	return tx.Commit()
}

// FindWebhookSubscribers implements gridline.WebhookService.
func (s *WebhookService) FindWebhookSubscribers(ctx context.Context) ([]*gridline.WebhookSubscriber, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT w.id, w.name, w.url, w.channels, w.active, w.created_at,
		(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.subscriber_id = w.id AND d.status = 'pending'),
		(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.subscriber_id = w.id AND d.status = 'failed')
		FROM webhook_subscribers w ORDER BY w.id`)
	if err != nil {
		return nil, translate(s.db.dialect, err)
	}
	defer rows.Close()
	out := []*gridline.WebhookSubscriber{}
	for rows.Next() {
		var w gridline.WebhookSubscriber
		var chs string
		if err := rows.Scan(&w.ID, &w.Name, &w.URL, &chs, &w.Active, &w.CreatedAt, &w.Pending, &w.Failed); err != nil {
			return nil, err
		}
		for _, c := range strings.Split(strings.Trim(chs, ","), ",") {
			if c != "" {
				w.Channels = append(w.Channels, gridline.Channel(c))
			}
		}
		w.CreatedAt = w.CreatedAt.UTC()
		out = append(out, &w)
	}
	return out, rows.Err()
}

// DeleteWebhookSubscriber implements gridline.WebhookService.
func (s *WebhookService) DeleteWebhookSubscriber(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, `UPDATE webhook_subscribers SET active = false WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gridline.Errorf(gridline.ENOTFOUND, "Webhook subscriber %d not found.", id)
	}
	if err := tx.record(ctx, "delete", "webhook_subscriber", auditKey(id), ""); err != nil {
		return err
	}
	return tx.Commit()
}

const deliveryColumns = `d.id, d.subscriber_id, d.ticket_id, d.body, d.status, d.attempts, d.next_at, d.last_error, d.created_at,
	d.delivered_at, w.url, w.secret`

func scanDelivery(rows *sql.Rows) (*gridline.WebhookDelivery, error) {
	var d gridline.WebhookDelivery
	var delivered sql.NullTime
	if err := rows.Scan(&d.ID, &d.SubscriberID, &d.TicketID, &d.Body, &d.Status, &d.Attempts, &d.NextAt, &d.LastError,
		&d.CreatedAt, &delivered, &d.URL, &d.Secret); err != nil {
		return nil, err
	}
	d.NextAt, d.CreatedAt = d.NextAt.UTC(), d.CreatedAt.UTC()
	if delivered.Valid {
		t := delivered.Time.UTC()
		d.DeliveredAt = &t
	}
	return &d, nil
}

// FindWebhookDeliveries implements gridline.WebhookService.
func (s *WebhookService) FindWebhookDeliveries(ctx context.Context, subscriberID int64, limit int) ([]*gridline.WebhookDelivery, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
		JOIN webhook_subscribers w ON w.id = d.subscriber_id WHERE d.subscriber_id = $1 ORDER BY d.id DESC`+limitOffset(limit, 0), subscriberID)
	if err != nil {
		return nil, translate(s.db.dialect, err)
	}
	defer rows.Close()
	out := []*gridline.WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ClaimWebhookDeliveries implements gridline.WebhookService. A delivery
// is claimed by moving its next_at a lease ahead, only if it is still
// due: of two workers, one wins each delivery. Only the oldest pending
// delivery of a case is due, so a subscriber hears of a case's changes in
// the order they happened, one per pass.
func (s *WebhookService) ClaimWebhookDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*gridline.WebhookDelivery, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
		JOIN webhook_subscribers w ON w.id = d.subscriber_id
		WHERE d.status = 'pending' AND d.next_at <= $1 AND w.active = true
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.subscriber_id = d.subscriber_id AND e.ticket_id = d.ticket_id
			AND e.status = 'pending' AND e.id < d.id)
		ORDER BY d.next_at, d.id`+limitOffset(limit, 0), tx.now)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	var due []*gridline.WebhookDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		due = append(due, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []*gridline.WebhookDelivery
	until := tx.now.Add(lease)
	for _, d := range due {
		res, err := tx.exec(ctx, `UPDATE webhook_deliveries SET next_at = $1 WHERE id = $2 AND status = 'pending' AND next_at <= $3`,
			until, d.ID, tx.now)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			d.NextAt = until
			out = append(out, d)
		}
	}
	return out, tx.Commit()
}

// CompleteWebhookDelivery implements gridline.WebhookService.
func (s *WebhookService) CompleteWebhookDelivery(ctx context.Context, id int64, errText string) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var attempts int
	var status string
	err = tx.QueryRowContext(ctx, `SELECT attempts, status FROM webhook_deliveries WHERE id = $1`, id).Scan(&attempts, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return gridline.Errorf(gridline.ENOTFOUND, "Delivery %d not found.", id)
	} else if err != nil {
		return translate(tx.db.dialect, err)
	}
	if status != string(gridline.WebhookPending) {
		return nil // already settled: a late answer changes nothing
	}
	attempts++
	if errText == "" {
		_, err = tx.exec(ctx, `UPDATE webhook_deliveries SET status = 'delivered', attempts = $1, delivered_at = $2, last_error = ''
			WHERE id = $3`, attempts, tx.now, id)
	} else {
		if len(errText) > 500 {
			errText = errText[:500]
		}
		st := gridline.WebhookPending
		if attempts >= gridline.WebhookMaxAttempts {
			st = gridline.WebhookFailed
		}
		_, err = tx.exec(ctx, `UPDATE webhook_deliveries SET status = $1, attempts = $2, next_at = $3, last_error = $4 WHERE id = $5`,
			string(st), attempts, tx.now.Add(gridline.WebhookBackoff(attempts)), errText, id)
	}
	if err != nil {
		return err
	}
	return tx.Commit()
}
