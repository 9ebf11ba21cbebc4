package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	glhttp "github.com/gridline/gridline/http"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// TestBearerScheme checks that the scheme of the Authorization header is
// matched case-insensitively (RFC 9110) and the token exactly.
func TestBearerScheme(t *testing.T) {
	_, ts := newServer(t)
	for i, tt := range []struct {
		header string
		status int
	}{
		{"Bearer " + token, 201},
		{"bearer " + token, 201},
		{"BEARER " + token, 201},
		{"bEaReR " + token, 201},
		{"Bearer   " + token, 201}, // 1*SP
		{"bearer " + strings.ToUpper(token), 401},
		{"Bearer wrong", 401},
		{"Bearer", 401},
		{"Bearer" + token, 401},
		{"Basic " + token, 401},
		{token, 401},
	} {
		body := fmt.Sprintf(`{"code":"layer_%d","name":"层%d"}`, i, i)
		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/grid-layers", strings.NewReader(body))
		req.Header.Set("Authorization", tt.header)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.status {
			t.Errorf("Authorization: %q: %d, want %d", tt.header, res.StatusCode, tt.status)
		}
	}
	// A lower-case scheme also signs a read in (people need a role), and
	// a reveal shows the phone.
	sc := scenario{method: "POST", url: "/api/v1/people", auth: true, status: 201,
		body: `{"name":"张伟","phone":"13812345678","team":"grid_worker","region_code":"370812001002"}`}
	sc.run(t, ts.URL)
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/people/1/reveal", nil)
	req.Header.Set("Authorization", "bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(b), `"phone":"13812345678"`) {
		t.Errorf("reveal with bearer: %d %s", res.StatusCode, b)
	}
}

