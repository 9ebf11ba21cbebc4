package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

// PlaceService implements gridline.PlaceService.
type PlaceService struct{ db *DB }

// NewPlaceService returns a PlaceService over db.
func NewPlaceService(db *DB) *PlaceService { return &PlaceService{db: db} }

var _ gridline.PlaceService = (*PlaceService)(nil)

// locate returns the region path of pt. With gridCode, pt must lie in that
// grid. Without, prefer (the grid the object is already in, or its
// compound's) is tried first, so an object that stays put keeps its grid;
// then every grid whose bounding box holds pt, layers in sort order. field
// names the location in errors: lon, geometry or footprint.
func locate(ctx context.Context, tx *Tx, gridCode, prefer string, pt orb.Point, field string) (gridline.RegionPath, error) {
	if gridCode != "" {
		g, err := findGridByCode(ctx, tx, gridCode)
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return gridline.RegionPath{}, gridline.FieldErrorf("grid_code", "no grid %s", gridCode)
		} else if err != nil {
			return gridline.RegionPath{}, err
		}
		if !g.Geometry.Contains(pt) {
			return gridline.RegionPath{}, gridline.FieldErrorf(field, "(%.6f, %.6f) lies outside grid %s", pt[0], pt[1], gridCode)
		}
		return gridline.PathOfGrid(g), nil
	}
	if prefer != "" {
		g, err := findGridByCode(ctx, tx, prefer)
		if err != nil && gridline.ErrorCode(err) != gridline.ENOTFOUND {
			return gridline.RegionPath{}, err
		}
		if err == nil && g.Geometry.Contains(pt) {
			return gridline.PathOfGrid(g), nil
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT g.code, g.community_code, g.town_code, g.county_code, g.geometry
		FROM grids g JOIN grid_layers l ON l.code = g.layer
		WHERE g.min_lon <= $1 AND g.max_lon >= $1 AND g.min_lat <= $2 AND g.max_lat >= $2
		ORDER BY l.sort_order, l.code, g.code`, pt[0], pt[1])
	if err != nil {
		return gridline.RegionPath{}, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p gridline.RegionPath
		var geom string
		if err := rows.Scan(&p.GridCode, &p.CommunityCode, &p.TownCode, &p.CountyCode, &geom); err != nil {
			return gridline.RegionPath{}, err
		}
		var poly gridline.Polygon
		if err := json.Unmarshal([]byte(geom), &poly); err != nil {
			return gridline.RegionPath{}, fmt.Errorf("grid %s geometry: %w", p.GridCode, err)
		}
		if poly.Contains(pt) {
			return p, nil
		}
	}
	if err := rows.Err(); err != nil {
		return gridline.RegionPath{}, err
	}
	return gridline.RegionPath{}, gridline.FieldErrorf(field, "(%.6f, %.6f) lies in no grid", pt[0], pt[1])
}

// lonLatError names the coordinate that is wrong: lat when only the
// latitude is out of range, lon otherwise (including swapped pairs).
func lonLatError(lon, lat float64) error {
	msg := gridline.ValidateLonLat(lon, lat)
	if msg == "" {
		return nil
	}
	if lon >= -180 && lon <= 180 && !(lat >= -90 && lat <= 90) {
		return gridline.FieldErrorf("lat", "%s", msg)
	}
	return gridline.FieldErrorf("lon", "%s", msg)
}

// polygonError validates a polygon under the name of its field.
func polygonError(field string, p gridline.Polygon) error {
	if len(p) == 0 {
		return gridline.FieldErrorf(field, "is required")
	}
	if err := p.Validate(); err != nil {
		return gridline.FieldErrorf(field, "%s", gridline.ErrorMessage(err))
	}
	return nil
}

// containsPattern returns a LIKE pattern (with ESCAPE '\') matching values
// that contain q literally.
func containsPattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// placeWhere adds the filters shared by points, compounds, buildings and
// addresses; alias prefixes the columns and nameCol is what Query searches.
func placeWhere(w *where, f gridline.PlaceFilter, alias, nameCol string) {
	if f.ID != nil {
		w.add(alias+"id = ?", *f.ID)
	}
	if f.Within != nil {
		lo, hi := prefixRange(*f.Within)
		w.add(alias+"community_code >= ? AND "+alias+"community_code < ?", lo, hi)
	}
	if f.GridCode != nil {
		w.add(alias+"grid_code = ?", *f.GridCode)
	}
	if f.Query != nil && *f.Query != "" {
		w.add("lower("+alias+nameCol+`) LIKE lower(?) ESCAPE '\'`, containsPattern(*f.Query))
	}
}

