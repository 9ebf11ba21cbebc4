package sqlstore_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// as returns ctx acting as user id with grants, from addr 192.0.2.1.
func as(id int64, grants ...gridline.Grant) context.Context {
	return gridline.WithPrincipal(ctx, &gridline.Principal{User: &gridline.User{ID: id, Username: "user" + itoa(id)},
		Grants: grants, Addr: "192.0.2.1"})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// scopeFixture is the fixture with a department, a property company
// serving a compound in g1's north-east quarter, and cases: a in g1 inside
// the compound, b in g1 outside it, c in g2, d in g3 taken in by a
// resident (user 50); a is dispatched to the department, b to the
// company.
type scopeFixture struct {
	*fixture
	dept, prop *gridline.Unit
	compound   *gridline.Compound
	a, b, c, d *gridline.Ticket
}

func newScopeFixture(t *testing.T) *scopeFixture {
	f := &scopeFixture{fixture: newFixture(t)}
	f.dept = f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	f.prop = f.mustUnit(t, gridline.UnitProperty, "红色物业公司", "370812001")
	f.compound = &gridline.Compound{Name: "韦园小区", Geometry: square(116.805, 35.555, 0.004), PropertyUnitID: &f.prop.ID}
	f.compound.GridCode = f.g1.Code
	if err := f.s.Compounds.CreateCompound(ctx, f.compound); err != nil {
		t.Fatal(err)
	}
	f.a = mustTicket(t, f.fixture, 116.807, 35.557, "小区内路灯不亮")
	f.b = mustTicket(t, f.fixture, 116.801, 35.551, "路口井盖缺失")
	f.c = mustTicket(t, f.fixture, 116.825, 35.555, "府东社区垃圾满溢")
	lon, lat := 116.905, 35.605
	f.d = &gridline.Ticket{Channel: gridline.ChannelSnapReport, Text: "村口路面塌陷", Lon: &lon, Lat: &lat,
		Reporter: gridline.Reporter{Name: "李先生", Phone: "13700001111", Confidential: true}}
	if _, err := f.s.Tickets.CreateTicket(as(50, gridline.Grant{Role: gridline.RoleResident}), f.d); err != nil {
		t.Fatal(err)
	}
	if f.a.CompoundID == nil || *f.a.CompoundID != f.compound.ID || f.b.CompoundID != nil {
		t.Fatalf("compounds at intake: a %v, b %v", f.a.CompoundID, f.b.CompoundID)
	}
	if f.d.CreatedBy == nil || *f.d.CreatedBy != 50 || f.a.CreatedBy != nil {
		t.Fatalf("created_by at intake: d %v, a %v", f.d.CreatedBy, f.a.CreatedBy)
	}
	deadline := time.Now().Add(72 * time.Hour)
	for _, x := range []struct {
		t    *gridline.Ticket
		unit int64
	}{{f.a, f.dept.ID}, {f.b, f.prop.ID}} {
		act(t, f.fixture, x.t.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
		x.t = act(t, f.fixture, x.t.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &x.unit, Deadline: &deadline})
	}
	return f
}

func ids(ts []*gridline.Ticket) []int64 {
	var out []int64
	for _, t := range ts {
		out = append(out, t.ID)
	}
	slices.Sort(out)
	return out
}

// TestTicketScope checks the cases each kind of scope sees, in lists,
// details and KPIs.
func TestTicketScope(t *testing.T) {
	f := newScopeFixture(t)
	g := func(role gridline.Role, region string) gridline.Grant {
		return gridline.Grant{Role: role, Region: region}
	}
	tests := []struct {
		name   string
		grants []gridline.Grant
		want   []*gridline.Ticket
		kpis   []*gridline.Ticket // nil: want
	}{
		{"command", []gridline.Grant{g(gridline.RoleCommand, "")}, []*gridline.Ticket{f.a, f.b, f.c, f.d}, nil},
		{"county command", []gridline.Grant{g(gridline.RoleCommand, "370812")}, []*gridline.Ticket{f.a, f.b, f.c, f.d}, nil},
		{"other county", []gridline.Grant{g(gridline.RoleCommand, "370811")}, nil, nil},
		{"city leader", []gridline.Grant{g(gridline.RoleLeader, "3708")}, []*gridline.Ticket{f.a, f.b, f.c, f.d}, nil},
		{"street 鼓楼", []gridline.Grant{g(gridline.RoleStreet, "370812001")}, []*gridline.Ticket{f.a, f.b}, nil},
		{"two streets", []gridline.Grant{g(gridline.RoleStreet, "370812001"), g(gridline.RoleStreet, "370812003")}, []*gridline.Ticket{f.a, f.b, f.c}, nil},
		{"community 府东", []gridline.Grant{g(gridline.RoleCommunity, "370812003001")}, []*gridline.Ticket{f.c}, nil},
		{"grid worker g1", []gridline.Grant{g(gridline.RoleGridWorker, f.g1.Code)}, []*gridline.Ticket{f.a, f.b}, nil},
		{"department", []gridline.Grant{{Role: gridline.RoleDepartment, UnitID: &f.dept.ID}}, []*gridline.Ticket{f.a}, nil},
		{"property: its compound and its dispatches", []gridline.Grant{{Role: gridline.RoleProperty, UnitID: &f.prop.ID}}, []*gridline.Ticket{f.a, f.b},
			[]*gridline.Ticket{f.b}}, // its KPIs are its own work

		{"resident", []gridline.Grant{{Role: gridline.RoleResident}}, []*gridline.Ticket{f.d}, nil},
		{"external: nothing of its own", []gridline.Grant{{Role: gridline.RoleExternal}}, nil, nil},
		{"no grants", nil, nil, nil},
	}
	from, to := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := int64(51)
			if tt.name == "resident" {
				user = 50 // d's reporter
			}
			c := as(user, tt.grants...)
			got, n, err := f.s.Tickets.FindTickets(c, gridline.TicketFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), ids(tt.want)) || n != len(tt.want) {
				t.Errorf("list: %v (total %d), want %v", ids(got), n, ids(tt.want))
			}
			for _, tk := range []*gridline.Ticket{f.a, f.b, f.c, f.d} {
				_, err := f.s.Tickets.FindTicketByID(c, tk.ID)
				in := slices.Contains(tt.want, tk)
				if in && err != nil || !in && gridline.ErrorCode(err) != gridline.ENOTFOUND {
					t.Errorf("case %d (in scope %v): %v", tk.ID, in, err)
				}
				_, _, err = f.s.Tickets.FindTicketPhoto(c, tk.ID, 1)
				if in != (gridline.ErrorMessage(err) != "Case "+itoa(tk.ID)+" not found.") &&
					gridline.Can(gridline.PrincipalFrom(c), gridline.ResourcePhotos, gridline.ActRead) {
					t.Errorf("photo of case %d (in scope %v): %v", tk.ID, in, err)
				}
			}
			if gridline.Can(gridline.PrincipalFrom(c), gridline.ResourceKPIs, gridline.ActRead) {
				rep, err := f.s.KPIs.KPIs(c, gridline.KPIFilter{From: from, To: to, By: "unit"})
				if err != nil {
					t.Fatal(err)
				}
				want := tt.want
				if tt.kpis != nil {
					want = tt.kpis
				}
				if rep.Total.Counts.Received != len(want) {
					t.Errorf("KPIs count %d received, want %d", rep.Total.Counts.Received, len(want))
				}
			}
		})
	}
}

