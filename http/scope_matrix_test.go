package http_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	glhttp "github.com/gridline/gridline/http"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// The scope-matrix test (issue 9): for every role of gridline.Roles, every
// resource of gridline.Resources and every action of gridline.ActionsOf, a
// real server over a real database (the suite runs on SQLite and on
// PostgreSQL) answers as the role table says: allowed where the role may,
// 403 where it may not, 404 for a record outside its scope, 403 for one
// in its read scope but outside where it may take the action, and 401 for
// an anonymous caller on what is not public. The expectations come from
// the role table and a model of the fixture below, never from a list
// written by hand, so a new role, resource or action is tested the day it
// is added: one without a probe fails the test.

// matrixCase is a case of the fixture and where it lies, for the test's
// own model of scope.
type matrixCase struct {
	id       int64
	path     gridline.RegionPath
	lead     *int64
	property *int64 // the property company whose compound holds it
	creator  int64
}

// inScope is the test's model of a scope: an independent restatement of
// what the store's predicate must admit.
func (c matrixCase) inScope(s gridline.Scope) bool {
	if s.All {
		return true
	}
	for _, r := range s.Regions {
		if strings.HasPrefix(c.path.GridCode, r) || strings.HasPrefix(c.path.CommunityCode, r) {
			return true
		}
	}
	if c.lead != nil && slices.Contains(s.Units, *c.lead) {
		return true
	}
	if c.property != nil && slices.Contains(s.PropertyUnits, *c.property) {
		return true
	}
	return c.creator != 0 && c.creator == s.Creator
}

type matrixPerson struct {
	id     int64
	region string
}

func (p matrixPerson) inScope(s gridline.Scope) bool {
	if s.All {
		return true
	}
	for _, r := range s.Regions {
		if strings.HasPrefix(p.region, r) {
			return true
		}
	}
	return false
}

// matrixFixture is the world of the test: two streets' grids, a
// department, a property company with a compound in grid 1, three cases
// and two people.
//
//	c1  grid 1 (鼓楼街道 韦园社区), in the compound, dispatched to the department, reported by the resident
//	c2  grid 2 (龙桥街道 府东社区), dispatched to the property company
//	c3  grid 2, taken in by the external system, not dispatched
type matrixFixture struct {
	grid1, grid2 string
	dept, prop   int64
	cases        []matrixCase
	people       []matrixPerson
	principals   map[gridline.Role]*gridline.Principal
	tokens       map[gridline.Role]string
	// public is a resident's report outside the grids, to follow and
	// rate on the residents' page.
	public *gridline.ResidentReceipt
}

