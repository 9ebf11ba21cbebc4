package gridline_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
)

func ptr[T any](v T) *T { return &v }

func principal(grants ...gridline.Grant) *gridline.Principal {
	return &gridline.Principal{User: &gridline.User{ID: 7, Username: "u"}, Grants: grants}
}

// TestRoleTable pins the decisions of the role table, one line each.
func TestRoleTable(t *testing.T) {
	tix := gridline.ResourceTickets
	ta := func(a gridline.TicketAction) gridline.Action { return gridline.Action(a) }
	tests := []struct {
		role  gridline.Role
		res   gridline.Resource
		act   gridline.Action
		scope gridline.ScopeKind // "" is denied
	}{
		{gridline.RoleAdmin, gridline.ResourceUsers, gridline.ActCreate, gridline.ScopeAll},
		{gridline.RoleAdmin, gridline.ResourceAudit, gridline.ActRead, gridline.ScopeAll},
		{gridline.RoleAdmin, tix, ta(gridline.ActionCallback), gridline.ScopeAll},
		{gridline.RoleCommand, gridline.ResourceUsers, gridline.ActRead, ""},
		{gridline.RoleCommand, gridline.ResourceAudit, gridline.ActRead, ""},
		{gridline.RoleCommand, tix, ta(gridline.ActionCallback), gridline.ScopeRegion},
		{gridline.RoleCommand, tix, ta(gridline.ActionSign), gridline.ScopeRegion},
		{gridline.RoleCommand, tix, gridline.ActReveal, gridline.ScopeRegion},
		{gridline.RoleCommand, gridline.ResourceEvents, gridline.ActRead, gridline.ScopeAll},
		{gridline.RoleStreet, tix, ta(gridline.ActionDispatch), gridline.ScopeRegion},
		{gridline.RoleStreet, tix, ta(gridline.ActionVerify), gridline.ScopeRegion},
		{gridline.RoleStreet, tix, ta(gridline.ActionCallback), ""},
		{gridline.RoleStreet, tix, ta(gridline.ActionSign), ""},
		{gridline.RoleStreet, gridline.ResourcePeople, gridline.ActReveal, gridline.ScopeRegion},
		{gridline.RoleStreet, gridline.ResourcePeople, gridline.ActCreate, ""},
		{gridline.RoleCommunity, tix, ta(gridline.ActionDispatch), ""},
		{gridline.RoleCommunity, tix, ta(gridline.ActionSelfHandle), gridline.ScopeRegion},
		{gridline.RoleGridWorker, tix, gridline.ActCreate, gridline.ScopeRegion},
		{gridline.RoleGridWorkerProperty, tix, ta(gridline.ActionVerify), gridline.ScopeRegion},
		{gridline.RoleGridWorkerSpecial, tix, ta(gridline.ActionSelfHandle), gridline.ScopeRegion},
		{gridline.RoleGridWorker, tix, ta(gridline.ActionDispatch), ""},
		{gridline.RoleGridWorker, tix, ta(gridline.ActionReply), ""},
		{gridline.RoleGridWorker, tix, ta(gridline.ActionCallback), gridline.ScopeRegion},
		{gridline.RoleGridWorkerProperty, tix, ta(gridline.ActionClose), ""},
		{gridline.RoleGridWorker, gridline.ResourceKPIs, gridline.ActRead, ""},
		{gridline.RoleDepartment, tix, ta(gridline.ActionSign), gridline.ScopeUnit},
		{gridline.RoleDepartment, tix, ta(gridline.ActionReply), gridline.ScopeUnit},
		{gridline.RoleDepartment, tix, gridline.ActCreate, ""},
		{gridline.RoleDepartment, tix, ta(gridline.ActionVerify), ""},
		{gridline.RoleDepartment, gridline.ResourceKPIs, gridline.ActRead, gridline.ScopeUnit},
		{gridline.RoleProperty, tix, gridline.ActRead, gridline.ScopeCompounds},
		{gridline.RoleProperty, tix, ta(gridline.ActionSign), gridline.ScopeUnit},
		{gridline.RoleProperty, tix, gridline.ActReveal, gridline.ScopeUnit},
		{gridline.RoleLeader, tix, gridline.ActRead, gridline.ScopeRegion},
		{gridline.RoleLeader, gridline.ResourceKPIs, gridline.ActRead, gridline.ScopeRegion},
		{gridline.RoleLeader, tix, gridline.ActReveal, ""},
		{gridline.RoleResident, tix, gridline.ActCreate, gridline.ScopeOwn},
		{gridline.RoleResident, tix, gridline.ActRead, gridline.ScopeOwn},
		{gridline.RoleResident, tix, ta(gridline.ActionCallback), ""},
		{gridline.RoleResident, gridline.ResourceGrids, gridline.ActRead, gridline.ScopeAll},
		{gridline.RoleExternal, tix, gridline.ActCreate, gridline.ScopeOwn},
		{gridline.RoleExternal, gridline.ResourcePhotos, gridline.ActRead, ""},
		{gridline.RoleExternal, gridline.ResourcePeople, gridline.ActRead, ""},
	}
	for _, tt := range tests {
		var got gridline.ScopeKind
		for _, r := range gridline.RulesOf(tt.role) {
			if r.Resource == tt.res && slices.Contains(r.Actions, tt.act) {
				got = r.Scope
			}
		}
		if got != tt.scope {
			t.Errorf("%s %s %s: scope %q, want %q", tt.role, tt.act, tt.res, got, tt.scope)
		}
		if tt.role.Allows(tt.res, tt.act) != (tt.scope != "") {
			t.Errorf("%s.Allows(%s, %s) = %v", tt.role, tt.res, tt.act, !(tt.scope != ""))
		}
	}
}