func auditKey(id int64) string { return strconv.FormatInt(id, 10) }

// checkRef returns EINVALID naming field unless table (a constant) has a
// row with id; noun names such a row in the message.
func checkRef(ctx context.Context, tx *Tx, field, table, noun string, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = $1`, id).Scan(&n); err != nil {
		return translate(tx.db.dialect, err)
	} else if n == 0 {
		return gridline.FieldErrorf(field, "no %s %d", noun, id)
	}
	return nil
}

// refCount is a kind of row that keeps another from being deleted: a
// COUNT query over the id ($1), and the ECONFLICT message, formatted with
// the id and the count.
type refCount struct{ query, msg string }

// deleteRow deletes row id of table and audits it as entity, unless one
// of refs still counts rows: the first that does is ECONFLICT.
func deleteRow(ctx context.Context, tx *Tx, table, entity string, id int64, detail string, refs ...refCount) error {
	for _, r := range refs {
		var n int
		if err := tx.QueryRowContext(ctx, r.query, id).Scan(&n); err != nil {
			return translate(tx.db.dialect, err)
		} else if n > 0 {
			return gridline.Errorf(gridline.ECONFLICT, r.msg, id, n)
		}
	}
	if _, err := tx.exec(ctx, `DELETE FROM `+table+` WHERE id = $1`, id); err != nil {
		return err
	}
	return tx.audit(ctx, "delete", entity, auditKey(id), detail)
}

// maxInt is the largest value of the INTEGER columns (floors, households,
// numbers): 32 bits on PostgreSQL, where a larger value fails to encode,
// while SQLite would store it.
const maxInt = 1<<31 - 1

// checkInt returns EINVALID naming field unless lo <= v <= maxInt.
func checkInt(field string, v, lo int) error {
	if v < lo {
		if lo == 0 {
			return gridline.FieldErrorf(field, "must not be negative")
		}
		return gridline.FieldErrorf(field, "must be at least %d, got %d", lo, v)
	}
	if v > maxInt {
		return gridline.FieldErrorf(field, "must be at most %d, got %d", maxInt, v)
	}
	return nil
}

// --- Points ---

const pointColumns = `p.id, p.name, p.kind, p.lon, p.lat, p.county_code, p.town_code, p.community_code, p.grid_code,
	p.cadre_id, COALESCE(c.name, ''), p.note, p.created_at, p.updated_at`

// FindPoints implements gridline.PlaceService. Points have no compound or
// building, so filtering them by one is EINVALID rather than ignored.
func (s *PlaceService) FindPoints(ctx context.Context, f gridline.PlaceFilter) ([]*gridline.Point, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findPoints(ctx, tx, f)
}

func findPoints(ctx context.Context, tx *Tx, f gridline.PlaceFilter) ([]*gridline.Point, int, error) {
	if f.CompoundID != nil {
		return nil, 0, gridline.FieldErrorf("compound_id", "does not apply to points")
	}
	if f.BuildingID != nil {
		return nil, 0, gridline.FieldErrorf("building_id", "does not apply to points")
	}
	var w where
	placeWhere(&w, f, "p.", "name")
	return findPage(ctx, tx, pointColumns, `points p LEFT JOIN people c ON c.id = p.cadre_id`, w, "p.id", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.Point, error) {
			var p gridline.Point
			err := rows.Scan(&p.ID, &p.Name, &p.Kind, &p.Lon, &p.Lat, &p.CountyCode, &p.TownCode, &p.CommunityCode, &p.GridCode,
				&p.CadreID, &p.CadreName, &p.Note, &p.CreatedAt, &p.UpdatedAt, total)
			return &p, err
		})
}

func findPointByID(ctx context.Context, tx *Tx, id int64) (*gridline.Point, error) {
	ps, _, err := findPoints(ctx, tx, gridline.PlaceFilter{ID: &id})
	if err != nil {
		return nil, err
	} else if len(ps) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Point not found.")
	}
	return ps[0], nil
}

func checkPoint(ctx context.Context, tx *Tx, p *gridline.Point) error {
	if strings.TrimSpace(p.Name) == "" {
		return gridline.FieldErrorf("name", "is required")
	}
	if err := lonLatError(p.Lon, p.Lat); err != nil {
		return err
	}
	if p.CadreID != nil {
		return checkRef(ctx, tx, "cadre_id", "people", "person", *p.CadreID)
	}
	return nil
}

// CreatePoint implements gridline.PlaceService.
func (s *PlaceService) CreatePoint(ctx context.Context, p *gridline.Point) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkPoint(ctx, tx, p); err != nil {
		return err
	}
	path, err := locate(ctx, tx, p.GridCode, "", orb.Point{p.Lon, p.Lat}, "lon")
	if err != nil {
		return err
	}
	p.RegionPath = path
	p.CreatedAt, p.UpdatedAt = tx.now, tx.now
	if err := tx.QueryRowContext(ctx, `INSERT INTO points (name, kind, lon, lat, county_code, town_code, community_code,
		grid_code, cadre_id, note, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		p.Name, p.Kind, p.Lon, p.Lat, p.CountyCode, p.TownCode, p.CommunityCode, p.GridCode, p.CadreID, p.Note,
		p.CreatedAt, p.UpdatedAt).Scan(&p.ID); err != nil {
		return translate(tx.db.dialect, err)
	}
	if err := tx.audit(ctx, "create", "point", auditKey(p.ID), ""); err != nil {
		return err
	}
	got, err := findPointByID(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	p.CadreName = got.CadreName
	return tx.Commit()
}

// UpdatePoint implements gridline.PlaceService. A moved point keeps its
// grid while it stays inside it and is located afresh otherwise.
func (s *PlaceService) UpdatePoint(ctx context.Context, id int64, upd gridline.PointUpdate) (*gridline.Point, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.lockRow(ctx, "points", "id", id); err != nil {
		return nil, err
	}
	p, err := findPointByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		p.Name = *upd.Name
	}
	if upd.Kind != nil {
		p.Kind = *upd.Kind
	}
	if upd.Lon != nil {
		p.Lon = *upd.Lon
	}
	if upd.Lat != nil {
		p.Lat = *upd.Lat
	}
	if upd.CadreID != nil {
		p.CadreID = upd.CadreID
	}
	if upd.Note != nil {
		p.Note = *upd.Note
	}
	if err := checkPoint(ctx, tx, p); err != nil {
		return nil, err
	}
	if upd.Lon != nil || upd.Lat != nil {
		if p.RegionPath, err = locate(ctx, tx, "", p.GridCode, orb.Point{p.Lon, p.Lat}, "lon"); err != nil {
			return nil, err
		}
	}
	if _, err := tx.exec(ctx, `UPDATE points SET name = $1, kind = $2, lon = $3, lat = $4, county_code = $5, town_code = $6,
		community_code = $7, grid_code = $8, cadre_id = $9, note = $10, updated_at = $11 WHERE id = $12`,
		p.Name, p.Kind, p.Lon, p.Lat, p.CountyCode, p.TownCode, p.CommunityCode, p.GridCode, p.CadreID, p.Note, tx.now, id); err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, "update", "point", auditKey(id), ""); err != nil {
		return nil, err
	}
	if p, err = findPointByID(ctx, tx, id); err != nil {
		return nil, err
	}
	return p, tx.Commit()
}

