package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// TestUsers: accounts with grants on places and units that are stored,
// found by username in any case, grants replaced whole, every write
// audited without the password.
func TestUsers(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "城管局", "370812")
	users := f.s.Users
	u := &gridline.User{Username: "Wang.Fang", Name: "王芳", Phone: "13812345678", Grants: []gridline.Grant{
		{Role: gridline.RoleGridWorker, Region: f.g1.Code}, {Role: gridline.RoleDepartment, UnitID: &unit.ID}}}
	if err := users.CreateUser(ctx, u, "wang's password"); err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Username != "wang.fang" {
		t.Fatalf("created %+v", u)
	}
	got, err := users.FindUserByUsername(ctx, "WANG.FANG")
	if err != nil || got.ID != u.ID || len(got.Grants) != 2 || got.Grants[0].Region != f.g1.Code || *got.Grants[1].UnitID != unit.ID {
		t.Fatalf("find by username: %+v %v", got, err)
	}
	for name, tt := range map[string]struct {
		u     gridline.User
		field string
	}{
		"taken":          {gridline.User{Username: "wang.fang", Name: "x"}, "username"},
		"unstored grid":  {gridline.User{Username: "a1", Name: "x", Grants: []gridline.Grant{{Role: gridline.RoleGridWorker, Region: "370812001002999"}}}, "grants[0].region"},
		"unstored unit":  {gridline.User{Username: "a2", Name: "x", Grants: []gridline.Grant{{Role: gridline.RoleProperty, UnitID: new(int64(99))}}}, "grants[0].unit_id"},
		"unknown person": {gridline.User{Username: "a3", Name: "x", PersonID: new(int64(99))}, "person_id"},
		"no name":        {gridline.User{Username: "a4"}, "name"},
	} {
		if err := users.CreateUser(ctx, &tt.u, "a fine password"); gridline.ErrorFields(err)[tt.field] == "" {
			t.Errorf("%s: %v, want an error on %s", name, err, tt.field)
		}
	}
	if _, n, _ := users.FindUsers(ctx, gridline.UserFilter{}); n != 1 {
		t.Errorf("refused accounts were stored: %d accounts", n)
	}
	street := gridline.RoleStreet
	grants := []gridline.Grant{{Role: street, Region: "370812001"}}
	upd, err := users.UpdateUser(ctx, u.ID, gridline.UserUpdate{Grants: &grants})
	if err != nil || len(upd.Grants) != 1 || upd.Grants[0].Role != street || upd.Name != "王芳" {
		t.Fatalf("update: %+v %v", upd, err)
	}
	for _, tt := range []struct {
		f    gridline.UserFilter
		want int
	}{
		{gridline.UserFilter{Role: &street}, 1},
		{gridline.UserFilter{Role: new(gridline.RoleGridWorker)}, 0},
		{gridline.UserFilter{Query: new("芳")}, 1},
		{gridline.UserFilter{Query: new("%")}, 0},
		{gridline.UserFilter{Disabled: new(true)}, 0},
	} {
		if _, n, err := users.FindUsers(ctx, tt.f); err != nil || n != tt.want {
			t.Errorf("%+v: %d users, %v; want %d", tt.f, n, err, tt.want)
		}
	}
	if err := users.SetPassword(ctx, u.ID, "a new password"); err != nil {
		t.Fatal(err)
	}
	entries, n, err := f.s.Audit.FindAudit(ctx, gridline.AuditFilter{Entity: new("user")})
	if err != nil || n != 3 {
		t.Fatalf("audit: %d rows, %v", n, err)
	}
	for _, e := range entries {
		if strings.Contains(e.Detail, "password") || strings.Contains(e.Detail, "argon2") {
			t.Errorf("audit detail %q", e.Detail)
		}
	}
}

