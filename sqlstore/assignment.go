package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gridline/gridline"
)

// AssignmentService implements gridline.AssignmentService.
type AssignmentService struct{ db *DB }

// NewAssignmentService returns a AssignmentService over db.
func NewAssignmentService(db *DB) *AssignmentService { return &AssignmentService{db: db} }

var _ gridline.AssignmentService = (*AssignmentService)(nil)

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
		p = gridline.PathOf(region)
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

// Assign implements gridline.AssignmentService. The assignment takes the region
// path of its target (a grid is named by its id), so scope filters need no
// joins. Returns EINVALID naming person_id, target or target_id, and
// ECONFLICT for a duplicate.
func (s *AssignmentService) CreateAssignment(ctx context.Context, a *gridline.Assignment) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := a.Validate(); err != nil {
		return err
	}
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
	if err := tx.record(ctx, "create", "assignment", auditKey(a.ID), detail); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteAssignment implements gridline.AssignmentService. Returns ENOTFOUND for an
// unknown assignment id.
func (s *AssignmentService) DeleteAssignment(ctx context.Context, id int64) error {
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
	if err := tx.record(ctx, "delete", "assignment", auditKey(id), ""); err != nil {
		return err
	}
	return tx.Commit()
}

const assignmentColumns = `id, person_id, target, target_id, role, county_code, town_code, community_code, grid_code, created_at`

// FindAssignmentByID implements gridline.AssignmentService.
func (s *AssignmentService) FindAssignmentByID(ctx context.Context, id int64) (*gridline.Assignment, error) {
	as, _, err := s.FindAssignments(ctx, gridline.AssignmentFilter{ID: &id})
	if err != nil {
		return nil, err
	} else if len(as) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Assignment not found.")
	}
	return as[0], nil
}

// FindAssignments implements gridline.AssignmentService, in id order.
func (s *AssignmentService) FindAssignments(ctx context.Context, f gridline.AssignmentFilter) ([]*gridline.Assignment, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	var w where
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.PersonID != nil {
		w.add("person_id = ?", *f.PersonID)
	}
	if f.Target != nil {
		w.add("target = ?", string(*f.Target))
	}
	if f.TargetID != nil {
		w.add("target_id = ?", *f.TargetID)
	}
	return findPage(ctx, tx, assignmentColumns, "assignments", w, "id", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.Assignment, error) {
			var a gridline.Assignment
			err := rows.Scan(&a.ID, &a.PersonID, &a.Target, &a.TargetID, &a.Role, &a.CountyCode, &a.TownCode,
				&a.CommunityCode, &a.GridCode, &a.CreatedAt, total)
			return &a, err
		})
}

var _ gridline.AssignmentCreator = (*AssignmentService)(nil)

var assignmentInsertColumns = []string{"id", "person_id", "target", "target_id", "role", "county_code", "town_code",
	"community_code", "grid_code", "created_at"}

// targetPathsQuery selects (id, county, town, community, grid) of the
// targets of a kind, for the ids that follow (… IN); targetPath's rules.
var targetPathsQuery = map[gridline.AssignmentTarget]string{
	gridline.TargetGrid:     `SELECT id, county_code, town_code, community_code, code FROM grids WHERE id IN `,
	gridline.TargetPoint:    `SELECT id, county_code, town_code, community_code, grid_code FROM points WHERE id IN `,
	gridline.TargetCompound: `SELECT id, county_code, town_code, community_code, COALESCE(grid_code, '') FROM compounds WHERE id IN `,
	gridline.TargetUnit:     `SELECT id, region_code, '' FROM units WHERE id IN `,
	gridline.TargetPartyOrg: `SELECT o.id, o.region_code, COALESCE(o.grid_code, c.grid_code, b.grid_code, '') FROM party_orgs o
		LEFT JOIN compounds c ON c.id = o.compound_id LEFT JOIN buildings b ON b.id = o.building_id WHERE o.id IN `,
}

