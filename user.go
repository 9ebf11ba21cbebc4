package gridline

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxUsernameLen bounds a username, in characters.
const MaxUsernameLen = 64

// ValidateUsername checks a login name: 2 to 64 of a–z, 0–9, ".", "_"
// and "-", starting with a letter or digit. Usernames are lower case (the
// store folds them), so 'Admin' and 'admin' are one account; people's
// names in Chinese go in User.Name.
func ValidateUsername(field, s string) error {
	if s == "" {
		return FieldErrorf(field, "is required")
	}
	if len(s) < 2 || len(s) > MaxUsernameLen {
		return FieldErrorf(field, "must be 2–%d characters long", MaxUsernameLen)
	}
	for i, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return FieldErrorf(field, "%q: use lower-case letters a–z, digits and . _ - (starting with a letter or digit)", s)
		}
	}
	return nil
}

// roleAnchors says where each role holds: at a place (a region or grid
// code), at a unit, or nowhere in particular (district-wide or the
// user's own records). The scope of what each role may do is the role
// table's business; this is only what a grant must name.
var roleAnchors = map[Role]string{
	RoleAdmin: "", RoleCommand: "region?", RoleStreet: "region", RoleCommunity: "region",
	RoleGridWorker: "region", RoleGridWorkerProperty: "region", RoleGridWorkerSpecial: "region",
	RoleDepartment: "unit", RoleProperty: "unit", RoleLeader: "region", RoleResident: "",
	RoleExternal: "region?",
}

// Validate checks one grant; field names it in errors (e.g. "grants[0]").
// Place-bound roles name a region or grid code, unit-bound roles a unit;
// whether that place or unit exists is the store's check.
func (g Grant) Validate(field string) error {
	if !g.Role.Valid() {
		return FieldErrorf(field+".role", "%q is not a role (one of %s)", g.Role, strings.Join(roleNames(), ", "))
	}
	anchor := roleAnchors[g.Role]
	if g.Region != "" && (!allDigits(g.Region) || len(g.Region) > 15) {
		return FieldErrorf(field+".region", "%q is not a region or grid code", g.Region)
	}
	if g.UnitID != nil && *g.UnitID <= 0 {
		return FieldErrorf(field+".unit_id", "must be a unit id")
	}
	switch anchor {
	case "region":
		if g.Region == "" {
			return FieldErrorf(field+".region", "role %s holds at a place: name its region or grid code", g.Role)
		}
	case "unit":
		if g.UnitID == nil {
			return FieldErrorf(field+".unit_id", "role %s holds at a unit: name its unit id", g.Role)
		}
	}
	if g.UnitID != nil && anchor != "unit" {
		return FieldErrorf(field+".unit_id", "role %s does not hold at a unit", g.Role)
	}
	if g.Region != "" && anchor != "region" && anchor != "region?" {
		return FieldErrorf(field+".region", "role %s does not hold at a place", g.Role)
	}
	return nil
}

func roleNames() []string {
	s := make([]string, len(Roles))
	for i, r := range Roles {
		s[i] = string(r)
	}
	return s
}

// String writes a grant as the CLI takes it: role, role@region or
// role#unit_id.
func (g Grant) String() string {
	switch {
	case g.UnitID != nil:
		return fmt.Sprintf("%s#%d", g.Role, *g.UnitID)
	case g.Region != "":
		return string(g.Role) + "@" + g.Region
	}
	return string(g.Role)
}

// Equal reports whether g and o grant the same role at the same place.
func (g Grant) Equal(o Grant) bool {
	return g.Role == o.Role && g.Region == o.Region &&
		(g.UnitID == nil) == (o.UnitID == nil) && (g.UnitID == nil || *g.UnitID == *o.UnitID)
}

// ParseGrant reads role, role@REGION or role#UNIT_ID and validates it.
func ParseGrant(field, s string) (Grant, error) {
	var g Grant
	if role, unit, ok := strings.Cut(s, "#"); ok {
		id, err := strconv.ParseInt(unit, 10, 64)
		if err != nil {
			return g, FieldErrorf(field, "%q: the unit after # must be a unit id", s)
		}
		g.Role, g.UnitID = Role(role), &id
	} else if role, region, ok := strings.Cut(s, "@"); ok {
		g.Role, g.Region = Role(role), region
	} else {
		g.Role = Role(s)
	}
	return g, g.Validate(field)
}

// ValidateGrants checks every grant of a list, naming the bad one, and
// refuses the same grant twice.
func ValidateGrants(grants []Grant) error {
	for i, g := range grants {
		f := fmt.Sprintf("grants[%d]", i)
		if err := g.Validate(f); err != nil {
			return err
		}
		for _, o := range grants[:i] {
			if g.Equal(o) {
				return FieldErrorf(f, "%s is granted twice", g)
			}
		}
	}
	return nil
}

