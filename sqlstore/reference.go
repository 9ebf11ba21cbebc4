package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/gridline/gridline"
)

// ReferenceService implements gridline.ReferenceService: the shipped
// catalogue and official calendar with the admins' edits (category_edits,
// calendar_edits). The result is cached on the DB and dropped by every
// edit through it, so routing and deadlines use an edit from the next
// request on. Another process sharing the database sees an edit after its
// own restart.
type ReferenceService struct{ db *DB }

// NewReferenceService returns a ReferenceService over db.
func NewReferenceService(db *DB) *ReferenceService { return &ReferenceService{db: db} }

var _ gridline.ReferenceService = (*ReferenceService)(nil)

// refCache holds the catalogue and calendar in use, built on first use.
type refCache struct {
	mu  sync.Mutex
	cat *gridline.Catalogue
	cal *gridline.Calendar
}

func (c *refCache) drop() {
	c.mu.Lock()
	c.cat, c.cal = nil, nil
	c.mu.Unlock()
}

// catalogue returns the catalogue in use. A database that cannot be read
// leaves the shipped catalogue in use: intake must not stop for it, and
// the next call tries again.
func (db *DB) catalogue() *gridline.Catalogue {
	db.refs.mu.Lock()
	defer db.refs.mu.Unlock()
	if db.refs.cat != nil {
		return db.refs.cat
	}
	edits, err := categoryEdits(context.Background(), db.read, db.dialect)
	if err != nil {
		return gridline.DefaultCatalogue()
	}
	db.refs.cat = gridline.DefaultCatalogue().WithEdits(edits)
	return db.refs.cat
}

// calendar returns the working calendar in use, as catalogue does.
func (db *DB) calendar() *gridline.Calendar {
	db.refs.mu.Lock()
	defer db.refs.mu.Unlock()
	if db.refs.cal != nil {
		return db.refs.cal
	}
	edits, err := calendarEdits(context.Background(), db.read, db.dialect)
	if err != nil {
		return gridline.ChinaCalendar()
	}
	cal, err := calendarWith(edits)
	if err != nil {
		return gridline.ChinaCalendar()
	}
	db.refs.cal = cal
	return cal
}

func calendarWith(edits []gridline.CalendarEdit) (*gridline.Calendar, error) {
	if len(edits) == 0 {
		return gridline.ChinaCalendar(), nil
	}
	days := make([]gridline.CalendarDay, len(edits))
	for i, e := range edits {
		days[i] = e.Day()
	}
	return gridline.ChinaCalendar().WithDays(days)
}

type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func categoryEdits(ctx context.Context, q queryer, d dialect) ([]gridline.CategoryEdit, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, parent_code, name, name_en, limit_amount, limit_unit, leads, active, updated_by, updated_at
		FROM category_edits ORDER BY code`)
	if err != nil {
		return nil, translate(d, err)
	}
	defer rows.Close()
	var out []gridline.CategoryEdit
	for rows.Next() {
		var e gridline.CategoryEdit
		var leads string
		if err := rows.Scan(&e.Code, &e.ParentCode, &e.Name, &e.NameEN, &e.TimeLimit.Amount, &e.TimeLimit.Unit, &leads, &e.Active,
			&e.UpdatedBy, &e.UpdatedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(leads), &e.Leads); err != nil {
			return nil, fmt.Errorf("category edit %s: leads: %w", e.Code, err)
		}
		e.UpdatedAt = e.UpdatedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

func calendarEdits(ctx context.Context, q queryer, d dialect) ([]gridline.CalendarEdit, error) {
	rows, err := q.QueryContext(ctx, `SELECT day, type, name, updated_by, updated_at FROM calendar_edits ORDER BY day`)
	if err != nil {
		return nil, translate(d, err)
	}
	defer rows.Close()
	var out []gridline.CalendarEdit
	for rows.Next() {
		var e gridline.CalendarEdit
		if err := rows.Scan(&e.Date, &e.Type, &e.Note, &e.UpdatedBy, &e.UpdatedAt); err != nil {
			return nil, err
		}
		e.UpdatedAt = e.UpdatedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Catalogue implements gridline.ReferenceService.
func (s *ReferenceService) Catalogue(ctx context.Context) (*gridline.Catalogue, error) {
	return s.db.catalogue(), nil
}

// CategoryEdits implements gridline.ReferenceService.
func (s *ReferenceService) CategoryEdits(ctx context.Context) ([]gridline.CategoryEdit, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return categoryEdits(ctx, tx, tx.db.dialect)
}

// SaveCategory implements gridline.ReferenceService.
func (s *ReferenceService) SaveCategory(ctx context.Context, e *gridline.CategoryEdit) error {
	if err := e.Validate(gridline.DefaultCatalogue()); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	leads, _ := json.Marshal(e.Leads)
	e.UpdatedBy, e.UpdatedAt = gridline.ActorFrom(ctx).Name, tx.now
	if _, err := tx.exec(ctx, `INSERT INTO category_edits (code, parent_code, name, name_en, limit_amount, limit_unit, leads, active,
		updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (code) DO UPDATE SET parent_code = excluded.parent_code, name = excluded.name, name_en = excluded.name_en,
		limit_amount = excluded.limit_amount, limit_unit = excluded.limit_unit, leads = excluded.leads, active = excluded.active,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		e.Code, e.ParentCode, e.Name, e.NameEN, e.TimeLimit.Amount, string(e.TimeLimit.Unit), string(leads), e.Active,
		e.UpdatedBy, e.UpdatedAt); err != nil {
		return err
	}
	action := "update"
	if !e.Active {
		action = "deactivate"
	}
	detail, _ := json.Marshal(e)
	if err := tx.record(ctx, action, "category", e.Code, string(detail)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.db.refs.drop()
	return nil
}

// Calendar implements gridline.ReferenceService.
func (s *ReferenceService) Calendar(ctx context.Context) (*gridline.Calendar, error) {
	return s.db.calendar(), nil
}

// CalendarEdits implements gridline.ReferenceService.
func (s *ReferenceService) CalendarEdits(ctx context.Context) ([]gridline.CalendarEdit, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return calendarEdits(ctx, tx, tx.db.dialect)
}

// SaveCalendarDay implements gridline.ReferenceService.
func (s *ReferenceService) SaveCalendarDay(ctx context.Context, e *gridline.CalendarEdit) error {
	if err := e.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	e.UpdatedBy, e.UpdatedAt = gridline.ActorFrom(ctx).Name, tx.now
	if _, err := tx.exec(ctx, `INSERT INTO calendar_edits (day, type, name, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (day) DO UPDATE SET type = excluded.type, name = excluded.name, updated_by = excluded.updated_by,
		updated_at = excluded.updated_at`, e.Date, string(e.Type), e.Note, e.UpdatedBy, e.UpdatedAt); err != nil {
		return err
	}
	if err := tx.record(ctx, "update", "calendar", e.Date, string(e.Type)+" "+e.Note); err != nil {
		return err
	}
	if err := tx.touchKPIsOnDay(ctx, e.Date); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.db.refs.drop()
	return nil
}

// DeleteCalendarDay implements gridline.ReferenceService.
func (s *ReferenceService) DeleteCalendarDay(ctx context.Context, date string) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, `DELETE FROM calendar_edits WHERE day = $1`, date)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gridline.Errorf(gridline.ENOTFOUND, "No edit of the calendar on %q.", date)
	}
	if err := tx.record(ctx, "delete", "calendar", date, ""); err != nil {
		return err
	}
	if err := tx.touchKPIsOnDay(ctx, date); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.db.refs.drop()
	return nil
}

var _ = errors.New
