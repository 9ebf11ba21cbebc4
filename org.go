package gridline

import (
	"context"
	"regexp"
	"time"
)

// Team is a person's workforce team, the "3+N" of "6+3+N".
type Team string

// Teams.
const (
	TeamGridWorker        Team = "grid_worker"         // 专职网格员
	TeamCadre             Team = "cadre"               // 下沉干部
	TeamStreetStaff       Team = "street_staff"        // 街道配套人员
	TeamPropertyStaff     Team = "property_staff"      // 物业兼职网格员
	TeamVolunteer         Team = "volunteer"           // 志愿者
	TeamWelfarePost       Team = "welfare_post"        // 公益岗
	TeamSpecialGridWorker Team = "special_grid_worker" // 特聘网格员
)

// Teams lists every team in display order.
var Teams = []Team{TeamGridWorker, TeamCadre, TeamStreetStaff, TeamPropertyStaff,
	TeamVolunteer, TeamWelfarePost, TeamSpecialGridWorker}

// Valid reports whether t is a known team.
func (t Team) Valid() bool {
	_, ok := teamLabels[t]
	return ok
}

// ParseTeam returns the team named s, or EINVALID naming field.
func ParseTeam(field, s string) (Team, error) {
	if t := Team(s); t.Valid() {
		return t, nil
	}
	return "", FieldErrorf(field, "unknown team %q", s)
}

// Valid reports whether k is a known unit kind.
func (k UnitKind) Valid() bool {
	return k == UnitDepartment || k == UnitProperty || k == UnitOther
}

// ParseUnitKind returns the unit kind named s, or EINVALID naming field.
func ParseUnitKind(field, s string) (UnitKind, error) {
	if k := UnitKind(s); k.Valid() {
		return k, nil
	}
	return "", FieldErrorf(field, "must be department, property or other, got %q", s)
}

// Valid reports whether l is one of the six levels.
func (l PartyOrgLevel) Valid() bool { return l >= 1 && l <= 6 }

// ParsePartyOrgLevel returns level n, or EINVALID naming field.
func ParsePartyOrgLevel(field string, n int64) (PartyOrgLevel, error) {
	if l := PartyOrgLevel(n); int64(l) == n && l.Valid() {
		return l, nil
	}
	return 0, FieldErrorf(field, "must be 1–6, got %d", n)
}