// TestSessionsAndTokens on the store: login opens a session whose token
// authenticates; disabling ends it; tokens narrow to the user's grants
// and lose a grant the user loses.
func TestSessionsAndTokens(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f.db.Now = func() time.Time { return now }
	u := &gridline.User{Username: "li", Name: "李娜", Grants: []gridline.Grant{
		{Role: gridline.RoleStreet, Region: "370812001"}, {Role: gridline.RoleLeader, Region: "370812"}}}
	if err := f.s.Users.CreateUser(ctx, u, "li's password"); err != nil {
		t.Fatal(err)
	}
	auth := f.s.Auth
	ses, tok, err := auth.Login(ctx, "LI", "li's password")
	if err != nil || ses.UserID != u.ID || !strings.HasPrefix(tok, "gls_") || ses.ExpiresAt != now.Add(12*time.Hour) {
		t.Fatalf("login: %+v %q %v", ses, tok, err)
	}
	p, err := auth.Authenticate(ctx, tok)
	if err != nil || p.User.ID != u.ID || p.SessionID != ses.ID || p.CSRF != ses.CSRF || len(p.Grants) != 2 {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	if _, _, err := auth.Login(ctx, "li", "wrong"); gridline.ErrorCode(err) != gridline.EUNAUTHORIZED {
		t.Errorf("wrong password: %v", err)
	}

	leader := []gridline.Grant{{Role: gridline.RoleLeader, Region: "370812"}}
	at := &gridline.APIToken{UserID: u.ID, Name: "dashboard", Grants: leader}
	api, err := auth.CreateToken(ctx, at)
	if err != nil || at.ExpiresAt != now.Add(gridline.DefaultTokenTTL) || at.Prefix != api[:12] {
		t.Fatalf("token: %+v %v", at, err)
	}
	if p, err := auth.Authenticate(ctx, api); err != nil || p.TokenID != at.ID || len(p.Grants) != 1 || p.Grants[0].Role != gridline.RoleLeader {
		t.Fatalf("token principal: %+v %v", p, err)
	}
	// The user loses the leader grant: so does the token.
	street := []gridline.Grant{{Role: gridline.RoleStreet, Region: "370812001"}}
	if _, err := f.s.Users.UpdateUser(ctx, u.ID, gridline.UserUpdate{Grants: &street}); err != nil {
		t.Fatal(err)
	}
	if p, err := auth.Authenticate(ctx, api); err != nil || len(p.Grants) != 0 {
		t.Errorf("token after the user lost its grant: %+v %v", p, err)
	}
	// Disabled: the session is ended and the token refused.
	if _, err := f.s.Users.UpdateUser(ctx, u.ID, gridline.UserUpdate{Disabled: new(true)}); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"session": tok, "token": api} {
		if _, err := auth.Authenticate(ctx, s); gridline.ErrorCode(err) != gridline.EUNAUTHORIZED {
			t.Errorf("%s of a disabled user: %v", name, err)
		}
	}
	if _, err := f.s.Users.UpdateUser(ctx, u.ID, gridline.UserUpdate{Disabled: new(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, tok); err == nil {
		t.Error("enabling again revived an ended session")
	}
	if _, err := auth.Authenticate(ctx, api); err != nil {
		t.Errorf("the token of an enabled user: %v", err)
	}
}

// TestSessionDevices: a session keeps where it logged in from; the open
// ones are listed, ended one by one or all but one, each end audited.
func TestSessionDevices(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f.db.Now = func() time.Time { return now }
	u := &gridline.User{Username: "he", Name: "何伟", Grants: []gridline.Grant{{Role: gridline.RoleStreet, Region: "370812001"}}}
	if err := f.s.Users.CreateUser(ctx, u, "he's password"); err != nil {
		t.Fatal(err)
	}
	auth := f.s.Auth
	agent := strings.Repeat("浏", 300) + "\xff"
	phone := gridline.WithClient(ctx, gridline.Client{Addr: "10.1.2.3", UserAgent: agent})
	a, _, err := auth.Login(phone, "he", "he's password")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	b, _, err := auth.Login(ctx, "he", "he's password")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	c, _, err := auth.Login(ctx, "he", "he's password")
	if err != nil {
		t.Fatal(err)
	}
	ss, err := auth.FindSessions(ctx, u.ID)
	if err != nil || len(ss) != 3 || ss[0].ID != c.ID || ss[2].ID != a.ID {
		t.Fatalf("sessions: %+v %v", ss, err)
	}
	if ss[2].Addr != "10.1.2.3" || ss[2].UserAgent != strings.Repeat("浏", gridline.MaxUserAgentLen) {
		t.Errorf("device of a: %q %q", ss[2].Addr, ss[2].UserAgent)
	}
	if err := auth.EndSession(ctx, u.ID+1, b.ID); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Errorf("ending another user's session: %v", err)
	}
	if err := auth.EndSession(ctx, u.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := auth.EndSession(ctx, u.ID, b.ID); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Errorf("ending an ended session: %v", err)
	}
	if n, err := auth.EndSessions(ctx, u.ID, c.ID); err != nil || n != 1 {
		t.Errorf("end all but c: %d %v", n, err)
	}
	if ss, _ := auth.FindSessions(ctx, u.ID); len(ss) != 1 || ss[0].ID != c.ID {
		t.Errorf("left: %+v", ss)
	}
	// Idle too long: no longer listed, and nothing to end.
	now = now.Add(gridline.DefaultAuthPolicy.SessionIdle + time.Second)
	if ss, _ := auth.FindSessions(ctx, u.ID); len(ss) != 0 {
		t.Errorf("an idle session is listed: %+v", ss)
	}
	if n, err := auth.EndSessions(ctx, u.ID, 0); err != nil || n != 0 {
		t.Errorf("ending idle sessions: %d %v", n, err)
	}
	if _, err := auth.EndSessions(ctx, 999, 0); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Errorf("sessions of no user: %v", err)
	}
	es, _, err := f.s.Audit.FindAudit(ctx, gridline.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		if e.Action == "end" || e.Action == "end_sessions" || e.Action == "login" && e.Addr != "" {
			got = append(got, e.Action+" "+e.Entity+" "+e.Detail+" "+e.Addr)
		}
	}
	want := []string{"end_sessions user he: 1 sessions (kept session " + fmt.Sprint(c.ID) + ") ", "end session he ", "login session he 10.1.2.3"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("audit:\n got %q\nwant %q", got, want)
	}
}
