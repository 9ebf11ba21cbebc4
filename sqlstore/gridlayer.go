package sqlstore

import (
	"context"

	"github.com/gridline/gridline"
)

// GridLayerService implements gridline.GridLayerService.
type GridLayerService struct{ db *DB }

// NewGridLayerService returns a GridLayerService over db.
func NewGridLayerService(db *DB) *GridLayerService { return &GridLayerService{db: db} }

var _ gridline.GridLayerService = (*GridLayerService)(nil)

// FindGridLayers implements gridline.GridLayerService.
func (s *GridLayerService) FindGridLayers(ctx context.Context) ([]*gridline.GridLayer, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT code, name, name_en, sort_order, created_at FROM grid_layers ORDER BY sort_order, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*gridline.GridLayer
	for rows.Next() {
		var l gridline.GridLayer
		if err := rows.Scan(&l.Code, &l.Name, &l.NameEN, &l.SortOrder, &l.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, &l)
	}
	return out, rows.Err()
}

// CreateGridLayer implements gridline.GridLayerService.
func (s *GridLayerService) CreateGridLayer(ctx context.Context, l *gridline.GridLayer) error {
	if err := l.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	l.CreatedAt = tx.now
	if _, err := tx.exec(ctx, `INSERT INTO grid_layers (code, name, name_en, sort_order, created_at) VALUES ($1, $2, $3, $4, $5)`,
		l.Code, l.Name, l.NameEN, l.SortOrder, l.CreatedAt); err != nil {
		if gridline.ErrorCode(err) == gridline.ECONFLICT {
			return gridline.Errorf(gridline.ECONFLICT, "Layer %s already exists.", l.Code)
		}
		return err
	}
	if err := tx.record(ctx, "create", "grid_layer", l.Code, ""); err != nil {
		return err
	}
	return tx.Commit()
}