// Person is a member of the workforce.
type Person struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Phone is a mobile (13812345678, 138 1234 5678, 138-1234-5678), a
	// landline with its area code and an optional extension (0537-3412345,
	// 010-62345678, (0537)3412345, 0537-3412345-801, 0537-3412345转801) or
	// a service number (12345, 95588, 96166, 400-810-8888). API answers
	// mask it (see MaskPhone) unless the caller may see personal data.
	Phone string `json:"phone,omitempty"`
	Team  Team   `json:"team"`
	// Role is an optional role within the team, e.g. grid_leader (网格长).
	Role   string `json:"role,omitempty"`
	UnitID *int64 `json:"unit_id"`
	// RegionCode is where the person works: a town or community code.
	RegionCode  string        `json:"region_code"`
	Assignments []*Assignment `json:"assignments,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// Validate checks a person's fields.
func (p *Person) Validate() error {
	if err := checkName(p.Name); err != nil {
		return err
	}
	if err := CheckText("role", p.Role, MaxShortLen); err != nil {
		return err
	}
	if _, err := ParseTeam("team", string(p.Team)); err != nil {
		return err
	}
	if p.Phone != "" && !validPhone(p.Phone) {
		return FieldErrorf("phone", "%q is not a phone number: enter a mobile (13812345678), a landline with its area code and optional extension (0537-3412345-801) or a service number (12345)", MaskPhone(p.Phone))
	}
	if p.RegionCode != "" && !allDigits(p.RegionCode) {
		return FieldErrorf("region_code", "must be a region code")
	}
	return nil
}

// phoneFormats are the phone numbers a person may have (see
// [Person.Phone]), separators included: digits alone would not tell a
// landline's extension from its number, and the old rule (any 7–15
// digits) let through fragments that no mask can hide.
var phoneFormats = []*regexp.Regexp{
	// Mobile: 11 digits from 13–19, in one group or as 3-4-4.
	regexp.MustCompile(`^1[3-9]\d([ -]?\d{4}){2}$`),
	// Landline: area code (010, 02x or 0xxx) and a 7- or 8-digit number,
	// then an optional extension after "-" or "转".
	regexp.MustCompile(`^(0(10|2\d|[3-9]\d\d)[ -]?|\(0(10|2\d|[3-9]\d\d)\) ?)[2-9]\d{6,7}((-|转)\d{1,6})?$`),
	// Service numbers: 12xxx government hotlines (12345), 95xxx… and
	// 96xxx… service lines, 400/800 company lines.
	regexp.MustCompile(`^(12\d{3}|95\d{3,6}|96\d{3,4}|[48]00[ -]?\d{3}[ -]?\d{4})$`),
}

func validPhone(s string) bool {
	for _, re := range phoneFormats {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// MaskPhone hides most digits of a phone number and keeps its separators.
// A mobile keeps the customary first 3 and last 4 digits (138****5678);
// any other number keeps only the last third of its digits, rounded down
// (0537-3412345 → ****-****345, 12345 → ****5, 5551234 → *****34). Any
// string is masked, valid or not: stored numbers may predate validation.
func MaskPhone(s string) string {
	b := []rune(s)
	var digits []int // indexes of the digits in b
	for i, c := range b {
		if c >= '0' && c <= '9' {
			digits = append(digits, i)
		}
	}
	n := len(digits)
	head, tail := 0, n/3
	if n == 11 && b[digits[0]] == '1' {
		head, tail = 3, 4
	}
	for _, i := range digits[head : n-tail] {
		b[i] = '*'
	}
	return string(b)
}

// AssignmentTarget names what a person is assigned to.
type AssignmentTarget string

// Assignment targets.
const (
	TargetGrid     AssignmentTarget = "grid"
	TargetPoint    AssignmentTarget = "point"
	TargetCompound AssignmentTarget = "compound"
	TargetUnit     AssignmentTarget = "unit"
	TargetPartyOrg AssignmentTarget = "party_org"
)

// Assignment ties a person to a grid, point, compound, unit or party
// organisation, with a role (e.g. grid_leader, secretary, member).
type Assignment struct {
	ID       int64            `json:"id"`
	PersonID int64            `json:"person_id"`
	Target   AssignmentTarget `json:"target"`
	TargetID int64            `json:"target_id"`
	Role     string           `json:"role"`
	// RegionPath is the target's scope, copied at assignment time.
	RegionPath
	CreatedAt time.Time `json:"created_at"`
}

// PersonFilter selects people.
type PersonFilter struct {
	ID       *int64
	Team     *Team
	Within   *string // region prefix of the person or of an assignment
	GridCode *string // assigned to this grid
	UnitID   *int64
	Query    *string
	Offset   int
	Limit    int
}

// PersonUpdate changes a person; nil fields stay.
type PersonUpdate struct {
	Name       *string `json:"name"`
	Phone      *string `json:"phone"`
	Team       *Team   `json:"team"`
	Role       *string `json:"role"`
	UnitID     *int64  `json:"unit_id"`
	RegionCode *string `json:"region_code"`
}

// PartyOrgLevel is a level of the six-level party organisation tree.
type PartyOrgLevel int

// The six levels, 街道党工委 → 红色楼栋(单元)长.
const (
	PartyStreetCommittee    PartyOrgLevel = 1 // 街道党工委
	PartyCommunityCommittee PartyOrgLevel = 2 // 社区党委
	PartyGridOrg            PartyOrgLevel = 3 // 网格党组织
	PartyCompoundBranch     PartyOrgLevel = 4 // 小区党支部
	PartyBuildingGroup      PartyOrgLevel = 5 // 楼宇党小组
	PartyBuildingLeader     PartyOrgLevel = 6 // 红色楼栋(单元)长
)

// PartyOrg is a node of the party organisation tree tied to the spatial
// unit it leads: a town, community, grid, compound or building.
type PartyOrg struct {
	ID       int64         `json:"id"`
	Name     string        `json:"name"`
	Level    PartyOrgLevel `json:"level"`
	ParentID *int64        `json:"parent_id"`
	// Path is the materialised ancestry, "/1/5/23/", for subtree queries.
	Path string `json:"path"`
	// The spatial unit led: exactly one of these (by level).
	RegionCode string    `json:"region_code"` // town or community for levels 1–2
	GridCode   string    `json:"grid_code,omitempty"`
	CompoundID *int64    `json:"compound_id,omitempty"`
	BuildingID *int64    `json:"building_id,omitempty"`
	LeaderID   *int64    `json:"leader_id,omitempty"`
	LeaderName string    `json:"leader_name,omitempty"`
	Members    int       `json:"members"`
	Children   int       `json:"children"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Validate checks a party organisation on its own; the store checks that
