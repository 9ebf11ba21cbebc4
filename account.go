package gridline

import (
	"context"
	"slices"
	"time"
)

// Role is a post a user holds (issue 9). What each role may do, and where,
// is the role table in one place in this package; the store filters by the
// grants and the HTTP server only passes the principal along.
type Role string

// The roles. Place-bound roles hold at a region or grid code (Grant.Region);
// unit-bound roles hold at a unit (Grant.UnitID).
const (
	RoleAdmin              Role = "admin"                // 系统管理员
	RoleCommand            Role = "command"              // 指挥中心: the whole district
	RoleStreet             Role = "street"               // 街道/镇: a town or street
	RoleCommunity          Role = "community"            // 社区/村: a community or village
	RoleGridWorker         Role = "grid_worker"          // 专职网格员: a grid
	RoleGridWorkerProperty Role = "grid_worker_property" // 物业兼职网格员: a grid
	RoleGridWorkerSpecial  Role = "grid_worker_special"  // 专属网格员: a grid
	RoleDepartment         Role = "department"           // 职能部门: a unit
	RoleProperty           Role = "property"             // 物业服务企业: a unit (the company)
	RoleLeader             Role = "leader"               // 领导: read-only, at a region
	RoleResident           Role = "resident"             // 居民: their own reports
	RoleExternal           Role = "external"             // 外部系统 (e.g. the 12345 platform)
)

// Roles lists every role, in the order the UI shows them.
var Roles = []Role{RoleAdmin, RoleCommand, RoleStreet, RoleCommunity, RoleGridWorker,
	RoleGridWorkerProperty, RoleGridWorkerSpecial, RoleDepartment, RoleProperty, RoleLeader,
	RoleResident, RoleExternal}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Grant is one role a user holds, at a place or at a unit.
type Grant struct {
	Role Role `json:"role"`
	// Region is the region or grid code the role holds at (a street, a
	// community, a grid); empty for district-wide roles.
	Region string `json:"region,omitempty"`
	// UnitID is the unit the role holds at: a department, a street office
	// or a property company.
	UnitID *int64 `json:"unit_id,omitempty"`
}

// User is an account.
type User struct {
	ID       int64   `json:"id"`
	Username string  `json:"username"`
	Name     string  `json:"name"`
	Phone    string  `json:"phone,omitempty"`
	Disabled bool    `json:"disabled"`
	Grants   []Grant `json:"grants"`
	// PersonID links the account to a person of the workforce, if any.
	PersonID  *int64    `json:"person_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Principal is who makes a request: a user signed in with a session or an
// API token, or the system itself (the CLI, the demo loader, the
// scheduler). No principal in a context means an anonymous caller.
type Principal struct {
	// User is the account; nil for the system.
	User *User
	// Grants are what this request may use: the user's grants, or the
	// narrower subset an API token was issued with.
	Grants []Grant
	// TokenID is the API token used; 0 for a browser session.
	TokenID int64
	// SessionID is the session used; 0 for an API token. CSRF is that
	// session's CSRF token, which cookie-borne writes must echo.
	SessionID int64
	CSRF      string
	// System is the CLI, the demo loader and the scheduler: every
	// permission, no scope.
	System bool
	// Addr is where the request came from, for the audit log.
	Addr string
}

type principalKey struct{}

// WithPrincipal returns a context that carries p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, or nil for an anonymous
// caller.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
