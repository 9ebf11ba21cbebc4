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

// OrgService implements gridline.OrgService.
type OrgService struct{ db *DB }

// NewOrgService returns an OrgService over db.
func NewOrgService(db *DB) *OrgService { return &OrgService{db: db} }

var _ gridline.OrgService = (*OrgService)(nil)

// --- Units ---

const unitColumns = `id, kind, name, short_name, phone, region_code, party_led, created_at, updated_at`

// FindUnits implements gridline.OrgService.
func (s *OrgService) FindUnits(ctx context.Context, kind *gridline.UnitKind, offset, limit int) ([]*gridline.Unit, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	var w where
	if kind != nil {
		w.add("kind = ?", string(*kind))
	}
	return findUnits(ctx, tx, w, limit, offset)
}

func findUnits(ctx context.Context, tx *Tx, w where, limit, offset int) ([]*gridline.Unit, int, error) {
	return findPage(ctx, tx, unitColumns, `units`, w, "id", limit, offset,
		func(rows *sql.Rows, total *int) (*gridline.Unit, error) {
			var u gridline.Unit
			err := rows.Scan(&u.ID, &u.Kind, &u.Name, &u.ShortName, &u.Phone, &u.RegionCode, &u.PartyLed,
				&u.CreatedAt, &u.UpdatedAt, total)
			return &u, err
		})
}

// FindUnitByID implements gridline.OrgService.
func (s *OrgService) FindUnitByID(ctx context.Context, id int64) (*gridline.Unit, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findUnitByID(ctx, tx, id)
}

func findUnitByID(ctx context.Context, tx *Tx, id int64) (*gridline.Unit, error) {
	var w where
	w.add("id = ?", id)
	us, _, err := findUnits(ctx, tx, w, 0, 0)
	if err != nil {
		return nil, err
	} else if len(us) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Unit not found.")
	}
	return us[0], nil
}

// unitNameTaken turns the unique (kind, name) violation into a message
// that says which name clashes.
func unitNameTaken(err error, u *gridline.Unit) error {
	if gridline.ErrorCode(err) == gridline.ECONFLICT {
		return &gridline.Error{Code: gridline.ECONFLICT, Message: fmt.Sprintf("A %s unit named %q already exists.", u.Kind, u.Name),
			Fields: map[string]string{"name": "is taken"}}
	}
	return err
}

