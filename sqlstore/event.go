package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gridline/gridline"
)

// EventService implements gridline.EventService over the events table.
type EventService struct{ db *DB }

// NewEventService returns an EventService over db.
func NewEventService(db *DB) *EventService { return &EventService{db: db} }

var _ gridline.EventService = (*EventService)(nil)

// maxEventPage bounds one read of the feed.
const maxEventPage = 10000

// FindEvents implements gridline.EventService.
func (s *EventService) FindEvents(ctx context.Context, f gridline.EventFilter) ([]*gridline.Event, error) {
	if f.After < 0 {
		return nil, gridline.FieldErrorf("after", "must not be negative")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, maxEventPage)
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// A reader behind the prune mark has missed pruned events.
	var mark int64
	err = tx.QueryRowContext(ctx, `SELECT seq FROM event_cursors WHERE name = $1`, pruneMark).Scan(&mark)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, translate(tx.db.dialect, err)
	}
	if mark > f.After {
		return nil, gridline.Errorf(gridline.ECONFLICT, "Events up to %d have been pruned; rebuild from the stored data and read on from the last event.", mark)
	}
	var w where
	w.add("seq > ?", f.After)
	if len(f.Entities) > 0 {
		args := make([]any, len(f.Entities))
		for i, e := range f.Entities {
			args[i] = e
		}
		w.add("entity IN ("+placeholders(len(w.args)+1, len(args))+")", args...)
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, at, entity, action, entity_key, detail FROM events`+w.String()+
		` ORDER BY seq`+limitOffset(limit, 0), w.args...)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	var out []*gridline.Event
	for rows.Next() {
		var e gridline.Event
		if err := rows.Scan(&e.Seq, &e.At, &e.Entity, &e.Action, &e.Key, &e.Detail); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		out = append(out, &e)
	}
	return out, rows.Err()
}

// pruneMark is the pseudo-reader whose cursor records how far the feed
// has been pruned.
const pruneMark = "#pruned"

// LastEventSeq implements gridline.EventService.
func (s *EventService) LastEventSeq(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	err := s.db.read.QueryRowContext(ctx, `SELECT MAX(seq) FROM events`).Scan(&seq)
	if err != nil {
		return 0, translate(s.db.dialect, err)
	}
	if !seq.Valid {
		// An empty feed after pruning everything still has a position.
		err := s.db.read.QueryRowContext(ctx, `SELECT seq FROM event_cursors WHERE name = $1`, pruneMark).Scan(&seq)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, translate(s.db.dialect, err)
		}
	}
	return seq.Int64, nil
}

// FindEventCursor implements gridline.EventService.
func (s *EventService) FindEventCursor(ctx context.Context, reader string) (int64, error) {
	if err := checkReader(reader); err != nil {
		return 0, err
	}
	var seq int64
	err := s.db.read.QueryRowContext(ctx, `SELECT seq FROM event_cursors WHERE name = $1`, reader).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, translate(s.db.dialect, err)
}

func checkReader(name string) error {
	if name == "" || len(name) > 64 || name[0] == '#' {
		return gridline.FieldErrorf("reader", "must be 1–64 characters and not start with '#', got %q", name)
	}
	return nil
}

// SaveEventCursor implements gridline.EventService. Saving a cursor is
// bookkeeping, not a change: it is neither audited nor fed.
func (s *EventService) SaveEventCursor(ctx context.Context, reader string, seq int64) error {
	if err := checkReader(reader); err != nil {
		return err
	}
	if seq < 0 {
		return gridline.FieldErrorf("seq", "must not be negative")
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := saveCursor(ctx, tx, reader, seq); err != nil {
		return err
	}
	return tx.Commit()
}

func saveCursor(ctx context.Context, tx *Tx, name string, seq int64) error {
	_, err := tx.exec(ctx, `INSERT INTO event_cursors (name, seq, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at`, name, seq, tx.now)
	return err
}

// PruneEvents implements gridline.EventService.
func (s *EventService) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// Keep what the slowest durable reader has not read.
	var keepFrom sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MIN(seq) FROM event_cursors WHERE name <> $1`, pruneMark).Scan(&keepFrom); err != nil {
		return 0, translate(tx.db.dialect, err)
	}
	var w where
	w.add("at < ?", before.UTC())
	if keepFrom.Valid {
		w.add("seq <= ?", keepFrom.Int64)
	}
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(seq) FROM events`+w.String(), w.args...).Scan(&last); err != nil {
		return 0, translate(tx.db.dialect, err)
	}
	if !last.Valid {
		return 0, nil
	}
	res, err := tx.exec(ctx, `DELETE FROM events WHERE seq <= $1`, last.Int64)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if err := saveCursor(ctx, tx, pruneMark, last.Int64); err != nil {
		return 0, err
	}
	return int(n), tx.Commit()
}
