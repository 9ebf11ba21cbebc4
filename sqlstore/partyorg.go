package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gridline/gridline"
)

// PartyOrgService implements gridline.PartyOrgService.
type PartyOrgService struct{ db *DB }

// NewPartyOrgService returns a PartyOrgService over db.
func NewPartyOrgService(db *DB) *PartyOrgService { return &PartyOrgService{db: db} }

var _ gridline.PartyOrgService = (*PartyOrgService)(nil)

// FindPartyOrgByID implements gridline.PartyOrgService.
func (s *PartyOrgService) FindPartyOrgByID(ctx context.Context, id int64) (*gridline.PartyOrg, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findPartyOrgByID(ctx, tx, id)
}

const partyOrgColumns = `o.id, o.name, o.level, o.parent_id, o.path, o.region_code, COALESCE(o.grid_code, ''),
	o.compound_id, o.building_id, o.leader_id, COALESCE(l.name, ''),
	(SELECT COUNT(*) FROM assignments a WHERE a.target = 'party_org' AND a.target_id = o.id),
	(SELECT COUNT(*) FROM party_orgs c WHERE c.parent_id = o.id),
	o.created_at, o.updated_at`

// FindPartyOrgs implements gridline.PartyOrgService. Subtree selects the
// descendants of an organisation (not itself) by the prefix of their
// materialised path; an unknown organisation has none.
func (s *PartyOrgService) FindPartyOrgs(ctx context.Context, f gridline.PartyOrgFilter) ([]*gridline.PartyOrg, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findPartyOrgs(ctx, tx, f)
}

func findPartyOrgs(ctx context.Context, tx *Tx, f gridline.PartyOrgFilter) ([]*gridline.PartyOrg, int, error) {
	var w where
	if f.ID != nil {
		w.add("o.id = ?", *f.ID)
	}
	if f.ParentID != nil {
		w.add("o.parent_id = ?", *f.ParentID)
	}
	if f.Root {
		w.add("o.level = 1")
	}
	if f.Subtree != nil {
		// Paths are digits and '/', which both sort before ':', so
		// [path, path+':') holds exactly the paths that extend it, as in
		// prefixRange.
		w.add("o.path > (SELECT path FROM party_orgs WHERE id = ?) AND o.path < (SELECT path || ':' FROM party_orgs WHERE id = ?)",
			*f.Subtree, *f.Subtree)
	}
	if f.Level != nil {
		w.add("o.level = ?", int(*f.Level))
	}
	if f.Within != nil {
		lo, hi := prefixRange(*f.Within)
		w.add("o.region_code >= ? AND o.region_code < ?", lo, hi)
	}
	if f.GridCode != nil {
		w.add("o.grid_code = ?", *f.GridCode)
	}
	return findPage(ctx, tx, partyOrgColumns, `party_orgs o LEFT JOIN people l ON l.id = o.leader_id`, w, "o.id", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.PartyOrg, error) {
			var o gridline.PartyOrg
			err := rows.Scan(&o.ID, &o.Name, &o.Level, &o.ParentID, &o.Path, &o.RegionCode, &o.GridCode,
				&o.CompoundID, &o.BuildingID, &o.LeaderID, &o.LeaderName, &o.Members, &o.Children,
				&o.CreatedAt, &o.UpdatedAt, total)
			return &o, err
		})
}

func findPartyOrgByID(ctx context.Context, tx *Tx, id int64) (*gridline.PartyOrg, error) {
	orgs, _, err := findPartyOrgs(ctx, tx, gridline.PartyOrgFilter{ID: &id})
	if err != nil {
		return nil, err
	} else if len(orgs) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Party organisation not found.")
	}
	return orgs[0], nil
}

// tieRegion checks the spatial unit a party organisation leads and returns
// its region code: the town (level 1) or village/community (level 2)
// itself, else the community of the grid (3), compound (4) or building
// (5–6). Ties that do not belong to the level are EINVALID.
func tieRegion(ctx context.Context, tx *Tx, o *gridline.PartyOrg) (string, error) {
	return tieRegionBy(o, func(table string, key any) (string, bool, error) {
		var v string
		err := tx.QueryRowContext(ctx, tieQueries[table], key).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return "", false, nil
		}
		return v, err == nil, err
	})
}