// Validate checks a user's fields (not the password: see
// ValidatePassword).
func (u *User) Validate() error {
	if err := ValidateUsername("username", u.Username); err != nil {
		return err
	}
	if err := checkName(u.Name); err != nil {
		return err
	}
	if u.Phone != "" && !validPhone(u.Phone) {
		return FieldErrorf("phone", "%q is not a phone number", MaskPhone(u.Phone))
	}
	if u.PersonID != nil && *u.PersonID <= 0 {
		return FieldErrorf("person_id", "must be a person id")
	}
	return ValidateGrants(u.Grants)
}

// Has reports whether the principal holds role (the system holds every
// role). Until the role table decides per action, RoleAdmin is what user
// administration asks for.
func (p *Principal) Has(role Role) bool {
	if p == nil {
		return false
	}
	if p.System {
		return true
	}
	for _, g := range p.Grants {
		if g.Role == role {
			return true
		}
	}
	return false
}

// Name is who the principal is in the audit log: the username, "system"
// or "anonymous".
func (p *Principal) Name() string {
	switch {
	case p == nil:
		return "anonymous"
	case p.User != nil:
		return p.User.Username
	case p.System:
		return "system"
	}
	return "anonymous"
}

// UserFilter selects users, by id.
type UserFilter struct {
	ID       *int64
	Username *string
	Role     *Role
	// Query matches the username or the name (a substring).
	Query    *string
	Disabled *bool
	Offset   int
	Limit    int
}

// UserUpdate changes a user; nil fields stay. Grants, when set, replace
// all of the user's grants.
type UserUpdate struct {
	Name     *string  `json:"name"`
	Phone    *string  `json:"phone"`
	Disabled *bool    `json:"disabled"`
	Grants   *[]Grant `json:"grants"`
	PersonID *int64   `json:"person_id"`
}

// Session is a browser or app sign-in. Its token (gls_…) is shown to the
// client once, at login; the store keeps only its SHA-256.
type Session struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	CSRF       string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	// Addr and UserAgent are where the login came from and with what
	// browser (the first 200 characters), for the list of devices.
	Addr      string `json:"addr"`
	UserAgent string `json:"user_agent"`
}

// MaxUserAgentLen is how much of a User-Agent a session keeps.
const MaxUserAgentLen = 200