// call sends one request with headers and returns the answer and its body.
func call(t *testing.T, method, url, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

type session struct {
	Token, CSRF string
	cookie      string
}

// logIn logs in and returns the session, failing the test unless 200.
func logIn(t *testing.T, base, username, password string) session {
	t.Helper()
	res, body := call(t, "POST", base+"/api/v1/auth/login", fmt.Sprintf(`{"username":%q,"password":%q}`, username, password))
	if res.StatusCode != 200 {
		t.Fatalf("log in as %s: %d %s", username, res.StatusCode, body)
	}
	var s session
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies() {
		if c.Name == glhttp.SessionCookie {
			s.cookie = c.Value
		}
	}
	if s.cookie != s.Token || !strings.HasPrefix(s.Token, "gls_") || s.CSRF == "" {
		t.Fatalf("login answer %s, cookie %q", body, s.cookie)
	}
	return s
}

func (s session) bearer() []string { return []string{"Authorization", "Bearer " + s.Token} }
func (s session) cookieOnly() []string {
	return []string{"Cookie", glhttp.SessionCookie + "=" + s.cookie}
}
func (s session) withCSRF() []string {
	return append(s.cookieOnly(), "X-CSRF-Token", s.CSRF)
}

// clockedServer is a server whose database runs on a clock the test moves.
func clockedServer(t *testing.T, limits glhttp.Limits, logs io.Writer) (*httptest.Server, *sqlstore.DB, *time.Time) {
	t.Helper()
	db := storetest.Open(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	s := serverOver(t, db, limits, logs)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, db, &now
}

// addUser creates an account through the admin API.
func addUser(t *testing.T, base, body string) int64 {
	t.Helper()
	res, b := call(t, "POST", base+"/api/v1/users", body, "Authorization", "Bearer "+token)
	if res.StatusCode != 201 {
		t.Fatalf("create user: %d %s", res.StatusCode, b)
	}
	var u struct{ ID int64 }
	json.Unmarshal([]byte(b), &u)
	return u.ID
}

// TestLoginSessions: login answers the token, the CSRF token and the
// user, and sets the cookie; the session works as cookie and as Bearer;
// logout ends it; wrong credentials, tampered and unknown cookies are 401.
func TestLoginSessions(t *testing.T) {
	ts, _, _ := clockedServer(t, glhttp.Limits{AnonRate: -1}, nil)
	res, body := call(t, "POST", ts.URL+"/api/v1/auth/login", `{"username":"Admin","password":"`+adminPassword+`"}`)
	if res.StatusCode != 200 || !strings.Contains(body, `"username":"admin"`) || !strings.Contains(body, `"role":"admin"`) {
		t.Fatalf("login: %d %s", res.StatusCode, body)
	}
	c := res.Cookies()
	if len(c) != 1 || c[0].Name != "gridline_session" || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode || c[0].Path != "/" || c[0].Secure {
		t.Errorf("cookie over plain HTTP: %+v", c)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the login answer may be cached: %q", res.Header.Get("Cache-Control"))
	}
	s := logIn(t, ts.URL, "admin", adminPassword)
	for name, h := range map[string][]string{"cookie": s.cookieOnly(), "bearer": s.bearer()} {
		res, body := call(t, "GET", ts.URL+"/api/v1/auth/me", "", h...)
		if res.StatusCode != 200 || !strings.Contains(body, `"username":"admin"`) {
			t.Errorf("me by %s: %d %s", name, res.StatusCode, body)
		}
	}
	if _, body := call(t, "GET", ts.URL+"/api/v1/auth/me", "", s.cookieOnly()...); !strings.Contains(body, `"csrf":"`+s.CSRF+`"`) {
		t.Errorf("me does not give the CSRF token: %s", body)
	}

	// Wrong password and unknown user: the same 401, the same message.
	_, wrongPw := call(t, "POST", ts.URL+"/api/v1/auth/login", `{"username":"admin","password":"not the password"}`)
	res, noUser := call(t, "POST", ts.URL+"/api/v1/auth/login", `{"username":"nobody","password":"not the password"}`)
	if res.StatusCode != 401 || wrongPw != noUser || !strings.Contains(noUser, "Wrong username or password") {
		t.Errorf("wrong password %s, unknown user %d %s", wrongPw, res.StatusCode, noUser)
	}
	runScenarios(t, ts.URL, []scenario{
		{name: "login takes JSON only", method: "POST", url: "/api/v1/auth/login", body: "username=admin&password=x", status: 400, want: []string{`Content-Type: application/json`}},
		{name: "me anonymous", method: "GET", url: "/api/v1/auth/me", status: 401},
	})
	res, _ = call(t, "POST", ts.URL+"/api/v1/auth/login", `{"username":"admin"}`)
	if res.StatusCode != 400 {
		t.Errorf("login without a password: %d", res.StatusCode)
	}

	// Tampered and unknown cookies are 401 and cleared, on reads too;
	// logging in again is never blocked by them.
	tampered := s.cookie[:len(s.cookie)-1] + string("AB"[strings.IndexByte("AB", s.cookie[len(s.cookie)-1])+1&1])
	for _, v := range []string{tampered, "gls_" + strings.Repeat("A", 43), "garbage"} {
		res, body := call(t, "GET", ts.URL+"/api/v1/grid-layers", "", "Cookie", "gridline_session="+v)
		if res.StatusCode != 401 || !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=0") {
			t.Errorf("cookie %q: %d %s, Set-Cookie %q", v, res.StatusCode, body, res.Header.Get("Set-Cookie"))
		}
		res, _ = call(t, "POST", ts.URL+"/api/v1/auth/login", `{"username":"admin","password":"`+adminPassword+`"}`, "Cookie", "gridline_session="+v)
		if res.StatusCode != 200 {
			t.Errorf("login with a stale cookie %q: %d", v, res.StatusCode)
		}
	}
	// An API token is not a session: not in the cookie.
	if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", "Cookie", "gridline_session="+token); res.StatusCode != 401 {
		t.Errorf("an API token in the cookie: %d", res.StatusCode)
	}

	// Logout ends the session for cookie and Bearer alike.
	res, _ = call(t, "POST", ts.URL+"/api/v1/auth/logout", "", s.withCSRF()...)
	if res.StatusCode != 204 || !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d, Set-Cookie %q", res.StatusCode, res.Header.Get("Set-Cookie"))
	}
	for name, h := range map[string][]string{"cookie": s.cookieOnly(), "bearer": s.bearer()} {
		if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", h...); res.StatusCode != 401 {
			t.Errorf("after logout, me by %s: %d", name, res.StatusCode)
		}
	}
	if res, _ := call(t, "POST", ts.URL+"/api/v1/auth/logout", "", s.cookieOnly()...); res.StatusCode != 204 {
		t.Errorf("logging out twice: %d", res.StatusCode)
	}
}

