package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gridline/gridline"
)

// tokenPrefixLen is how much of a token is kept in clear to tell tokens
// apart in lists: "glt_" and 8 of its 43 random characters (48 bits, of
// no use for guessing the other 208).
const tokenPrefixLen = 12

// CreateToken implements gridline.AuthService.
func (s *AuthService) CreateToken(ctx context.Context, t *gridline.APIToken) (string, error) {
	return s.createToken(ctx, t, gridline.NewSecret(gridline.APITokenPrefix))
}

// CreateDemoToken issues t with a chosen secret instead of a random one:
// the demo's well-known Open311 api_key "demo". Only `gridline demo`
// calls it; it is not part of gridline.AuthService, so no request can
// reach it, and a deployment that never ran the demo has no such token.
func (s *AuthService) CreateDemoToken(ctx context.Context, t *gridline.APIToken, secret string) error {
	if secret == "" {
		return gridline.FieldErrorf("secret", "is required")
	}
	_, err := s.createToken(ctx, t, secret)
	return err
}

func (s *AuthService) createToken(ctx context.Context, t *gridline.APIToken, token string) (string, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	u, err := findUser(ctx, tx, gridline.UserFilter{ID: &t.UserID})
	if err != nil {
		return "", err
	}
	if u.Disabled {
		return "", gridline.Errorf(gridline.EINVALID, "User %s is disabled: it cannot be given tokens.", u.Username)
	}
	if t.ExpiresAt.IsZero() {
		t.ExpiresAt = tx.now.Add(gridline.DefaultTokenTTL)
	}
	t.ExpiresAt = t.ExpiresAt.UTC().Truncate(0)
	if t.Grants == nil {
		t.Grants = []gridline.Grant{}
	}
	if err := t.Validate(tx.now); err != nil {
		return "", err
	}
	for i, g := range t.Grants {
		if !hasGrant(u.Grants, g) {
			return "", gridline.FieldErrorf(fmt.Sprintf("grants[%d]", i), "%s is not one of %s's grants; a token can only narrow them", g, u.Username)
		}
	}
	grants, err := json.Marshal(t.Grants)
	if err != nil {
		return "", err
	}
	t.Prefix = token[:min(len(token), tokenPrefixLen)]
	t.CreatedAt = tx.now
	t.LastUsedAt, t.RevokedAt = nil, nil
	if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, prefix, token_hash, grants, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, t.UserID, t.Name, t.Prefix, gridline.TokenHash(token), string(grants),
		t.CreatedAt, t.ExpiresAt).Scan(&t.ID); err != nil {
		return "", translate(tx.db.dialect, err)
	}
	if err := tx.record(ctx, "create", "api_token", auditKey(t.ID), fmt.Sprintf("%s: %s (%s)", u.Username, t.Name, t.Prefix)); err != nil {
		return "", err
	}
	return token, tx.Commit()
}

func hasGrant(gs []gridline.Grant, g gridline.Grant) bool {
	for _, o := range gs {
		if o.Equal(g) {
			return true
		}
	}
	return false
}

const tokenColumns = `id, user_id, name, prefix, grants, created_at, expires_at, last_used_at, revoked_at`

func scanToken(row interface{ Scan(...any) error }) (*gridline.APIToken, error) {
	var t gridline.APIToken
	var grants string
	var used, revoked sql.NullTime
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &grants, &t.CreatedAt, &t.ExpiresAt, &used, &revoked); err != nil {
		return nil, err
	}
	var err error
	if t.Grants, err = tokenGrants(grants); err != nil {
		return nil, fmt.Errorf("api token %d: grants: %w", t.ID, err)
	}
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	if used.Valid {
		v := used.Time.UTC()
		t.LastUsedAt = &v
	}
	if revoked.Valid {
		v := revoked.Time.UTC()
		t.RevokedAt = &v
	}
	return &t, nil
}

// FindTokens implements gridline.AuthService.
func (s *AuthService) FindTokens(ctx context.Context, userID int64) ([]*gridline.APIToken, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = $1 ORDER BY id DESC`, userID)
	if err != nil {
		return nil, translate(s.db.dialect, err)
	}
	defer rows.Close()
	out := []*gridline.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken implements gridline.AuthService.
func (s *AuthService) RevokeToken(ctx context.Context, userID, id int64) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var (
		revoked      sql.NullTime
		name, prefix string
	)
	err = tx.QueryRowContext(ctx, `SELECT revoked_at, name, prefix FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID).
		Scan(&revoked, &name, &prefix)
	if errors.Is(err, sql.ErrNoRows) {
		return gridline.Errorf(gridline.ENOTFOUND, "API token not found.")
	} else if err != nil {
		return translate(tx.db.dialect, err)
	}
	if revoked.Valid {
		return nil
	}
	if _, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, tx.now, id); err != nil {
		return err
	}
	username, err := usernameOf(ctx, tx, userID)
	if err != nil {
		return err
	}
	if err := tx.record(ctx, "revoke", "api_token", auditKey(id), fmt.Sprintf("%s: %s (%s)", username, name, prefix)); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *AuthService) authenticateToken(ctx context.Context, token string) (*gridline.Principal, error) {
	now := s.db.Now().UTC()
	t, err := scanToken(s.db.read.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = $1`,
		gridline.TokenHash(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "The API token is not valid.")
	} else if err != nil {
		return nil, translate(s.db.dialect, err)
	}
	if t.RevokedAt != nil {
		return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "The API token %s… was revoked.", t.Prefix)
	}
	if !t.ExpiresAt.After(now) {
		return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "The API token %s… expired at %s.", t.Prefix, t.ExpiresAt.Format("2006-01-02 15:04 MST"))
	}
	u, err := s.activeUser(ctx, t.UserID)
	if err != nil {
		return nil, err
	}
	// The token holds what it was issued for and the user still holds:
	// a grant taken from the user is taken from the token too.
	grants := u.Grants
	if len(t.Grants) > 0 {
		grants = []gridline.Grant{}
		for _, g := range t.Grants {
			if hasGrant(u.Grants, g) {
				grants = append(grants, g)
			}
		}
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > touchEvery {
		if err := s.touch(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, t.ID); err != nil {
			return nil, err
		}
	}
	return &gridline.Principal{User: u, Grants: grants, TokenID: t.ID}, nil
}