// checkRegion reports a region code that is not stored, under field.
func checkRegion(ctx context.Context, tx *Tx, field, code string) error {
	if code == "" {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM regions WHERE code = $1`, code).Scan(&n); err != nil {
		return translate(tx.db.dialect, err)
	} else if n == 0 {
		return gridline.FieldErrorf(field, "no region %s is stored", code)
	}
	return nil
}

// CreateUnit implements gridline.OrgService. Returns ECONFLICT if a unit
// of the same kind has the name.
func (s *OrgService) CreateUnit(ctx context.Context, u *gridline.Unit) error {
	if err := u.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkRegion(ctx, tx, "region_code", u.RegionCode); err != nil {
		return err
	}
	u.CreatedAt, u.UpdatedAt = tx.now, tx.now
	if err := tx.QueryRowContext(ctx, `INSERT INTO units (kind, name, short_name, phone, region_code, party_led, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		string(u.Kind), u.Name, u.ShortName, u.Phone, u.RegionCode, u.PartyLed, u.CreatedAt, u.UpdatedAt).Scan(&u.ID); err != nil {
		return unitNameTaken(translate(tx.db.dialect, err), u)
	}
	if err := tx.audit(ctx, "create", "unit", auditKey(u.ID), ""); err != nil {
		return err
	}
	return tx.Commit()
}

// UpdateUnit implements gridline.OrgService.
func (s *OrgService) UpdateUnit(ctx context.Context, id int64, name *string, phone *string, partyLed *bool) (*gridline.Unit, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.lockRow(ctx, "units", "id", id); err != nil {
		return nil, err
	}
	u, err := findUnitByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if name != nil {
		u.Name = *name
	}
	if phone != nil {
		u.Phone = *phone
	}
	if partyLed != nil {
		u.PartyLed = *partyLed
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	u.UpdatedAt = tx.now
	if _, err := tx.exec(ctx, `UPDATE units SET name = $1, phone = $2, party_led = $3, updated_at = $4 WHERE id = $5`,
		u.Name, u.Phone, u.PartyLed, u.UpdatedAt, id); err != nil {
		return nil, unitNameTaken(err, u)
	}
	if err := tx.audit(ctx, "update", "unit", auditKey(id), ""); err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

// DeleteUnit implements gridline.OrgService. Returns ECONFLICT while
// people, compounds or assignments refer to the unit.
func (s *OrgService) DeleteUnit(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := findUnitByID(ctx, tx, id); err != nil {
		return err
	}
	if err := deleteRow(ctx, tx, "units", "unit", id, "",
		refCount{`SELECT COUNT(*) FROM people WHERE unit_id = $1`,
			"Unit %d still employs %d people; move or delete them first."},
		refCount{`SELECT COUNT(*) FROM compounds WHERE property_unit_id = $1`,
			"Unit %d still manages %d compounds; give them another property company first."},
		refCount{`SELECT COUNT(*) FROM assignments WHERE target = 'unit' AND target_id = $1`,
			"Unit %d still has %d assignments; unassign them first."}); err != nil {
		return err
	}
	return tx.Commit()
}

// --- People ---

const personColumns = `p.id, p.name, p.phone, p.team, p.role, p.unit_id, p.region_code, p.created_at, p.updated_at`

// personWithin adds the condition "the person works in, or is assigned
// in, the region with this code prefix". An assignment is in the region
// when its most specific code is: units give county- or town-level
// assignments with no community, and since codes nest, testing the three
// columns separately is the same as testing the most specific one.
func personWithin(w *where, alias, prefix string) {
	lo, hi := prefixRange(prefix)
	w.add("("+alias+"region_code >= ? AND "+alias+"region_code < ? OR EXISTS (SELECT 1 FROM assignments a WHERE a.person_id = "+alias+"id AND "+
		"(a.community_code >= ? AND a.community_code < ? OR a.town_code >= ? AND a.town_code < ? OR a.county_code >= ? AND a.county_code < ?)))",
		lo, hi, lo, hi, lo, hi, lo, hi)
}

// FindPeople implements gridline.OrgService. Phone numbers come back in
// full; masking is the HTTP layer's job. Assignments are not loaded (see
// FindPersonByID).
func (s *OrgService) FindPeople(ctx context.Context, f gridline.PersonFilter) ([]*gridline.Person, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findPeople(ctx, tx, f)
}

func findPeople(ctx context.Context, tx *Tx, f gridline.PersonFilter) ([]*gridline.Person, int, error) {
	var w where
	if f.ID != nil {
		w.add("p.id = ?", *f.ID)
	}
	if f.Team != nil {
		w.add("p.team = ?", string(*f.Team))
	}
	if f.Within != nil && *f.Within != "" {
		personWithin(&w, "p.", *f.Within)
	}
	if f.GridCode != nil {
		w.add("EXISTS (SELECT 1 FROM assignments a WHERE a.person_id = p.id AND a.grid_code = ?)", *f.GridCode)
	}
	if f.UnitID != nil {
		w.add("p.unit_id = ?", *f.UnitID)
	}
	if f.Query != nil && *f.Query != "" {
		w.add(`lower(p.name) LIKE lower(?) ESCAPE '\'`, containsPattern(*f.Query))
	}
	return findPage(ctx, tx, personColumns, `people p`, w, "p.id", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.Person, error) {
			var p gridline.Person
			err := rows.Scan(&p.ID, &p.Name, &p.Phone, &p.Team, &p.Role, &p.UnitID, &p.RegionCode,
				&p.CreatedAt, &p.UpdatedAt, total)
			return &p, err
		})
}

// FindPersonByID implements gridline.OrgService; the person comes with
// their assignments.
func (s *OrgService) FindPersonByID(ctx context.Context, id int64) (*gridline.Person, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findPersonByID(ctx, tx, id)
}

func findPersonByID(ctx context.Context, tx *Tx, id int64) (*gridline.Person, error) {
	ps, _, err := findPeople(ctx, tx, gridline.PersonFilter{ID: &id})
	if err != nil {
		return nil, err
	} else if len(ps) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Person not found.")
	}
	p := ps[0]
	rows, err := tx.QueryContext(ctx, `SELECT id, person_id, target, target_id, role, county_code, town_code, community_code,
		grid_code, created_at FROM assignments WHERE person_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a gridline.Assignment
		if err := rows.Scan(&a.ID, &a.PersonID, &a.Target, &a.TargetID, &a.Role, &a.CountyCode, &a.TownCode,
			&a.CommunityCode, &a.GridCode, &a.CreatedAt); err != nil {
			return nil, err
		}
		p.Assignments = append(p.Assignments, &a)
	}
	return p, rows.Err()
}

func checkPerson(ctx context.Context, tx *Tx, p *gridline.Person) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.UnitID != nil {
		if err := checkRef(ctx, tx, "unit_id", "units", "unit", *p.UnitID); err != nil {
			return err
		}
	}
	return checkRegion(ctx, tx, "region_code", p.RegionCode)
}

// CreatePerson implements gridline.OrgService.
func (s *OrgService) CreatePerson(ctx context.Context, p *gridline.Person) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkPerson(ctx, tx, p); err != nil {
		return err
	}
	p.CreatedAt, p.UpdatedAt = tx.now, tx.now
	if err := tx.QueryRowContext(ctx, `INSERT INTO people (name, phone, team, role, unit_id, region_code, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		p.Name, p.Phone, string(p.Team), p.Role, p.UnitID, p.RegionCode, p.CreatedAt, p.UpdatedAt).Scan(&p.ID); err != nil {
		return translate(tx.db.dialect, err)
	}
	if err := tx.audit(ctx, "create", "person", auditKey(p.ID), ""); err != nil {
		return err
	}
	return tx.Commit()
}

// UpdatePerson implements gridline.OrgService.
func (s *OrgService) UpdatePerson(ctx context.Context, id int64, upd gridline.PersonUpdate) (*gridline.Person, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.lockRow(ctx, "people", "id", id); err != nil {
		return nil, err
	}
	p, err := findPersonByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		p.Name = *upd.Name
	}
	if upd.Phone != nil {
		p.Phone = *upd.Phone
	}
	if upd.Team != nil {
		p.Team = *upd.Team
	}
	if upd.Role != nil {
		p.Role = *upd.Role
	}
	if upd.UnitID != nil {
		p.UnitID = upd.UnitID
	}
	if upd.RegionCode != nil {
		p.RegionCode = *upd.RegionCode
	}
	if err := checkPerson(ctx, tx, p); err != nil {
		return nil, err
	}
	p.UpdatedAt = tx.now
	if _, err := tx.exec(ctx, `UPDATE people SET name = $1, phone = $2, team = $3, role = $4, unit_id = $5, region_code = $6,
		updated_at = $7 WHERE id = $8`, p.Name, p.Phone, string(p.Team), p.Role, p.UnitID, p.RegionCode, p.UpdatedAt, id); err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, "update", "person", auditKey(id), ""); err != nil {
		return nil, err
	}
	return p, tx.Commit()
}