// tieQueries are what tieRegion asks of each table: a region's level, or
// the community of a grid, compound or building.
var tieQueries = map[string]string{
	"regions":   `SELECT level FROM regions WHERE code = $1`,
	"grids":     `SELECT community_code FROM grids WHERE code = $1`,
	"compounds": `SELECT community_code FROM compounds WHERE id = $1`,
	"buildings": `SELECT community_code FROM buildings WHERE id = $1`,
}

// tieRegionBy is tieRegion's rule, asking look for the row of table
// (a key of tieQueries) with key.
func tieRegionBy(o *gridline.PartyOrg, look func(table string, key any) (string, bool, error)) (string, error) {
	if o.Level != gridline.PartyGridOrg && o.GridCode != "" {
		return "", gridline.FieldErrorf("grid_code", "does not apply to a level-%d organisation", o.Level)
	}
	if o.Level != gridline.PartyCompoundBranch && o.CompoundID != nil {
		return "", gridline.FieldErrorf("compound_id", "does not apply to a level-%d organisation", o.Level)
	}
	if o.Level < gridline.PartyBuildingGroup && o.BuildingID != nil {
		return "", gridline.FieldErrorf("building_id", "does not apply to a level-%d organisation", o.Level)
	}
	var field, table string
	var arg any
	switch o.Level {
	case gridline.PartyStreetCommittee, gridline.PartyCommunityCommittee:
		want, what := gridline.LevelTown, "town or street"
		if o.Level == gridline.PartyCommunityCommittee {
			want, what = gridline.LevelVillage, "village or community"
		}
		level, found, err := look("regions", o.RegionCode)
		if err != nil {
			return "", err
		} else if !found || level != string(want) {
			return "", gridline.FieldErrorf("region_code", "no %s %s is stored", what, o.RegionCode)
		}
		return o.RegionCode, nil
	case gridline.PartyGridOrg:
		field, table, arg = "grid_code", "grids", o.GridCode
	case gridline.PartyCompoundBranch:
		field, table, arg = "compound_id", "compounds", *o.CompoundID
	default:
		field, table, arg = "building_id", "buildings", *o.BuildingID
	}
	community, found, err := look(table, arg)
	if err != nil {
		return "", err
	} else if !found {
		return "", gridline.FieldErrorf(field, "no %s %v", strings.TrimSuffix(field, "_id"), arg)
	}
	if o.RegionCode != "" && o.RegionCode != community {
		return "", gridline.FieldErrorf("region_code", "is derived from the %s (%s), got %s", strings.TrimSuffix(field, "_id"), community, o.RegionCode)
	}
	return community, nil
}

