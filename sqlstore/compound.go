package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

// CompoundService implements gridline.CompoundService.
type CompoundService struct {
	db  *DB
	loc gridline.LocateService
}

// NewCompoundService returns a CompoundService over db that locates with loc.
func NewCompoundService(db *DB, loc gridline.LocateService) *CompoundService {
	return &CompoundService{db: db, loc: loc}
}

var _ gridline.CompoundService = (*CompoundService)(nil)

// FindCompoundByID implements gridline.CompoundService.
func (s *CompoundService) FindCompoundByID(ctx context.Context, id int64) (*gridline.Compound, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findCompoundByID(ctx, tx, id)
}

const compoundColumns = `c.id, c.name, c.property_unit_id, COALESCE(u.name, ''), c.geometry, c.lon, c.lat,
	c.county_code, c.town_code, c.community_code, COALESCE(c.grid_code, ''), c.households, c.built_year, c.created_at, c.updated_at`

// FindCompounds implements gridline.CompoundService. BuildingID selects the
// compound of that building.
func (s *CompoundService) FindCompounds(ctx context.Context, f gridline.PlaceFilter) ([]*gridline.Compound, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findCompounds(ctx, tx, f)
}

func findCompounds(ctx context.Context, tx *Tx, f gridline.PlaceFilter) ([]*gridline.Compound, int, error) {
	var w where
	placeWhere(&w, f, "c.", "name")
	if f.CompoundID != nil {
		w.add("c.id = ?", *f.CompoundID)
	}
	if f.BuildingID != nil {
		w.add("c.id = (SELECT compound_id FROM buildings WHERE id = ?)", *f.BuildingID)
	}
	return findPage(ctx, tx, compoundColumns, `compounds c LEFT JOIN units u ON u.id = c.property_unit_id`, w, "c.id", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.Compound, error) {
			var c gridline.Compound
			var geom *string
			if err := rows.Scan(&c.ID, &c.Name, &c.PropertyUnitID, &c.PropertyUnitName, &geom, &c.Lon, &c.Lat,
				&c.CountyCode, &c.TownCode, &c.CommunityCode, &c.GridCode, &c.Households, &c.BuiltYear,
				&c.CreatedAt, &c.UpdatedAt, total); err != nil {
				return nil, err
			}
			if geom != nil && *geom != "" {
				if err := json.Unmarshal([]byte(*geom), &c.Geometry); err != nil {
					return nil, fmt.Errorf("compound %d geometry: %w", c.ID, err)
				}
			}
			return &c, nil
		})
}

func findCompoundByID(ctx context.Context, tx *Tx, id int64) (*gridline.Compound, error) {
	cs, _, err := findCompounds(ctx, tx, gridline.PlaceFilter{ID: &id})
	if err != nil {
		return nil, err
	} else if len(cs) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Compound not found.")
	}
	return cs[0], nil
}

// checkCompound validates c (setting its position from its outline) and
// its property company.
func checkCompound(ctx context.Context, tx *Tx, c *gridline.Compound) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.PropertyUnitID != nil {
		var kind string
		err := tx.QueryRowContext(ctx, `SELECT kind FROM units WHERE id = $1`, *c.PropertyUnitID).Scan(&kind)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		} else if err != nil {
			return gridline.FieldErrorf("property_unit_id", "no unit %d", *c.PropertyUnitID)
		} else if kind != string(gridline.UnitProperty) {
			return gridline.FieldErrorf("property_unit_id", "unit %d is a %s, not a property company", *c.PropertyUnitID, kind)
		}
	}
	return nil
}

