package gridline

import (
	"fmt"
	"slices"
	"strings"
)

// Resource is a kind of record the role table grants actions on.
type Resource string

// The resources of the role table.
const (
	ResourceRegions   Resource = "regions"       // administrative regions
	ResourceGrids     Resource = "grids"         // grids and grid layers
	ResourcePlaces    Resource = "places"        // points, compounds, buildings, addresses
	ResourceUnits     Resource = "units"         // departments, property companies
	ResourcePeople    Resource = "people"        // the workforce and its assignments
	ResourcePartyOrgs Resource = "party_orgs"    // party organisations
	ResourceTickets   Resource = "tickets"       // cases
	ResourcePhotos    Resource = "ticket_photos" // the photos of cases
	ResourceKPIs      Resource = "kpis"
	ResourceStats     Resource = "stats"
	ResourceAudit     Resource = "audit"
	ResourceEvents    Resource = "events" // the change feed
	ResourceUsers     Resource = "users"  // accounts and their grants
	// ResourceCatalogue is the category catalogue and the working
	// calendar: everyone reads them, admins edit them.
	ResourceCatalogue Resource = "catalogue"
	// ResourceWebhooks is the subscribers of status webhooks (the 12345
	// platform's status endpoint) and their deliveries: a subscriber's
	// secret signs what Gridline sends, so only admins hold it.
	ResourceWebhooks Resource = "webhooks"
	// ResourceResidentReports is the residents' page (随手拍): anyone
	// reports without an account, and follows and rates their own case
	// with its follow code (ResidentService), never seeing anyone else's.
	ResourceResidentReports Resource = "resident_reports"
)

// Resources lists every resource of the role table.
var Resources = []Resource{ResourceRegions, ResourceGrids, ResourcePlaces, ResourceUnits, ResourcePeople,
	ResourcePartyOrgs, ResourceTickets, ResourcePhotos, ResourceKPIs, ResourceStats, ResourceAudit,
	ResourceEvents, ResourceUsers, ResourceCatalogue, ResourceWebhooks, ResourceResidentReports}

// Action is what a principal does to a resource. For cases each step of
// the loop (a [TicketAction]) is an action of its own, so the role table
// says who may sign, verify or call back.
type Action string

// The actions besides the loop's.
const (
	ActRead   Action = "read"
	ActCreate Action = "create" // for cases: intake
	ActUpdate Action = "update"
	ActDelete Action = "delete"
	ActImport Action = "import"
	ActExport Action = "export"
	// ActReveal shows a masked phone number or a confidential
	// reporter, as its own audited request.
	ActReveal Action = "reveal"
	// ActWhistle blows a whistle on a case (吹哨) and rates the units it
	// called: the street's or the grid's, besides the loop.
	ActWhistle Action = "whistle"
)

// ticketActions are the loop's actions as role-table actions.
func ticketActions() []Action {
	out := make([]Action, len(TicketActions))
	for i, a := range TicketActions {
		out[i] = Action(a)
	}
	return out
}

// ActionsOf lists the actions that apply to resource r: what the role
// table decides for it, and what the scope-matrix test walks.
func ActionsOf(r Resource) []Action {
	switch r {
	case ResourceRegions:
		return []Action{ActRead, ActUpdate, ActImport}
	case ResourceGrids:
		return []Action{ActRead, ActCreate, ActUpdate, ActDelete, ActImport}
	case ResourcePlaces, ResourceUnits, ResourcePartyOrgs:
		return []Action{ActRead, ActCreate, ActUpdate, ActDelete}
	case ResourceUsers:
		// Accounts are disabled, never deleted: their names stay in the
		// audit log and on the timelines.
		return []Action{ActRead, ActCreate, ActUpdate}
	case ResourcePeople:
		return []Action{ActRead, ActCreate, ActUpdate, ActDelete, ActReveal}
	case ResourceTickets:
		return append([]Action{ActRead, ActCreate, ActExport, ActReveal, ActWhistle}, ticketActions()...)
	case ResourcePhotos, ResourceKPIs, ResourceStats, ResourceAudit, ResourceEvents:
		return []Action{ActRead}
	case ResourceCatalogue:
		return []Action{ActRead, ActUpdate}
	case ResourceWebhooks:
		return []Action{ActRead, ActCreate, ActDelete}
	case ResourceResidentReports:
		// create: report; read: follow one's case; update: rate it.
		return []Action{ActCreate, ActRead, ActUpdate}
	}
	return nil
}