func newMatrixFixture(t *testing.T, s *glhttp.Server) *matrixFixture {
	t.Helper()
	ctx := context.Background()
	f := &matrixFixture{}
	for i, g := range []*gridline.Grid{
		{Name: "韦园第1网格", Layer: gridline.LayerComprehensive, CommunityCode: "370812001002"},
		{Name: "府东第1网格", Layer: gridline.LayerComprehensive, CommunityCode: "370812003001"},
	} {
		var geo gridline.Polygon
		if err := geo.UnmarshalJSON([]byte(square(116.80+0.02*float64(i), 35.55, 0.01))); err != nil {
			t.Fatal(err)
		}
		g.Geometry = geo
		if err := s.Grids.CreateGrid(ctx, g); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.grid1 = g.Code
		} else {
			f.grid2 = g.Code
		}
	}
	if err := s.Locate.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	dept := &gridline.Unit{Kind: gridline.UnitDepartment, Name: "区住建局", RegionCode: "370812"}
	prop := &gridline.Unit{Kind: gridline.UnitProperty, Name: "红色物业", RegionCode: "370812001"}
	for _, u := range []*gridline.Unit{dept, prop} {
		if err := s.Units.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	f.dept, f.prop = dept.ID, prop.ID
	var cgeo gridline.Polygon
	if err := cgeo.UnmarshalJSON([]byte(square(116.804, 35.554, 0.004))); err != nil {
		t.Fatal(err)
	}
	comp := &gridline.Compound{Name: "韦园小区", Geometry: cgeo, PropertyUnitID: &prop.ID}
	comp.GridCode = f.grid1
	if err := s.Compounds.CreateCompound(ctx, comp); err != nil {
		t.Fatal(err)
	}

	// One user per role, granted where the fixture has something, with
	// an API token; the resident and the external system take cases in
	// below as themselves.
	f.principals = map[gridline.Role]*gridline.Principal{}
	f.tokens = map[gridline.Role]string{}
	for _, role := range gridline.Roles {
		g := gridline.Grant{Role: role}
		switch role {
		case gridline.RoleStreet, gridline.RoleLeader:
			g.Region = "370812001"
		case gridline.RoleCommunity:
			g.Region = "370812001002"
		case gridline.RoleGridWorker, gridline.RoleGridWorkerProperty, gridline.RoleGridWorkerSpecial:
			g.Region = f.grid1
		case gridline.RoleDepartment:
			g.UnitID = &f.dept
		case gridline.RoleProperty:
			g.UnitID = &f.prop
		}
		u := &gridline.User{Username: "u_" + string(role), Name: string(role), Grants: []gridline.Grant{g}}
		if err := s.Users.CreateUser(ctx, u, "matrix password 1"); err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		tok, err := s.Auth.CreateToken(ctx, &gridline.APIToken{UserID: u.ID, Name: "matrix"})
		if err != nil {
			t.Fatal(err)
		}
		f.principals[role] = &gridline.Principal{User: u, Grants: u.Grants}
		f.tokens[role] = tok
	}
	as := func(role gridline.Role) context.Context { return gridline.WithPrincipal(ctx, f.principals[role]) }

	jpg, _ := phonePictures(t)
	intake := func(c context.Context, ch gridline.Channel, lon float64) *gridline.Ticket {
		lat := 35.556
		photo, err := gridline.ReadPhoto(bytes.NewReader(jpg), 1)
		if err != nil {
			t.Fatal(err)
		}
		tk := &gridline.Ticket{Channel: ch, Text: "路灯不亮", Lon: &lon, Lat: &lat, Photos: []*gridline.Photo{photo},
			Reporter: gridline.Reporter{Name: "王女士", Phone: "13912345678"}}
		if _, err := s.Tickets.CreateTicket(c, tk); err != nil {
			t.Fatal(err)
		}
		return tk
	}
	dispatch := func(tk *gridline.Ticket, unit int64) {
		deadline := time.Now().Add(96 * time.Hour)
		for _, r := range []gridline.TicketActionRequest{{Action: gridline.ActionFile},
			{Action: gridline.ActionDispatch, LeadUnit: &unit, Deadline: &deadline}} {
			if _, err := s.Tickets.ActOnTicket(ctx, tk.ID, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	c1 := intake(as(gridline.RoleResident), gridline.ChannelSnapReport, 116.806)
	dispatch(c1, dept.ID)
	c2 := intake(ctx, gridline.ChannelHotline, 116.826)
	dispatch(c2, prop.ID)
	c3 := intake(as(gridline.RoleExternal), gridline.ChannelHotline, 116.827)
	if c1.CompoundID == nil || c2.CompoundID != nil {
		t.Fatalf("compounds: c1 %v, c2 %v", c1.CompoundID, c2.CompoundID)
	}
	f.cases = []matrixCase{
		{id: c1.ID, path: c1.RegionPath, lead: &f.dept, property: &f.prop, creator: f.principals[gridline.RoleResident].User.ID},
		{id: c2.ID, path: c2.RegionPath, lead: &f.prop},
		{id: c3.ID, path: c3.RegionPath, creator: f.principals[gridline.RoleExternal].User.ID},
	}
	for _, p := range []*gridline.Person{
		{Name: "张网格", Team: gridline.TeamGridWorker, RegionCode: "370812001002", Phone: "13800001111"},
		{Name: "李网格", Team: gridline.TeamGridWorker, RegionCode: "370812003001", Phone: "13800002222"},
	} {
		if err := s.People.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		f.people = append(f.people, matrixPerson{id: p.ID, region: p.RegionCode})
	}
	var err error
	f.public, err = s.Residents.ReportAsResident(ctx, &gridline.ResidentReport{Text: "路灯不亮", Address: "无网格处", Phone: "13700000000"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// probe is how the test asks for one action on one resource: the request
// for a target (a case, a person, a region; nil for none).
type probe struct {
	method, url, body string
	// target says what the probe acts on, so the test can pick one in
	// and one out of scope: "case", "person", "region" or "".
	target string
	// photo sends the body as a multipart action with one photo, as an
	// on-site action that needs one (self_handle) is sent.
	photo bool
}

// probes returns the request for every resource and action. The actions
// that would change something are sent so that they cannot: a stale
// version, a record that does not exist, a body that fails validation
// after authorisation. What counts is whether the answer is 401, 403 or
// 404, or something else (allowed).
func (f *matrixFixture) probes(role gridline.Role) map[string]probe {
	ch := gridline.ChannelHotline
	if chs := gridline.IntakeChannels(role); len(chs) > 0 {
		ch = chs[0]
	}
	ps := map[string]probe{
		"regions.read":      {method: "GET", url: "/api/v1/regions/370812"},
		"regions.update":    {method: "PUT", url: "/api/v1/regions/370812001/geometry", body: `{}`},
		"regions.import":    {method: "POST", url: "/api/v1/regions/import", body: `{}`},
		"grids.read":        {method: "GET", url: "/api/v1/grids/" + f.grid1},
		"grids.create":      {method: "POST", url: "/api/v1/grids", body: `{}`},
		"grids.update":      {method: "PATCH", url: "/api/v1/grids/370812001002999", body: `{"name":"x"}`},
		"grids.delete":      {method: "DELETE", url: "/api/v1/grids/370812001002999"},
		"grids.import":      {method: "POST", url: "/api/v1/grids/import", body: `{}`},
		"places.read":       {method: "GET", url: "/api/v1/compounds"},
		"places.create":     {method: "POST", url: "/api/v1/points", body: `{}`},
		"places.update":     {method: "PATCH", url: "/api/v1/points/999999", body: `{"name":"x"}`},
		"places.delete":     {method: "DELETE", url: "/api/v1/points/999999"},
		"units.read":        {method: "GET", url: "/api/v1/units"},
		"units.create":      {method: "POST", url: "/api/v1/units", body: `{}`},
		"units.update":      {method: "PATCH", url: "/api/v1/units/999999", body: `{"name":"x"}`},
		"units.delete":      {method: "DELETE", url: "/api/v1/units/999999"},
		"people.read":       {method: "GET", url: "/api/v1/people/{id}", target: "person"},
		"people.create":     {method: "POST", url: "/api/v1/people", body: `{}`},
		"people.update":     {method: "PATCH", url: "/api/v1/people/{id}", body: `{"team":"nobody"}`, target: "person"},
		"people.delete":     {method: "DELETE", url: "/api/v1/people/999999"},
		"people.reveal":     {method: "POST", url: "/api/v1/people/{id}/reveal", target: "person"},
		"party_orgs.read":   {method: "GET", url: "/api/v1/party-orgs"},
		"party_orgs.create": {method: "POST", url: "/api/v1/party-orgs", body: `{}`},
		"party_orgs.update": {method: "PATCH", url: "/api/v1/party-orgs/999999", body: `{"name":"x"}`},
		"party_orgs.delete": {method: "DELETE", url: "/api/v1/party-orgs/999999"},
		"tickets.read":      {method: "GET", url: "/api/v1/tickets/{id}", target: "case"},
		"tickets.create": {method: "POST", url: "/api/v1/tickets",
			body: `{"channel":"` + string(ch) + `","text":"井盖缺失","lon":116.806,"lat":35.556}`},
		"tickets.export": {method: "GET", url: "/api/v1/tickets/export.csv?within=370812001002"},
		"tickets.reveal": {method: "POST", url: "/api/v1/tickets/{id}/reveal", target: "case"},
		// A whistle naming no unit that exists: 400 once authorised.
		"tickets.whistle":    {method: "POST", url: "/api/v1/tickets/{id}/whistles", body: `{"units":[999999],"reason":"probe"}`, target: "case"},
		"ticket_photos.read": {method: "GET", url: "/api/v1/tickets/{id}/photos/1", target: "case"},
		"kpis.read":          {method: "GET", url: "/api/v1/kpis?from=2020-01-01T00:00:00Z&to=2022-01-01T00:00:00Z"},
		"stats.read":         {method: "GET", url: "/api/v1/stats/overview?region={region}", target: "region"},
		"audit.read":         {method: "GET", url: "/api/v1/audit"},
		"events.read":        {method: "GET", url: "/api/v1/events"},
		"users.read":         {method: "GET", url: "/api/v1/users"},
		"users.create":       {method: "POST", url: "/api/v1/users", body: `{}`},
		"users.update":       {method: "PATCH", url: "/api/v1/users/999999", body: `{"name":"x"}`},
		"catalogue.read":     {method: "GET", url: "/api/v1/categories"},
		"catalogue.update":   {method: "PUT", url: "/api/v1/calendar/days/2024-13-01", body: `{"type":"holiday"}`},
		"webhooks.read":      {method: "GET", url: "/api/v1/webhooks"},
		"webhooks.create":    {method: "POST", url: "/api/v1/webhooks", body: `{}`},
		"webhooks.delete":    {method: "DELETE", url: "/api/v1/webhooks/999999"},
		// The residents' page: a report (201, or 429 once the phone's
		// limit is reached), following and rating one's own case (409:
		// not replied yet).
		"resident_reports.create": {method: "POST", url: "/api/v1/public/reports",
			body: `{"text":"井盖缺失","lon":116.806,"lat":35.556,"phone":"13600000000"}`},
		"resident_reports.read": {method: "GET", url: "/api/v1/public/cases/" + f.public.Number + "?code=" + f.public.FollowCode},
		"resident_reports.update": {method: "POST", url: "/api/v1/public/cases/" + f.public.Number + "/rating",
			body: `{"code":"` + f.public.FollowCode + `","satisfaction":"satisfied"}`},
	}
	for _, a := range gridline.TicketActions {
		body := fmt.Sprintf(`{"version":0,"opinion":"probe","note":"probe","into":%d,"lead_unit":%d,"lon":116.806,"lat":35.556`,
			f.cases[2].id, f.dept)
		switch a {
		case gridline.ActionVerify:
			body += `,"outcome":"passed"`
		case gridline.ActionCallback:
			body += `,"outcome":"satisfied"`
		case gridline.ActionRate:
			body += fmt.Sprintf(`,"unit":%d,"rating":3`, f.dept)
		case gridline.ActionExtendApprove:
			body += `,"deadline":"2099-01-01T00:00:00Z"`
		}
		ps["tickets."+string(a)] = probe{method: "POST", url: "/api/v1/tickets/{id}/actions/" + string(a), body: body + "}", target: "case",
			photo: a == gridline.ActionSelfHandle}
	}
	return ps
}

// matrixServer returns the server of the test and its fixture.
func matrixServer(t *testing.T) (*httptest.Server, *matrixFixture) {
	t.Helper()
	s := serverOver(t, storetest.Open(t), glhttp.Limits{AnonRate: -1}, nil)
	f := newMatrixFixture(t, s)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, f
}

func TestScopeMatrix(t *testing.T) {
	ts, f := matrixServer(t)
	call := func(t *testing.T, role gridline.Role, pr probe, id int64, region string) (int, string) {
		t.Helper()
		url := strings.ReplaceAll(pr.url, "{id}", fmt.Sprint(id))
		url = strings.ReplaceAll(url, "{region}", region)
		var body io.Reader
		ct := "application/json"
		if pr.photo {
			jpg, _ := phonePictures(t)
			body, ct = intakeForm(t, formPart{name: "action", contentType: ct, body: []byte(pr.body)}, jpegPart(jpg))
		} else if pr.body != "" {
			body = strings.NewReader(pr.body)
		}
		req, err := http.NewRequest(pr.method, ts.URL+url, body)
		if err != nil {
			t.Fatal(err)
		}
		if pr.body != "" {
			req.Header.Set("Content-Type", ct)
		}
		if role != "" {
			req.Header.Set("Authorization", "Bearer "+f.tokens[role])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	denied := func(status int) bool { return status == 401 || status == 403 || status == 404 }
	checked := 0

	// Anonymous: what is public, and 401 for the rest.
	for _, res := range gridline.Resources {
		for _, act := range gridline.ActionsOf(res) {
			key := string(res) + "." + string(act)
			pr, ok := f.probes("")[key]
			if !ok {
				t.Errorf("no probe for %s: add one to probes()", key)
				continue
			}
			status, body := call(t, "", pr, f.cases[0].id, "370812")
			if gridline.Can(nil, res, act) == denied(status) || !gridline.Can(nil, res, act) && status != 401 {
				t.Errorf("anonymous %s: %d %.200s (public %v)", key, status, body, gridline.Can(nil, res, act))
			}
			checked++
		}
	}

	for _, role := range gridline.Roles {
		p := f.principals[role]
		probes := f.probes(role)
		for _, res := range gridline.Resources {
			for _, act := range gridline.ActionsOf(res) {
				key := string(res) + "." + string(act)
				pr, ok := probes[key]
				if !ok {
					t.Errorf("no probe for %s: add one to probes()", key)
					continue
				}
				name := string(role) + " " + key
				if !gridline.Can(p, res, act) {
					status, body := call(t, role, pr, f.cases[0].id, "370812")
					if status != 403 || !strings.Contains(body, string(role)) {
						t.Errorf("%s: %d %.200s, want 403 naming the role", name, status, body)
					}
					checked++
					continue
				}
				scope := gridline.ScopeOf(p, res, act)
				read := gridline.ScopeOf(p, res, gridline.ActRead)
				if res == gridline.ResourcePhotos {
					read = gridline.ScopeOf(p, gridline.ResourceTickets, gridline.ActRead)
				}
				switch pr.target {
				case "case":
					for _, c := range f.cases {
						status, body := call(t, role, pr, c.id, "")
						var want string
						switch {
						case c.inScope(scope):
							want = "allowed"
						case c.inScope(read):
							want = "403"
						default:
							want = "404"
						}
						if got := outcome(status); got != want {
							t.Errorf("%s on case %d: %d %.200s, want %s", name, c.id, status, body, want)
						}
						checked++
					}
				case "person":
					for _, pp := range f.people {
						status, body := call(t, role, pr, pp.id, "")
						want := "404"
						if pp.inScope(scope) {
							want = "allowed"
						} else if pp.inScope(read) {
							want = "403"
						}
						if got := outcome(status); got != want {
							t.Errorf("%s on person %d: %d %.200s, want %s", name, pp.id, status, body, want)
						}
						checked++
					}
				case "region":
					for _, region := range []string{"370812001", "370812003"} {
						status, body := call(t, role, pr, 0, region)
						want := "404"
						if (matrixPerson{region: region}).inScope(scope) {
							want = "allowed"
						}
						if got := outcome(status); got != want {
							t.Errorf("%s in region %s: %d %.200s, want %s", name, region, status, body, want)
						}
						checked++
					}
				default:
					status, body := call(t, role, pr, 0, "")
					if denied(status) && !(status == 404 && !strings.Contains(pr.url, "{")) {
						t.Errorf("%s: %d %.200s, want allowed", name, status, body)
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d answers checked", checked)
}

// outcome names an answer as the matrix does.
func outcome(status int) string {
	switch status {
	case 401:
		return "401"
	case 403:
		return "403"
	case 404:
		return "404"
	}
	return "allowed"
}