// TestTicketActionScope checks who may act on which case: out of read
// scope is ENOTFOUND, in it but not the role's to take is EFORBIDDEN.
func TestTicketActionScope(t *testing.T) {
	f := newScopeFixture(t)
	dept := as(60, gridline.Grant{Role: gridline.RoleDepartment, UnitID: &f.dept.ID})
	prop := as(61, gridline.Grant{Role: gridline.RoleProperty, UnitID: &f.prop.ID})
	street := as(62, gridline.Grant{Role: gridline.RoleStreet, Region: "370812001"})
	leader := as(63, gridline.Grant{Role: gridline.RoleLeader, Region: "370812"})
	sign := gridline.TicketActionRequest{Action: gridline.ActionSign}
	tests := []struct {
		name string
		ctx  context.Context
		id   int64
		r    gridline.TicketActionRequest
		code string
	}{
		{"department signs another's case", dept, f.b.ID, sign, gridline.ENOTFOUND},
		{"department cannot reach g2", dept, f.c.ID, sign, gridline.ENOTFOUND},
		{"property sees a (its compound) but a is not dispatched to it", prop, f.a.ID, sign, gridline.EFORBIDDEN},
		{"street may not sign", street, f.a.ID, sign, gridline.EFORBIDDEN},
		{"leader may not urge", leader, f.a.ID, gridline.TicketActionRequest{Action: gridline.ActionUrge}, gridline.EFORBIDDEN},
		{"street outside its region", street, f.c.ID, gridline.TicketActionRequest{Action: gridline.ActionFile}, gridline.ENOTFOUND},
		{"department signs its case", dept, f.a.ID, sign, ""},
		{"property signs its case", prop, f.b.ID, sign, ""},
		{"the loop still rules", prop, f.b.ID, sign, gridline.ECONFLICT},
		{"street urges", street, f.a.ID, gridline.TicketActionRequest{Action: gridline.ActionUrge}, ""},
		// A return takes the case out of the department's scope; the
		// answer is still the case.
		{"department returns", dept, f.a.ID, gridline.TicketActionRequest{Action: gridline.ActionReturn, Opinion: "非本单位职责"}, ""},
		{"and then cannot see it", dept, f.a.ID, sign, gridline.ENOTFOUND},
	}
	for _, tt := range tests {
		got, err := f.s.Tickets.ActOnTicket(tt.ctx, tt.id, tt.r)
		if gridline.ErrorCode(err) != tt.code {
			t.Fatalf("%s: %v, want %q", tt.name, err, tt.code)
		}
		if err == nil && got.ID != tt.id {
			t.Fatalf("%s: answered case %d", tt.name, got.ID)
		}
	}
	// The timeline names the user who acted.
	tk, err := f.s.Tickets.FindTicketByID(ctx, f.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := tk.Timeline[len(tk.Timeline)-1]; last.Actor != "user60" || last.Action != gridline.ActionReturn {
		t.Errorf("last event %+v", last)
	}
}

// TestIntakeScope checks the channels each role takes cases in on.
func TestIntakeScope(t *testing.T) {
	f := newFixture(t)
	lon, lat := 116.805, 35.555
	mk := func(c gridline.Channel) *gridline.Ticket {
		return &gridline.Ticket{Channel: c, Text: "路灯不亮", Lon: &lon, Lat: &lat}
	}
	_, err := f.s.Tickets.CreateTicket(as(70, gridline.Grant{Role: gridline.RoleResident}), mk(gridline.ChannelHotline))
	wantCode(t, err, gridline.EFORBIDDEN)
	_, err = f.s.Tickets.CreateTicket(as(71, gridline.Grant{Role: gridline.RoleLeader}), mk(gridline.ChannelWalkIn))
	wantCode(t, err, gridline.EFORBIDDEN)
	ext := as(72, gridline.Grant{Role: gridline.RoleExternal})
	tk := mk(gridline.ChannelHotline)
	tk.ExternalID = "SD-77"
	if created, err := f.s.Tickets.CreateTicket(ext, tk); err != nil || !created {
		t.Fatalf("external intake: %v %v", created, err)
	}
	// The same number again is the same case for its sender, and taken
	// for another sender on the channel.
	again := mk(gridline.ChannelHotline)
	again.ExternalID = "SD-77"
	if created, err := f.s.Tickets.CreateTicket(ext, again); err != nil || created || again.ID != tk.ID {
		t.Fatalf("external intake again: %v %v %d", created, err, again.ID)
	}
	other := mk(gridline.ChannelHotline)
	other.ExternalID = "SD-77"
	_, err = f.s.Tickets.CreateTicket(as(73, gridline.Grant{Role: gridline.RoleExternal}), other)
	wantCode(t, err, gridline.ECONFLICT)
	if err := gridline.ErrorFields(err); err["external_id"] == "" {
		t.Errorf("fields %v", err)
	}
}

// TestReveal checks the audited reveal of reporters and people.
func TestReveal(t *testing.T) {
	f := newScopeFixture(t)
	// a's reporter is open; d's is confidential (a resident's report).
	tests := []struct {
		name string
		ctx  context.Context
		id   int64
		code string
	}{
		{"command reveals a confidential reporter", as(80, gridline.Grant{Role: gridline.RoleCommand}), f.d.ID, ""},
		{"street may not: confidential", as(81, gridline.Grant{Role: gridline.RoleStreet, Region: "370812101"}), f.d.ID, gridline.EFORBIDDEN},
		{"street reveals an open reporter", as(81, gridline.Grant{Role: gridline.RoleStreet, Region: "370812001"}), f.a.ID, ""},
		{"department reveals its case's reporter", as(82, gridline.Grant{Role: gridline.RoleDepartment, UnitID: &f.dept.ID}), f.a.ID, ""},
		{"property sees a but may not reveal it", as(83, gridline.Grant{Role: gridline.RoleProperty, UnitID: &f.prop.ID}), f.a.ID, gridline.EFORBIDDEN},
		{"leader may not", as(84, gridline.Grant{Role: gridline.RoleLeader}), f.a.ID, gridline.EFORBIDDEN},
		{"out of scope", as(85, gridline.Grant{Role: gridline.RoleGridWorker, Region: f.g2.Code}), f.a.ID, gridline.ENOTFOUND},
	}
	before, err := f.db.AuditCount(ctx, "ticket")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		r, err := f.s.Tickets.RevealReporter(tt.ctx, tt.id)
		if gridline.ErrorCode(err) != tt.code {
			t.Fatalf("%s: %v, want %q", tt.name, err, tt.code)
		}
		if err == nil && (r.Phone == "" || strings.Contains(r.Phone, "*")) {
			t.Errorf("%s: %+v", tt.name, r)
		}
	}
	// One audit row per reveal, with who and from where; none for a
	// refusal.
	es, n, err := f.s.Audit.FindAudit(ctx, gridline.AuditFilter{Action: ptr("reveal")})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || es[0].Actor != "user82" || es[0].Addr != "192.0.2.1" || es[0].Entity != "ticket" || es[0].Key != itoa(f.a.ID) {
		t.Fatalf("reveal audit: %d rows, newest %+v", n, es[0])
	}
	wantAudit(t, f.db, "ticket", before+3)

	p := f.mustPerson(t, "张网格", gridline.TeamGridWorker, "370812001002")
	if _, err := f.s.People.RevealPhone(as(86, gridline.Grant{Role: gridline.RoleStreet, Region: "370812003"}), p.ID); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Errorf("people out of scope: %v", err)
	}
	if _, err := f.s.People.RevealPhone(as(86, gridline.Grant{Role: gridline.RoleLeader, Region: "370812001"}), p.ID); gridline.ErrorCode(err) != gridline.EFORBIDDEN {
		t.Errorf("leader reveals a person: %v", err)
	}
	if phone, err := f.s.People.RevealPhone(as(86, gridline.Grant{Role: gridline.RoleCommunity, Region: "370812001002"}), p.ID); err != nil || phone != "13812345678" {
		t.Errorf("community reveals: %q %v", phone, err)
	}
	wantAudit(t, f.db, "person", 2) // the create and the reveal
}