// TestSessionExpiry: a session ends 12 hours after login, or after 2 idle
// hours, on an injected clock.
func TestSessionExpiry(t *testing.T) {
	ts, _, now := clockedServer(t, glhttp.Limits{AnonRate: -1}, nil)
	s := logIn(t, ts.URL, "admin", adminPassword)
	for _, step := range []struct {
		advance time.Duration
		status  int
	}{{90 * time.Minute, 200}, {90 * time.Minute, 200}, {2*time.Hour + time.Minute, 401}} {
		*now = now.Add(step.advance)
		if res, body := call(t, "GET", ts.URL+"/api/v1/auth/me", "", s.bearer()...); res.StatusCode != step.status {
			t.Fatalf("after %s more: %d %s, want %d", step.advance, res.StatusCode, body, step.status)
		}
	}
	s = logIn(t, ts.URL, "admin", adminPassword)
	for i := 0; i < 13; i++ {
		*now = now.Add(time.Hour)
		res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", s.bearer()...)
		if want := map[bool]int{true: 200, false: 401}[i < 11]; res.StatusCode != want {
			t.Fatalf("%d hours after login: %d, want %d", i+1, res.StatusCode, want)
		}
	}
}

// TestCSRF: a write with the session cookie needs the session's CSRF
// token (403 csrf and nothing written otherwise); with Bearer it needs
// none.
func TestCSRF(t *testing.T) {
	ts, _, _ := clockedServer(t, glhttp.Limits{AnonRate: -1}, nil)
	s := logIn(t, ts.URL, "admin", adminPassword)
	layer := func(code string) string { return `{"code":"` + code + `","name":"层"}` }
	for name, h := range map[string][]string{
		"no token":                        s.cookieOnly(),
		"wrong token":                     append(s.cookieOnly(), "X-CSRF-Token", s.CSRF[:len(s.CSRF)-2]+"xx"),
		"the session token as CSRF token": append(s.cookieOnly(), "X-CSRF-Token", s.Token),
	} {
		res, body := call(t, "POST", ts.URL+"/api/v1/grid-layers", layer("csrf"), h...)
		if res.StatusCode != 403 || !strings.Contains(body, `"code":"csrf"`) || !strings.Contains(body, "X-CSRF-Token") {
			t.Errorf("%s: %d %s", name, res.StatusCode, body)
		}
	}
	if res, body := call(t, "DELETE", ts.URL+"/api/v1/auth/tokens/1", "", s.cookieOnly()...); res.StatusCode != 403 {
		t.Errorf("DELETE without the CSRF token: %d %s", res.StatusCode, body)
	}
	if _, body := call(t, "GET", ts.URL+"/api/v1/grid-layers", ""); strings.Contains(body, `"csrf"`) {
		t.Fatalf("a refused write was written: %s", body)
	}
	if _, body := call(t, "GET", ts.URL+"/api/v1/auth/tokens", "", s.cookieOnly()...); strings.Contains(body, `"revoked_at"`) {
		t.Errorf("a refused revocation was written: %s", body)
	}
	if res, body := call(t, "POST", ts.URL+"/api/v1/grid-layers", layer("csrf"), s.withCSRF()...); res.StatusCode != 201 {
		t.Errorf("with the CSRF token: %d %s", res.StatusCode, body)
	}
	if res, body := call(t, "POST", ts.URL+"/api/v1/grid-layers", layer("bearer"), s.bearer()...); res.StatusCode != 201 {
		t.Errorf("Bearer without a CSRF token: %d %s", res.StatusCode, body)
	}
	// Reads need none; a read-only POST (batch locate) neither.
	if res, _ := call(t, "POST", ts.URL+"/api/v1/locate", `{"points":[[116.8,35.5]]}`, s.cookieOnly()...); res.StatusCode != 200 {
		t.Errorf("batch locate with the cookie: %d", res.StatusCode)
	}
}