// ScopeKind is where a grant lets its holder act.
type ScopeKind string

// The kinds of scope.
const (
	// ScopeAll is everything: the admin, a district-wide command centre.
	ScopeAll ScopeKind = "all"
	// ScopeRegion is the grant's region or grid and everything in it
	// (everything, for a command centre or leader granted no region).
	ScopeRegion ScopeKind = "region"
	// ScopeUnit is the cases dispatched to the grant's unit.
	ScopeUnit ScopeKind = "unit"
	// ScopeCompounds is the cases placed in the compounds the grant's
	// unit (a property company) serves, and those dispatched to it.
	ScopeCompounds ScopeKind = "compounds"
	// ScopeOwn is the cases the user took in.
	ScopeOwn ScopeKind = "own"
)

// Rule is one line of the role table: a role may do Actions to Resource
// within Scope.
type Rule struct {
	Resource Resource  `json:"resource"`
	Actions  []Action  `json:"actions"`
	Scope    ScopeKind `json:"scope"`
}

// Action groups of the loop, as the posts divide the work.
var (
	actsFrontDesk = []Action{Action(ActionLocate), Action(ActionFile), Action(ActionReject), Action(ActionMerge),
		Action(ActionUnmerge), Action(ActionVoid)} // 受理、立案
	actsDispatch = []Action{Action(ActionDispatch), Action(ActionRedispatch)}
	actsHandle   = []Action{Action(ActionSign), Action(ActionReturn), Action(ActionExtendRequest),
		Action(ActionReply), Action(ActionDefer), Action(ActionRate)} // 承办; the lead rates its co-units
	actsSupervise = []Action{Action(ActionUrge), Action(ActionSupervise), Action(ActionExtendApprove),
		Action(ActionExtendDeny)} // 督办
	actsCallback = []Action{Action(ActionCallback), Action(ActionClose), Action(ActionReopen)} // 回访、结案
	actsRead     = []Action{ActRead}
	actsCRUD     = []Action{ActRead, ActCreate, ActUpdate, ActDelete}
)

// publicRules are what everyone may read, signed in or not: the public
// map (regions, grids, places with their QR door plates), the handling
// units and the party organisations; and the residents' page, where
// anyone reports a problem and follows and rates their own case by its
// number and follow code. Cases, people, KPIs, statistics, the audit log
// and the change feed need a signed-in role.
var publicRules = []Rule{
	{ResourceRegions, actsRead, ScopeAll},
	{ResourceGrids, actsRead, ScopeAll},
	{ResourcePlaces, actsRead, ScopeAll},
	{ResourceUnits, actsRead, ScopeAll},
	{ResourcePartyOrgs, actsRead, ScopeAll},
	{ResourceCatalogue, actsRead, ScopeAll},
	{ResourceResidentReports, []Action{ActCreate, ActRead, ActUpdate}, ScopeAll},
}

func join(groups ...[]Action) []Action { return slices.Concat(groups...) }

// gridWorkerRules are the three kinds of grid worker's: the cases of
// their grid; they report what they find on patrol, close small cases on
// the spot, verify handled ones on site, answer the on-site checks
// asked of their grid (check_report) and call back the residents of
// their grid (回访: the seed's grid workers visit and phone the people
// they serve; closing stays the command centre's). Replies are the
// handling unit's; a grid worker's own small case closes with self_handle.
// A grid whistles (吹哨) on the cases of its grid it cannot solve alone,
// and rates the departments it called.
var gridWorkerRules = []Rule{
	{ResourceTickets, join(actsRead, []Action{ActCreate, ActReveal, ActWhistle, Action(ActionSelfHandle), Action(ActionVerify),
		Action(ActionCheckReport), Action(ActionCallback)}), ScopeRegion},
	{ResourcePhotos, actsRead, ScopeRegion},
}

