package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gridline/gridline"
)

// GridService implements gridline.GridService.
type GridService struct{ db *DB }

// NewGridService returns a GridService over db.
func NewGridService(db *DB) *GridService { return &GridService{db: db} }

var _ gridline.GridService = (*GridService)(nil)

// gridsLock serialises grid writers: the overlap check and the choice of
// the next free code must each see the others' committed rows.
const gridsLock = "gridline:grids"

const gridColumns = `id, code, name, layer, community_code, town_code, county_code, area_m2, geometry, note, created_at, updated_at`

// FindGridByCode implements gridline.GridService.
func (s *GridService) FindGridByCode(ctx context.Context, code string) (*gridline.Grid, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findGridByCode(ctx, tx, code)
}

func findGridByCode(ctx context.Context, tx *Tx, code string) (*gridline.Grid, error) {
	gs, _, err := findGrids(ctx, tx, gridline.GridFilter{Code: &code})
	if err != nil {
		return nil, err
	} else if len(gs) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Grid %s not found.", code)
	}
	return gs[0], nil
}

// FindGrids implements gridline.GridService.
func (s *GridService) FindGrids(ctx context.Context, f gridline.GridFilter) ([]*gridline.Grid, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findGrids(ctx, tx, f)
}

func findGrids(ctx context.Context, tx *Tx, f gridline.GridFilter) ([]*gridline.Grid, int, error) {
	var w where
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.Code != nil {
		w.add("code = ?", *f.Code)
	}
	if f.Layer != nil {
		w.add("layer = ?", *f.Layer)
	}
	if f.Within != nil {
		lo, hi := prefixRange(*f.Within)
		w.add("community_code >= ? AND community_code < ?", lo, hi)
	}
	return findPage(ctx, tx, gridColumns, "grids", w, "code", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.Grid, error) {
			var g gridline.Grid
			var geom string
			if err := rows.Scan(&g.ID, &g.Code, &g.Name, &g.Layer, &g.CommunityCode, &g.TownCode, &g.CountyCode,
				&g.AreaM2, &geom, &g.Note, &g.CreatedAt, &g.UpdatedAt, total); err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(geom), &g.Geometry); err != nil {
				return nil, fmt.Errorf("grid %s geometry: %w", g.Code, err)
			}
			return &g, nil
		})
}

// CreateGrid implements gridline.GridService.
// The polygon is validated before the transaction: the single writer is
// not held while a large polygon is checked.
func (s *GridService) CreateGrid(ctx context.Context, g *gridline.Grid) error {
	g.Normalize()
	if err := validateGrid(ctx, g); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Before the next free code is read: two writers must not pick the same.
	if err := tx.lockKey(ctx, gridsLock); err != nil {
		return err
	}
	if g.Code == "" {
		if err := gridline.AssignGridCodes([]*gridline.Grid{g}, func(c string) (int, error) { return nextGridSeq(ctx, tx, c) }); err != nil {
			return err
		}
	}
	if err := createGrid(ctx, tx, g); err != nil {
		return err
	}
	return tx.Commit()
}