// APIToken is a credential for an external system or script (glt_…):
// issued by a user, for at most that user's grants, expiring, revocable.
// The token itself is shown once, on creation; the store keeps its
// SHA-256 and its first characters (Prefix) to tell tokens apart.
type APIToken struct {
	ID     int64  `json:"id"`
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
	// Grants narrow the token to some of the user's grants; empty means
	// all of them.
	Grants     []Grant    `json:"grants"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Token lifetimes.
const (
	DefaultTokenTTL = 90 * 24 * time.Hour
	MaxTokenTTL     = 366 * 24 * time.Hour
)

// Validate checks a new token's name, expiry (after now, at most a year
// ahead) and grants (as grants; that they are the user's is the store's
// check).
func (t *APIToken) Validate(now time.Time) error {
	if strings.TrimSpace(t.Name) == "" {
		return FieldErrorf("name", "is required: say what the token is for")
	}
	if err := CheckText("name", t.Name, MaxNameLen); err != nil {
		return err
	}
	if !t.ExpiresAt.After(now) {
		return FieldErrorf("expires_at", "must be in the future")
	}
	if t.ExpiresAt.Sub(now) > MaxTokenTTL {
		return FieldErrorf("expires_at", "must be at most %d days ahead", MaxTokenTTL/(24*time.Hour))
	}
	return ValidateGrants(t.Grants)
}

// AuthPolicy are the rules of sessions and login throttling.
type AuthPolicy struct {
	// SessionTTL is how long a session lasts from login at most;
	// SessionIdle ends a session unused for that long.
	SessionTTL  time.Duration
	SessionIdle time.Duration
	// MaxFailures consecutive failed logins lock an account: for
	// LockoutBase, doubling with each further failure up to LockoutMax.
	MaxFailures int
	LockoutBase time.Duration
	LockoutMax  time.Duration
}

// DefaultAuthPolicy: a working day's session, two idle hours, and after 5
// failures a lock of 1, 2, 4, 8 and then 15 minutes.
var DefaultAuthPolicy = AuthPolicy{
	SessionTTL: 12 * time.Hour, SessionIdle: 2 * time.Hour,
	MaxFailures: 5, LockoutBase: time.Minute, LockoutMax: 15 * time.Minute,
}

// Lockout returns how long an account is locked after failures
// consecutive failed logins (0: not locked).
func (p AuthPolicy) Lockout(failures int) time.Duration {
	if failures < p.MaxFailures {
		return 0
	}
	d := p.LockoutBase
	for i := p.MaxFailures; i < failures && d < p.LockoutMax; i++ {
		d *= 2
	}
	return min(d, p.LockoutMax)
}

// LockedError says that logins to an account (or to a username that has
// none: the answer must not tell) are refused until a time. It unwraps
// to an ERATELIMITED *Error.
type LockedError struct {
	RetryAfter time.Duration
}

func (e *LockedError) Error() string { return e.Unwrap().Error() }

// Unwrap returns the user-facing error.
func (e *LockedError) Unwrap() error {
	return Errorf(ERATELIMITED, "Too many failed logins for this account; try again in %s.", roundUp(e.RetryAfter))
}

func roundUp(d time.Duration) string {
	if d <= time.Minute {
		return fmt.Sprintf("%d seconds", int((d+time.Second-1)/time.Second))
	}
	return fmt.Sprintf("%d minutes", int((d+time.Minute-1)/time.Minute))
}

// UserService manages accounts. Every method is for the system and for
// admins; the HTTP layer checks which.
type UserService interface {
	// FindUserByID returns a user with its grants. ENOTFOUND if none.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUserByUsername returns a user by username (any case).
	// ENOTFOUND if none.
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	// FindUsers returns a page of users, by id, and the total.
	FindUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	// CreateUser creates u with password (ValidatePassword) and fills its
	// ID and times. ECONFLICT if the username is taken; EINVALID names a
	// bad field, a region or unit of a grant that is not stored among them.
	CreateUser(ctx context.Context, u *User, password string) error
	// UpdateUser changes name, phone, disabled, person and grants.
	// Disabling a user ends its sessions. ENOTFOUND, EINVALID.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
	// SetPassword sets a user's password (an admin's reset, the CLI),
	// clears a lockout and ends every session of the user.
	SetPassword(ctx context.Context, id int64, password string) error
}

// AuthService signs users in and out and resolves credentials.
type AuthService interface {
	// Login checks a username and password and opens a session,
	// returning it with its token (shown once). A wrong username or
	// password is EUNAUTHORIZED with the same message and about the same
	// time; a locked account, or a username that failed as often, is a
	// *LockedError (ERATELIMITED). A disabled account is EUNAUTHORIZED.
	Login(ctx context.Context, username, password string) (*Session, string, error)
	// Authenticate resolves a session token (gls_…) or an API token
	// (glt_…) to its principal (without Addr). EUNAUTHORIZED if the token
	// is unknown, expired, revoked, or its user disabled.
	Authenticate(ctx context.Context, token string) (*Principal, error)
	// Logout ends a session. Ending one that has ended is no error.
	Logout(ctx context.Context, sessionID int64) error
	// ChangePassword sets a user's password after checking the old one
	// (EUNAUTHORIZED naming old_password) and ends the user's other
	// sessions; keep is the session to keep (0: none).
	ChangePassword(ctx context.Context, userID, keep int64, old, new string) error
	// CreateToken issues t for user t.UserID and returns the token
	// (shown once). A zero ExpiresAt means DefaultTokenTTL. EINVALID if a
	// grant is not one of the user's.
	CreateToken(ctx context.Context, t *APIToken) (string, error)
	// FindTokens returns a user's tokens, revoked and expired ones
	// included, newest first.
	FindTokens(ctx context.Context, userID int64) ([]*APIToken, error)
	// RevokeToken revokes one of a user's tokens. ENOTFOUND if the user
	// has no such token.
	RevokeToken(ctx context.Context, userID, id int64) error
	// FindSessions returns a user's open sessions (not ended, expired or
	// idle too long), the most recently used first.
	FindSessions(ctx context.Context, userID int64) ([]*Session, error)
	// EndSession ends one of a user's open sessions. ENOTFOUND if the
	// user has no such open session.
	EndSession(ctx context.Context, userID, id int64) error
	// EndSessions ends every open session of a user but keep (0: all)
	// and returns how many it ended.
	EndSessions(ctx context.Context, userID, keep int64) (int, error)
}

// Token prefixes tell a session token from an API token at a glance, in
// logs of leaked secrets and in the guard.
const (
	SessionTokenPrefix = "gls_"
	APITokenPrefix     = "glt_"
)

// NewSecret returns prefix and 256 random bits, URL-safe base64.
func NewSecret(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// TokenHash returns what the store keeps of a token: its SHA-256, hex.
// Tokens carry 256 random bits, so a fast hash is enough (unlike
// passwords).
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
