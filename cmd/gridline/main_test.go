package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	main "github.com/gridline/gridline/cmd/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/sqlstore/storetest"
	"github.com/paulmach/orb"
)

// runMain starts `gridline args…` in-process and returns its base URL once
// it serves; the server stops at test end.
func runMain(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := main.NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, &out
	ready := make(chan string, 1)
	m.Ready = func(url string) { ready <- url }
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, args) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gridline %s: %v", args[0], err)
		}
	})
	select {
	case url := <-ready:
		return url
	case err := <-done:
		t.Fatalf("gridline %s exited: %v\n%s", args[0], err, out.String())
	case <-time.After(serveWait):
		t.Fatalf("gridline %s: not serving after %s\n%s", args[0], serveWait, out.String())
	}
	return ""
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// serveWait bounds how long a command may take to serve. The demo serves
// in about 15 s on a quiet machine; a shared one under heavy load took 84 s
// to load the district alone, and the test is not a timing test.
const serveWait = 5 * time.Minute

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got: %s\nwant: %s", name, got, want)
	}
}

// getToken, when set, signs getBody's requests in: statistics, KPIs and
// cases need a role.
var getToken string

func getBody(t *testing.T, url string) []byte {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if getToken != "" {
		req.Header.Set("Authorization", "Bearer "+getToken)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	// Re-indent so the golden file diffs line by line.
	out, _ := json.MarshalIndent(v, "", "  ")
	return append(out, '\n')
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	if err := json.Unmarshal(getBody(t, url), v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// TestDemo runs `gridline demo` end to end and checks the figures of the
// seed through the API.
func TestDemo(t *testing.T) {
	dsn := storetest.DSN(t)
	url := runMain(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn)
	// The admin sees everything, unlocated cases included, as the figures
	// and golden files always counted.
	getToken = login(t, url, "admin", demo.DefaultPassword)
	t.Cleanup(func() { getToken = "" })
	var o struct {
		Towns, Streets, Villages int
		Grids                    map[string]int
		Points                   int
		People                   map[string]int
		Departments              int
	}
	getJSON(t, url+"/api/v1/stats/overview?region=370812", &o)
	if o.Towns != 10 || o.Streets != 4 || o.Villages != 347 || o.Grids["party"] != 344 || o.Grids["comprehensive"] != 299 ||
		o.Points != 1961 || o.Departments != 20 {
		t.Errorf("overview = %+v", o)
	}
	for team, want := range map[string]int{"cadre": 1965, "street_staff": 3960, "welfare_post": 3655, "special_grid_worker": 60, "property_staff": 115} {
		if o.People[team] != want {
			t.Errorf("people[%s] = %d, want %d", team, o.People[team], want)
		}
	}
	var w struct {
		UrbanGridWorkers   int     `json:"urban_grid_workers"`
		UrbanPropertyStaff int     `json:"urban_property_staff"`
		PropertyShare      float64 `json:"property_share_percent"`
	}
	getJSON(t, url+"/api/v1/stats/workforce?region=370812", &w)
	if w.UrbanGridWorkers != 334 || w.UrbanPropertyStaff != 115 || w.PropertyShare != 34.43 {
		t.Errorf("workforce = %+v", w)
	}
	// The figures as a whole are fixed by the seed: golden files, the same
	// on both databases (go test ./cmd/gridline -run TestDemo -update).
	for _, g := range []struct{ path, file string }{
		{"/api/v1/stats/overview?region=370812", "demo-overview.json"},
		{"/api/v1/stats/workforce?region=370812", "demo-workforce.json"},
		{"/api/v1/regions/370812/children", "demo-towns.json"},
	} {
		golden(t, g.file, getBody(t, url+g.path))
	}
	// Locate gives the same answers on both databases: one golden file for
	// a fixed spread of points across the county (hits and misses).
	var locs bytes.Buffer
	for i := 0; i < 24; i++ {
		lon := 116.64 + float64(i%6)*0.06
		lat := 35.47 + float64(i/6)*0.055
		res, err := http.Get(fmt.Sprintf("%s/api/v1/locate?lon=%.4f&lat=%.4f", url, lon, lat))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Fprintf(&locs, "%d %s", res.StatusCode, b)
	}
	golden(t, "demo-locate.txt", locs.Bytes())

	// The year of cases: its KPIs come out near the seed's figures, and,
	// generated from the seed, they are the same on both databases.
	year := "from=2025-11-01T00:00:00%2B08:00&to=2026-11-01T00:00:00%2B08:00"
	var k struct {
		Total struct {
			Counts       struct{ Received, Closed int }
			OnTime       float64 `json:"on_time_rate"`
			AvgDays      float64 `json:"avg_handling_days"`
			Satisfaction float64 `json:"yanzhou_satisfaction"`
		}
	}
	getJSON(t, url+"/api/v1/kpis?by=town&"+year, &k)
	if tk := k.Total; tk.Counts.Received < 60000 || tk.Counts.Closed < 60000 || tk.OnTime < 0.99 || tk.AvgDays < 2.6 ||
		tk.AvgDays > 3.1 || tk.Satisfaction <= 0.99 {
		t.Errorf("KPIs over the demo's year: %+v", tk)
	}
	golden(t, "demo-kpis-by-town.json", getBody(t, url+"/api/v1/kpis?by=town&"+year))
	var page struct {
		Items []struct{ Number string }
		Total int
	}
	getJSON(t, url+"/api/v1/tickets?limit=1", &page)
	if page.Total < 65000 || len(page.Items) != 1 || !strings.HasPrefix(page.Items[0].Number, "370812-20261031-") {
		t.Errorf("tickets: %d, newest %+v", page.Total, page.Items)
	}

	var loc struct{ Grid, Town, County struct{ Code, Name string } }
	getJSON(t, url+"/api/v1/locate?lon=116.83&lat=35.55", &loc)
	if loc.County.Name != "兖州区" || !strings.HasPrefix(loc.Grid.Code, "370812") {
		t.Errorf("locate = %+v", loc)
	}
	t.Run("accounts", func(t *testing.T) { testDemoAccounts(t, url) })
	t.Run("locate command", func(t *testing.T) { testLocateCommand(t, url, dsn) })
}

// testDemoAccounts: every demo account logs in with the default password
// and holds its one role at a real place or unit; anonymous writes are
// refused.
func testDemoAccounts(t *testing.T, url string) {
	d, err := demo.Generate(1)
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := demo.Accounts(d, map[string]int64{d.Units[0].Name: 1, d.Units[d.Compounds[0].Unit].Name: 2})
	if err != nil {
		t.Fatal(err)
	}
	roles := map[gridline.Role]bool{}
	for _, a := range accounts {
		tok := login(t, url, a.Username, demo.DefaultPassword)
		req, _ := http.NewRequest("GET", url+"/api/v1/auth/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var me struct{ User gridline.User }
		json.NewDecoder(res.Body).Decode(&me)
		res.Body.Close()
		if len(me.User.Grants) != 1 || me.User.Grants[0].Role != a.Grant.Role || me.User.Grants[0].Region != a.Grant.Region ||
			(a.Grant.UnitID == nil) != (me.User.Grants[0].UnitID == nil) {
			t.Errorf("%s: grants %+v, want %s", a.Username, me.User.Grants, a.Grant)
		}
		roles[a.Grant.Role] = true
	}
	for _, r := range gridline.Roles {
		if !roles[r] {
			t.Errorf("no demo account has role %s", r)
		}
	}
	// The demo's Open311 key takes a request in for the account external.
	res, err := http.PostForm(url+"/open311/v2/requests.json", neturl.Values{"api_key": {demo.Open311Key},
		"service_code": {"0201"}, "lat": {"35.55"}, "long": {"116.83"}, "description": {"建设路路面有坑"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), `"service_request_id":"370812-`) {
		t.Errorf("Open311 POST with the demo key: %d %s", res.StatusCode, b)
	}
	res, err = http.Post(url+"/api/v1/grid-layers", "application/json", strings.NewReader(`{"code":"x","name":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("an anonymous write: %d, want 401", res.StatusCode)
	}
}

// login logs in at url and returns the session token.
func login(t *testing.T, url, username, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	res, err := http.Post(url+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil || res.StatusCode != 200 || a.Token == "" {
		t.Fatalf("log in as %s: %d %v", username, res.StatusCode, err)
	}
	return a.Token
}

// testLocateCommand runs `gridline locate` on the demo served at url from
// dsn, over the demo's shared vertices and edge midpoints (where only the
// tie-break decides) and random points, and requires the answers of the
// rule (gridline.GridPrecedes by brute force), GET /api/v1/locate and
// POST /api/v1/locate. http/locate_test.go compares the other paths.
func testLocateCommand(t *testing.T, url, dsn string) {
	token := login(t, url, "admin", demo.DefaultPassword)
	d, err := demo.Generate(1)
	if err != nil {
		t.Fatal(err)
	}
	var layers struct{ Items []struct{ Code string } }
	getJSON(t, url+"/api/v1/grid-layers", &layers)
	order := map[string]int{}
	for i, l := range layers.Items {
		order[l.Code] = i
	}
	rule := func(pt orb.Point) string {
		var best *gridline.Grid
		for i := range d.Grids {
			g := &d.Grids[i].Grid
			if g.Geometry.Contains(pt) && (best == nil || gridline.GridPrecedes(order[g.Layer], g.Code, order[best.Layer], best.Code)) {
				best = g
			}
		}
		if best == nil {
			return ""
		}
		return best.Code
	}
	var pts []orb.Point
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < len(d.Grids); i += 5 {
		ring := d.Grids[i].Geometry[0]
		v := rng.IntN(len(ring) - 1)
		a, b := ring[v], ring[v+1]
		pts = append(pts, a, orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2})
	}
	for range 60 {
		pts = append(pts, orb.Point{116.62 + rng.Float64()*0.37, 35.45 + rng.Float64()*0.23})
	}

	// A header with other columns, a quoted field, CRLF and a blank line.
	var in bytes.Buffer
	in.WriteString("id,name,lat,lon\r\n")
	for i, pt := range pts {
		fmt.Fprintf(&in, "%d,\"名, %d\",%s,%s\r\n", i, i, strconv.FormatFloat(pt[1], 'g', -1, 64), strconv.FormatFloat(pt[0], 'g', -1, 64))
		if i == 3 {
			in.WriteString("\r\n")
		}
	}
	out := runLocate(t, dsn, in.String())
	rows := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if rows[0] != "id,name,lat,lon,grid_code,community_code,town_code,county_code" || len(rows) != len(pts)+1 {
		t.Fatalf("%d rows for %d points; header %q", len(rows), len(pts), rows[0])
	}
	body, _ := json.Marshal(map[string]any{"points": pts})
	res, err := http.Post(url+"/api/v1/locate", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var batch struct{ Grids []*string }
	if err := json.NewDecoder(res.Body).Decode(&batch); err != nil || len(batch.Grids) != len(pts) {
		t.Fatalf("batch: %v, %d answers", err, len(batch.Grids))
	}
	res.Body.Close()
	ties := 0
	for i, pt := range pts {
		f := strings.Split(rows[i+1], ",")
		if want := fmt.Sprintf("%d,\"名, %d\"", i, i); strings.Join(f[:3], ",") != want {
			t.Fatalf("row %d is %q, want it to start %q", i, rows[i+1], want)
		}
		got := f[5:]
		var single struct{ Grid, Community, Town, County struct{ Code string } }
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/locate?lon=%s&lat=%s", url, strconv.FormatFloat(pt[0], 'g', -1, 64), strconv.FormatFloat(pt[1], 'g', -1, 64)), nil)
		req.Header.Set("Authorization", "Bearer "+token) // hundreds of requests: past the anonymous rate limit
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNotFound {
			t.Fatalf("GET %s: status %d", req.URL, res.StatusCode)
		}
		json.NewDecoder(res.Body).Decode(&single)
		res.Body.Close()
		want := []string{single.Grid.Code, single.Community.Code, single.Town.Code, single.County.Code}
		if !slices.Equal(got, want) {
			t.Errorf("%v: gridline locate says %v, GET /api/v1/locate %v", pt, got, want)
		}
		if r := rule(pt); got[0] != r {
			t.Errorf("%v: gridline locate says %q, the rule %q", pt, got[0], r)
		}
		if b := batch.Grids[i]; (b == nil) != (got[0] == "") || b != nil && *b != got[0] {
			t.Errorf("%v: gridline locate says %q, POST /api/v1/locate %v", pt, got[0], b)
		}
		n := 0
		for _, g := range d.Grids {
			if g.Layer == gridline.LayerComprehensive && g.Geometry.Contains(pt) {
				n++
			}
		}
		if n > 1 {
			ties++
		}
	}
	if ties < 10 {
		t.Fatalf("only %d points on shared edges or vertices", ties)
	}

	// No header: lon and lat first, and no header written.
	if got := runLocate(t, dsn, "116.7582,35.5788,x\n117.5,35.9,y"); got != "116.7582,35.5788,x,370812001002001,370812001002,370812001,370812\n117.5,35.9,y,,,,\n" {
		t.Errorf("no header: %q", got)
	}
	if got := runLocate(t, dsn, "\ufeff名称,经度,纬度\n甲,116.7582,35.5788\n"); got != "\ufeff名称,经度,纬度,grid_code,community_code,town_code,county_code\n甲,116.7582,35.5788,370812001002001,370812001002,370812001,370812\n" {
		t.Errorf("Chinese header after a byte order mark: %q", got)
	}
	if got := runLocate(t, dsn, "lon,lat\n116.7582,35.5788\n", "--layer", "comprehensive"); got != "lon,lat,grid_code,community_code,town_code,county_code\n116.7582,35.5788,,,,\n" {
		t.Errorf("--layer comprehensive: %q", got)
	}
	for _, bad := range []struct{ csv, want string }{
		{"lon,lat\n116.7582,35.5788\n116.8,135\n", "line 3: latitude 135 is outside [-90, 90]"},
		{"116.7582,35.5788\n\n35.5788,116.7582\n", "line 3: [35.5788, 116.7582] looks like [lat, lon]"},
		{"lon,lat\n116.7582\n", "line 2: no lat (column 2)"},
		{"lon,lat\n116.7582,abc\n", `line 2: lat "abc" is not a number`},
		{"name,place\nx,y\n", "line 1: want a header naming lon and lat columns"},
	} {
		if err := locateErr(t, dsn, bad.csv); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.csv, err, bad.want)
		}
	}
	if err := locateErr(t, dsn, "116.7582,35.5788\n", "--layer", "nope"); err == nil || !strings.Contains(err.Error(), "unknown layer") {
		t.Errorf("unknown layer: %v", err)
	}
}

// locateErr runs gridline locate on csv and returns its error.
func locateErr(t *testing.T, dsn, csv string, args ...string) error {
	t.Helper()
	file := filepath.Join(t.TempDir(), "points.csv")
	os.WriteFile(file, []byte(csv), 0o600)
	m := main.NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, io.Discard
	return m.Run(context.Background(), append([]string{"locate", "--db", dsn, file}, args...))
}

// runLocate runs gridline locate on csv and returns what it writes.
func runLocate(t *testing.T, dsn, csv string, args ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "points.csv")
	os.WriteFile(file, []byte(csv), 0o600)
	m := main.NewMain()
	var out, log bytes.Buffer
	m.Stdout, m.Stderr = &out, &log
	if err := m.Run(context.Background(), append([]string{"locate", "--db", dsn, file}, args...)); err != nil {
		t.Fatalf("gridline locate: %v\n%s", err, log.String())
	}
	return out.String()
}

func TestImportCommands(t *testing.T) {
	dsn := storetest.DSN(t)
	m := main.NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, &out
	ctx := context.Background()
	if err := m.Run(ctx, []string{"import", "regions", "--db", dsn, "../../demo/data/yanzhou-370812.csv"}); err != nil {
		t.Fatalf("import regions: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "imported 360 regions (360 new, 0 updated)") {
		t.Fatalf("output: %s", out.String())
	}
	gj := filepath.Join(t.TempDir(), "grids.geojson")
	os.WriteFile(gj, []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"name":"一","community_code":"370812001002"},"geometry":{"type":"Polygon","coordinates":[[[116.80,35.55],[116.81,35.55],[116.81,35.56],[116.80,35.56],[116.80,35.55]]]}},
		{"type":"Feature","properties":{"name":"二","community_code":"370812001002"},"geometry":{"type":"Polygon","coordinates":[[[116.805,35.555],[116.81,35.555],[116.81,35.56],[116.805,35.555]]]}}]}`), 0o600)
	err := m.Run(ctx, []string{"import", "grids", "--db", dsn, "--layer", "party", gj})
	if err == nil || !strings.Contains(err.Error(), "feature 1") || !strings.Contains(err.Error(), "overlaps") {
		t.Fatalf("overlapping import: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("code,name,level,parent_code\n37,山东省,province,\n3708,济宁市\n"), 0o600)
	err = m.Run(ctx, []string{"import", "regions", "--db", dsn, bad})
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("bad CSV: %v", err)
	}
	if err := m.Run(ctx, []string{"migrate", "--db", dsn}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(ctx, []string{"migrate", "--db", "mysql://localhost/x"}); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Fatalf("unknown database scheme: %v", err)
	}
	if err := m.Run(ctx, []string{"frobnicate"}); err == nil {
		t.Fatal("unknown command accepted")
	}
}

// TestFlagsAfterArguments runs the commands as the usage shows them, with
// the flags after the file, and with flags on both sides of it.
func TestFlagsAfterArguments(t *testing.T) {
	dsn := storetest.DSN(t)
	run := func(args ...string) (string, error) {
		m := main.NewMain()
		var out bytes.Buffer
		m.Stdout, m.Stderr = &out, &out
		err := m.Run(context.Background(), args)
		return out.String(), err
	}
	if out, err := run("import", "regions", "../../demo/data/yanzhou-370812.csv", "--db", dsn); err != nil || !strings.Contains(out, "imported 360 regions") {
		t.Fatalf("import regions FILE --db: %v\n%s", err, out)
	}
	gj := filepath.Join(t.TempDir(), "grids.geojson")
	os.WriteFile(gj, []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"name":"一","community_code":"370812001002"},"geometry":{"type":"Polygon","coordinates":[[[116.80,35.55],[116.81,35.55],[116.81,35.56],[116.80,35.56],[116.80,35.55]]]}}]}`), 0o600)
	if out, err := run("import", "grids", "--db", dsn, gj, "--layer", "party"); err != nil || !strings.Contains(out, "imported 1 grids") {
		t.Fatalf("import grids --db FILE --layer: %v\n%s", err, out)
	}
	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"import", "regions", "a.csv", "--db", dsn, "b.csv"}, "want exactly one FILE, got 2 arguments"},
		{[]string{"migrate", "--db", dsn, "extra"}, `unexpected argument "extra"`},
		{[]string{"import", "regions", "a.csv", "--bogus"}, "flag provided but not defined: -bogus"},
		// After "--" a name starting with "-" is the file, not a flag.
		{[]string{"import", "regions", "--db", dsn, "--", "-odd.csv"}, "open -odd.csv"},
	} {
		if _, err := run(tt.args...); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("gridline %s: %v, want %q", strings.Join(tt.args, " "), err, tt.wantErr)
		}
	}
}

// TestServeSeesCLIImport imports grids with the CLI while a server runs on
// the same database: the server's locate index picks them up by itself.
func TestServeSeesCLIImport(t *testing.T) {
	dsn := storetest.DSN(t)
	m := main.NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, &out
	if err := m.Run(context.Background(), []string{"import", "regions", "--db", dsn, "../../demo/data/yanzhou-370812.csv"}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GRIDLINE_WATCH_INTERVAL", "100ms")
	url := runMain(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
	locate := func() int {
		res, err := http.Get(url + "/api/v1/locate?lon=116.805&lat=35.555")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := locate(); code != 404 {
		t.Fatalf("before import: %d", code)
	}
	gj := filepath.Join(t.TempDir(), "grids.geojson")
	os.WriteFile(gj, []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"name":"一","community_code":"370812001002"},"geometry":{"type":"Polygon","coordinates":[[[116.80,35.55],[116.81,35.55],[116.81,35.56],[116.80,35.56],[116.80,35.55]]]}}]}`), 0o600)
	if err := main.NewMain().Run(context.Background(), []string{"import", "grids", "--db", dsn, gj}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if locate() == 200 {
			return
		}
	}
	t.Fatal("the server never located a point in the imported grid")
}

// TestShutdownWithRequestRunning: on SIGTERM the server stops accepting,
// gives running requests the grace, cancels the rest with a 503 and only
// then closes the database; Run returns nil (exit 0). Before, a running
// request got "500 sql: database is closed" and the process exited 1.
func TestShutdownWithRequestRunning(t *testing.T) {
	t.Setenv("GRIDLINE_SHUTDOWN_GRACE", "300ms")
	dsn := storetest.DSN(t)
	token := userToken(t, dsn)
	ctx, cancel := context.WithCancel(context.Background())
	m := main.NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, &out
	ready := make(chan string, 1)
	m.Ready = func(url string) { ready <- url }
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn}) }()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatalf("serve exited: %v\n%s", err, out.String())
	}
	// A request that is still running at shutdown: its body trickles.
	pr, pw := io.Pipe()
	answer := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", url+"/api/v1/grids/import", pr)
		req.Header.Set("Authorization", "Bearer "+token)
		req.ContentLength = 1000
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			answer <- 0 // the connection closed: no answer is fine, a 500 is not
			return
		}
		res.Body.Close()
		answer <- res.StatusCode
	}()
	pw.Write([]byte(`{"type":`))
	time.Sleep(100 * time.Millisecond)
	cancel()    // SIGTERM
	go func() { // keep trickling past the grace
		for i := 0; i < 20; i++ {
			time.Sleep(100 * time.Millisecond)
			if _, err := pw.Write([]byte(" ")); err != nil {
				return
			}
		}
		pw.Close()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v, want nil (exit 0)\n%s", err, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not shut down after 10 s")
	}
	if code := <-answer; code >= 500 && code != http.StatusServiceUnavailable {
		t.Fatalf("the running request got %d", code)
	}
	if strings.Contains(out.String(), "database is closed") {
		t.Fatalf("a request met a closed database:\n%s", out.String())
	}
}

