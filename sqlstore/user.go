package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/gridline/gridline"
)

// UserService implements gridline.UserService.
type UserService struct{ db *DB }

// NewUserService returns a UserService over db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

var _ gridline.UserService = (*UserService)(nil)

const userColumns = `id, username, name, phone, disabled, person_id, created_at, updated_at`

func scanUser(rows interface{ Scan(...any) error }, u *gridline.User, extra ...any) error {
	var person sql.NullInt64
	if err := rows.Scan(append([]any{&u.ID, &u.Username, &u.Name, &u.Phone, &u.Disabled, &person, &u.CreatedAt, &u.UpdatedAt}, extra...)...); err != nil {
		return err
	}
	if person.Valid {
		u.PersonID = &person.Int64
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return nil
}

// FindUsers implements gridline.UserService.
func (s *UserService) FindUsers(ctx context.Context, f gridline.UserFilter) ([]*gridline.User, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findUsers(ctx, tx, f)
}

func findUsers(ctx context.Context, tx *Tx, f gridline.UserFilter) ([]*gridline.User, int, error) {
	var w where
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.Username != nil {
		w.add("username = ?", strings.ToLower(*f.Username))
	}
	if f.Disabled != nil {
		w.add("disabled = ?", *f.Disabled)
	}
	if f.Role != nil {
		w.add("id IN (SELECT user_id FROM user_grants WHERE role = ?)", string(*f.Role))
	}
	if f.Query != nil && *f.Query != "" {
		p := "%" + likeEscape(strings.ToLower(*f.Query)) + "%"
		w.add(`(username LIKE ? ESCAPE '\' OR lower(name) LIKE ? ESCAPE '\')`, p, p)
	}
	users, total, err := findPage(ctx, tx, userColumns, "users", w, "id", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.User, error) {
			var u gridline.User
			return &u, scanUser(rows, &u, total)
		})
	if err != nil {
		return nil, 0, err
	}
	return users, total, loadGrants(ctx, tx, users)
}

// likeEscape escapes LIKE's wildcards in s (the pattern uses ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// loadGrants fills the grants of users, in one query.
func loadGrants(ctx context.Context, tx *Tx, users []*gridline.User) error {
	if len(users) == 0 {
		return nil
	}
	byID := make(map[int64]*gridline.User, len(users))
	args := make([]any, len(users))
	for i, u := range users {
		u.Grants = []gridline.Grant{}
		byID[u.ID] = u
		args[i] = u.ID
	}
	rows, err := tx.QueryContext(ctx, `SELECT user_id, role, region, unit_id FROM user_grants WHERE user_id IN (`+
		placeholders(1, len(args))+`) ORDER BY id`, args...)
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var g gridline.Grant
		var unit sql.NullInt64
		if err := rows.Scan(&id, &g.Role, &g.Region, &unit); err != nil {
			return err
		}
		if unit.Valid {
			g.UnitID = &unit.Int64
		}
		byID[id].Grants = append(byID[id].Grants, g)
	}
	return rows.Err()
}

// FindUserByID implements gridline.UserService.
func (s *UserService) FindUserByID(ctx context.Context, id int64) (*gridline.User, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findUser(ctx, tx, gridline.UserFilter{ID: &id})
}

// FindUserByUsername implements gridline.UserService.
func (s *UserService) FindUserByUsername(ctx context.Context, username string) (*gridline.User, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findUser(ctx, tx, gridline.UserFilter{Username: &username})
}

func findUser(ctx context.Context, tx *Tx, f gridline.UserFilter) (*gridline.User, error) {
	us, _, err := findUsers(ctx, tx, f)
	if err != nil {
		return nil, err
	} else if len(us) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "User not found.")
	}
	return us[0], nil
}

// CreateUser implements gridline.UserService.
func (s *UserService) CreateUser(ctx context.Context, u *gridline.User, password string) error {
	u.Username = strings.ToLower(u.Username)
	if err := u.Validate(); err != nil {
		return err
	}
	if err := gridline.ValidatePassword("password", u.Username, password); err != nil {
		return err
	}
	// Hashing takes tens of milliseconds: before the write transaction,
	// which on SQLite holds the one writer.
	hash, err := gridline.HashPassword(password)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkUserRefs(ctx, tx, u.PersonID, u.Grants); err != nil {
		return err
	}
	u.CreatedAt, u.UpdatedAt = tx.now, tx.now
	if err := tx.QueryRowContext(ctx, `INSERT INTO users (username, password_hash, name, phone, disabled, person_id,
		password_changed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) RETURNING id`,
		u.Username, hash, u.Name, u.Phone, u.Disabled, u.PersonID, tx.now).Scan(&u.ID); err != nil {
		if err = translate(tx.db.dialect, err); gridline.ErrorCode(err) == gridline.ECONFLICT {
			return &gridline.Error{Code: gridline.ECONFLICT, Message: fmt.Sprintf("The username %q is taken.", u.Username),
				Fields: map[string]string{"username": "is taken"}}
		}
		return err
	}
	if u.Grants == nil {
		u.Grants = []gridline.Grant{}
	}
	if err := insertGrants(ctx, tx, u.ID, u.Grants); err != nil {
		return err
	}
	if err := tx.record(ctx, "create", "user", auditKey(u.ID), userDetail(u)); err != nil {
		return err
	}
	return tx.Commit()
}