// TestRoleTableShape checks what must hold for every role, resource and
// action, so a new one cannot slip in half-decided.
func TestRoleTableShape(t *testing.T) {
	for _, role := range gridline.Roles {
		seen := map[[2]string]bool{}
		rules := gridline.RulesOf(role)
		if len(rules) == 0 {
			t.Errorf("%s has no rules", role)
		}
		for _, r := range rules {
			if !slices.Contains(gridline.Resources, r.Resource) {
				t.Errorf("%s: unknown resource %q", role, r.Resource)
			}
			for _, a := range r.Actions {
				if !slices.Contains(gridline.ActionsOf(r.Resource), a) {
					t.Errorf("%s: %s is not an action of %s", role, a, r.Resource)
				}
				k := [2]string{string(r.Resource), string(a)}
				if seen[k] {
					t.Errorf("%s: %s.%s in two rules", role, r.Resource, a)
				}
				seen[k] = true
			}
		}
		// Exports and photos are read with the cases' read scope: the
		// store filters them with the same predicate.
		rd, _ := scopeKind(role, gridline.ResourceTickets, gridline.ActRead)
		if ex, ok := scopeKind(role, gridline.ResourceTickets, gridline.ActExport); ok && ex != rd {
			t.Errorf("%s exports within %s but reads within %s", role, ex, rd)
		}
		// Anyone may read what the public reads.
		for _, r := range gridline.PublicRules() {
			for _, a := range r.Actions {
				if !role.Allows(r.Resource, a) {
					t.Errorf("%s may not %s %s, which is public", role, a, r.Resource)
				}
			}
		}
		// Who acts on a case reads it.
		for _, a := range gridline.ActionsOf(gridline.ResourceTickets) {
			if role.Allows(gridline.ResourceTickets, a) && !role.Allows(gridline.ResourceTickets, gridline.ActRead) {
				t.Errorf("%s may %s cases it cannot read", role, a)
			}
		}
	}
	// The leader changes nothing (beyond what anyone may: report on the
	// residents' page).
	for _, res := range gridline.Resources {
		for _, a := range gridline.ActionsOf(res) {
			if a != gridline.ActRead && a != gridline.ActExport && gridline.RoleLeader.Allows(res, a) && !gridline.Can(nil, res, a) {
				t.Errorf("leader may %s %s", a, res)
			}
		}
	}
	// The admin does everything, anywhere.
	for _, res := range gridline.Resources {
		for _, a := range gridline.ActionsOf(res) {
			if k, _ := scopeKind(gridline.RoleAdmin, res, a); k != gridline.ScopeAll {
				t.Errorf("admin %s %s: scope %q", a, res, k)
			}
		}
	}
	if len(gridline.RoleTable()) != len(gridline.Roles) {
		t.Errorf("RoleTable has %d roles", len(gridline.RoleTable()))
	}
}

func scopeKind(role gridline.Role, res gridline.Resource, act gridline.Action) (gridline.ScopeKind, bool) {
	for _, r := range gridline.RulesOf(role) {
		if r.Resource == res && slices.Contains(r.Actions, act) {
			return r.Scope, true
		}
	}
	return "", false
}