// DeletePoint implements gridline.PlaceService. Returns ECONFLICT while
// people are assigned to the point.
func (s *PlaceService) DeletePoint(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := findPointByID(ctx, tx, id); err != nil {
		return err
	}
	if err := deleteRow(ctx, tx, "points", "point", id, "", refCount{
		`SELECT COUNT(*) FROM assignments WHERE target = 'point' AND target_id = $1`,
		"Point %d still has %d assignments; unassign them first."}); err != nil {
		return err
	}
	return tx.Commit()
}

// --- Compounds ---

const compoundColumns = `c.id, c.name, c.property_unit_id, COALESCE(u.name, ''), c.geometry, c.lon, c.lat,
	c.county_code, c.town_code, c.community_code, COALESCE(c.grid_code, ''), c.households, c.built_year, c.created_at, c.updated_at`

// FindCompounds implements gridline.PlaceService. BuildingID selects the
// compound of that building.
func (s *PlaceService) FindCompounds(ctx context.Context, f gridline.PlaceFilter) ([]*gridline.Compound, int, error) {
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

// checkCompound validates c and sets its Lon/Lat to the centroid of its
// geometry, when it has one.
func checkCompound(ctx context.Context, tx *Tx, c *gridline.Compound) error {
	if strings.TrimSpace(c.Name) == "" {
		return gridline.FieldErrorf("name", "is required")
	}
	if len(c.Geometry) > 0 {
		if err := polygonError("geometry", c.Geometry); err != nil {
			return err
		}
		ct := c.Geometry.Centroid()
		c.Lon, c.Lat = ct[0], ct[1]
	} else if err := lonLatError(c.Lon, c.Lat); err != nil {
		return err
	}
	if err := checkInt("households", c.Households, 0); err != nil {
		return err
	}
	if c.BuiltYear != 0 && (c.BuiltYear < 1800 || c.BuiltYear > 2200) {
		return gridline.FieldErrorf("built_year", "%d is not a plausible year", c.BuiltYear)
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

func locationField(c *gridline.Compound) string {
	if len(c.Geometry) > 0 {
		return "geometry"
	}
	return "lon"
}

// CreateCompound implements gridline.PlaceService.
func (s *PlaceService) CreateCompound(ctx context.Context, c *gridline.Compound) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkCompound(ctx, tx, c); err != nil {
		return err
	}
	if c.RegionPath, err = locate(ctx, tx, c.GridCode, "", orb.Point{c.Lon, c.Lat}, locationField(c)); err != nil {
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
	if err := tx.audit(ctx, "create", "compound", auditKey(c.ID), ""); err != nil {
		return err
	}
	got, err := findCompoundByID(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	c.PropertyUnitName = got.PropertyUnitName
	return tx.Commit()
}

// UpdateCompound implements gridline.PlaceService. A new geometry moves
// the compound to its new centroid (keeping its grid if it still lies in
// it); an empty one clears the outline and keeps the position. A new name
// is written into the standard addresses of its buildings.
func (s *PlaceService) UpdateCompound(ctx context.Context, id int64, upd gridline.CompoundUpdate) (*gridline.Compound, error) {
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
		if c.RegionPath, err = locate(ctx, tx, "", c.GridCode, orb.Point{c.Lon, c.Lat}, "geometry"); err != nil {
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
	if err := tx.audit(ctx, "update", "compound", auditKey(id), ""); err != nil {
		return nil, err
	}
	if c, err = findCompoundByID(ctx, tx, id); err != nil {
		return nil, err
	}
	return c, tx.Commit()
}

// DeleteCompound implements gridline.PlaceService. Returns ECONFLICT while
// buildings, party organisations or assignments refer to the compound.
func (s *PlaceService) DeleteCompound(ctx context.Context, id int64) error {
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

// --- Buildings ---

const buildingColumns = `b.id, b.compound_id, b.name, b.number, b.floors, b.height_m, b.footprint, b.lon, b.lat,
	b.county_code, b.town_code, b.community_code, COALESCE(b.grid_code, ''), b.created_at, b.updated_at`

// FindBuildings implements gridline.PlaceService. Each building comes with
// its entrances.
func (s *PlaceService) FindBuildings(ctx context.Context, f gridline.PlaceFilter) ([]*gridline.Building, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findBuildings(ctx, tx, f)
}

func findBuildings(ctx context.Context, tx *Tx, f gridline.PlaceFilter) ([]*gridline.Building, int, error) {
	var w where
	placeWhere(&w, f, "b.", "name")
	if f.CompoundID != nil {
		w.add("b.compound_id = ?", *f.CompoundID)
	}
	if f.BuildingID != nil {
		w.add("b.id = ?", *f.BuildingID)
	}
	out, total, err := findPage(ctx, tx, buildingColumns, `buildings b`, w, "b.id", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.Building, error) {
			var b gridline.Building
			var geom string
			if err := rows.Scan(&b.ID, &b.CompoundID, &b.Name, &b.Number, &b.Floors, &b.HeightM, &geom, &b.Lon, &b.Lat,
				&b.CountyCode, &b.TownCode, &b.CommunityCode, &b.GridCode, &b.CreatedAt, &b.UpdatedAt, total); err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(geom), &b.Footprint); err != nil {
				return nil, fmt.Errorf("building %d footprint: %w", b.ID, err)
			}
			b.Entrances = []*gridline.Entrance{}
			return &b, nil
		})
	if err != nil {
		return nil, 0, err
	}
	if err := loadEntrances(ctx, tx, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// loadEntrances fills the entrances of the given buildings, a few hundred
// buildings per query.
func loadEntrances(ctx context.Context, tx *Tx, bs []*gridline.Building) error {
	byID := make(map[int64]*gridline.Building, len(bs))
	ids := make([]any, len(bs))
	for i, b := range bs {
		byID[b.ID], ids[i] = b, b.ID
	}
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		rows, err := tx.QueryContext(ctx, `SELECT id, building_id, number, floors, households, address_id FROM entrances
			WHERE building_id IN (`+placeholders(1, len(part))+`) ORDER BY building_id, number`, part...)
		if err != nil {
			return translate(tx.db.dialect, err)
		}
		for rows.Next() {
			var e gridline.Entrance
			if err := rows.Scan(&e.ID, &e.BuildingID, &e.Number, &e.Floors, &e.Households, &e.AddressID); err != nil {
				rows.Close()
				return err
			}
			b := byID[e.BuildingID]
			b.Entrances = append(b.Entrances, &e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func findBuildingByID(ctx context.Context, tx *Tx, id int64) (*gridline.Building, error) {
	bs, _, err := findBuildings(ctx, tx, gridline.PlaceFilter{ID: &id})
	if err != nil {
		return nil, err
	} else if len(bs) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Building not found.")
	}
	return bs[0], nil
}

func checkBuilding(b *gridline.Building) error {
	if strings.TrimSpace(b.Name) == "" {
		return gridline.FieldErrorf("name", "is required")
	}
	if err := checkInt("number", b.Number, 0); err != nil {
		return err
	}
	if err := checkInt("floors", b.Floors, 1); err != nil {
		return err
	}
	if math.IsNaN(b.HeightM) || math.IsInf(b.HeightM, 0) {
		return gridline.FieldErrorf("height_m", "must be a finite number")
	}
	if b.HeightM < 0 {
		return gridline.FieldErrorf("height_m", "must not be negative")
	}
	return polygonError("footprint", b.Footprint)
}

// normalizeEntrances gives a building without entrances one entrance, and
// entrances without a number or floors the next number and the building's
// floors.
func normalizeEntrances(b *gridline.Building) error {
	if len(b.Entrances) == 0 {
		b.Entrances = []*gridline.Entrance{{Number: 1}}
	}
	seen := map[int]bool{}
	for i, e := range b.Entrances {
		if e == nil {
			return gridline.FieldErrorf("entrances", "entrance %d is empty", i+1)
		}
		if e.Number == 0 {
			e.Number = i + 1
		}
		if e.Floors == 0 {
			e.Floors = b.Floors
		}
		if min(e.Number, e.Floors, e.Households) < 0 || max(e.Number, e.Floors, e.Households) > maxInt {
			return gridline.FieldErrorf("entrances", "entrance %d: number, floors and households must be 0–%d", i+1, maxInt)
		}
		if seen[e.Number] {
			return gridline.FieldErrorf("entrances", "entrance number %d appears twice", e.Number)
		}
		seen[e.Number] = true
	}
	return nil
}

// newQRToken returns 16 random bytes in hex: unguessable, so a door plate
// cannot be forged by counting.
func newQRToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// committeeSuffixes are dropped from village names in addresses: the plate
// reads 韦园社区, not 韦园社区居委会. Longest first.
var committeeSuffixes = []string{"类似居委会", "居民委员会", "村民委员会", "居委会", "村委会"}

// addressName composes a standard address: the region names from province
// to community, then compound, building and entrance, e.g.
// "山东省济宁市兖州区鼓楼街道韦园社区 XX花园 5号楼2单元".
func addressName(names map[string]string, community, compound, building string, entrance int) string {
	var region strings.Builder
	for _, code := range append(gridline.AncestorCodes(community), community) {
		n := names[code]
		if code == community {
			for _, suf := range committeeSuffixes {
				if t := strings.TrimSuffix(n, suf); t != n && t != "" {
					n = t
					break
				}
			}
		}
		region.WriteString(n)
	}
	parts := make([]string, 0, 3)
	for _, p := range []string{region.String(), compound, fmt.Sprintf("%s%d单元", building, entrance)} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

func addressRegionNames(ctx context.Context, tx *Tx, community string) (map[string]string, error) {
	return regionNames(ctx, tx, append(gridline.AncestorCodes(community), community))
}

// CreateBuilding implements gridline.PlaceService. A building in a compound
// takes the compound's grid when its footprint lies there. Each entrance
// gets a standard address whose code is grid code, building id and
// entrance number ("370812001002001-17-2"): unique because building ids
// are, and stable because it is never recomputed.
func (s *PlaceService) CreateBuilding(ctx context.Context, b *gridline.Building) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkBuilding(b); err != nil {
		return err
	}
	if err := normalizeEntrances(b); err != nil {
		return err
	}
	compoundName, prefer := "", ""
	if b.CompoundID != nil {
		c, err := findCompoundByID(ctx, tx, *b.CompoundID)
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return gridline.FieldErrorf("compound_id", "no compound %d", *b.CompoundID)
		} else if err != nil {
			return err
		}
		compoundName, prefer = c.Name, c.GridCode
	}
	ct := b.Footprint.Centroid()
	b.Lon, b.Lat = ct[0], ct[1]
	if b.RegionPath, err = locate(ctx, tx, b.GridCode, prefer, ct, "footprint"); err != nil {
		return err
	}
	geom, err := json.Marshal(b.Footprint)
	if err != nil {
		return err
	}
	b.CreatedAt, b.UpdatedAt = tx.now, tx.now
	if err := tx.QueryRowContext(ctx, `INSERT INTO buildings (compound_id, name, number, floors, height_m, footprint, lon, lat,
		county_code, town_code, community_code, grid_code, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		b.CompoundID, b.Name, b.Number, b.Floors, b.HeightM, string(geom), b.Lon, b.Lat,
		b.CountyCode, b.TownCode, b.CommunityCode, b.GridCode, b.CreatedAt, b.UpdatedAt).Scan(&b.ID); err != nil {
		return translate(tx.db.dialect, err)
	}
	names, err := addressRegionNames(ctx, tx, b.CommunityCode)
	if err != nil {
		return err
	}
	for _, e := range b.Entrances {
		token, err := newQRToken()
		if err != nil {
			return err
		}
		code := fmt.Sprintf("%s-%d-%d", b.GridCode, b.ID, e.Number)
		var addrID int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO addresses (code, full_name, building_id, entrance_no, lon, lat,
			county_code, town_code, community_code, grid_code, qr_token, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			code, addressName(names, b.CommunityCode, compoundName, b.Name, e.Number), b.ID, e.Number, b.Lon, b.Lat,
			b.CountyCode, b.TownCode, b.CommunityCode, b.GridCode, token, tx.now).Scan(&addrID); err != nil {
			return translate(tx.db.dialect, err)
		}
		e.BuildingID, e.AddressID = b.ID, &addrID
		if err := tx.QueryRowContext(ctx, `INSERT INTO entrances (building_id, number, floors, households, address_id)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, b.ID, e.Number, e.Floors, e.Households, addrID).Scan(&e.ID); err != nil {
			return translate(tx.db.dialect, err)
		}
	}
	if err := tx.audit(ctx, "create", "building", auditKey(b.ID), fmt.Sprintf(`{"entrances":%d}`, len(b.Entrances))); err != nil {
		return err
	}
	return tx.Commit()
}

// refreshAddressNames recomputes the full names of the addresses of the
// buildings matching cond (over buildings b, one argument) after a
// building or compound is renamed.
func refreshAddressNames(ctx context.Context, tx *Tx, cond string, arg any) error {
	rows, err := tx.QueryContext(ctx, `SELECT a.id, a.community_code, a.entrance_no, b.name, COALESCE(c.name, '')
		FROM addresses a JOIN buildings b ON b.id = a.building_id LEFT JOIN compounds c ON c.id = b.compound_id
		WHERE `+cond+` ORDER BY a.id`, arg)
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	type addr struct {
		id                 int64
		community          string
		entrance           int
		building, compound string
	}
	var addrs []addr
	for rows.Next() {
		var a addr
		if err := rows.Scan(&a.id, &a.community, &a.entrance, &a.building, &a.compound); err != nil {
			rows.Close()
			return err
		}
		addrs = append(addrs, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	names := map[string]map[string]string{}
	for _, a := range addrs {
		if names[a.community] == nil {
			if names[a.community], err = addressRegionNames(ctx, tx, a.community); err != nil {
				return err
			}
		}
		full := addressName(names[a.community], a.community, a.compound, a.building, a.entrance)
		if _, err := tx.exec(ctx, `UPDATE addresses SET full_name = $1 WHERE id = $2`, full, a.id); err != nil {
			return err
		}
	}
	return nil
}

// UpdateBuilding implements gridline.PlaceService. Entrances that had the
// building's floor count follow a change of it, since they were most
// likely defaulted from it; a new name is written into the building's
// standard addresses.
func (s *PlaceService) UpdateBuilding(ctx context.Context, id int64, upd gridline.BuildingUpdate) (*gridline.Building, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.lockRow(ctx, "buildings", "id", id); err != nil {
		return nil, err
	}
	b, err := findBuildingByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	oldFloors := b.Floors
	renamed := upd.Name != nil && *upd.Name != b.Name
	if upd.Name != nil {
		b.Name = *upd.Name
	}
	if upd.Floors != nil {
		b.Floors = *upd.Floors
	}
	if upd.HeightM != nil {
		b.HeightM = *upd.HeightM
	}
	if err := checkBuilding(b); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `UPDATE buildings SET name = $1, floors = $2, height_m = $3, updated_at = $4 WHERE id = $5`,
		b.Name, b.Floors, b.HeightM, tx.now, id); err != nil {
		return nil, err
	}
	if b.Floors != oldFloors {
		if _, err := tx.exec(ctx, `UPDATE entrances SET floors = $1 WHERE building_id = $2 AND floors = $3`, b.Floors, id, oldFloors); err != nil {
			return nil, err
		}
	}
	if renamed {
		if err := refreshAddressNames(ctx, tx, "b.id = $1", id); err != nil {
			return nil, err
		}
	}
	if err := tx.audit(ctx, "update", "building", auditKey(id), ""); err != nil {
		return nil, err
	}
	if b, err = findBuildingByID(ctx, tx, id); err != nil {
		return nil, err
	}
	return b, tx.Commit()
}

// DeleteBuilding implements gridline.PlaceService. Its entrances and
// standard addresses go with it (ON DELETE CASCADE on both databases);
// party organisations tied to it make it ECONFLICT.
func (s *PlaceService) DeleteBuilding(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	b, err := findBuildingByID(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := deleteRow(ctx, tx, "buildings", "building", id, fmt.Sprintf(`{"entrances":%d}`, len(b.Entrances)), refCount{
		`SELECT COUNT(*) FROM party_orgs WHERE building_id = $1`,
		"Building %d still has %d party organisations; delete them first."}); err != nil {
		return err
	}
	return tx.Commit()
}

// --- Addresses ---

const addressColumns = `a.id, a.code, a.full_name, a.building_id, a.entrance_no, a.lon, a.lat,
	a.county_code, a.town_code, a.community_code, COALESCE(a.grid_code, ''), a.qr_token, a.created_at`

// FindAddresses implements gridline.PlaceService. Query searches the full
// name; CompoundID selects the addresses of the compound's buildings.
func (s *PlaceService) FindAddresses(ctx context.Context, f gridline.PlaceFilter) ([]*gridline.Address, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findAddresses(ctx, tx, f, "")
}

func findAddresses(ctx context.Context, tx *Tx, f gridline.PlaceFilter, qrToken string) ([]*gridline.Address, int, error) {
	var w where
	placeWhere(&w, f, "a.", "full_name")
	if f.CompoundID != nil {
		w.add("a.building_id IN (SELECT id FROM buildings WHERE compound_id = ?)", *f.CompoundID)
	}
	if f.BuildingID != nil {
		w.add("a.building_id = ?", *f.BuildingID)
	}
	if qrToken != "" {
		w.add("a.qr_token = ?", qrToken)
	}
	return findPage(ctx, tx, addressColumns, `addresses a`, w, "a.id", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.Address, error) {
			var a gridline.Address
			err := rows.Scan(&a.ID, &a.Code, &a.FullName, &a.BuildingID, &a.EntranceNo, &a.Lon, &a.Lat,
				&a.CountyCode, &a.TownCode, &a.CommunityCode, &a.GridCode, &a.QRToken, &a.CreatedAt, total)
			return &a, err
		})
}

// FindAddressByQR implements gridline.PlaceService: the address behind a
// scanned door plate. Returns ENOTFOUND for an unknown token.
func (s *PlaceService) FindAddressByQR(ctx context.Context, token string) (*gridline.Address, error) {
	if token == "" {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Address not found.")
	}
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	as, _, err := findAddresses(ctx, tx, gridline.PlaceFilter{}, token)
	if err != nil {
		return nil, err
	} else if len(as) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Address not found.")
	}
	return as[0], nil
}
