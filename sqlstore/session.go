package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

// AuthService implements gridline.AuthService: logins, sessions and API
// tokens (token.go).
type AuthService struct {
	db *DB
	// Policy sets session lifetimes and the lockout; set it before use.
	Policy gridline.AuthPolicy

	// phantoms count failed logins to usernames that have no account,
	// so that they lock exactly as an account would: a lockout must not
	// tell whether the account exists. In memory only: they protect
	// nothing but that pretence.
	mu       sync.Mutex
	phantoms map[string]*phantom
}

type phantom struct {
	failures int
	until    time.Time
	last     time.Time
}

// maxPhantoms bounds the phantom counters (usernames come from clients).
const maxPhantoms = 10_000

// NewAuthService returns an AuthService over db with the default policy.
func NewAuthService(db *DB) *AuthService {
	return &AuthService{db: db, Policy: gridline.DefaultAuthPolicy}
}

var _ gridline.AuthService = (*AuthService)(nil)

// touchEvery is how stale last_seen_at and last_used_at may get: they are
// written at most this often per session or token, not per request.
const touchEvery = time.Minute

var errBadLogin = gridline.Errorf(gridline.EUNAUTHORIZED, "Wrong username or password.")

// Login implements gridline.AuthService.
func (s *AuthService) Login(ctx context.Context, username, password string) (*gridline.Session, string, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	now := s.db.Now().UTC()
	var (
		id       int64
		hash     string
		disabled bool
		locked   sql.NullTime
	)
	err := s.db.read.QueryRowContext(ctx, `SELECT id, password_hash, disabled, locked_until FROM users WHERE username = $1`,
		username).Scan(&id, &hash, &disabled, &locked)
	if errors.Is(err, sql.ErrNoRows) || gridline.ValidateUsername("username", username) != nil {
		return nil, "", s.phantomFailure(username, password, now)
	} else if err != nil {
		return nil, "", translate(s.db.dialect, err)
	}
	if locked.Valid && locked.Time.After(now) {
		return nil, "", &gridline.LockedError{RetryAfter: locked.Time.Sub(now)}
	}
	ctx = gridline.WithActor(ctx, gridline.Actor{Name: username})
	if !gridline.CheckPassword(hash, password) {
		return nil, "", s.failed(ctx, id, username)
	}
	if disabled {
		return nil, "", gridline.Errorf(gridline.EUNAUTHORIZED, "This account is disabled; ask an administrator.")
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, id); err != nil {
		return nil, "", err
	}
	token := gridline.NewSecret(gridline.SessionTokenPrefix)
	client := gridline.ClientFrom(ctx)
	ses := &gridline.Session{UserID: id, CSRF: gridline.NewSecret(""), CreatedAt: tx.now, LastSeenAt: tx.now,
		ExpiresAt: tx.now.Add(s.Policy.SessionTTL), Addr: client.Addr, UserAgent: truncateRunes(client.UserAgent, gridline.MaxUserAgentLen)}
	if err := tx.QueryRowContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen_at, expires_at, addr, user_agent)
		VALUES ($1, $2, $3, $4, $4, $5, $6, $7) RETURNING id`, gridline.TokenHash(token), id, ses.CSRF, tx.now, ses.ExpiresAt,
		ses.Addr, ses.UserAgent).Scan(&ses.ID); err != nil {
		return nil, "", translate(tx.db.dialect, err)
	}
	if err := tx.record(ctx, "login", "session", auditKey(ses.ID), username); err != nil {
		return nil, "", err
	}
	return ses, token, tx.Commit()
}

// failed counts a failed login of an account and locks it per the
// policy.
func (s *AuthService) failed(ctx context.Context, id int64, username string) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins`,
		id).Scan(&n); err != nil {
		return translate(tx.db.dialect, err)
	}
	detail := username
	if d := s.Policy.Lockout(n); d > 0 {
		if _, err := tx.exec(ctx, `UPDATE users SET locked_until = $1 WHERE id = $2`, tx.now.Add(d), id); err != nil {
			return err
		}
		detail += " locked " + d.String()
	}
	if err := tx.record(ctx, "login_failed", "user", auditKey(id), detail); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return errBadLogin
}