// TestAuditLog checks the audit log's filters, its origin column and that
// neither database lets a row be changed or removed.
func TestAuditLog(t *testing.T) {
	f := newFixture(t)
	u := &gridline.Unit{Kind: gridline.UnitOther, Name: "审计测试单位"}
	if err := f.s.Units.CreateUnit(as(90, gridline.Grant{Role: gridline.RoleAdmin}), u); err != nil {
		t.Fatal(err)
	}
	es, n, err := f.s.Audit.FindAudit(ctx, gridline.AuditFilter{Actor: ptr("user90"), Entity: ptr("unit"), Action: ptr("create"),
		From: ptr(time.Now().Add(-time.Minute)), To: ptr(time.Now().Add(time.Minute))})
	if err != nil || n != 1 || es[0].Addr != "192.0.2.1" || es[0].Key != itoa(u.ID) {
		t.Fatalf("audit by actor: %d %v %+v", n, err, es)
	}
	if _, n, _ := f.s.Audit.FindAudit(ctx, gridline.AuditFilter{Actor: ptr("user90"), From: ptr(time.Now().Add(time.Minute))}); n != 0 {
		t.Errorf("from the future: %d rows", n)
	}
	if _, _, err := f.s.Audit.FindAudit(as(91, gridline.Grant{Role: gridline.RoleCommand}), gridline.AuditFilter{}); gridline.ErrorCode(err) != gridline.EFORBIDDEN {
		t.Errorf("command reads the audit log: %v", err)
	}
	for _, stmt := range []string{`UPDATE audit_log SET actor = 'nobody'`, `DELETE FROM audit_log`, `DELETE FROM audit_log WHERE id = 1`} {
		tx, err := f.db.BeginTx(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.ExecContext(ctx, stmt)
		tx.Rollback()
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", stmt, err)
		}
	}
	if f.db.Dialect() == "postgres" {
		tx, err := f.db.BeginTx(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.ExecContext(ctx, `TRUNCATE audit_log`)
		tx.Rollback()
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("TRUNCATE: %v", err)
		}
	}
	if _, n, _ := f.s.Audit.FindAudit(ctx, gridline.AuditFilter{Actor: ptr("user90")}); n != 1 {
		t.Errorf("after the refused changes: %d rows", n)
	}
}