// CreatePartyOrg implements gridline.PartyOrgService. The parent must be one
// level up and lead a region that contains the new organisation's; the
// materialised path is written in the same transaction, once the id is
// known.
func (s *PartyOrgService) CreatePartyOrg(ctx context.Context, o *gridline.PartyOrg) error {
	if err := o.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	parentPath := "/"
	region, err := tieRegion(ctx, tx, o)
	if err != nil {
		return err
	}
	if o.ParentID != nil {
		parent, err := findPartyOrgByID(ctx, tx, *o.ParentID)
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return gridline.FieldErrorf("parent_id", "no party organisation %d", *o.ParentID)
		} else if err != nil {
			return err
		}
		if err := checkParent(o, region, parent); err != nil {
			return err
		}
		parentPath = parent.Path
	}
	if o.LeaderID != nil {
		if err := checkRef(ctx, tx, "leader_id", "people", "person", *o.LeaderID); err != nil {
			return err
		}
	}
	o.RegionCode = region
	o.CreatedAt, o.UpdatedAt = tx.now, tx.now
	var grid any
	if o.GridCode != "" {
		grid = o.GridCode
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO party_orgs (name, level, parent_id, path, region_code, grid_code, compound_id,
		building_id, leader_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		o.Name, int(o.Level), o.ParentID, parentPath, o.RegionCode, grid, o.CompoundID, o.BuildingID, o.LeaderID,
		o.CreatedAt, o.UpdatedAt).Scan(&o.ID); err != nil {
		return translate(tx.db.dialect, err)
	}
	o.Path = parentPath + strconv.FormatInt(o.ID, 10) + "/"
	if _, err := tx.exec(ctx, `UPDATE party_orgs SET path = $1 WHERE id = $2`, o.Path, o.ID); err != nil {
		return err
	}
	if err := tx.record(ctx, "create", "party_org", auditKey(o.ID), ""); err != nil {
		return err
	}
	got, err := findPartyOrgByID(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	*o = *got
	return tx.Commit()
}

// checkParent checks that parent may be the parent of o, which leads
// region: one level up, leading a region that contains it.
func checkParent(o *gridline.PartyOrg, region string, parent *gridline.PartyOrg) error {
	if parent.Level != o.Level-1 {
		return gridline.FieldErrorf("parent_id", "a level-%d organisation needs a level-%d parent; %d is level %d",
			o.Level, o.Level-1, parent.ID, parent.Level)
	}
	if !strings.HasPrefix(region, parent.RegionCode) {
		return gridline.FieldErrorf("parent_id", "organisation %d leads %s, which does not contain %s", parent.ID, parent.RegionCode, region)
	}
	return nil
}

var _ gridline.PartyOrgCreator = (*PartyOrgService)(nil)

// CreatePartyOrgs implements gridline.PartyOrgCreator: CreatePartyOrg's
// rules (tieRegionBy, checkParent) over lookups made one query per table
// for the whole list, IDs reserved first so that each path is known
// before its row is written, and the rows copied in bulk — instead of six
// statements an organisation.
func (s *PartyOrgService) CreatePartyOrgs(ctx context.Context, os []*gridline.PartyOrg) error {
	if len(os) == 0 {
		return nil
	}
	for i, o := range os {
		if err := o.Validate(); err != nil {
			return itemError("party_orgs", i, err)
		}
		if p := o.ParentID; p != nil && *p < 0 && int(-*p-1) >= i {
			return itemError("party_orgs", i, gridline.FieldErrorf("parent_id", "%d names organisation %d of the list, "+
				"which does not come before this one", *p, -*p-1))
		}
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	keys := map[string]set{"regions": {}, "grids": {}, "compounds": {}, "buildings": {}}
	leaders := set{}
	for _, o := range os {
		switch {
		case o.Level <= gridline.PartyCommunityCommittee:
			keys["regions"].add(o.RegionCode)
		case o.Level == gridline.PartyGridOrg:
			keys["grids"].add(o.GridCode)
		case o.Level == gridline.PartyCompoundBranch && o.CompoundID != nil:
			keys["compounds"].add(*o.CompoundID)
		case o.BuildingID != nil:
			keys["buildings"].add(*o.BuildingID)
		}
		if o.LeaderID != nil {
			leaders.add(*o.LeaderID)
		}
	}
	found := map[string]map[any]string{}
	for table, q := range map[string]string{
		"regions":   `SELECT code, level FROM regions WHERE code IN `,
		"grids":     `SELECT code, community_code FROM grids WHERE code IN `,
		"compounds": `SELECT id, community_code FROM compounds WHERE id IN `,
		"buildings": `SELECT id, community_code FROM buildings WHERE id IN `,
	} {
		if found[table], err = lookup(ctx, tx, q, keys[table].list()); err != nil {
			return err
		}
	}
	look := func(table string, key any) (string, bool, error) {
		v, ok := found[table][key]
		return v, ok, nil
	}
	foundLeaders, err := existing(ctx, tx, `SELECT id FROM people WHERE id IN `, nil, leaders.list(), scanInt64)
	if err != nil {
		return err
	}
	ids, err := reserveIDs(ctx, tx, "party_orgs", len(os))
	if err != nil {
		return err
	}
	// What the organisations become, to check and write them: os is
	// changed only once every one is written.
	out := make([]gridline.PartyOrg, len(os))
	for i, o := range os {
		n := *o
		fail := func(err error) error { return itemError("party_orgs", i, err) }
		region, err := tieRegionBy(&n, look)
		if err != nil {
			return fail(err)
		}
		parentPath := "/"
		if n.ParentID != nil {
			var parent *gridline.PartyOrg
			if k := *n.ParentID; k < 0 {
				parent = &out[-k-1]
			} else if parent, err = findPartyOrgByID(ctx, tx, k); gridline.ErrorCode(err) == gridline.ENOTFOUND {
				return fail(gridline.FieldErrorf("parent_id", "no party organisation %d", k))
			} else if err != nil {
				return err
			}
			if err := checkParent(&n, region, parent); err != nil {
				return fail(err)
			}
			parentPath = parent.Path
			n.ParentID = &parent.ID
		}
		if n.LeaderID != nil && !foundLeaders[*n.LeaderID] {
			return fail(gridline.FieldErrorf("leader_id", "no person %d", *n.LeaderID))
		}
		n.ID, n.RegionCode = ids[i], region
		n.Path = parentPath + strconv.FormatInt(n.ID, 10) + "/"
		n.CreatedAt, n.UpdatedAt = tx.now, tx.now
		out[i] = n
	}
	cols := []string{"id", "name", "level", "parent_id", "path", "region_code", "grid_code", "compound_id", "building_id",
		"leader_id", "created_at", "updated_at"}
	if err := copyRows(ctx, tx, "party_orgs", cols, len(out), func(i int, dst []any) []any {
		o := &out[i]
		var grid any
		if o.GridCode != "" {
			grid = o.GridCode
		}
		return append(dst, o.ID, o.Name, int(o.Level), o.ParentID, o.Path, o.RegionCode, grid, o.CompoundID, o.BuildingID,
			o.LeaderID, o.CreatedAt, o.UpdatedAt)
	}); err != nil {
		return fmt.Errorf("party organisations: %w", err)
	}
	for i := range out {
		if err := tx.record(ctx, "create", "party_org", auditKey(out[i].ID), ""); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for i, o := range os {
		*o = out[i]
	}
	return nil
}

// UpdatePartyOrg implements gridline.PartyOrgService.
func (s *PartyOrgService) UpdatePartyOrg(ctx context.Context, id int64, upd gridline.PartyOrgUpdate) (*gridline.PartyOrg, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.lockRow(ctx, "party_orgs", "id", id); err != nil {
		return nil, err
	}
	o, err := findPartyOrgByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		o.Name = *upd.Name
		if err := o.Validate(); err != nil {
			return nil, err
		}
	}
	if leaderID := upd.LeaderID; leaderID != nil {
		if err := checkRef(ctx, tx, "leader_id", "people", "person", *leaderID); err != nil {
			return nil, err
		}
		o.LeaderID = leaderID
	}
	if _, err := tx.exec(ctx, `UPDATE party_orgs SET name = $1, leader_id = $2, updated_at = $3 WHERE id = $4`,
		o.Name, o.LeaderID, tx.now, id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, "update", "party_org", auditKey(id), ""); err != nil {
		return nil, err
	}
	if o, err = findPartyOrgByID(ctx, tx, id); err != nil {
		return nil, err
	}
	return o, tx.Commit()
}

// DeletePartyOrg implements gridline.PartyOrgService. Returns ECONFLICT while
// the organisation has children or members.
func (s *PartyOrgService) DeletePartyOrg(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	o, err := findPartyOrgByID(ctx, tx, id)
	if err != nil {
		return err
	}
	switch {
	case o.Children > 0:
		return gridline.Errorf(gridline.ECONFLICT, "Party organisation %d still has %d child organisations; delete them first.", id, o.Children)
	case o.Members > 0:
		return gridline.Errorf(gridline.ECONFLICT, "Party organisation %d still has %d members; unassign them first.", id, o.Members)
	}
	if _, err := tx.exec(ctx, `DELETE FROM party_orgs WHERE id = $1`, id); err != nil {
		return err
	}
	if err := tx.record(ctx, "delete", "party_org", auditKey(id), ""); err != nil {
		return err
	}
	return tx.Commit()
}
