package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gridline/gridline"
)

// UnitService implements gridline.UnitService.
type UnitService struct{ db *DB }

// NewUnitService returns a UnitService over db.
func NewUnitService(db *DB) *UnitService { return &UnitService{db: db} }

var _ gridline.UnitService = (*UnitService)(nil)

const unitColumns = `id, kind, name, short_name, phone, region_code, party_led, created_at, updated_at`

// FindUnits implements gridline.UnitService.
func (s *UnitService) FindUnits(ctx context.Context, f gridline.UnitFilter) ([]*gridline.Unit, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findUnits(ctx, tx, f)
}

func findUnits(ctx context.Context, tx *Tx, f gridline.UnitFilter) ([]*gridline.Unit, int, error) {
	var w where
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.Kind != nil {
		w.add("kind = ?", string(*f.Kind))
	}
	return findPage(ctx, tx, unitColumns, `units`, w, "id", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.Unit, error) {
			var u gridline.Unit
			err := rows.Scan(&u.ID, &u.Kind, &u.Name, &u.ShortName, &u.Phone, &u.RegionCode, &u.PartyLed,
				&u.CreatedAt, &u.UpdatedAt, total)
			return &u, err
		})
}

// FindUnitByID implements gridline.UnitService.
func (s *UnitService) FindUnitByID(ctx context.Context, id int64) (*gridline.Unit, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findUnitByID(ctx, tx, id)
}

func findUnitByID(ctx context.Context, tx *Tx, id int64) (*gridline.Unit, error) {
	us, _, err := findUnits(ctx, tx, gridline.UnitFilter{ID: &id})
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

// CreateUnit implements gridline.UnitService. Returns ECONFLICT if a unit
// of the same kind has the name.
func (s *UnitService) CreateUnit(ctx context.Context, u *gridline.Unit) error {
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
	if err := tx.record(ctx, "create", "unit", auditKey(u.ID), ""); err != nil {
		return err
	}
	return tx.Commit()
}

// UpdateUnit implements gridline.UnitService.
func (s *UnitService) UpdateUnit(ctx context.Context, id int64, upd gridline.UnitUpdate) (*gridline.Unit, error) {
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
	if upd.Name != nil {
		u.Name = *upd.Name
	}
	if upd.Phone != nil {
		u.Phone = *upd.Phone
	}
	if upd.PartyLed != nil {
		u.PartyLed = *upd.PartyLed
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	u.UpdatedAt = tx.now
	if _, err := tx.exec(ctx, `UPDATE units SET name = $1, phone = $2, party_led = $3, updated_at = $4 WHERE id = $5`,
		u.Name, u.Phone, u.PartyLed, u.UpdatedAt, id); err != nil {
		return nil, unitNameTaken(err, u)
	}
	if err := tx.record(ctx, "update", "unit", auditKey(id), ""); err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

// DeleteUnit implements gridline.UnitService. Returns ECONFLICT while
// people, compounds or assignments refer to the unit.
func (s *UnitService) DeleteUnit(ctx context.Context, id int64) error {
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