// TestDispatchLevel checks that a street dispatches to the units of its
// area only, and the command centre anywhere.
func TestDispatchLevel(t *testing.T) {
	f := newScopeFixture(t)
	office := f.mustUnit(t, gridline.UnitOther, "鼓楼街道城管中队", "370812001")
	street := as(95, gridline.Grant{Role: gridline.RoleStreet, Region: "370812001"})
	c := f.c // g2: 龙桥街道
	tk := mustTicket(t, f.fixture, 116.806, 35.552, "人行道破损")
	act(t, f.fixture, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	_, err := f.s.Tickets.ActOnTicket(street, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &f.dept.ID})
	wantCode(t, err, gridline.EFORBIDDEN)
	if gridline.ErrorFields(err)["lead_unit"] == "" {
		t.Errorf("fields of %v", err)
	}
	if _, err := f.s.Tickets.ActOnTicket(street, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &office.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Tickets.ActOnTicket(street, c.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	wantCode(t, err, gridline.ENOTFOUND)
	cmd := as(96, gridline.Grant{Role: gridline.RoleCommand})
	act(t, f.fixture, c.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
	if _, err := f.s.Tickets.ActOnTicket(cmd, c.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &f.dept.ID}); err != nil {
		t.Fatal(err)
	}
}

// TestWhistleMeetingScope: whistles and meetings are seen by whoever may
// see their case, and by the units named in them; a whistle or a meeting
// item on a case out of scope is refused as if the case did not exist.
func TestWhistleMeetingScope(t *testing.T) {
	f := newScopeFixture(t)
	other := f.mustUnit(t, gridline.UnitDepartment, "区城管局", "370812")
	w, err := f.s.Whistles.BlowWhistle(ctx, f.a.ID, gridline.WhistleRequest{Units: []int64{other.ID}, Reason: "路灯线路需城管配合"})
	if err != nil {
		t.Fatal(err)
	}
	m := &gridline.Meeting{HeldAt: time.Now(), Place: "会议室", Chair: "张主任",
		Items: []gridline.MeetingItem{{TicketID: f.a.ID, LeadUnit: f.dept.ID, Plan: "住建局牵头"}}}
	if err := f.s.Meetings.CreateMeeting(ctx, m); err != nil {
		t.Fatal(err)
	}
	street := func(code string) gridline.Grant { return gridline.Grant{Role: gridline.RoleStreet, Region: code} }
	unit := func(role gridline.Role, id int64) gridline.Grant { return gridline.Grant{Role: role, UnitID: &id} }
	for _, tt := range []struct {
		name             string
		grant            gridline.Grant
		whistle, meeting bool
	}{
		{"street of the case", street("370812001"), true, true},
		{"another street", street("370812003"), false, false},
		{"the unit whistled for", unit(gridline.RoleDepartment, other.ID), true, false},
		{"the lead unit", unit(gridline.RoleDepartment, f.dept.ID), true, true},
		{"a resident", gridline.Grant{Role: gridline.RoleResident}, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := as(51, tt.grant)
			ws, n, err := f.s.Whistles.FindWhistles(c, gridline.WhistleFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if got := n == 1 && len(ws) == 1 && ws[0].ID == w.ID; got != tt.whistle || (!tt.whistle && n != 0) {
				t.Errorf("whistles: %d listed (total %d), want the whistle %v", len(ws), n, tt.whistle)
			}
			_, err = f.s.Whistles.FindWhistleByID(c, w.ID)
			if (err == nil) != tt.whistle || err != nil && gridline.ErrorCode(err) != gridline.ENOTFOUND {
				t.Errorf("whistle by id: %v, want found %v", err, tt.whistle)
			}
			ms, n, err := f.s.Meetings.FindMeetings(c, gridline.MeetingFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if got := n == 1 && len(ms) == 1 && ms[0].ID == m.ID; got != tt.meeting || (!tt.meeting && n != 0) {
				t.Errorf("meetings: %d listed (total %d), want the meeting %v", len(ms), n, tt.meeting)
			}
		})
	}
	// Another street can neither whistle on the case nor put it on a meeting.
	c := as(51, street("370812003"))
	if _, err := f.s.Whistles.BlowWhistle(c, f.a.ID, gridline.WhistleRequest{Units: []int64{other.ID}, Reason: "越界"}); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Errorf("whistle on another street's case: %v, want ENOTFOUND", err)
	}
	bad := &gridline.Meeting{HeldAt: time.Now(), Place: "会议室", Chair: "李主任",
		Items: []gridline.MeetingItem{{TicketID: f.a.ID, LeadUnit: f.dept.ID, Plan: "越界"}}}
	if err := f.s.Meetings.CreateMeeting(c, bad); gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(err.Error(), "items[0].ticket_id") {
		t.Errorf("meeting on another street's case: %v, want EINVALID naming items[0].ticket_id", err)
	}
	// The street of the case may do both.
	if _, err := f.s.Whistles.BlowWhistle(as(51, street("370812001")), f.a.ID, gridline.WhistleRequest{Units: []int64{other.ID}, Reason: "再吹哨"}); err != nil {
		t.Errorf("whistle by the case's street: %v", err)
	}
}