// DeletePerson implements gridline.OrgService. The person's assignments go
// with them and party organisations they led lose their leader; while they
// are the responsible cadre of a point it is ECONFLICT.
func (s *OrgService) DeletePerson(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := findPersonByID(ctx, tx, id); err != nil {
		return err
	}
	if err := deleteRow(ctx, tx, "people", "person", id, "", refCount{
		`SELECT COUNT(*) FROM points WHERE cadre_id = $1`,
		"Person %d is still the cadre of %d points; give them another cadre first."}); err != nil {
		return err
	}
	return tx.Commit()
}

// --- Assignments ---

// pathOfRegion returns the region path of a county, town or community
// code; other codes (a province, a city, none) give an empty path.
func pathOfRegion(code string) gridline.RegionPath {
	switch len(code) {
	case 6:
		return gridline.RegionPath{CountyCode: code}
	case 9:
		return gridline.RegionPath{CountyCode: code[:6], TownCode: code}
	case 12:
		return gridline.PathOfCommunity(code)
	}
	return gridline.RegionPath{}
}

// targetPath returns the region path of an assignment's target, or
// EINVALID naming target_id when the target does not exist.
func targetPath(ctx context.Context, tx *Tx, target gridline.AssignmentTarget, id int64) (gridline.RegionPath, error) {
	var p gridline.RegionPath
	var q string
	switch target {
	case gridline.TargetGrid:
		q = `SELECT county_code, town_code, community_code, code FROM grids WHERE id = $1`
	case gridline.TargetPoint:
		q = `SELECT county_code, town_code, community_code, grid_code FROM points WHERE id = $1`
	case gridline.TargetCompound:
		q = `SELECT county_code, town_code, community_code, COALESCE(grid_code, '') FROM compounds WHERE id = $1`
	case gridline.TargetUnit, gridline.TargetPartyOrg:
		// A party organisation below the grid level is tied to a compound
		// or building; its grid is theirs.
		q = `SELECT region_code, '' FROM units WHERE id = $1`
		if target == gridline.TargetPartyOrg {
			q = `SELECT o.region_code, COALESCE(o.grid_code, c.grid_code, b.grid_code, '') FROM party_orgs o
				LEFT JOIN compounds c ON c.id = o.compound_id LEFT JOIN buildings b ON b.id = o.building_id WHERE o.id = $1`
		}
		var region, grid string
		err := tx.QueryRowContext(ctx, q, id).Scan(&region, &grid)
		if errors.Is(err, sql.ErrNoRows) {
			return p, gridline.FieldErrorf("target_id", "no %s %d", targetName(target), id)
		} else if err != nil {
			return p, translate(tx.db.dialect, err)
		}
		p = pathOfRegion(region)
		p.GridCode = grid
		return p, nil
	default:
		return p, gridline.FieldErrorf("target", "must be grid, point, compound, unit or party_org, got %q", target)
	}
	err := tx.QueryRowContext(ctx, q, id).Scan(&p.CountyCode, &p.TownCode, &p.CommunityCode, &p.GridCode)
	if errors.Is(err, sql.ErrNoRows) {
		return p, gridline.FieldErrorf("target_id", "no %s %d", targetName(target), id)
	} else if err != nil {
		return p, translate(tx.db.dialect, err)
	}
	return p, nil
}

