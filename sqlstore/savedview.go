package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gridline/gridline"
)

// SavedViewService implements gridline.SavedViewService.
type SavedViewService struct {
	db *DB
}

// NewSavedViewService returns a SavedViewService over db.
func NewSavedViewService(db *DB) *SavedViewService { return &SavedViewService{db: db} }

var _ gridline.SavedViewService = (*SavedViewService)(nil)

// FindSavedViews implements gridline.SavedViewService.
func (s *SavedViewService) FindSavedViews(ctx context.Context, userID int64, page string) ([]*gridline.SavedView, error) {
	if err := gridline.CheckSavedViewPage(page); err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, user_id, page, name, query, created_at FROM saved_views
		WHERE user_id = $1 AND page = $2 ORDER BY name, id`, userID, page)
	if err != nil {
		return nil, translate(s.db.dialect, err)
	}
	defer rows.Close()
	out := []*gridline.SavedView{}
	for rows.Next() {
		var v gridline.SavedView
		var q string
		if err := rows.Scan(&v.ID, &v.UserID, &v.Page, &v.Name, &q, &v.CreatedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(q), &v.Query); err != nil {
			return nil, fmt.Errorf("saved view %d: query: %w", v.ID, err)
		}
		v.CreatedAt = v.CreatedAt.UTC()
		out = append(out, &v)
	}
	return out, rows.Err()
}

// CreateSavedView implements gridline.SavedViewService.
func (s *SavedViewService) CreateSavedView(ctx context.Context, v *gridline.SavedView) error {
	if err := v.Validate(); err != nil {
		return err
	}
	q, err := json.Marshal(v.Query)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	username, err := usernameOf(ctx, tx, v.UserID)
	if err != nil {
		return err
	}
	// The write transaction is the only writer (SQLite) or the unique
	// index stops the race (PostgreSQL); the checks give the clear errors.
	var n, same int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(CASE WHEN name = $3 THEN 1 END) FROM saved_views
		WHERE user_id = $1 AND page = $2`, v.UserID, v.Page, v.Name).Scan(&n, &same); err != nil {
		return translate(tx.db.dialect, err)
	}
	if same > 0 {
		return gridline.ErrSavedViewTaken(v.Name)
	}
	if n >= gridline.MaxSavedViews {
		return gridline.Errorf(gridline.EINVALID, "You have %d saved views on this page, the most allowed; delete one first.", n)
	}
	v.CreatedAt = tx.now
	err = tx.QueryRowContext(ctx, `INSERT INTO saved_views (user_id, page, name, query, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, v.UserID, v.Page, v.Name, string(q), v.CreatedAt).Scan(&v.ID)
	if err != nil {
		if err = translate(tx.db.dialect, err); gridline.ErrorCode(err) == gridline.ECONFLICT {
			return gridline.ErrSavedViewTaken(v.Name)
		}
		return err
	}
	if err := tx.record(ctx, "create", "saved_view", auditKey(v.ID), fmt.Sprintf("%s: %s: %s", username, v.Page, v.Name)); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteSavedView implements gridline.SavedViewService.
func (s *SavedViewService) DeleteSavedView(ctx context.Context, userID, id int64) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var page, name string
	err = tx.QueryRowContext(ctx, `SELECT page, name FROM saved_views WHERE id = $1 AND user_id = $2`, id, userID).Scan(&page, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return gridline.Errorf(gridline.ENOTFOUND, "Saved view not found.")
	} else if err != nil {
		return translate(tx.db.dialect, err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM saved_views WHERE id = $1`, id); err != nil {
		return err
	}
	username, err := usernameOf(ctx, tx, userID)
	if err != nil {
		return err
	}
	if err := tx.record(ctx, "delete", "saved_view", auditKey(id), fmt.Sprintf("%s: %s: %s", username, page, name)); err != nil {
		return err
	}
	return tx.Commit()
}