// roleTable is what each role may do, and where: the one place it is
// decided. Everyone has publicRules besides.
var roleTable = map[Role][]Rule{
	RoleAdmin: func() []Rule {
		var rs []Rule
		for _, r := range Resources {
			rs = append(rs, Rule{r, ActionsOf(r), ScopeAll})
		}
		return rs
	}(),
	// The command centre runs the whole loop district-wide, the workforce
	// and the map, but not the accounts or the audit log.
	RoleCommand: {
		{ResourceGrids, ActionsOf(ResourceGrids), ScopeRegion},
		{ResourcePlaces, actsCRUD, ScopeRegion},
		{ResourcePeople, ActionsOf(ResourcePeople), ScopeRegion},
		{ResourceTickets, ActionsOf(ResourceTickets), ScopeRegion},
		{ResourcePhotos, actsRead, ScopeRegion},
		{ResourceKPIs, actsRead, ScopeRegion},
		{ResourceStats, actsRead, ScopeRegion},
		{ResourceEvents, actsRead, ScopeAll},
	},
	// A street (town) files and dispatches the cases of its area,
	// verifies and supervises them, asks grid workers for on-site checks,
	// whistles departments to them (吹哨); callbacks and closing are the
	// command centre's (the 12345 callback team).
	RoleStreet: {
		{ResourcePeople, []Action{ActRead, ActReveal}, ScopeRegion},
		{ResourceTickets, join(actsRead, []Action{ActCreate, ActExport, ActReveal, ActWhistle}, actsFrontDesk, actsDispatch,
			[]Action{Action(ActionVerify), Action(ActionCheckRequest)}, actsSupervise), ScopeRegion},
		{ResourcePhotos, actsRead, ScopeRegion},
		{ResourceKPIs, actsRead, ScopeRegion},
		{ResourceStats, actsRead, ScopeRegion},
	},
	// A community files the cases of its area, asks for on-site checks and handles small ones on
	// the spot, and whistles departments to them as the grids below it may; dispatching to units is
	// the street's.
	RoleCommunity: {
		{ResourcePeople, []Action{ActRead, ActReveal}, ScopeRegion},
		{ResourceTickets, join(actsRead, []Action{ActCreate, ActExport, ActReveal, ActWhistle}, actsFrontDesk,
			[]Action{Action(ActionSelfHandle), Action(ActionVerify), Action(ActionUrge), Action(ActionCheckRequest)}), ScopeRegion},
		{ResourcePhotos, actsRead, ScopeRegion},
		{ResourceKPIs, actsRead, ScopeRegion},
		{ResourceStats, actsRead, ScopeRegion},
	},
	RoleGridWorker:         gridWorkerRules,
	RoleGridWorkerProperty: gridWorkerRules,
	RoleGridWorkerSpecial:  gridWorkerRules,
	// A department sees and handles what was dispatched to it.
	RoleDepartment: {
		{ResourceTickets, join(actsRead, []Action{ActExport, ActReveal}, actsHandle), ScopeUnit},
		{ResourcePhotos, actsRead, ScopeUnit},
		{ResourceKPIs, actsRead, ScopeUnit},
	},
	// A property company sees the cases in the compounds it serves,
	// reports its own, and handles those dispatched to it.
	RoleProperty: {
		{ResourceTickets, join(actsRead, []Action{ActCreate, ActExport}), ScopeCompounds},
		{ResourceTickets, join([]Action{ActReveal}, actsHandle), ScopeUnit},
		{ResourcePhotos, actsRead, ScopeCompounds},
		{ResourceKPIs, actsRead, ScopeUnit},
	},
	// A leader reads everything in their region and changes nothing.
	RoleLeader: {
		{ResourcePeople, actsRead, ScopeRegion},
		{ResourceTickets, []Action{ActRead, ActExport}, ScopeRegion},
		{ResourcePhotos, actsRead, ScopeRegion},
		{ResourceKPIs, actsRead, ScopeRegion},
		{ResourceStats, actsRead, ScopeRegion},
	},
	// A resident reports (随手拍) and follows their own reports.
	RoleResident: {
		{ResourceTickets, []Action{ActRead, ActCreate}, ScopeOwn},
		{ResourcePhotos, actsRead, ScopeOwn},
	},
	// An external system (the 12345 platform) pushes cases in on its
	// channels and reads back what it sent, with their statuses.
	RoleExternal: {
		{ResourceTickets, []Action{ActRead, ActCreate}, ScopeOwn},
	},
}