// userDetail is what the audit log says of a user: the username and the
// grants. Never the password or its hash.
func userDetail(u *gridline.User) string {
	gs := make([]string, len(u.Grants))
	for i, g := range u.Grants {
		gs[i] = g.String()
	}
	d := u.Username + " " + strings.Join(gs, ",")
	if u.Disabled {
		d += " disabled"
	}
	return d
}

// checkUserRefs checks that the person and every grant's place and unit
// are stored, naming the bad field.
func checkUserRefs(ctx context.Context, tx *Tx, person *int64, grants []gridline.Grant) error {
	if person != nil {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE id = $1`, *person).Scan(&n); err != nil {
			return translate(tx.db.dialect, err)
		} else if n == 0 {
			return gridline.FieldErrorf("person_id", "no person %d is stored", *person)
		}
	}
	for i, g := range grants {
		if g.Region != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM regions WHERE code = $1) + (SELECT COUNT(*) FROM grids WHERE code = $1)`,
				g.Region).Scan(&n); err != nil {
				return translate(tx.db.dialect, err)
			} else if n == 0 {
				return gridline.FieldErrorf(fmt.Sprintf("grants[%d].region", i), "no region or grid %s is stored", g.Region)
			}
		}
		if g.UnitID != nil {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM units WHERE id = $1`, *g.UnitID).Scan(&n); err != nil {
				return translate(tx.db.dialect, err)
			} else if n == 0 {
				return gridline.FieldErrorf(fmt.Sprintf("grants[%d].unit_id", i), "no unit %d is stored", *g.UnitID)
			}
		}
	}
	return nil
}

func insertGrants(ctx context.Context, tx *Tx, userID int64, grants []gridline.Grant) error {
	for _, g := range grants {
		if _, err := tx.exec(ctx, `INSERT INTO user_grants (user_id, role, region, unit_id) VALUES ($1, $2, $3, $4)`,
			userID, string(g.Role), g.Region, g.UnitID); err != nil {
			return err
		}
	}
	return nil
}

// UpdateUser implements gridline.UserService.
func (s *UserService) UpdateUser(ctx context.Context, id int64, upd gridline.UserUpdate) (*gridline.User, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.lockRow(ctx, "users", "id", id); err != nil {
		return nil, err
	}
	u, err := findUser(ctx, tx, gridline.UserFilter{ID: &id})
	if err != nil {
		return nil, err
	}
	wasDisabled := u.Disabled
	if upd.Name != nil {
		u.Name = *upd.Name
	}
	if upd.Phone != nil {
		u.Phone = *upd.Phone
	}
	if upd.Disabled != nil {
		u.Disabled = *upd.Disabled
	}
	if upd.PersonID != nil {
		u.PersonID = upd.PersonID
		if *upd.PersonID == 0 {
			u.PersonID = nil // 0 unlinks
		}
	}
	if upd.Grants != nil {
		u.Grants = *upd.Grants
		if u.Grants == nil {
			u.Grants = []gridline.Grant{}
		}
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var grants []gridline.Grant
	if upd.Grants != nil {
		grants = u.Grants
	}
	var person *int64
	if upd.PersonID != nil {
		person = u.PersonID
	}
	if err := checkUserRefs(ctx, tx, person, grants); err != nil {
		return nil, err
	}
	u.UpdatedAt = tx.now
	if _, err := tx.exec(ctx, `UPDATE users SET name = $1, phone = $2, disabled = $3, person_id = $4, updated_at = $5 WHERE id = $6`,
		u.Name, u.Phone, u.Disabled, u.PersonID, u.UpdatedAt, id); err != nil {
		return nil, err
	}
	if upd.Grants != nil {
		if _, err := tx.exec(ctx, `DELETE FROM user_grants WHERE user_id = $1`, id); err != nil {
			return nil, err
		}
		if err := insertGrants(ctx, tx, id, u.Grants); err != nil {
			return nil, err
		}
	}
	if u.Disabled && !wasDisabled {
		if err := endSessions(ctx, tx, id, 0); err != nil {
			return nil, err
		}
	}
	if err := tx.record(ctx, "update", "user", auditKey(id), userDetail(u)); err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

// SetPassword implements gridline.UserService.
func (s *UserService) SetPassword(ctx context.Context, id int64, password string) error {
	u, err := s.FindUserByID(ctx, id)
	if err != nil {
		return err
	}
	return setPassword(ctx, s.db, u, password, 0)
}

// setPassword validates and stores u's new password, clears its lockout
// and ends its sessions but keep (0: all).
func setPassword(ctx context.Context, db *DB, u *gridline.User, password string, keep int64) error {
	if err := gridline.ValidatePassword("password", u.Username, password); err != nil {
		return err
	}
	hash, err := gridline.HashPassword(password)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2, failed_logins = 0, locked_until = NULL,
		updated_at = $2 WHERE id = $3`, hash, tx.now, u.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gridline.Errorf(gridline.ENOTFOUND, "User not found.")
	}
	if err := endSessions(ctx, tx, u.ID, keep); err != nil {
		return err
	}
	if err := tx.record(ctx, "password", "user", auditKey(u.ID), u.Username); err != nil {
		return err
	}
	return tx.Commit()
}

// endSessions revokes the open sessions of a user but keep.
func endSessions(ctx context.Context, tx *Tx, userID, keep int64) error {
	_, err := tx.exec(ctx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL`,
		tx.now, userID, keep)
	return err
}