// TestLoginThrottling: 5 failures lock an account for a minute, doubling
// up to 15; a username without an account locks the same way; one
// address may fail LoginFailures times.
func TestLoginThrottling(t *testing.T) {
	ts, _, now := clockedServer(t, glhttp.Limits{AnonRate: -1, LoginFailures: -1}, nil)
	attempt := func(user, pw string) (*http.Response, string) {
		return call(t, "POST", ts.URL+"/api/v1/auth/login", fmt.Sprintf(`{"username":%q,"password":%q}`, user, pw))
	}
	for _, user := range []string{"admin", "ghost"} {
		for i := 1; i <= 5; i++ {
			if res, body := attempt(user, "wrong password"); res.StatusCode != 401 {
				t.Fatalf("%s: failure %d: %d %s", user, i, res.StatusCode, body)
			}
		}
		res, body := attempt(user, adminPassword)
		if res.StatusCode != 429 || res.Header.Get("Retry-After") != "61" || !strings.Contains(body, "try again in 60 seconds") {
			t.Errorf("%s locked: %d Retry-After %q %s", user, res.StatusCode, res.Header.Get("Retry-After"), body)
		}
	}
	// The lock passes; one more failure locks for two minutes.
	*now = now.Add(61 * time.Second)
	attempt("admin", "wrong again")
	*now = now.Add(90 * time.Second)
	if res, _ := attempt("admin", adminPassword); res.StatusCode != 429 {
		t.Errorf("90 s into a 2-minute lock: %d", res.StatusCode)
	}
	*now = now.Add(31 * time.Second)
	logIn(t, ts.URL, "admin", adminPassword) // the lock is over and a success clears the count
	if res, _ := attempt("admin", "wrong"); res.StatusCode != 401 {
		t.Errorf("a failure after a success: %d", res.StatusCode)
	}
	var audit struct{ Total int }
	_, body := call(t, "GET", ts.URL+"/api/v1/audit?entity=user&key=1", "", "Authorization", "Bearer "+token)
	json.Unmarshal([]byte(body), &audit)
	if !strings.Contains(body, `"action":"login_failed"`) || !strings.Contains(body, "locked 2m0s") {
		t.Errorf("failed logins are not in the audit log: %s", body)
	}

	// Per address: LoginFailures failures, then 429 whatever the account.
	ts2, _, _ := clockedServer(t, glhttp.Limits{AnonRate: -1, LoginFailures: 3, LoginRefill: time.Hour}, nil)
	for i, user := range []string{"a1", "a2", "a3"} {
		res, _ := call(t, "POST", ts2.URL+"/api/v1/auth/login", fmt.Sprintf(`{"username":%q,"password":"wrong password"}`, user))
		if res.StatusCode != 401 {
			t.Fatalf("failure %d: %d", i+1, res.StatusCode)
		}
	}
	res, body := call(t, "POST", ts2.URL+"/api/v1/auth/login", `{"username":"admin","password":"`+adminPassword+`"}`)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "your address") {
		t.Errorf("after 3 failures from one address: %d %s", res.StatusCode, body)
	}
}