// RulesOf returns role r's rules, the public ones first: what is public
// is public for every role, anywhere, so a role's own rule lists only
// what it adds.
func RulesOf(r Role) []Rule {
	if !r.Valid() {
		return nil
	}
	out := slices.Clone(publicRules)
	for _, rule := range roleTable[r] {
		var acts []Action
		for _, a := range rule.Actions {
			if !isPublic(rule.Resource, a) {
				acts = append(acts, a)
			}
		}
		if len(acts) > 0 {
			out = append(out, Rule{rule.Resource, acts, rule.Scope})
		}
	}
	return out
}

// isPublic reports whether anyone may do act on res.
func isPublic(res Resource, act Action) bool {
	for _, rule := range publicRules {
		if rule.Resource == res && slices.Contains(rule.Actions, act) {
			return true
		}
	}
	return false
}

// PublicRules returns what anonymous callers may do.
func PublicRules() []Rule { return slices.Clone(publicRules) }

// roleRule returns the scope role r may do act on res within, if any. A
// role has at most one rule per resource and action (a test checks).
func roleRule(r Role, res Resource, act Action) (ScopeKind, bool) {
	k, ok := ruleIndex[ruleKey{r, res, act}]
	return k, ok
}

type ruleKey struct {
	role Role
	res  Resource
	act  Action
}

// ruleIndex is the role table as a map, built once: Can runs on every
// request.
var ruleIndex = func() map[ruleKey]ScopeKind {
	m := map[ruleKey]ScopeKind{}
	for _, r := range Roles {
		for _, rule := range RulesOf(r) {
			for _, a := range rule.Actions {
				m[ruleKey{r, rule.Resource, a}] = rule.Scope
			}
		}
	}
	return m
}()

// Allows reports whether role r may do act on res somewhere.
func (r Role) Allows(res Resource, act Action) bool {
	_, ok := roleRule(r, res, act)
	return ok
}

// Can reports whether p may do act on res somewhere: the first check of
// every request, before the scope narrows it to records. A nil p is an
// anonymous caller; the system may do everything.
func Can(p *Principal, res Resource, act Action) bool {
	if p == nil {
		return isPublic(res, act)
	}
	if p.System {
		return true
	}
	for _, g := range p.Grants {
		if g.Role.Allows(res, act) {
			return true
		}
	}
	return false
}

// Permissions lists what p may do as "resource.action" strings, in
// role-table order: what GET /api/v1/auth/me tells the UI.
func Permissions(p *Principal) []string {
	out := []string{}
	for _, res := range Resources {
		for _, act := range ActionsOf(res) {
			if Can(p, res, act) {
				out = append(out, string(res)+"."+string(act))
			}
		}
	}
	return out
}

// Scope is where a principal may do one action on one resource: the union
// of what its grants give. The store turns it into one SQL predicate.
type Scope struct {
	// All is no restriction.
	All bool
	// Regions are region or grid codes: a record placed at or below one
	// of them is in scope.
	Regions []string
	// Units are units whose dispatched cases are in scope.
	Units []int64
	// PropertyUnits are property companies whose compounds' cases are in
	// scope.
	PropertyUnits []int64
	// Creator is a user whose own cases are in scope; 0 for none.
	Creator int64
}

// Empty reports whether s admits nothing.
func (s Scope) Empty() bool {
	return !s.All && len(s.Regions) == 0 && len(s.Units) == 0 && len(s.PropertyUnits) == 0 && s.Creator == 0
}

// ScopeOf returns where p may do act on res. The system and grants of
// scope "all" give All; a nil p gets All for what is public and nothing
// else.
func ScopeOf(p *Principal, res Resource, act Action) Scope {
	return scopeOf(p, res, act, nil)
}