// the parent is one level up and that the tied spatial unit exists.
func (o *PartyOrg) Validate() error {
	if err := checkName(o.Name); err != nil {
		return err
	}
	if _, err := ParsePartyOrgLevel("level", int64(o.Level)); err != nil {
		return err
	}
	if o.Level == 1 && o.ParentID != nil {
		return FieldErrorf("parent_id", "a level-1 organisation (街道党工委) has no parent")
	}
	if o.Level > 1 && o.ParentID == nil {
		return FieldErrorf("parent_id", "is required for level %d", o.Level)
	}
	switch o.Level {
	case 1, 2:
		if o.RegionCode == "" {
			return FieldErrorf("region_code", "is required for level %d", o.Level)
		}
	case 3:
		if o.GridCode == "" {
			return FieldErrorf("grid_code", "is required for a grid party organisation")
		}
	case 4:
		if o.CompoundID == nil {
			return FieldErrorf("compound_id", "is required for a compound party branch")
		}
	case 5, 6:
		if o.BuildingID == nil {
			return FieldErrorf("building_id", "is required for level %d", o.Level)
		}
	}
	return nil
}

// PartyOrgFilter selects party organisations.
type PartyOrgFilter struct {
	ID       *int64
	ParentID *int64
	Root     bool   // only level-1 organisations
	Subtree  *int64 // every descendant of this organisation
	Level    *PartyOrgLevel
	Within   *string
	GridCode *string // tied to this grid (level 3)
	Offset   int
	Limit    int
}

// UnitFilter selects units.
type UnitFilter struct {
	ID     *int64
	Kind   *UnitKind
	Offset int
	Limit  int
}

// UnitUpdate changes a unit; nil fields stay.
type UnitUpdate struct {
	Name     *string `json:"name"`
	Phone    *string `json:"phone"`
	PartyLed *bool   `json:"party_led"`
}

// PartyOrgUpdate changes a party organisation; nil fields stay.
type PartyOrgUpdate struct {
	Name     *string `json:"name"`
	LeaderID *int64  `json:"leader_id"`
}

// AssignmentFilter selects assignments.
type AssignmentFilter struct {
	ID       *int64
	PersonID *int64
	Target   *AssignmentTarget
	TargetID *int64
	Offset   int
	Limit    int
}

// Validate checks an assignment's own fields; the store checks that the
// person and the target exist.
func (a *Assignment) Validate() error {
	if !a.Target.Valid() {
		return FieldErrorf("target", "must be grid, point, compound, unit or party_org, got %q", a.Target)
	}
	return CheckText("role", a.Role, MaxShortLen)
}

// Valid reports whether t is a known assignment target.
func (t AssignmentTarget) Valid() bool {
	switch t {
	case TargetGrid, TargetPoint, TargetCompound, TargetUnit, TargetPartyOrg:
		return true
	}
	return false
}

// UnitService reads and writes units (departments, property companies).
// Every write is audited and fed.
type UnitService interface {
	// FindUnitByID returns ENOTFOUND if there is no such unit.
	FindUnitByID(ctx context.Context, id int64) (*Unit, error)
	FindUnits(ctx context.Context, f UnitFilter) ([]*Unit, int, error)
	// CreateUnit returns ECONFLICT if a unit of the kind has the name.
	CreateUnit(ctx context.Context, u *Unit) error
	UpdateUnit(ctx context.Context, id int64, upd UnitUpdate) (*Unit, error)
	// DeleteUnit returns ECONFLICT while people, compounds or
	// assignments refer to it.
	DeleteUnit(ctx context.Context, id int64) error
}