// cli runs `gridline args…` with stdin and returns its standard output.
func cli(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	m := main.NewMain()
	var out, errs bytes.Buffer
	m.Stdin, m.Stdout, m.Stderr = strings.NewReader(stdin), &out, &errs
	err := m.Run(context.Background(), args)
	return out.String(), err
}

// userToken creates the account ops (role admin) at dsn with the CLI and
// returns an API token of it.
func userToken(t *testing.T, dsn string) string {
	t.Helper()
	if _, err := cli(t, "a long passphrase\n", "user", "add", "ops", "--name", "运维", "--role", "admin", "--db", dsn); err != nil {
		t.Fatal(err)
	}
	out, err := cli(t, "", "user", "token", "ops", "--name", "test", "--expires", "1d", "--db", dsn)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// TestUserCommands: gridline user add, list, token, passwd and disable,
// and what a running server makes of them; a fresh database has no
// account and serve says how to make the first.
func TestUserCommands(t *testing.T) {
	dsn := storetest.DSN(t)
	if _, err := cli(t, "", "migrate", "--db", dsn); err != nil {
		t.Fatal(err)
	}
	if _, err := cli(t, "short\n", "user", "add", "wang", "--name", "王芳", "--role", "street@370812001", "--db", dsn); err == nil ||
		!strings.Contains(err.Error(), "at least 8") {
		t.Fatalf("a short password: %v", err)
	}
	if _, err := cli(t, "x\n", "user", "add", "wang", "--name", "王芳", "--role", "mayor", "--db", dsn); err == nil ||
		!strings.Contains(err.Error(), `"mayor" is not a role`) {
		t.Fatalf("an unknown role: %v", err)
	}
	tok := userToken(t, dsn)
	if !strings.HasPrefix(tok, "glt_") || strings.Contains(tok, "\n") {
		t.Fatalf("user token printed %q", tok)
	}
	list, err := cli(t, "", "user", "list", "--db", dsn)
	if err != nil || !strings.Contains(list, "ops") || !strings.Contains(list, "admin") {
		t.Fatalf("user list: %v\n%s", err, list)
	}

	var logs bytes.Buffer
	m := main.NewMain()
	m.Stdout, m.Stderr = &logs, &logs
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	m.Ready = func(url string) { ready <- url }
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn}) }()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
	write := func() int {
		req, _ := http.NewRequest("POST", url+"/api/v1/grid-layers", strings.NewReader(`{"code":"cli_`+strconv.Itoa(rand.IntN(1e9))+`","name":"x"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := write(); code != 201 {
		t.Fatalf("a write with the CLI's token: %d", code)
	}
	login(t, url, "ops", "a long passphrase")
	if _, err := cli(t, "another passphrase\n", "user", "passwd", "ops", "--password-stdin", "--db", dsn); err != nil {
		t.Fatal(err)
	}
	login(t, url, "ops", "another passphrase")
	if _, err := cli(t, "", "user", "disable", "ops", "--db", dsn); err != nil {
		t.Fatal(err)
	}
	// Another process changed the account: the server sees it once its
	// cached credentials expire (30 s), or at once for a new login.
	body, _ := json.Marshal(map[string]string{"username": "ops", "password": "another passphrase"})
	res, err := http.Post(url+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled account logs in: %d", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "a long passphrase") || strings.Contains(logs.String(), tok) {
		t.Errorf("the log holds a password or token:\n%s", logs.String())
	}

	// serve on a fresh database: no account, and how to make one.
	logs.Reset()
	fresh := storetest.DSN(t)
	m = main.NewMain()
	m.Stdout, m.Stderr = &logs, &logs
	ctx, cancel = context.WithCancel(context.Background())
	m.Ready = func(string) { cancel() }
	if err := m.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", fresh}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "gridline user add admin") {
		t.Errorf("serve on a fresh database does not say how to create the first admin:\n%s", logs.String())
	}
	out, err := cli(t, "", "user", "list", "--db", fresh)
	if err != nil || strings.Count(out, "\n") != 1 {
		t.Errorf("a fresh database has accounts: %v\n%s", err, out)
	}
}