// phantomFailure answers a login to a username without an account as a
// wrong password to an account would be answered: after the time of a
// password check, and locked after as many failures.
func (s *AuthService) phantomFailure(username, password string, now time.Time) error {
	s.mu.Lock()
	p := s.phantoms[username]
	if p != nil && p.until.After(now) {
		s.mu.Unlock()
		return &gridline.LockedError{RetryAfter: p.until.Sub(now)}
	}
	s.mu.Unlock()
	gridline.CheckNoPassword(password)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phantoms == nil || len(s.phantoms) >= maxPhantoms {
		s.sweepPhantoms(now)
	}
	if p = s.phantoms[username]; p == nil {
		p = &phantom{}
		s.phantoms[username] = p
	}
	p.failures++
	p.last = now
	if d := s.Policy.Lockout(p.failures); d > 0 {
		p.until = now.Add(d)
	}
	return errBadLogin
}

// sweepPhantoms drops counters whose lock is over and whose last failure
// is older than the longest lock; if that frees nothing, all of them.
func (s *AuthService) sweepPhantoms(now time.Time) {
	if s.phantoms == nil {
		s.phantoms = map[string]*phantom{}
		return
	}
	for k, p := range s.phantoms {
		if !p.until.After(now) && now.Sub(p.last) > s.Policy.LockoutMax {
			delete(s.phantoms, k)
		}
	}
	if len(s.phantoms) >= maxPhantoms {
		s.phantoms = map[string]*phantom{}
	}
}

// Authenticate implements gridline.AuthService.
func (s *AuthService) Authenticate(ctx context.Context, token string) (*gridline.Principal, error) {
	switch {
	case strings.HasPrefix(token, gridline.SessionTokenPrefix):
		return s.authenticateSession(ctx, token)
	case strings.HasPrefix(token, gridline.APITokenPrefix):
		return s.authenticateToken(ctx, token)
	case len(token) <= gridline.MaxShortLen:
		// A short token without a prefix can only be one whose secret
		// was chosen: the demo's Open311 key (CreateDemoToken).
		return s.authenticateToken(ctx, token)
	}
	return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "The token is not valid: log in again, or use an API token (glt_…).")
}

func (s *AuthService) authenticateSession(ctx context.Context, token string) (*gridline.Principal, error) {
	now := s.db.Now().UTC()
	var (
		id, userID             int64
		csrf                   string
		expires, seen, created time.Time
		revoked                sql.NullTime
	)
	err := s.db.read.QueryRowContext(ctx, `SELECT id, user_id, csrf, created_at, last_seen_at, expires_at, revoked_at
		FROM sessions WHERE token_hash = $1`, gridline.TokenHash(token)).Scan(&id, &userID, &csrf, &created, &seen, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "The session is not valid; log in again.")
	} else if err != nil {
		return nil, translate(s.db.dialect, err)
	}
	if revoked.Valid || !expires.After(now) || now.Sub(seen) > s.Policy.SessionIdle {
		return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "The session has ended; log in again.")
	}
	u, err := s.activeUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	if now.Sub(seen) > touchEvery {
		if err := s.touch(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, now, id); err != nil {
			return nil, err
		}
	}
	return &gridline.Principal{User: u, Grants: u.Grants, SessionID: id, CSRF: csrf}, nil
}

// activeUser returns the user of a session or token, EUNAUTHORIZED if it
// is gone or disabled.
func (s *AuthService) activeUser(ctx context.Context, id int64) (*gridline.User, error) {
	u, err := NewUserService(s.db).FindUserByID(ctx, id)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND || err == nil && u.Disabled {
		return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "The account is disabled.")
	}
	return u, err
}

// touch writes when a session or token was last used. It is bookkeeping,
// not a change anyone made: it records no audit row and no change-feed
// event (an event would also drop every cached credential).
func (s *AuthService) touch(ctx context.Context, q string, args ...any) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, q, args...); err != nil {
		return err
	}
	return tx.Commit()
}