func targetName(t gridline.AssignmentTarget) string {
	if t == gridline.TargetPartyOrg {
		return "party organisation"
	}
	return string(t)
}

// Assign implements gridline.OrgService. The assignment takes the region
// path of its target (a grid is named by its id), so scope filters need no
// joins. Returns EINVALID naming person_id, target or target_id, and
// ECONFLICT for a duplicate.
func (s *OrgService) Assign(ctx context.Context, a *gridline.Assignment) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkRef(ctx, tx, "person_id", "people", "person", a.PersonID); err != nil {
		return err
	}
	if a.RegionPath, err = targetPath(ctx, tx, a.Target, a.TargetID); err != nil {
		return err
	}
	a.CreatedAt = tx.now
	if err := tx.QueryRowContext(ctx, `INSERT INTO assignments (person_id, target, target_id, role, county_code, town_code,
		community_code, grid_code, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		a.PersonID, string(a.Target), a.TargetID, a.Role, a.CountyCode, a.TownCode, a.CommunityCode, a.GridCode,
		a.CreatedAt).Scan(&a.ID); err != nil {
		if err := translate(tx.db.dialect, err); gridline.ErrorCode(err) == gridline.ECONFLICT {
			return gridline.Errorf(gridline.ECONFLICT, "Person %d is already assigned to %s %d with role %q.",
				a.PersonID, targetName(a.Target), a.TargetID, a.Role)
		} else {
			return err
		}
	}
	detail := fmt.Sprintf(`{"person_id":%d,"target":%q,"target_id":%d,"role":%q}`, a.PersonID, a.Target, a.TargetID, a.Role)
	if err := tx.audit(ctx, "create", "assignment", auditKey(a.ID), detail); err != nil {
		return err
	}
	return tx.Commit()
}

// Unassign implements gridline.OrgService. Returns ENOTFOUND for an
// unknown assignment id.
func (s *OrgService) Unassign(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, `DELETE FROM assignments WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gridline.Errorf(gridline.ENOTFOUND, "Assignment not found.")
	}
	if err := tx.audit(ctx, "delete", "assignment", auditKey(id), ""); err != nil {
		return err
	}
	return tx.Commit()
}

// --- Party organisations ---

const partyOrgColumns = `o.id, o.name, o.level, o.parent_id, o.path, o.region_code, COALESCE(o.grid_code, ''),
	o.compound_id, o.building_id, o.leader_id, COALESCE(l.name, ''),
	(SELECT COUNT(*) FROM assignments a WHERE a.target = 'party_org' AND a.target_id = o.id),
	(SELECT COUNT(*) FROM party_orgs c WHERE c.parent_id = o.id),
	o.created_at, o.updated_at`