// compoundGeometry returns the stored form of a compound's geometry: GeoJSON
// text, or NULL when it has none.
func compoundGeometry(p gridline.Polygon) (any, error) {
	if len(p) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// CreateCompound implements gridline.CompoundService.
func (s *CompoundService) CreateCompound(ctx context.Context, c *gridline.Compound) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkCompound(ctx, tx, c); err != nil {
		return err
	}
	if c.RegionPath, err = placePath(ctx, tx, s.loc, c.GridCode, "", orb.Point{c.Lon, c.Lat}, c.LocationField()); err != nil {
		return err
	}
	geom, err := compoundGeometry(c.Geometry)
	if err != nil {
		return err
	}
	c.CreatedAt, c.UpdatedAt = tx.now, tx.now
	if err := tx.QueryRowContext(ctx, `INSERT INTO compounds (name, property_unit_id, geometry, lon, lat, county_code, town_code,
		community_code, grid_code, households, built_year, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		c.Name, c.PropertyUnitID, geom, c.Lon, c.Lat, c.CountyCode, c.TownCode, c.CommunityCode, c.GridCode,
		c.Households, c.BuiltYear, c.CreatedAt, c.UpdatedAt).Scan(&c.ID); err != nil {
		return translate(tx.db.dialect, err)
	}
	if err := tx.record(ctx, "create", "compound", auditKey(c.ID), ""); err != nil {
		return err
	}
	got, err := findCompoundByID(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	c.PropertyUnitName = got.PropertyUnitName
	return tx.Commit()
}

// UpdateCompound implements gridline.CompoundService. A new geometry moves
// the compound to its new centroid (keeping its grid if it still lies in
// it); an empty one clears the outline and keeps the position. A new name
// is written into the standard addresses of its buildings.
func (s *CompoundService) UpdateCompound(ctx context.Context, id int64, upd gridline.CompoundUpdate) (*gridline.Compound, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.lockRow(ctx, "compounds", "id", id); err != nil {
		return nil, err
	}
	c, err := findCompoundByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	renamed := upd.Name != nil && *upd.Name != c.Name
	if upd.Name != nil {
		c.Name = *upd.Name
	}
	if upd.PropertyUnitID != nil {
		c.PropertyUnitID = upd.PropertyUnitID
	}
	if upd.Households != nil {
		c.Households = *upd.Households
	}
	if upd.Geometry != nil {
		c.Geometry = *upd.Geometry
	}
	if err := checkCompound(ctx, tx, c); err != nil {
		return nil, err
	}
	if upd.Geometry != nil && len(c.Geometry) > 0 {
		if c.RegionPath, err = placePath(ctx, tx, s.loc, "", c.GridCode, orb.Point{c.Lon, c.Lat}, "geometry"); err != nil {
			return nil, err
		}
	}
	geom, err := compoundGeometry(c.Geometry)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `UPDATE compounds SET name = $1, property_unit_id = $2, geometry = $3, lon = $4, lat = $5,
		county_code = $6, town_code = $7, community_code = $8, grid_code = $9, households = $10, updated_at = $11 WHERE id = $12`,
		c.Name, c.PropertyUnitID, geom, c.Lon, c.Lat, c.CountyCode, c.TownCode, c.CommunityCode, c.GridCode,
		c.Households, tx.now, id); err != nil {
		return nil, err
	}
	if renamed {
		if err := refreshAddressNames(ctx, tx, "b.compound_id = $1", id); err != nil {
			return nil, err
		}
	}
	if err := tx.record(ctx, "update", "compound", auditKey(id), ""); err != nil {
		return nil, err
	}
	if c, err = findCompoundByID(ctx, tx, id); err != nil {
		return nil, err
	}
	return c, tx.Commit()
}

// DeleteCompound implements gridline.CompoundService. Returns ECONFLICT while
// buildings, party organisations or assignments refer to the compound.
func (s *CompoundService) DeleteCompound(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := findCompoundByID(ctx, tx, id); err != nil {
		return err
	}
	if err := deleteRow(ctx, tx, "compounds", "compound", id, "",
		refCount{`SELECT COUNT(*) FROM buildings WHERE compound_id = $1`,
			"Compound %d still has %d buildings; delete or move them first."},
		refCount{`SELECT COUNT(*) FROM party_orgs WHERE compound_id = $1`,
			"Compound %d still has %d party organisations; delete them first."},
		refCount{`SELECT COUNT(*) FROM assignments WHERE target = 'compound' AND target_id = $1`,
			"Compound %d still has %d assignments; unassign them first."}); err != nil {
		return err
	}
	return tx.Commit()
}

// querier is a pool or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// compoundAt returns the compound of grid whose outline holds (lon, lat),
// the lowest id if outlines overlap, or nil (gridline.CompoundContaining).
// Compounds are looked for in the case's grid (a compound belongs to the
// grid of its centre), so the query reads the few compounds of one grid by
// its index.
func compoundAt(ctx context.Context, q querier, grid string, lon, lat float64) (*int64, error) {
	f := compoundFinder{q: q, byGrid: map[string][]gridline.CompoundOutline{}}
	return f.at(ctx, grid, lon, lat)
}

// compoundFinder finds compounds as compoundAt does for many cases, each
// grid's compounds read and parsed once: an import of a year of cases.
type compoundFinder struct {
	q      querier
	byGrid map[string][]gridline.CompoundOutline
}

func (f *compoundFinder) at(ctx context.Context, grid string, lon, lat float64) (*int64, error) {
	if grid == "" {
		return nil, nil
	}
	cs, ok := f.byGrid[grid]
	if !ok {
		var err error
		if cs, err = gridCompoundOutlines(ctx, f.q, grid); err != nil {
			return nil, err
		}
		f.byGrid[grid] = cs
	}
	return gridline.CompoundContaining(cs, lon, lat), nil
}

// gridCompoundOutlines reads the outlined compounds of grid, by id.
func gridCompoundOutlines(ctx context.Context, q querier, grid string) ([]gridline.CompoundOutline, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, geometry FROM compounds WHERE grid_code = $1 AND geometry IS NOT NULL
		ORDER BY id`, grid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cs := []gridline.CompoundOutline{}
	for rows.Next() {
		var c gridline.CompoundOutline
		var geo string
		if err := rows.Scan(&c.ID, &geo); err != nil {
			return nil, err
		}
		if err := c.Outline.UnmarshalJSON([]byte(geo)); err != nil {
			return nil, fmt.Errorf("compound %d geometry: %w", c.ID, err)
		}
		c.Bound = c.Outline.Bound()
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// GridCompoundOutlines implements gridline.CompoundOutliner.
func (s *CompoundService) GridCompoundOutlines(ctx context.Context, grid string) ([]gridline.CompoundOutline, error) {
	cs, err := gridCompoundOutlines(ctx, s.db.read, grid)
	return cs, translate(s.db.dialect, err)
}