// ImportGrids implements gridline.GridService.
func (s *GridService) ImportGrids(ctx context.Context, grids []*gridline.Grid) error {
	for i, g := range grids {
		g.Normalize()
		if err := validateGrid(ctx, g); err != nil {
			if ctx.Err() != nil {
				return ctx.Err() // the client left: not the feature's fault
			}
			return gridline.FeatureError(i, err)
		}
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.lockKey(ctx, gridsLock); err != nil {
		return err
	}
	err = gridline.AssignGridCodes(grids, func(c string) (int, error) { return nextGridSeq(ctx, tx, c) })
	if err != nil {
		return err
	}
	for i, g := range grids {
		if err := createGrid(ctx, tx, g); err != nil {
			if code := gridline.ErrorCode(err); code == gridline.EINTERNAL {
				return fmt.Errorf("import grid %d: %w", i, err)
			} else if code == gridline.ECONFLICT {
				return &gridline.Error{Code: code, Message: fmt.Sprintf("feature %d: %s", i, gridline.ErrorMessage(err)),
					Fields: map[string]string{"feature": strconv.Itoa(i)}}
			}
			return gridline.FeatureError(i, err)
		}
	}
	return tx.Commit()
}

// validateGrid is Validate giving up when ctx ends (the client left).
func validateGrid(ctx context.Context, g *gridline.Grid) error {
	if err := g.ValidateAttrs(); err != nil {
		return err
	}
	return g.ValidateGeometry(ctx)
}

// nextGridSeq returns the first sequence after the highest one used in a
// community, across layers: grid codes are unique district-wide.
func nextGridSeq(ctx context.Context, tx *Tx, community string) (int, error) {
	var max *string
	if err := tx.QueryRowContext(ctx, `SELECT MAX(code) FROM grids WHERE community_code = $1`, community).Scan(&max); err != nil {
		return 0, err
	}
	if max == nil || len(*max) != gridline.GridCodeLen {
		return 1, nil
	}
	n, err := strconv.Atoi((*max)[12:])
	if err != nil {
		return 0, fmt.Errorf("grid code %s: %w", *max, err)
	}
	return n + 1, nil
}

// checkGrid verifies what only the database knows: the layer and the
// community exist, and no other grid of the layer overlaps g.
func checkGrid(ctx context.Context, tx *Tx, g *gridline.Grid) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM grid_layers WHERE code = $1`, g.Layer).Scan(&n); err != nil {
		return err
	} else if n == 0 {
		return gridline.FieldErrorf("layer", "unknown layer %q", g.Layer)
	}
	var level string
	err := tx.QueryRowContext(ctx, `SELECT level FROM regions WHERE code = $1`, g.CommunityCode).Scan(&level)
	if err != nil || level != string(gridline.LevelVillage) {
		return gridline.FieldErrorf("community_code", "no village/community %s is stored (import the regions first)", g.CommunityCode)
	}
	if err := tx.lockKey(ctx, gridsLock); err != nil {
		return err
	}
	b := g.Geometry.Bound()
	rows, err := tx.QueryContext(ctx, `SELECT code, geometry FROM grids
		WHERE layer = $1 AND id <> $2 AND min_lon <= $3 AND max_lon >= $4 AND min_lat <= $5 AND max_lat >= $6`,
		g.Layer, g.ID, b.Max[0], b.Min[0], b.Max[1], b.Min[1])
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var code, geom string
		if err := rows.Scan(&code, &geom); err != nil {
			return err
		}
		var other gridline.Polygon
		if err := json.Unmarshal([]byte(geom), &other); err != nil {
			return fmt.Errorf("grid %s geometry: %w", code, err)
		}
		pt, ok, err := gridline.OverlapsContext(ctx, g.Geometry, other, gridline.OverlapToleranceM)
		if err != nil {
			return err // the client left
		} else if ok {
			return gridline.FieldErrorf("geometry", "overlaps grid %s of layer %s (e.g. at %.6f, %.6f)", code, g.Layer, pt[0], pt[1])
		}
	}
	return rows.Err()
}

func createGrid(ctx context.Context, tx *Tx, g *gridline.Grid) error {
	if err := checkGrid(ctx, tx, g); err != nil {
		return err
	}
	geom, err := json.Marshal(g.Geometry)
	if err != nil {
		return err
	}
	b := g.Geometry.Bound()
	g.CreatedAt, g.UpdatedAt = tx.now, tx.now
	err = tx.QueryRowContext(ctx, `INSERT INTO grids (code, name, layer, community_code, town_code, county_code, area_m2,
		geometry, min_lon, min_lat, max_lon, max_lat, note, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		g.Code, g.Name, g.Layer, g.CommunityCode, g.TownCode, g.CountyCode, g.AreaM2, string(geom),
		b.Min[0], b.Min[1], b.Max[0], b.Max[1], g.Note, g.CreatedAt, g.UpdatedAt).Scan(&g.ID)
	if err != nil {
		if e := translate(tx.db.dialect, err); gridline.ErrorCode(e) == gridline.ECONFLICT {
			return &gridline.Error{Code: gridline.ECONFLICT, Message: fmt.Sprintf("grid code %s is taken", g.Code),
				Fields: map[string]string{"code": "is taken"}}
		} else {
			return e
		}
	}
	return tx.record(ctx, "create", "grid", g.Code, "")
}