// Logout implements gridline.AuthService.
func (s *AuthService) Logout(ctx context.Context, sessionID int64) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, `UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, tx.now, sessionID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	if err := tx.record(ctx, "logout", "session", auditKey(sessionID), ""); err != nil {
		return err
	}
	return tx.Commit()
}

// ChangePassword implements gridline.AuthService. A wrong old password
// counts as a failed login: a stolen session cannot guess the password
// faster than the login form.
func (s *AuthService) ChangePassword(ctx context.Context, userID, keep int64, old, new string) error {
	now := s.db.Now().UTC()
	var (
		hash     string
		username string
		locked   sql.NullTime
	)
	err := s.db.read.QueryRowContext(ctx, `SELECT username, password_hash, locked_until FROM users WHERE id = $1`, userID).
		Scan(&username, &hash, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return gridline.Errorf(gridline.ENOTFOUND, "User not found.")
	} else if err != nil {
		return translate(s.db.dialect, err)
	}
	if locked.Valid && locked.Time.After(now) {
		return &gridline.LockedError{RetryAfter: locked.Time.Sub(now)}
	}
	if !gridline.CheckPassword(hash, old) {
		if err := s.failed(ctx, userID, username); err != errBadLogin {
			return err
		}
		return gridline.FieldErrorf("old_password", "is not your current password")
	}
	if new == old {
		return gridline.FieldErrorf("new_password", "must differ from the old password")
	}
	if err := gridline.ValidatePassword("new_password", username, new); err != nil {
		return err
	}
	return setPassword(ctx, s.db, &gridline.User{ID: userID, Username: username}, new, keep)
}

// tokenGrants decodes the grants column of api_tokens.
func tokenGrants(s string) ([]gridline.Grant, error) {
	gs := []gridline.Grant{}
	if s == "" {
		return gs, nil
	}
	return gs, json.Unmarshal([]byte(s), &gs)
}

// truncateRunes cuts s to at most n characters, and to valid UTF-8 (a
// User-Agent comes from the client; PostgreSQL refuses bad UTF-8).
func truncateRunes(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// openSessions is the condition of a user's sessions that still work.
const openSessions = `user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3`

// FindSessions implements gridline.AuthService.
func (s *AuthService) FindSessions(ctx context.Context, userID int64) ([]*gridline.Session, error) {
	now := s.db.Now().UTC()
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, user_id, created_at, last_seen_at, expires_at, addr, user_agent
		FROM sessions WHERE `+openSessions+` ORDER BY last_seen_at DESC, id DESC`, userID, now, now.Add(-s.Policy.SessionIdle))
	if err != nil {
		return nil, translate(s.db.dialect, err)
	}
	defer rows.Close()
	out := []*gridline.Session{}
	for rows.Next() {
		var ses gridline.Session
		if err := rows.Scan(&ses.ID, &ses.UserID, &ses.CreatedAt, &ses.LastSeenAt, &ses.ExpiresAt, &ses.Addr, &ses.UserAgent); err != nil {
			return nil, err
		}
		ses.CreatedAt, ses.LastSeenAt, ses.ExpiresAt = ses.CreatedAt.UTC(), ses.LastSeenAt.UTC(), ses.ExpiresAt.UTC()
		out = append(out, &ses)
	}
	return out, rows.Err()
}

// EndSession implements gridline.AuthService.
func (s *AuthService) EndSession(ctx context.Context, userID, id int64) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, `UPDATE sessions SET revoked_at = $4 WHERE `+openSessions+` AND id = $5`,
		userID, tx.now, tx.now.Add(-s.Policy.SessionIdle), tx.now, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gridline.Errorf(gridline.ENOTFOUND, "Session not found (or already ended).")
	}
	username, err := usernameOf(ctx, tx, userID)
	if err != nil {
		return err
	}
	if err := tx.record(ctx, "end", "session", auditKey(id), username); err != nil {
		return err
	}
	return tx.Commit()
}

// EndSessions implements gridline.AuthService.
func (s *AuthService) EndSessions(ctx context.Context, userID, keep int64) (int, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	username, err := usernameOf(ctx, tx, userID)
	if err != nil {
		return 0, err
	}
	res, err := tx.exec(ctx, `UPDATE sessions SET revoked_at = $4 WHERE `+openSessions+` AND id <> $5`,
		userID, tx.now, tx.now.Add(-s.Policy.SessionIdle), tx.now, keep)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return 0, nil
	}
	detail := fmt.Sprintf("%s: %d sessions", username, n)
	if keep != 0 {
		detail += fmt.Sprintf(" (kept session %d)", keep)
	}
	// One row for the lot, on the user: the sessions' ids say nothing
	// an auditor needs.
	if err := tx.record(ctx, "end_sessions", "user", auditKey(userID), detail); err != nil {
		return 0, err
	}
	return int(n), tx.Commit()
}

// usernameOf returns a user's username, ENOTFOUND if there is no such
// user.
func usernameOf(ctx context.Context, tx *Tx, id int64) (string, error) {
	var name string
	err := tx.QueryRowContext(ctx, `SELECT username FROM users WHERE id = $1`, id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", gridline.Errorf(gridline.ENOTFOUND, "User not found.")
	}
	return name, translate(tx.db.dialect, err)
}