func TestScopeOf(t *testing.T) {
	unit, co := int64(3), int64(4)
	tests := []struct {
		name string
		p    *gridline.Principal
		res  gridline.Resource
		act  gridline.Action
		want gridline.Scope
	}{
		{"anonymous reads grids", nil, gridline.ResourceGrids, gridline.ActRead, gridline.Scope{All: true}},
		{"anonymous reads no cases", nil, gridline.ResourceTickets, gridline.ActRead, gridline.Scope{}},
		{"system", &gridline.Principal{System: true}, gridline.ResourceAudit, gridline.ActRead, gridline.Scope{All: true}},
		{"district command", principal(gridline.Grant{Role: gridline.RoleCommand}), gridline.ResourceTickets, gridline.ActRead,
			gridline.Scope{All: true}},
		{"county command", principal(gridline.Grant{Role: gridline.RoleCommand, Region: "370812"}), gridline.ResourceTickets,
			gridline.ActRead, gridline.Scope{Regions: []string{"370812"}}},
		{"two streets", principal(gridline.Grant{Role: gridline.RoleStreet, Region: "370812001"},
			gridline.Grant{Role: gridline.RoleStreet, Region: "370812002"}), gridline.ResourceTickets, gridline.Action(gridline.ActionDispatch),
			gridline.Scope{Regions: []string{"370812001", "370812002"}}},
		{"street and department", principal(gridline.Grant{Role: gridline.RoleStreet, Region: "370812001"},
			gridline.Grant{Role: gridline.RoleDepartment, UnitID: &unit}), gridline.ResourceTickets, gridline.ActRead,
			gridline.Scope{Regions: []string{"370812001"}, Units: []int64{3}}},
		{"the department signs, the street does not", principal(gridline.Grant{Role: gridline.RoleStreet, Region: "370812001"},
			gridline.Grant{Role: gridline.RoleDepartment, UnitID: &unit}), gridline.ResourceTickets, gridline.Action(gridline.ActionSign),
			gridline.Scope{Units: []int64{3}}},
		{"property reads its compounds", principal(gridline.Grant{Role: gridline.RoleProperty, UnitID: &co}), gridline.ResourceTickets,
			gridline.ActRead, gridline.Scope{Units: []int64{4}, PropertyUnits: []int64{4}}},
		{"property signs what is dispatched to it", principal(gridline.Grant{Role: gridline.RoleProperty, UnitID: &co}),
			gridline.ResourceTickets, gridline.Action(gridline.ActionSign), gridline.Scope{Units: []int64{4}}},
		{"resident", principal(gridline.Grant{Role: gridline.RoleResident}), gridline.ResourceTickets, gridline.ActRead,
			gridline.Scope{Creator: 7}},
		{"leader acts on nothing", principal(gridline.Grant{Role: gridline.RoleLeader}), gridline.ResourceTickets,
			gridline.Action(gridline.ActionFile), gridline.Scope{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := gridline.ScopeOf(tt.p, tt.res, tt.act)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ScopeOf (-want +got):\n%s", diff)
			}
			if got.Empty() == gridline.Can(tt.p, tt.res, tt.act) {
				t.Errorf("Can = %v but scope %+v", gridline.Can(tt.p, tt.res, tt.act), got)
			}
		})
	}
	street := principal(gridline.Grant{Role: gridline.RoleStreet, Region: "370812001"},
		gridline.Grant{Role: gridline.RoleCommand, Region: "370812"})
	if got := gridline.ConfidentialScope(street); !cmp.Equal(got, gridline.Scope{Regions: []string{"370812"}}) {
		t.Errorf("ConfidentialScope = %+v", got)
	}
}

func TestAuthorize(t *testing.T) {
	if err := gridline.Authorize(nil, gridline.ResourceTickets, gridline.ActRead); gridline.ErrorCode(err) != gridline.EUNAUTHORIZED {
		t.Errorf("anonymous: %v", err)
	}
	p := principal(gridline.Grant{Role: gridline.RoleLeader})
	err := gridline.Authorize(p, gridline.ResourceTickets, gridline.Action(gridline.ActionFile))
	if gridline.ErrorCode(err) != gridline.EFORBIDDEN || gridline.ErrorMessage(err) != "The role leader may not file tickets." {
		t.Errorf("leader: %v", err)
	}
	if err := gridline.Authorize(p, gridline.ResourceTickets, gridline.ActRead); err != nil {
		t.Errorf("leader reads: %v", err)
	}
	perms := gridline.Permissions(p)
	if !slices.Contains(perms, "tickets.read") || slices.Contains(perms, "tickets.file") || !slices.Contains(perms, "grids.read") {
		t.Errorf("Permissions(leader) = %v", perms)
	}
}