// scopeOf is ScopeOf over the grants whose role passes keep (nil: all).
func scopeOf(p *Principal, res Resource, act Action, keep func(Role) bool) Scope {
	var s Scope
	if p == nil {
		s.All = Can(nil, res, act)
		return s
	}
	if p.System {
		return Scope{All: true}
	}
	for _, g := range p.Grants {
		if keep != nil && !keep(g.Role) {
			continue
		}
		kind, ok := roleRule(g.Role, res, act)
		if !ok {
			continue
		}
		switch kind {
		case ScopeAll:
			s.All = true
		case ScopeRegion:
			if g.Region == "" {
				s.All = true
			} else if !slices.Contains(s.Regions, g.Region) {
				s.Regions = append(s.Regions, g.Region)
			}
		case ScopeUnit, ScopeCompounds:
			if g.UnitID == nil {
				continue
			}
			if !slices.Contains(s.Units, *g.UnitID) {
				s.Units = append(s.Units, *g.UnitID)
			}
			if kind == ScopeCompounds && !slices.Contains(s.PropertyUnits, *g.UnitID) {
				s.PropertyUnits = append(s.PropertyUnits, *g.UnitID)
			}
		case ScopeOwn:
			if p.User != nil {
				s.Creator = p.User.ID
			}
		}
	}
	if s.All {
		return Scope{All: true}
	}
	return s
}

// SeesConfidential reports whether role r may reveal a confidential
// reporter: the admin and the command centre only. Handlers never see
// who asked to stay unnamed.
func (r Role) SeesConfidential() bool { return r == RoleAdmin || r == RoleCommand }

// ConfidentialScope returns where p may reveal confidential reporters:
// ScopeOf(p, tickets, reveal) over the grants that see confidential
// reporters.
func ConfidentialScope(p *Principal) Scope {
	return scopeOf(p, ResourceTickets, ActReveal, Role.SeesConfidential)
}

// CanSeePersonal reports whether p sees t's reporter unmasked in lists and
// details: only the system and the user who took the case in (a
// resident's own report, an external system's own push). Everyone else
// sees a masked phone and, for a confidential reporter, "保密"; the
// numbers are shown by the audited reveal request (every look at personal
// data is on record).
func CanSeePersonal(p *Principal, t *Ticket) bool {
	if p == nil {
		return false
	}
	if p.System {
		return true
	}
	return p.User != nil && t.CreatedBy != nil && *t.CreatedBy == p.User.ID
}

// Confidential is what a confidential reporter's name and phone show as.
const Confidential = "保密"

// MaskTicket returns t as p may see it: the reporter's phone masked and a
// confidential reporter hidden, unless CanSeePersonal. t is not changed.
func MaskTicket(p *Principal, t *Ticket) *Ticket {
	if CanSeePersonal(p, t) {
		return t
	}
	c := *t
	switch {
	case c.Reporter.Confidential:
		if c.Reporter.Name != "" {
			c.Reporter.Name = Confidential
		}
		if c.Reporter.Phone != "" {
			c.Reporter.Phone = Confidential
		}
	case c.Reporter.Phone != "":
		c.Reporter.Phone = MaskPhone(c.Reporter.Phone)
	}
	return &c
}

// MaskPerson returns p as principal pr may see it: the phone masked
// unless pr is the system. Revealing it is its own audited request.
func MaskPerson(pr *Principal, p *Person) *Person {
	if (pr != nil && pr.System) || p.Phone == "" {
		return p
	}
	c := *p
	c.Phone = MaskPhone(p.Phone)
	return &c
}

// MaskIDNumber masks a resident identity card number (居民身份证号) to
// its region prefix and last four characters: 3708**********1234. Other
// lengths keep their first and last quarter.
func MaskIDNumber(s string) string {
	b := []rune(s)
	n := len(b)
	head, tail := n/4, n/4
	if n == 18 || n == 15 {
		head, tail = 4, 4
	}
	for i := head; i < n-tail; i++ {
		b[i] = '*'
	}
	return string(b)
}

// IntakeChannels returns the channels role r may take cases in on; nil
// means any.
func IntakeChannels(r Role) []Channel {
	switch r {
	case RoleGridWorker, RoleGridWorkerSpecial:
		return []Channel{ChannelGridPatrol, ChannelHazardReport}
	case RoleGridWorkerProperty:
		return []Channel{ChannelGridPatrol, ChannelHazardReport, ChannelProperty}
	case RoleProperty:
		return []Channel{ChannelProperty}
	case RoleResident:
		return []Channel{ChannelSnapReport}
	case RoleExternal:
		return []Channel{ChannelHotline, ChannelMailbox, ChannelWebsite, ChannelApp}
	}
	return nil
}

