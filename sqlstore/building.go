package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

// BuildingService implements gridline.BuildingService.
type BuildingService struct {
	db  *DB
	loc gridline.LocateService
}

// NewBuildingService returns a BuildingService over db that locates with loc.
func NewBuildingService(db *DB, loc gridline.LocateService) *BuildingService {
	return &BuildingService{db: db, loc: loc}
}

var _ gridline.BuildingService = (*BuildingService)(nil)

// FindBuildingByID implements gridline.BuildingService.
func (s *BuildingService) FindBuildingByID(ctx context.Context, id int64) (*gridline.Building, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findBuildingByID(ctx, tx, id)
}

const buildingColumns = `b.id, b.compound_id, b.name, b.number, b.floors, b.height_m, b.footprint, b.lon, b.lat,
	b.county_code, b.town_code, b.community_code, COALESCE(b.grid_code, ''), b.created_at, b.updated_at`

// FindBuildings implements gridline.BuildingService. Each building comes with
// its entrances.
func (s *BuildingService) FindBuildings(ctx context.Context, f gridline.PlaceFilter) ([]*gridline.Building, int, error) {
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

func addressRegionNames(ctx context.Context, tx *Tx, community string) (map[string]string, error) {
	return regionNames(ctx, tx, gridline.AddressRegionCodes(community))
}

// CreateBuilding implements gridline.BuildingService. A building in a compound
// takes the compound's grid when its footprint lies there. Each entrance
// gets a standard address whose code is grid code, building id and
// entrance number ("370812001002001-17-2"): unique because building ids
// are, and stable because it is never recomputed.
func (s *BuildingService) CreateBuilding(ctx context.Context, b *gridline.Building) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := b.Validate(); err != nil {
		return err
	}
	if err := b.NormalizeEntrances(); err != nil {
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
	if b.RegionPath, err = placePath(ctx, tx, s.loc, b.GridCode, prefer, orb.Point{b.Lon, b.Lat}, "footprint"); err != nil {
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
		token, err := gridline.NewQRToken()
		if err != nil {
			return err
		}
		code := gridline.AddressCode(b.GridCode, b.ID, e.Number)
		var addrID int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO addresses (code, full_name, building_id, entrance_no, lon, lat,
			county_code, town_code, community_code, grid_code, qr_token, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			code, gridline.AddressName(names, b.CommunityCode, compoundName, b.Name, e.Number), b.ID, e.Number, b.Lon, b.Lat,
			b.CountyCode, b.TownCode, b.CommunityCode, b.GridCode, token, tx.now).Scan(&addrID); err != nil {
			return translate(tx.db.dialect, err)
		}
		e.BuildingID, e.AddressID = b.ID, &addrID
		if err := tx.QueryRowContext(ctx, `INSERT INTO entrances (building_id, number, floors, households, address_id)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, b.ID, e.Number, e.Floors, e.Households, addrID).Scan(&e.ID); err != nil {
			return translate(tx.db.dialect, err)
		}
	}
	if err := tx.record(ctx, "create", "building", auditKey(b.ID), fmt.Sprintf(`{"entrances":%d}`, len(b.Entrances))); err != nil {
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
		full := gridline.AddressName(names[a.community], a.community, a.compound, a.building, a.entrance)
		if _, err := tx.exec(ctx, `UPDATE addresses SET full_name = $1 WHERE id = $2`, full, a.id); err != nil {
			return err
		}
	}
	return nil
}

// UpdateBuilding implements gridline.BuildingService. Entrances that had the
// building's floor count follow a change of it, since they were most
// likely defaulted from it; a new name is written into the building's
// standard addresses.
func (s *BuildingService) UpdateBuilding(ctx context.Context, id int64, upd gridline.BuildingUpdate) (*gridline.Building, error) {
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
	if err := b.Validate(); err != nil {
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
	if err := tx.record(ctx, "update", "building", auditKey(id), ""); err != nil {
		return nil, err
	}
	if b, err = findBuildingByID(ctx, tx, id); err != nil {
		return nil, err
	}
	return b, tx.Commit()
}

// DeleteBuilding implements gridline.BuildingService. Its entrances and
// standard addresses go with it (ON DELETE CASCADE on both databases);
// party organisations tied to it, or cases placed at it, make it ECONFLICT.
func (s *BuildingService) DeleteBuilding(ctx context.Context, id int64) error {
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
		"Building %d still has %d party organisations; delete them first."}, refCount{
		// Cases are records: a building they were placed at stays.
		`SELECT COUNT(*) FROM tickets WHERE building_id = $1`,
		"Building %d has %d cases placed at it; it cannot be deleted."}); err != nil {
		return err
	}
	return tx.Commit()
}

var _ gridline.BuildingCreator = (*BuildingService)(nil)

var (
	buildingInsertColumns = []string{"id", "compound_id", "name", "number", "floors", "height_m", "footprint", "lon", "lat",
		"county_code", "town_code", "community_code", "grid_code", "created_at", "updated_at"}
	addressInsertColumns = []string{"id", "code", "full_name", "building_id", "entrance_no", "lon", "lat", "county_code",
		"town_code", "community_code", "grid_code", "qr_token", "created_at"}
	entranceInsertColumns = []string{"id", "building_id", "number", "floors", "households", "address_id"}
)

// CreateBuildings implements gridline.BuildingCreator: CreateBuilding's
// rules for each building, with the compounds, grids and region names
// each read once, the IDs of buildings, addresses and entrances reserved
// in one step each and the rows copied in bulk (copyRows), instead of
// about ten statements a building (on PostgreSQL a round trip each).
func (s *BuildingService) CreateBuildings(ctx context.Context, bs []*gridline.Building) error {
	if len(bs) == 0 {
		return nil
	}
	entrances := 0
	for i, b := range bs {
		if err := b.Validate(); err != nil {
			return itemError("buildings", i, err)
		}
		if err := b.NormalizeEntrances(); err != nil {
			return itemError("buildings", i, err)
		}
		entrances += len(b.Entrances)
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	type compound struct{ name, grid string }
	compounds := map[int64]compound{}
	wanted := set{}
	for _, b := range bs {
		if b.CompoundID != nil {
			wanted.add(*b.CompoundID)
		}
	}
	ids := wanted.list()
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		rows, err := tx.QueryContext(ctx, `SELECT id, name, COALESCE(grid_code, '') FROM compounds WHERE id IN (`+
			placeholders(1, len(part))+`)`, part...)
		if err != nil {
			return translate(tx.db.dialect, err)
		}
		for rows.Next() {
			var id int64
			var c compound
			if err := rows.Scan(&id, &c.name, &c.grid); err != nil {
				rows.Close()
				return err
			}
			compounds[id] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	grids := gridCache(ctx, tx)
	geoms := make([]string, len(bs))
	compoundNames := make([]string, len(bs))
	for i, b := range bs {
		prefer := ""
		if b.CompoundID != nil {
			c, ok := compounds[*b.CompoundID]
			if !ok {
				return itemError("buildings", i, gridline.FieldErrorf("compound_id", "no compound %d", *b.CompoundID))
			}
			compoundNames[i], prefer = c.name, c.grid
		}
		if b.RegionPath, err = placePathWith(ctx, s.loc, grids, b.GridCode, prefer, orb.Point{b.Lon, b.Lat}, "footprint"); err != nil {
			return itemError("buildings", i, err)
		}
		geom, err := json.Marshal(b.Footprint)
		if err != nil {
			return err
		}
		geoms[i] = string(geom)
	}
	names := map[string]map[string]string{}
	for _, b := range bs {
		if names[b.CommunityCode] == nil {
			if names[b.CommunityCode], err = addressRegionNames(ctx, tx, b.CommunityCode); err != nil {
				return err
			}
		}
	}
	buildingIDs, err := reserveIDs(ctx, tx, "buildings", len(bs))
	if err != nil {
		return err
	}
	addressIDs, err := reserveIDs(ctx, tx, "addresses", entrances)
	if err != nil {
		return err
	}
	entranceIDs, err := reserveIDs(ctx, tx, "entrances", entrances)
	if err != nil {
		return err
	}
	type address struct {
		b          *gridline.Building
		code, name string
		token      string
		entranceNo int
	}
	addrs := make([]address, 0, entrances)
	ents := make([]*gridline.Entrance, 0, entrances)
	for i, b := range bs {
		b.ID, b.CreatedAt, b.UpdatedAt = buildingIDs[i], tx.now, tx.now
		for _, e := range b.Entrances {
			token, err := gridline.NewQRToken()
			if err != nil {
				return err
			}
			addrID := addressIDs[len(addrs)]
			addrs = append(addrs, address{b: b, code: gridline.AddressCode(b.GridCode, b.ID, e.Number),
				name:  gridline.AddressName(names[b.CommunityCode], b.CommunityCode, compoundNames[i], b.Name, e.Number),
				token: token, entranceNo: e.Number})
			e.ID, e.BuildingID, e.AddressID = entranceIDs[len(ents)], b.ID, &addrID
			ents = append(ents, e)
		}
	}
	if err := copyRows(ctx, tx, "buildings", buildingInsertColumns, len(bs), func(i int, dst []any) []any {
		b := bs[i]
		return append(dst, b.ID, b.CompoundID, b.Name, b.Number, b.Floors, b.HeightM, geoms[i], b.Lon, b.Lat,
			b.CountyCode, b.TownCode, b.CommunityCode, b.GridCode, tx.now, tx.now)
	}); err != nil {
		return fmt.Errorf("buildings: %w", err)
	}
	if err := copyRows(ctx, tx, "addresses", addressInsertColumns, len(addrs), func(i int, dst []any) []any {
		a := &addrs[i]
		return append(dst, addressIDs[i], a.code, a.name, a.b.ID, a.entranceNo, a.b.Lon, a.b.Lat, a.b.CountyCode,
			a.b.TownCode, a.b.CommunityCode, a.b.GridCode, a.token, tx.now)
	}); err != nil {
		return fmt.Errorf("addresses: %w", err)
	}
	if err := copyRows(ctx, tx, "entrances", entranceInsertColumns, len(ents), func(i int, dst []any) []any {
		e := ents[i]
		return append(dst, e.ID, e.BuildingID, e.Number, e.Floors, e.Households, *e.AddressID)
	}); err != nil {
		return fmt.Errorf("entrances: %w", err)
	}
	for _, b := range bs {
		if err := tx.record(ctx, "create", "building", auditKey(b.ID), fmt.Sprintf(`{"entrances":%d}`, len(b.Entrances))); err != nil {
			return err
		}
	}
	return tx.Commit()
}