func TestMaskTicket(t *testing.T) {
	open := &gridline.Ticket{Reporter: gridline.Reporter{Name: "王女士", Phone: "13912345678"}, CreatedBy: ptr(int64(7))}
	secret := &gridline.Ticket{Reporter: gridline.Reporter{Name: "王女士", Phone: "13912345678", Confidential: true}}
	tests := []struct {
		name string
		p    *gridline.Principal
		t    *gridline.Ticket
		want gridline.Reporter
	}{
		{"anonymous", nil, open, gridline.Reporter{Name: "王女士", Phone: "139****5678"}},
		{"command", &gridline.Principal{User: &gridline.User{ID: 8}, Grants: []gridline.Grant{{Role: gridline.RoleCommand}}}, open, gridline.Reporter{Name: "王女士", Phone: "139****5678"}},
		{"the reporter", principal(gridline.Grant{Role: gridline.RoleResident}), open, open.Reporter},
		{"system", &gridline.Principal{System: true}, secret, secret.Reporter},
		{"confidential", principal(gridline.Grant{Role: gridline.RoleDepartment, UnitID: ptr(int64(1))}), secret,
			gridline.Reporter{Name: "保密", Phone: "保密", Confidential: true}},
	}
	for _, tt := range tests {
		got := gridline.MaskTicket(tt.p, tt.t)
		if diff := cmp.Diff(tt.want, got.Reporter); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	if open.Reporter.Phone != "13912345678" || secret.Reporter.Name != "王女士" {
		t.Error("MaskTicket changed its argument")
	}
}

func TestMaskIDNumber(t *testing.T) {
	for in, want := range map[string]string{
		"370812199001011234": "3708**********1234",
		"37081219900101123X": "3708**********123X",
		"370812900101123":    "3708*******1123",
		"12345678":           "12****78",
		"":                   "",
	} {
		if got := gridline.MaskIDNumber(in); got != want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckIntake(t *testing.T) {
	tests := []struct {
		p  *gridline.Principal
		c  gridline.Channel
		ok bool
	}{
		{principal(gridline.Grant{Role: gridline.RoleResident}), gridline.ChannelSnapReport, true},
		{principal(gridline.Grant{Role: gridline.RoleResident}), gridline.ChannelHotline, false},
		{principal(gridline.Grant{Role: gridline.RoleExternal}), gridline.ChannelHotline, true},
		{principal(gridline.Grant{Role: gridline.RoleGridWorker, Region: "370812001002001"}), gridline.ChannelGridPatrol, true},
		{principal(gridline.Grant{Role: gridline.RoleGridWorker, Region: "370812001002001"}), gridline.ChannelProperty, false},
		{principal(gridline.Grant{Role: gridline.RoleGridWorkerProperty, Region: "370812001002001"}), gridline.ChannelProperty, true},
		{principal(gridline.Grant{Role: gridline.RoleCommand}), gridline.ChannelWalkIn, true},
		{principal(gridline.Grant{Role: gridline.RoleLeader}), gridline.ChannelWalkIn, false},
		{principal(gridline.Grant{Role: gridline.RoleResident}, gridline.Grant{Role: gridline.RoleExternal}), gridline.ChannelApp, true},
	}
	for _, tt := range tests {
		err := gridline.CheckIntake(tt.p, tt.c)
		if (err == nil) != tt.ok || err != nil && gridline.ErrorCode(err) != gridline.EFORBIDDEN {
			t.Errorf("%v on %s: %v", tt.p.Grants, tt.c, err)
		}
	}
}

// BenchmarkAuthorize measures the role table's work on one intake
// request: the route's check, the channel's, the view's masking, the
// allowed actions filtered by role and the scope, for an all-powerful
// user and a scoped one.
func BenchmarkAuthorize(b *testing.B) {
	admin := principal(gridline.Grant{Role: gridline.RoleAdmin})
	gw := principal(gridline.Grant{Role: gridline.RoleGridWorker, Region: "370812001002001"})
	t := &gridline.Ticket{Status: gridline.StatusReceived, Reporter: gridline.Reporter{Name: "王女士", Phone: "13912345678"}}
	allowed := gridline.AllowedActions(t.Status) // the loop's, computed before accounts too
	for _, p := range []struct {
		name string
		p    *gridline.Principal
	}{{"admin", admin}, {"grid_worker", gw}} {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				if gridline.Authorize(p.p, gridline.ResourceTickets, gridline.ActCreate) != nil ||
					gridline.CheckIntake(p.p, gridline.ChannelGridPatrol) != nil {
					b.Fatal("refused")
				}
				gridline.MaskTicket(p.p, t)
				for _, a := range allowed {
					gridline.Can(p.p, gridline.ResourceTickets, gridline.Action(a))
				}
				_ = gridline.ScopeOf(p.p, gridline.ResourceTickets, gridline.ActRead)
			}
		})
	}
}