// TestPasswordChange: the old password is checked, the other sessions
// end, the current one stays; an API token cannot change it.
func TestPasswordChange(t *testing.T) {
	ts, _, _ := clockedServer(t, glhttp.Limits{AnonRate: -1}, nil)
	addUser(t, ts.URL, `{"username":"wang","name":"王芳","password":"first password","grants":[{"role":"street","region":"370812001"}]}`)
	a := logIn(t, ts.URL, "wang", "first password")
	b := logIn(t, ts.URL, "wang", "first password")
	change := func(h []string, body string) (*http.Response, string) {
		return call(t, "POST", ts.URL+"/api/v1/auth/password", body, h...)
	}
	for _, tt := range []struct{ body, want string }{
		{`{"old_password":"wrong","new_password":"second password"}`, `"old_password"`},
		{`{"old_password":"first password","new_password":"short"}`, `"new_password":"must be at least 8 characters long"`},
		{`{"old_password":"first password","new_password":"wang1234"}`, `must not be the username`},
		{`{"old_password":"first password","new_password":"12345678"}`, `most common passwords`},
		{`{"old_password":"first password","new_password":"first password"}`, `must differ`},
	} {
		if res, body := change(a.withCSRF(), tt.body); res.StatusCode != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s", tt.body, res.StatusCode, body)
		}
	}
	if res, body := change([]string{"Authorization", "Bearer " + token}, `{"old_password":"x","new_password":"second password"}`); res.StatusCode != 403 {
		t.Errorf("with an API token: %d %s", res.StatusCode, body)
	}
	if res, body := change(a.withCSRF(), `{"old_password":"first password","new_password":"second password"}`); res.StatusCode != 204 {
		t.Fatalf("change: %d %s", res.StatusCode, body)
	}
	if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", a.cookieOnly()...); res.StatusCode != 200 {
		t.Errorf("the session that changed it: %d", res.StatusCode)
	}
	if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", b.bearer()...); res.StatusCode != 401 {
		t.Errorf("another session: %d, want 401", res.StatusCode)
	}
	logIn(t, ts.URL, "wang", "second password")
}