// FindPartyOrgs implements gridline.OrgService. Subtree selects the
// descendants of an organisation (not itself) by the prefix of their
// materialised path; an unknown organisation has none.
func (s *OrgService) FindPartyOrgs(ctx context.Context, f gridline.PartyOrgFilter) ([]*gridline.PartyOrg, int, error) {
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
	if o.Level != gridline.PartyGridOrg && o.GridCode != "" {
		return "", gridline.FieldErrorf("grid_code", "does not apply to a level-%d organisation", o.Level)
	}
	if o.Level != gridline.PartyCompoundBranch && o.CompoundID != nil {
		return "", gridline.FieldErrorf("compound_id", "does not apply to a level-%d organisation", o.Level)
	}
	if o.Level < gridline.PartyBuildingGroup && o.BuildingID != nil {
		return "", gridline.FieldErrorf("building_id", "does not apply to a level-%d organisation", o.Level)
	}
	var field, q string
	var arg any
	switch o.Level {
	case gridline.PartyStreetCommittee, gridline.PartyCommunityCommittee:
		want, what := gridline.LevelTown, "town or street"
		if o.Level == gridline.PartyCommunityCommittee {
			want, what = gridline.LevelVillage, "village or community"
		}
		var level string
		err := tx.QueryRowContext(ctx, `SELECT level FROM regions WHERE code = $1`, o.RegionCode).Scan(&level)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", err
		} else if err != nil || level != string(want) {
			return "", gridline.FieldErrorf("region_code", "no %s %s is stored", what, o.RegionCode)
		}
		return o.RegionCode, nil
	case gridline.PartyGridOrg:
		field, q, arg = "grid_code", `SELECT community_code FROM grids WHERE code = $1`, o.GridCode
	case gridline.PartyCompoundBranch:
		field, q, arg = "compound_id", `SELECT community_code FROM compounds WHERE id = $1`, *o.CompoundID
	default:
		field, q, arg = "building_id", `SELECT community_code FROM buildings WHERE id = $1`, *o.BuildingID
	}
	var community string
	err := tx.QueryRowContext(ctx, q, arg).Scan(&community)
	if errors.Is(err, sql.ErrNoRows) {
		return "", gridline.FieldErrorf(field, "no %s %v", strings.TrimSuffix(field, "_id"), arg)
	} else if err != nil {
		return "", err
	}
	if o.RegionCode != "" && o.RegionCode != community {
		return "", gridline.FieldErrorf("region_code", "is derived from the %s (%s), got %s", strings.TrimSuffix(field, "_id"), community, o.RegionCode)
	}
	return community, nil
}

// CreatePartyOrg implements gridline.OrgService. The parent must be one
// level up and lead a region that contains the new organisation's; the
// materialised path is written in the same transaction, once the id is
// known.
func (s *OrgService) CreatePartyOrg(ctx context.Context, o *gridline.PartyOrg) error {
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
		if parent.Level != o.Level-1 {
			return gridline.FieldErrorf("parent_id", "a level-%d organisation needs a level-%d parent; %d is level %d",
				o.Level, o.Level-1, parent.ID, parent.Level)
		}
		if !strings.HasPrefix(region, parent.RegionCode) {
			return gridline.FieldErrorf("parent_id", "organisation %d leads %s, which does not contain %s", parent.ID, parent.RegionCode, region)
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
	if err := tx.audit(ctx, "create", "party_org", auditKey(o.ID), ""); err != nil {
		return err
	}
	got, err := findPartyOrgByID(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	*o = *got
	return tx.Commit()
}

// UpdatePartyOrg implements gridline.OrgService.
func (s *OrgService) UpdatePartyOrg(ctx context.Context, id int64, name *string, leaderID *int64) (*gridline.PartyOrg, error) {
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
	if name != nil {
		if strings.TrimSpace(*name) == "" {
			return nil, gridline.FieldErrorf("name", "is required")
		}
		o.Name = *name
	}
	if leaderID != nil {
		if err := checkRef(ctx, tx, "leader_id", "people", "person", *leaderID); err != nil {
			return nil, err
		}
		o.LeaderID = leaderID
	}
	if _, err := tx.exec(ctx, `UPDATE party_orgs SET name = $1, leader_id = $2, updated_at = $3 WHERE id = $4`,
		o.Name, o.LeaderID, tx.now, id); err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, "update", "party_org", auditKey(id), ""); err != nil {
		return nil, err
	}
	if o, err = findPartyOrgByID(ctx, tx, id); err != nil {
		return nil, err
	}
	return o, tx.Commit()
}

// DeletePartyOrg implements gridline.OrgService. Returns ECONFLICT while
// the organisation has children or members.
func (s *OrgService) DeletePartyOrg(ctx context.Context, id int64) error {
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
	if err := tx.audit(ctx, "delete", "party_org", auditKey(id), ""); err != nil {
		return err
	}
	return tx.Commit()
}