// CheckIntake returns nil if p may take a case in on channel c, else
// EFORBIDDEN naming the channels p's roles take.
func CheckIntake(p *Principal, c Channel) error {
	if p == nil || p.System {
		return nil
	}
	var allowed []string
	for _, g := range p.Grants {
		if !g.Role.Allows(ResourceTickets, ActCreate) {
			continue
		}
		chs := IntakeChannels(g.Role)
		if chs == nil || slices.Contains(chs, c) {
			return nil
		}
		for _, ch := range chs {
			allowed = append(allowed, string(ch))
		}
	}
	if len(allowed) == 0 {
		return Errorf(EFORBIDDEN, "Your role may not take cases in.")
	}
	return &Error{Code: EFORBIDDEN, Message: fmt.Sprintf("Your role takes cases in on %s, not %s.", strings.Join(allowed, ", "), c),
		Fields: map[string]string{"channel": "one of " + strings.Join(allowed, ", ")}}
}

// Forbidden returns the EFORBIDDEN error for p doing act on res: it names
// the roles and the action.
func Forbidden(p *Principal, res Resource, act Action) error {
	return Errorf(EFORBIDDEN, "The role %s may not %s %s.", rolesOf(p), act, res)
}

// rolesOf names p's roles for messages.
func rolesOf(p *Principal) string {
	if p == nil || len(p.Grants) == 0 {
		return "(none)"
	}
	var s []string
	for _, g := range p.Grants {
		if !slices.Contains(s, string(g.Role)) {
			s = append(s, string(g.Role))
		}
	}
	return strings.Join(s, ", ")
}

// Authorize returns nil if p may do act on res somewhere, EUNAUTHORIZED
// for an anonymous caller who may not, and EFORBIDDEN naming the role and
// the action for a signed-in one.
func Authorize(p *Principal, res Resource, act Action) error {
	if Can(p, res, act) {
		return nil
	}
	if p == nil {
		return Errorf(EUNAUTHORIZED, "Sign in first: %s %s needs an account.", act, res)
	}
	return Forbidden(p, res, act)
}

// accountRoleNames name the roles.
var accountRoleNames = map[Role][2]string{
	RoleAdmin:              {"系统管理员", "System administrator"},
	RoleCommand:            {"指挥中心", "Command centre"},
	RoleStreet:             {"街道/镇", "Street / town"},
	RoleCommunity:          {"社区/村", "Community / village"},
	RoleGridWorker:         {"专职网格员", "Full-time grid worker"},
	RoleGridWorkerProperty: {"物业兼职网格员", "Property part-time grid worker"},
	RoleGridWorkerSpecial:  {"特聘网格员", "Special grid worker"},
	RoleDepartment:         {"职能部门", "Department"},
	RoleProperty:           {"物业服务企业", "Property company"},
	RoleLeader:             {"领导", "Leader"},
	RoleResident:           {"居民", "Resident"},
	RoleExternal:           {"外部系统", "External system"},
}

// RoleLabel returns role r's display names.
func RoleLabel(r Role) Label {
	n := accountRoleNames[r]
	return Label{Code: string(r), Name: n[0], NameEN: n[1]}
}

// RoleInfo is one role as GET /api/v1/roles shows it: its names, what it
// holds at, and its rules.
type RoleInfo struct {
	Label
	// HoldsAt is "region", "unit" or "" (nothing: admin, resident,
	// external).
	HoldsAt string `json:"holds_at"`
	// SeesConfidential is whether the role may reveal confidential
	// reporters.
	SeesConfidential bool     `json:"sees_confidential"`
	IntakeChannels   []string `json:"intake_channels,omitempty"`
	Rules            []Rule   `json:"rules"`
}

// RoleTable returns every role's info, in the order of Roles.
func RoleTable() []RoleInfo {
	out := make([]RoleInfo, 0, len(Roles))
	for _, r := range Roles {
		info := RoleInfo{Label: RoleLabel(r), SeesConfidential: r.SeesConfidential(), Rules: RulesOf(r)}
		switch r {
		case RoleCommand, RoleStreet, RoleCommunity, RoleGridWorker, RoleGridWorkerProperty, RoleGridWorkerSpecial, RoleLeader:
			info.HoldsAt = "region"
		case RoleDepartment, RoleProperty:
			info.HoldsAt = "unit"
		}
		for _, c := range IntakeChannels(r) {
			info.IntakeChannels = append(info.IntakeChannels, string(c))
		}
		out = append(out, info)
	}
	return out
}