// TestAPITokens: issued once, listed without the secret, narrowed to the
// user's grants, revoked and expired at once, refused for disabled users.
func TestAPITokens(t *testing.T) {
	ts, _, now := clockedServer(t, glhttp.Limits{AnonRate: -1}, nil)
	addUser(t, ts.URL, `{"username":"li","name":"李娜","password":"li password","grants":[{"role":"street","region":"370812001"},{"role":"leader","region":"370812"}]}`)
	s := logIn(t, ts.URL, "li", "li password")
	create := func(h []string, body string) (*http.Response, string) {
		return call(t, "POST", ts.URL+"/api/v1/auth/tokens", body, h...)
	}
	res, body := create(s.withCSRF(), `{"name":"12345 sync","grants":[{"role":"leader","region":"370812"}]}`)
	if res.StatusCode != 201 {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	var tok struct {
		ID     int64
		Token  string
		Prefix string
	}
	json.Unmarshal([]byte(body), &tok)
	if !strings.HasPrefix(tok.Token, "glt_") || len(tok.Token) != 47 || !strings.HasPrefix(tok.Token, tok.Prefix) {
		t.Fatalf("token %+v", tok)
	}
	bearer := []string{"Authorization", "Bearer " + tok.Token}
	if res, body := call(t, "GET", ts.URL+"/api/v1/auth/me", "", bearer...); res.StatusCode != 200 ||
		!strings.Contains(body, `"grants":[{"role":"leader","region":"370812"}],"csrf":""`) {
		t.Errorf("me by the token: %d %s", res.StatusCode, body)
	}
	if _, body := call(t, "GET", ts.URL+"/api/v1/auth/tokens", "", s.bearer()...); strings.Contains(body, tok.Token) || !strings.Contains(body, tok.Prefix) {
		t.Errorf("the list shows the token or lacks its prefix: %s", body)
	}
	for _, tt := range []struct{ body, want string }{
		{`{"name":"x","grants":[{"role":"admin"}]}`, `"grants[0]"`},
		{`{"name":"x","grants":[{"role":"street","region":"370812002"}]}`, `not one of li's grants`},
		{`{"name":""}`, `"name"`},
		{`{"name":"x","expires_at":"2020-01-01T00:00:00Z"}`, `"expires_at":"must be in the future"`},
		{`{"name":"x","expires_at":"2029-01-01T00:00:00Z"}`, `at most 366 days`},
	} {
		if res, body := create(s.withCSRF(), tt.body); res.StatusCode != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s", tt.body, res.StatusCode, body)
		}
	}
	if res, _ := create(bearer, `{"name":"from a token"}`); res.StatusCode != 403 {
		t.Errorf("a token issuing tokens: %d", res.StatusCode)
	}

	// Revoked: refused at once (the cache follows the change).
	if res, _ := call(t, "DELETE", fmt.Sprintf("%s/api/v1/auth/tokens/%d", ts.URL, tok.ID), "", s.bearer()...); res.StatusCode != 204 {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if res, body := call(t, "GET", ts.URL+"/api/v1/auth/me", "", bearer...); res.StatusCode != 401 || !strings.Contains(body, "revoked") {
		t.Errorf("a revoked token: %d %s", res.StatusCode, body)
	}
	if res, _ := call(t, "DELETE", ts.URL+"/api/v1/auth/tokens/1", "", s.bearer()...); res.StatusCode != 404 {
		t.Errorf("revoking another user's token: %d, want 404", res.StatusCode)
	}

	// Expiry, on the injected clock.
	_, body = create(s.withCSRF(), `{"name":"short","expires_at":"2026-03-03T09:00:00Z"}`)
	json.Unmarshal([]byte(body), &tok)
	bearer = []string{"Authorization", "Bearer " + tok.Token}
	if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", bearer...); res.StatusCode != 200 {
		t.Fatalf("a fresh token: %d", res.StatusCode)
	}
	*now = now.Add(24*time.Hour + time.Second)
	if res, body := call(t, "GET", ts.URL+"/api/v1/auth/me", "", bearer...); res.StatusCode != 401 || !strings.Contains(body, "expired") {
		t.Errorf("an expired token: %d %s", res.StatusCode, body)
	}

	// A disabled user's tokens and sessions stop at once.
	s = logIn(t, ts.URL, "li", "li password") // the day idled the session out
	_, body = create(s.withCSRF(), `{"name":"long"}`)
	json.Unmarshal([]byte(body), &tok)
	bearer = []string{"Authorization", "Bearer " + tok.Token}
	if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", bearer...); res.StatusCode != 200 {
		t.Fatalf("a new token: %d", res.StatusCode)
	}
	if res, body := call(t, "PATCH", ts.URL+"/api/v1/users/2", `{"disabled":true}`, "Authorization", "Bearer "+token); res.StatusCode != 200 {
		t.Fatalf("disable: %d %s", res.StatusCode, body)
	}
	for name, h := range map[string][]string{"token": bearer, "session": s.bearer()} {
		if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", h...); res.StatusCode != 401 {
			t.Errorf("a disabled user's %s: %d", name, res.StatusCode)
		}
	}
	if res, body := call(t, "POST", ts.URL+"/api/v1/auth/login", `{"username":"li","password":"li password"}`); res.StatusCode != 401 || !strings.Contains(body, "disabled") {
		t.Errorf("a disabled user logs in: %d %s", res.StatusCode, body)
	}
}