// CreateAssignments implements gridline.AssignmentCreator:
// CreateAssignment's checks with one query per 500 people and per kind of
// target, a duplicate (in the list or stored) ECONFLICT as there, IDs
// reserved in one step and the rows copied in bulk (copyRows).
func (s *AssignmentService) CreateAssignments(ctx context.Context, as []*gridline.Assignment) error {
	if len(as) == 0 {
		return nil
	}
	for i, a := range as {
		if err := a.Validate(); err != nil {
			return itemError("assignments", i, err)
		}
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	people := set{}
	targets := map[gridline.AssignmentTarget]set{}
	for _, a := range as {
		people.add(a.PersonID)
		if targets[a.Target] == nil {
			targets[a.Target] = set{}
		}
		targets[a.Target].add(a.TargetID)
	}
	foundPeople, err := existing(ctx, tx, `SELECT id FROM people WHERE id IN `, nil, people.list(), scanInt64)
	if err != nil {
		return err
	}
	type target struct {
		kind gridline.AssignmentTarget
		id   int64
	}
	paths := map[target]gridline.RegionPath{}
	for kind, ids := range targets {
		list := ids.list()
		for start := 0; start < len(list); start += 500 {
			part := list[start:min(start+500, len(list))]
			rows, err := tx.QueryContext(ctx, targetPathsQuery[kind]+`(`+placeholders(1, len(part))+`)`, part...)
			if err != nil {
				return translate(tx.db.dialect, err)
			}
			for rows.Next() {
				var id int64
				var p gridline.RegionPath
				if kind == gridline.TargetUnit || kind == gridline.TargetPartyOrg {
					var region, grid string
					err = rows.Scan(&id, &region, &grid)
					p = gridline.PathOf(region)
					p.GridCode = grid
				} else {
					err = rows.Scan(&id, &p.CountyCode, &p.TownCode, &p.CommunityCode, &p.GridCode)
				}
				if err != nil {
					rows.Close()
					return err
				}
				paths[target{kind, id}] = p
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
	}
	type key struct {
		person int64
		target gridline.AssignmentTarget
		id     int64
		role   string
	}
	taken := map[key]bool{}
	list := people.list()
	for start := 0; start < len(list); start += 500 {
		part := list[start:min(start+500, len(list))]
		rows, err := tx.QueryContext(ctx, `SELECT person_id, target, target_id, role FROM assignments WHERE person_id IN (`+
			placeholders(1, len(part))+`)`, part...)
		if err != nil {
			return translate(tx.db.dialect, err)
		}
		for rows.Next() {
			var k key
			if err := rows.Scan(&k.person, &k.target, &k.id, &k.role); err != nil {
				rows.Close()
				return err
			}
			taken[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i, a := range as {
		if !foundPeople[a.PersonID] {
			return itemError("assignments", i, gridline.FieldErrorf("person_id", "no person %d", a.PersonID))
		}
		p, ok := paths[target{a.Target, a.TargetID}]
		if !ok {
			return itemError("assignments", i, gridline.FieldErrorf("target_id", "no %s %d", targetName(a.Target), a.TargetID))
		}
		a.RegionPath = p
		k := key{a.PersonID, a.Target, a.TargetID, a.Role}
		if taken[k] {
			return itemError("assignments", i, gridline.Errorf(gridline.ECONFLICT, "Person %d is already assigned to %s %d with role %q.",
				a.PersonID, targetName(a.Target), a.TargetID, a.Role))
		}
		taken[k] = true
	}
	ids, err := reserveIDs(ctx, tx, "assignments", len(as))
	if err != nil {
		return err
	}
	if err := copyRows(ctx, tx, "assignments", assignmentInsertColumns, len(as), func(i int, dst []any) []any {
		a := as[i]
		return append(dst, ids[i], a.PersonID, string(a.Target), a.TargetID, a.Role, a.CountyCode, a.TownCode,
			a.CommunityCode, a.GridCode, tx.now)
	}); err != nil {
		return fmt.Errorf("assignments: %w", err)
	}
	for i, a := range as {
		a.ID, a.CreatedAt = ids[i], tx.now
		detail := fmt.Sprintf(`{"person_id":%d,"target":%q,"target_id":%d,"role":%q}`, a.PersonID, a.Target, a.TargetID, a.Role)
		if err := tx.record(ctx, "create", "assignment", auditKey(a.ID), detail); err != nil {
			return err
		}
	}
	return tx.Commit()
}
