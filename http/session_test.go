package http_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	glhttp "github.com/gridline/gridline/http"
)

type sessionList struct {
	Items []struct {
		ID        int64  `json:"id"`
		Addr      string `json:"addr"`
		UserAgent string `json:"user_agent"`
		Current   bool   `json:"current"`
	} `json:"items"`
	Total int `json:"total"`
}

// TestMySessions: a user lists the devices signed in (address, browser,
// which one is this), ends one, and ends all the others; every end is in
// the audit log, and the ended sessions stop at once.
func TestMySessions(t *testing.T) {
	ts, _, _ := clockedServer(t, glhttp.Limits{AnonRate: -1}, nil)
	addUser(t, ts.URL, `{"username":"sun","name":"孙丽","password":"sun password","grants":[{"role":"street","region":"370812001"}]}`)
	a := logIn(t, ts.URL, "sun", "sun password")
	b := logIn(t, ts.URL, "sun", "sun password")
	c := logIn(t, ts.URL, "sun", "sun password")
	me := func(s session) int {
		res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", s.bearer()...)
		return res.StatusCode
	}
	list := func(h []string) sessionList {
		t.Helper()
		res, body := call(t, "GET", ts.URL+"/api/v1/auth/sessions", "", h...)
		if res.StatusCode != 200 {
			t.Fatalf("sessions: %d %s", res.StatusCode, body)
		}
		var l sessionList
		json.Unmarshal([]byte(body), &l)
		return l
	}
	l := list(a.cookieOnly())
	if l.Total != 3 || len(l.Items) != 3 {
		t.Fatalf("three sessions: %+v", l)
	}
	var current int
	for _, s := range l.Items {
		if s.Current {
			current++
		}
		if s.Addr != "127.0.0.1" || !strings.HasPrefix(s.UserAgent, "Go-http-client") {
			t.Errorf("session %d: addr %q, agent %q", s.ID, s.Addr, s.UserAgent)
		}
	}
	if current != 1 {
		t.Errorf("%d sessions marked current, want 1", current)
	}
	// End b, by the id its own list marks current: b stops, a and c go on.
	var bID int64
	for _, s := range list(b.bearer()).Items {
		if s.Current {
			bID = s.ID
		}
	}
	if res, body := call(t, "DELETE", fmt.Sprintf("%s/api/v1/auth/sessions/%d", ts.URL, bID), "", a.cookieOnly()...); res.StatusCode != 403 {
		t.Errorf("a cookie write without CSRF: %d %s", res.StatusCode, body)
	}
	if res, body := call(t, "DELETE", fmt.Sprintf("%s/api/v1/auth/sessions/%d", ts.URL, bID), "", a.withCSRF()...); res.StatusCode != 204 {
		t.Fatalf("end b: %d %s", res.StatusCode, body)
	}
	if me(b) != 401 || me(a) != 200 || me(c) != 200 {
		t.Errorf("after ending b: a %d, b %d, c %d", me(a), me(b), me(c))
	}
	if res, _ := call(t, "DELETE", fmt.Sprintf("%s/api/v1/auth/sessions/%d", ts.URL, bID), "", a.withCSRF()...); res.StatusCode != 404 {
		t.Errorf("ending an ended session: %d, want 404", res.StatusCode)
	}
	// Another user's session is not found.
	adm := []string{"Authorization", "Bearer " + token}
	if res, _ := call(t, "DELETE", fmt.Sprintf("%s/api/v1/auth/sessions/%d", ts.URL, bID+1), "", adm...); res.StatusCode != 404 {
		t.Errorf("ending another user's session: %d, want 404", res.StatusCode)
	}
	// All others: c ends, a stays.
	res, body := call(t, "DELETE", ts.URL+"/api/v1/auth/sessions", "", a.withCSRF()...)
	if res.StatusCode != 200 || !strings.Contains(body, `"ended":1`) {
		t.Fatalf("end the others: %d %s", res.StatusCode, body)
	}
	if me(a) != 200 || me(c) != 401 {
		t.Errorf("after ending the others: a %d, c %d", me(a), me(c))
	}
	// An API token may list but not sign everyone else out.
	_, body = call(t, "POST", ts.URL+"/api/v1/auth/tokens", `{"name":"script"}`, a.withCSRF()...)
	var tok struct{ Token string }
	json.Unmarshal([]byte(body), &tok)
	if res, body := call(t, "DELETE", ts.URL+"/api/v1/auth/sessions", "", "Authorization", "Bearer "+tok.Token); res.StatusCode != 403 {
		t.Errorf("ending sessions with an API token: %d %s", res.StatusCode, body)
	}
	if l := list([]string{"Authorization", "Bearer " + tok.Token}); l.Total != 1 || l.Items[0].Current {
		t.Errorf("the list by an API token: %+v", l)
	}
	// Ending the request's own session is a logout: the cookie goes.
	for _, s := range list(a.bearer()).Items {
		if s.Current {
			res, _ := call(t, "DELETE", fmt.Sprintf("%s/api/v1/auth/sessions/%d", ts.URL, s.ID), "", a.withCSRF()...)
			if res.StatusCode != 204 || !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=0") {
				t.Errorf("ending my own session: %d, Set-Cookie %q", res.StatusCode, res.Header.Get("Set-Cookie"))
			}
		}
	}
	if me(a) != 401 {
		t.Error("my own session survived its end")
	}
	_, body = call(t, "GET", ts.URL+"/api/v1/audit?entity=session", "", adm...)
	for _, want := range []string{`"action":"end"`, `"detail":"sun"`} {
		if !strings.Contains(body, want) {
			t.Errorf("audit of sessions lacks %s: %s", want, body)
		}
	}
	_, body = call(t, "GET", ts.URL+"/api/v1/audit?action=end_sessions", "", adm...)
	if !strings.Contains(body, `"detail":"sun: 1 sessions (kept session`) || !strings.Contains(body, `"addr":"127.0.0.1"`) {
		t.Errorf("audit of ending the others: %s", body)
	}
	_, body = call(t, "GET", ts.URL+"/api/v1/audit?action=login", "", adm...)
	if !strings.Contains(body, `"addr":"127.0.0.1"`) {
		t.Errorf("a login's audit row lacks the address: %s", body)
	}
}