// TestUserAdmin: only admins manage accounts; grants name stored places
// and units; an admin cannot lock themselves out.
func TestUserAdmin(t *testing.T) {
	ts, _, _ := clockedServer(t, glhttp.Limits{AnonRate: -1}, nil)
	id := addUser(t, ts.URL, `{"username":"zhao","name":"赵强","password":"zhao password","phone":"13812345678","grants":[{"role":"community","region":"370812001002"}]}`)
	z := logIn(t, ts.URL, "zhao", "zhao password")
	adm := []string{"Authorization", "Bearer " + token}
	runScenarios(t, ts.URL, []scenario{
		{name: "list needs a user", method: "GET", url: "/api/v1/users", status: 401},
		{name: "list", method: "GET", url: "/api/v1/users?role=community", auth: true, status: 200, want: []string{`"total":1`, `"username":"zhao"`}, notWant: []string{"password"}},
		{name: "search", method: "GET", url: "/api/v1/users?q=赵", auth: true, status: 200, want: []string{`"total":1`}},
		{name: "bad role", method: "GET", url: "/api/v1/users?role=king", auth: true, status: 400, want: []string{`"role"`}},
		{name: "view", method: "GET", url: fmt.Sprintf("/api/v1/users/%d", id), auth: true, status: 200, want: []string{`"region":"370812001002"`}},
		{name: "unknown", method: "GET", url: "/api/v1/users/99", auth: true, status: 404},
		{name: "taken", method: "POST", url: "/api/v1/users", auth: true, status: 409, body: `{"username":"ZHAO","name":"x","password":"zhao password"}`, want: []string{`"username":"is taken"`}},
		{name: "bad username", method: "POST", url: "/api/v1/users", auth: true, status: 400, body: `{"username":"张三","name":"x","password":"a password"}`, want: []string{`"username"`}},
		{name: "unstored region", method: "POST", url: "/api/v1/users", auth: true, status: 400,
			body: `{"username":"qian","name":"钱","password":"qian password","grants":[{"role":"street","region":"370812999"}]}`, want: []string{`"grants[0].region"`}},
		{name: "unstored unit", method: "POST", url: "/api/v1/users", auth: true, status: 400,
			body: `{"username":"qian","name":"钱","password":"qian password","grants":[{"role":"department","unit_id":7}]}`, want: []string{`"grants[0].unit_id":"no unit 7 is stored"`}},
		{name: "grant without its place", method: "POST", url: "/api/v1/users", auth: true, status: 400,
			body: `{"username":"qian","name":"钱","password":"qian password","grants":[{"role":"grid_worker"}]}`, want: []string{`"grants[0].region"`}},
		{name: "unknown role", method: "POST", url: "/api/v1/users", auth: true, status: 400,
			body: `{"username":"qian","name":"钱","password":"qian password","grants":[{"role":"mayor"}]}`, want: []string{`"grants[0].role"`}},
		{name: "self disable", method: "PATCH", url: "/api/v1/users/1", auth: true, status: 400, body: `{"disabled":true}`, want: []string{`"disabled"`}},
		{name: "self demotion", method: "PATCH", url: "/api/v1/users/1", auth: true, status: 400, body: `{"grants":[]}`, want: []string{`"grants"`}},
		{name: "regrant", method: "PATCH", url: fmt.Sprintf("/api/v1/users/%d", id), auth: true, status: 200,
			body: `{"grants":[{"role":"street","region":"370812001"}],"name":"赵强强"}`, want: []string{`"region":"370812001"`, `"name":"赵强强"`}},
		{name: "audit names the change, not the password", method: "GET", url: "/api/v1/audit?entity=user", auth: true, status: 200,
			want: []string{`"detail":"zhao street@370812001"`}, notWant: []string{"zhao password", "argon2"}},
	})
	// Not an admin: 403 everywhere.
	for _, tt := range []struct{ method, url, body string }{
		{"GET", "/api/v1/users", ""}, {"GET", "/api/v1/users/1", ""},
		{"POST", "/api/v1/users", `{"username":"x1","name":"x","password":"x password"}`},
		{"PATCH", "/api/v1/users/1", `{"name":"x"}`}, {"POST", "/api/v1/users/1/password", `{"password":"taken over"}`},
	} {
		if res, body := call(t, tt.method, ts.URL+tt.url, tt.body, z.withCSRF()...); res.StatusCode != 403 {
			t.Errorf("%s %s as a street: %d %s", tt.method, tt.url, res.StatusCode, body)
		}
	}
	// The new grant holds at once; a reset ends the sessions.
	if _, body := call(t, "GET", ts.URL+"/api/v1/auth/me", "", z.bearer()...); !strings.Contains(body, `"grants":[{"role":"street","region":"370812001"}]`) {
		t.Errorf("me after regrant: %s", body)
	}
	if res, body := call(t, "POST", fmt.Sprintf("%s/api/v1/users/%d/password", ts.URL, id), `{"password":"reset password"}`, adm...); res.StatusCode != 204 {
		t.Fatalf("reset: %d %s", res.StatusCode, body)
	}
	if res, _ := call(t, "GET", ts.URL+"/api/v1/auth/me", "", z.bearer()...); res.StatusCode != 401 {
		t.Errorf("a session after a reset: %d", res.StatusCode)
	}
	logIn(t, ts.URL, "zhao", "reset password")
}

