package http_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	glhttp "github.com/gridline/gridline/http"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// token is an API token of the admin account of the server serverOver
// made last (each test makes one).
var token string

// adminPassword is the password of serverOver's admin account.
const adminPassword = "correct horse battery"

// newServer returns a server over a fresh real database holding the
// Yanzhou regions and no grids.
func newServer(t testing.TB) (*glhttp.Server, *httptest.Server) {
	t.Helper()
	// Scenario tests send hundreds of anonymous requests; the rate limit
	// has its own test.
	s := serverOver(t, storetest.Open(t), glhttp.Limits{AnonRate: -1}, nil)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

// serverOver returns a server (not listening) over db, with the Yanzhou
// regions imported, logging into logs (nil: nowhere).
func serverOver(t testing.TB, db *sqlstore.DB, limits glhttp.Limits, logs io.Writer) *glhttp.Server {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	s := &glhttp.Server{Services: storetest.Services(t, db), Ping: db.Ping,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Limits: limits}
	rows, err := demo.Regions()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Regions.ImportRegions(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	token = adminToken(t, s.Services)
	return s
}

// commandToken is an API token of a command-centre account (see
// newExportServer): a signed-in role that sees personal data masked.
var commandToken string

// roleToken creates the account username with grant and returns an API
// token of it.
func roleToken(t testing.TB, s gridline.Services, username string, grant gridline.Grant) string {
	t.Helper()
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "test"})
	u := &gridline.User{Username: username, Name: username, Grants: []gridline.Grant{grant}}
	if err := s.Users.CreateUser(ctx, u, adminPassword); err != nil {
		t.Fatal(err)
	}
	tok, err := s.Auth.CreateToken(ctx, &gridline.APIToken{UserID: u.ID, Name: "tests"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// adminToken creates the account admin (password adminPassword, role
// admin) and returns an API token of it.
func adminToken(t testing.TB, s gridline.Services) string {
	t.Helper()
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "test"})
	u := &gridline.User{Username: "admin", Name: "管理员", Grants: []gridline.Grant{{Role: gridline.RoleAdmin}}}
	if err := s.Users.CreateUser(ctx, u, adminPassword); err != nil {
		t.Fatal(err)
	}
	tok, err := s.Auth.CreateToken(ctx, &gridline.APIToken{UserID: u.ID, Name: "tests"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// scenario is one request and what its answer must and must not contain.
type scenario struct {
	name   string
	method string
	url    string
	body   string
	auth   bool
	// tok, when set, is the token sent instead of the admin's.
	tok string
	// ctype is the body's Content-Type, when it is not JSON (Open311
	// posts forms).
	ctype   string
	status  int
	want    []string
	notWant []string
}

func (sc scenario) run(t testing.TB, base string) string {
	t.Helper()
	req, err := http.NewRequest(sc.method, base+sc.url, strings.NewReader(sc.body))
	if err != nil {
		t.Fatal(err)
	}
	if sc.auth {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if sc.tok != "" {
		req.Header.Set("Authorization", "Bearer "+sc.tok)
	}
	if sc.ctype != "" {
		req.Header.Set("Content-Type", sc.ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	body := string(b)
	if res.StatusCode != sc.status {
		t.Fatalf("%s %s: status %d, want %d; body: %s", sc.method, sc.url, res.StatusCode, sc.status, body)
	}
	for _, w := range sc.want {
		if !strings.Contains(body, w) {
			t.Errorf("%s %s: body lacks %q; body: %.600s", sc.method, sc.url, w, body)
		}
	}
	for _, w := range sc.notWant {
		if strings.Contains(body, w) {
			t.Errorf("%s %s: body has %q; body: %.600s", sc.method, sc.url, w, body)
		}
	}
	return body
}

func runScenarios(t *testing.T, base string, scs []scenario) {
	for _, sc := range scs {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, base) })
	}
}

func square(lon, lat, d float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]}`,
		lon, lat, lon+d, lat, lon+d, lat+d, lon, lat+d, lon, lat)
}