// UpdateGrid implements gridline.GridService.
func (s *GridService) UpdateGrid(ctx context.Context, code string, upd gridline.GridUpdate) (*gridline.Grid, error) {
	if upd.Geometry != nil {
		// Before the transaction, as in CreateGrid.
		if err := (&gridline.Grid{Geometry: *upd.Geometry}).ValidateGeometry(ctx); err != nil {
			return nil, err
		}
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.lockRow(ctx, "grids", "code", code); err != nil {
		return nil, err
	}
	g, err := findGridByCode(ctx, tx, code)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		g.Name = *upd.Name
	}
	if upd.Note != nil {
		g.Note = *upd.Note
	}
	if upd.Geometry != nil {
		g.Geometry = *upd.Geometry
	}
	g.Normalize()
	if err := g.ValidateAttrs(); err != nil {
		return nil, err
	}
	if upd.Geometry != nil {
		if err := checkGrid(ctx, tx, g); err != nil {
			return nil, err
		}
	}
	geom, err := json.Marshal(g.Geometry)
	if err != nil {
		return nil, err
	}
	b := g.Geometry.Bound()
	g.UpdatedAt = tx.now
	if _, err := tx.exec(ctx, `UPDATE grids SET name = $1, note = $2, geometry = $3, area_m2 = $4,
		min_lon = $5, min_lat = $6, max_lon = $7, max_lat = $8, updated_at = $9 WHERE id = $10`,
		g.Name, g.Note, string(geom), g.AreaM2, b.Min[0], b.Min[1], b.Max[0], b.Max[1], g.UpdatedAt, g.ID); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, "update", "grid", g.Code, ""); err != nil {
		return nil, err
	}
	return g, tx.Commit()
}

// DeleteGrid implements gridline.GridService.
func (s *GridService) DeleteGrid(ctx context.Context, code string) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := findGridByCode(ctx, tx, code); err != nil {
		return err
	}
	var refs int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM points WHERE grid_code = $1) +
		(SELECT COUNT(*) FROM compounds WHERE grid_code = $1) +
		(SELECT COUNT(*) FROM buildings WHERE grid_code = $1) +
		(SELECT COUNT(*) FROM assignments WHERE grid_code = $1) +
		(SELECT COUNT(*) FROM party_orgs WHERE grid_code = $1)`, code).Scan(&refs); err != nil {
		return err
	}
	if refs > 0 {
		return gridline.Errorf(gridline.ECONFLICT, "Grid %s still has %d points, compounds, buildings, assignments or party organisations; move or delete them first.", code, refs)
	}
	if _, err := tx.exec(ctx, `DELETE FROM grids WHERE code = $1`, code); err != nil {
		return err
	}
	if err := tx.record(ctx, "delete", "grid", code, ""); err != nil {
		return err
	}
	return tx.Commit()
}

// FindGridDetail implements gridline.GridService.
func (s *GridService) FindGridDetail(ctx context.Context, code string) (*gridline.GridDetail, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	g, err := findGridByCode(ctx, tx, code)
	if err != nil {
		return nil, err
	}
	d := &gridline.GridDetail{Grid: g, Workers: []*gridline.Person{}}
	names, err := regionNames(ctx, tx, []string{g.CommunityCode, g.TownCode})
	if err != nil {
		return nil, err
	}
	d.Community = gridline.Named{Code: g.CommunityCode, Name: names[g.CommunityCode]}
	d.Town = gridline.Named{Code: g.TownCode, Name: names[g.TownCode]}
	err = tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT name FROM grid_layers WHERE code = $2), ''),
		(SELECT COUNT(*) FROM points WHERE grid_code = $1),
		(SELECT COUNT(*) FROM compounds WHERE grid_code = $1),
		(SELECT COUNT(*) FROM buildings WHERE grid_code = $1)`, code, g.Layer).
		Scan(&d.LayerName, &d.Points, &d.Compounds, &d.Buildings)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	people, n, err := findPeople(ctx, tx, gridline.PersonFilter{GridCode: &code, Limit: gridline.GridDetailWorkers})
	if err != nil {
		return nil, err
	}
	d.Workers = append(d.Workers, people...)
	d.WorkersTotal = n
	level := gridline.PartyGridOrg
	orgs, _, err := findPartyOrgs(ctx, tx, gridline.PartyOrgFilter{Level: &level, GridCode: &code, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(orgs) > 0 {
		d.PartyOrg = &gridline.PartyOrgBrief{ID: orgs[0].ID, Name: orgs[0].Name, LeaderName: orgs[0].LeaderName}
	}
	return d, nil
}