// PersonService reads and writes the workforce. Every write is audited and
// fed.
type PersonService interface {
	// FindPersonByID returns the person with assignments, or ENOTFOUND.
	FindPersonByID(ctx context.Context, id int64) (*Person, error)
	FindPeople(ctx context.Context, f PersonFilter) ([]*Person, int, error)
	CreatePerson(ctx context.Context, p *Person) error
	UpdatePerson(ctx context.Context, id int64, upd PersonUpdate) (*Person, error)
	// DeletePerson deletes the person's assignments with them; returns
	// ECONFLICT while they are a point's cadre or an organisation's leader.
	DeletePerson(ctx context.Context, id int64) error
	// RevealPhone returns the person's phone in full and records the look
	// in the audit log. Returns ENOTFOUND outside the caller's scope,
	// EFORBIDDEN if the caller's role may not reveal it.
	RevealPhone(ctx context.Context, id int64) (string, error)
}

// PeopleCreator is a PersonService that can also take many people in one
// step, for bulk loads such as the demo's: CreatePeople does what
// CreatePerson does for each person, in order — the same rows, audit rows
// and change-feed events — all or nothing. An error names the person
// ("people[i]"). Callers check for it and fall back to CreatePerson.
type PeopleCreator interface {
	CreatePeople(ctx context.Context, ps []*Person) error
}

// PartyOrgCreator is a PartyOrgService that can also take many
// organisations in one step, for bulk loads such as the demo's:
// CreatePartyOrgs does what CreatePartyOrg does for each, in order — the
// same rules, rows, audit rows and change-feed events — all or nothing.
// A ParentID of −k−1 names os[k], which must come before; on success
// every ID, ParentID, Path and RegionCode is filled (not LeaderName,
// Members or Children). An error names the organisation
// ("party_orgs[i]"). Callers check for it and fall back to CreatePartyOrg.
type PartyOrgCreator interface {
	CreatePartyOrgs(ctx context.Context, os []*PartyOrg) error
}

// AssignmentService ties people to grids, points, compounds, units and
// party organisations. An assignment is created or deleted, never changed.
type AssignmentService interface {
	// FindAssignmentByID returns ENOTFOUND if there is no such assignment.
	FindAssignmentByID(ctx context.Context, id int64) (*Assignment, error)
	FindAssignments(ctx context.Context, f AssignmentFilter) ([]*Assignment, int, error)
	// CreateAssignment copies the target's region path; ECONFLICT if the
	// same assignment exists, EINVALID if the person or target does not.
	CreateAssignment(ctx context.Context, a *Assignment) error
	DeleteAssignment(ctx context.Context, id int64) error
}

// AssignmentCreator is an AssignmentService that can also take many
// assignments in one step, for bulk loads such as the demo's:
// CreateAssignments does what CreateAssignment does for each, in order —
// the same rules, rows, audit rows and change-feed events — all or
// nothing. An error names the assignment ("assignments[i]"). Callers
// check for it and fall back to CreateAssignment.
type AssignmentCreator interface {
	CreateAssignments(ctx context.Context, as []*Assignment) error
}

// PartyOrgService reads and writes the six-level party organisation tree.
// Every write is audited and fed.
type PartyOrgService interface {
	// FindPartyOrgByID returns ENOTFOUND if there is no such organisation.
	FindPartyOrgByID(ctx context.Context, id int64) (*PartyOrg, error)
	FindPartyOrgs(ctx context.Context, f PartyOrgFilter) ([]*PartyOrg, int, error)
	// CreatePartyOrg checks that the parent is one level up and that the
	// tied spatial unit exists (EINVALID otherwise).
	CreatePartyOrg(ctx context.Context, o *PartyOrg) error
	UpdatePartyOrg(ctx context.Context, id int64, upd PartyOrgUpdate) (*PartyOrg, error)
	// DeletePartyOrg returns ECONFLICT while the organisation has children.
	DeletePartyOrg(ctx context.Context, id int64) error
}