// TestAdminUserCredentials: an admin lists and revokes any user's API
// tokens, lists and ends their sessions; nobody else may; a password
// change, own or by an admin, ends the other sessions and keeps the API
// tokens.
func TestAdminUserCredentials(t *testing.T) {
	ts, _, _ := clockedServer(t, glhttp.Limits{AnonRate: -1}, nil)
	id := addUser(t, ts.URL, `{"username":"zhou","name":"周杰","password":"zhou password","grants":[{"role":"street","region":"370812001"}]}`)
	other := addUser(t, ts.URL, `{"username":"wu","name":"吴敏","password":"wu password","grants":[{"role":"street","region":"370812001"}]}`)
	z := logIn(t, ts.URL, "zhou", "zhou password")
	z2 := logIn(t, ts.URL, "zhou", "zhou password")
	w := logIn(t, ts.URL, "wu", "wu password")
	_, body := call(t, "POST", ts.URL+"/api/v1/auth/tokens", `{"name":"sync job"}`, z.withCSRF()...)
	var tok struct {
		ID    int64
		Token string
	}
	json.Unmarshal([]byte(body), &tok)
	zt := []string{"Authorization", "Bearer " + tok.Token}
	adm := []string{"Authorization", "Bearer " + token}
	u := fmt.Sprintf("%s/api/v1/users/%d", ts.URL, id)

	// Nobody but an admin.
	for _, tt := range []struct{ method, url string }{
		{"GET", u + "/tokens"}, {"DELETE", fmt.Sprintf("%s/tokens/%d", u, tok.ID)}, {"GET", u + "/sessions"}, {"DELETE", u + "/sessions"},
	} {
		if res, body := call(t, tt.method, tt.url, "", w.withCSRF()...); res.StatusCode != 403 {
			t.Errorf("%s %s as a street: %d %s", tt.method, tt.url, res.StatusCode, body)
		}
	}
	if res, body := call(t, "GET", u+"/tokens", "", adm...); res.StatusCode != 200 || !strings.Contains(body, `"name":"sync job"`) || strings.Contains(body, tok.Token) {
		t.Errorf("the user's tokens: %d %s", res.StatusCode, body)
	}
	if res, body := call(t, "GET", u+"/sessions", "", adm...); res.StatusCode != 200 || !strings.Contains(body, `"total":2`) {
		t.Errorf("the user's sessions: %d %s", res.StatusCode, body)
	}
	if res, _ := call(t, "GET", ts.URL+"/api/v1/users/999/tokens", "", adm...); res.StatusCode != 404 {
		t.Errorf("tokens of no user: %d", res.StatusCode)
	}
	if res, _ := call(t, "DELETE", fmt.Sprintf("%s/api/v1/users/%d/tokens/%d", ts.URL, other, tok.ID), "", adm...); res.StatusCode != 404 {
		t.Errorf("revoking a token under the wrong user: %d, want 404", res.StatusCode)
	}
	if res, body := call(t, "DELETE", u+"/tokens/x", "", adm...); res.StatusCode != 400 || !strings.Contains(body, `"tid"`) {
		t.Errorf("a bad token id: %d %s", res.StatusCode, body)
	}

	// An own password change ends the other session, keeps this one and
	// the API token.
	if res, body := call(t, "POST", ts.URL+"/api/v1/auth/password", `{"old_password":"zhou password","new_password":"zhou second"}`, z.withCSRF()...); res.StatusCode != 204 {
		t.Fatalf("change: %d %s", res.StatusCode, body)
	}
	for name, tt := range map[string]struct {
		h    []string
		want int
	}{"this session": {z.bearer(), 200}, "the other session": {z2.bearer(), 401}, "the API token": {zt, 200}} {
		if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", tt.h...); res.StatusCode != tt.want {
			t.Errorf("after an own password change, %s: %d, want %d", name, res.StatusCode, tt.want)
		}
	}
	// An admin's reset ends every session, keeps the API token.
	if res, body := call(t, "POST", u+"/password", `{"password":"zhou third"}`, adm...); res.StatusCode != 204 {
		t.Fatalf("reset: %d %s", res.StatusCode, body)
	}
	if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", z.bearer()...); res.StatusCode != 401 {
		t.Errorf("a session after a reset: %d", res.StatusCode)
	}
	if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", zt...); res.StatusCode != 200 {
		t.Errorf("the API token after a reset: %d", res.StatusCode)
	}
	// The admin ends the sessions and revokes the token.
	z3 := logIn(t, ts.URL, "zhou", "zhou third")
	if res, body := call(t, "DELETE", u+"/sessions", "", adm...); res.StatusCode != 200 || !strings.Contains(body, `"ended":1`) {
		t.Errorf("end the user's sessions: %d %s", res.StatusCode, body)
	}
	if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", z3.bearer()...); res.StatusCode != 401 {
		t.Errorf("a session the admin ended: %d", res.StatusCode)
	}
	if res, body := call(t, "DELETE", fmt.Sprintf("%s/tokens/%d", u, tok.ID), "", adm...); res.StatusCode != 204 {
		t.Fatalf("revoke the user's token: %d %s", res.StatusCode, body)
	}
	if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", zt...); res.StatusCode != 401 {
		t.Errorf("a token the admin revoked: %d", res.StatusCode)
	}
	_, body = call(t, "GET", ts.URL+"/api/v1/audit?entity=api_token&action=revoke", "", adm...)
	if !strings.Contains(body, `"detail":"zhou: sync job (glt_`) {
		t.Errorf("the revocation's audit row: %s", body)
	}
	_, body = call(t, "GET", fmt.Sprintf("%s/api/v1/audit?entity=user&key=%d", ts.URL, id), "", adm...)
	for _, want := range []string{`"action":"end_sessions"`, `"action":"password"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the user's audit lacks %s: %s", want, body)
		}
	}
}