// TestSecretsNotLogged: passwords and tokens appear in no log line and no
// audit row, whatever happens to the request.
func TestSecretsNotLogged(t *testing.T) {
	var logs bytes.Buffer
	ts, _, _ := clockedServer(t, glhttp.Limits{AnonRate: -1}, &logs)
	s := logIn(t, ts.URL, "admin", adminPassword)
	call(t, "POST", ts.URL+"/api/v1/auth/login", `{"username":"admin","password":"a wrong secret"}`)
	call(t, "POST", ts.URL+"/api/v1/auth/login", `{"username":"ghost","password":"a ghost secret"}`)
	_, body := call(t, "POST", ts.URL+"/api/v1/auth/tokens", `{"name":"t"}`, s.withCSRF()...)
	var tok struct{ Token string }
	json.Unmarshal([]byte(body), &tok)
	call(t, "POST", ts.URL+"/api/v1/auth/password", `{"old_password":"`+adminPassword+`","new_password":"a new secret"}`, s.withCSRF()...)
	call(t, "POST", ts.URL+"/api/v1/users", `{"username":"sun","name":"孙","password":"sun secret"}`, s.withCSRF()...)
	call(t, "GET", ts.URL+"/api/v1/grid-layers?token="+tok.Token, "", "Authorization", "Bearer "+tok.Token)
	call(t, "GET", ts.URL+"/api/v1/grid-layers", "", "Authorization", "Bearer "+tok.Token+"x")
	_, audit := call(t, "GET", ts.URL+"/api/v1/audit?limit=1000", "", s.bearer()...)
	if !strings.Contains(logs.String(), "/api/v1/auth/login") || !strings.Contains(audit, `"action":"login"`) {
		t.Fatalf("nothing logged or audited:\n%s\n%s", logs.String(), audit)
	}
	for _, secret := range []string{adminPassword, "a wrong secret", "a ghost secret", "a new secret", "sun secret", tok.Token, s.Token, s.CSRF, token, "$argon2id"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, logs.String())
		}
		if strings.Contains(audit, secret) {
			t.Errorf("the audit log holds %q", secret)
		}
	}
}

// TestSecurityHeaders: every answer carries the CSP and friends; HSTS and
// the Secure cookie only over TLS (here: a trusted proxy saying so).
func TestSecurityHeaders(t *testing.T) {
	ts, _, _ := clockedServer(t, glhttp.Limits{AnonRate: -1, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, nil)
	for _, path := range []string{"/", "/api/v1/regions/370812", "/api/v1/nothing"} {
		res, _ := call(t, "GET", ts.URL+path, "")
		h := res.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			strings.Contains(csp, "https:") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", path, h)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", path)
		}
	}
	res, _ := call(t, "GET", ts.URL+"/", "", "X-Forwarded-Proto", "https")
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS behind a TLS proxy")
	}
	res, _ = call(t, "POST", ts.URL+"/api/v1/auth/login", `{"username":"admin","password":"`+adminPassword+`"}`, "X-Forwarded-Proto", "https")
	if c := res.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Errorf("cookie behind a TLS proxy: %+v", c)
	}
}
