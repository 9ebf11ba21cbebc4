package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestRegionAPI(t *testing.T) {
	_, ts := newServer(t)
	runScenarios(t, ts.URL, []scenario{
		{name: "view", method: "GET", url: "/api/v1/regions/370812", status: 200, want: []string{`"name":"兖州区"`, `"level":"county"`, `"parent_code":"3708"`}},
		{name: "children", method: "GET", url: "/api/v1/regions/370812/children", status: 200, want: []string{`"total":10`, `鼓楼街道`, `小孟镇`}},
		{name: "ancestors", method: "GET", url: "/api/v1/regions/370812001002/ancestors", status: 200, want: []string{`"total":4`, `山东省`, `鼓楼街道`}},
		{name: "subtree villages", method: "GET", url: "/api/v1/regions/370812/subtree?level=village&limit=5", status: 200, want: []string{`"total":347`}},
		{name: "list by parent", method: "GET", url: "/api/v1/regions?parent=370812001", status: 200, want: []string{`"total":23`, `韦园社区居委会`}},
		{name: "unknown region", method: "GET", url: "/api/v1/regions/999999", status: 404, want: []string{`"code":"not_found"`}},
		{name: "unknown parameter", method: "GET", url: "/api/v1/regions?parnet=37", status: 400, want: []string{`"parnet"`, `unknown query parameter`}},
		{name: "bad level", method: "GET", url: "/api/v1/regions/370812/children?level=state", status: 400, want: []string{`"level"`}},
		{name: "bad limit", method: "GET", url: "/api/v1/regions?limit=0", status: 400, want: []string{`"limit"`}},
		{name: "import needs token", method: "POST", url: "/api/v1/regions/import", body: "code,name,level,parent_code\n", status: 401},
		{name: "import bad row names line", method: "POST", url: "/api/v1/regions/import", auth: true,
			body: "code,name,level,parent_code\n37,山东省,province,\n3708,济宁市,town,37\n", status: 400, want: []string{`line 3`, `"line":"3"`}},
		{name: "import upsert", method: "POST", url: "/api/v1/regions/import", auth: true,
			body: "code,name,level,parent_code\n37,山东省,province,\n", status: 200, want: []string{`"inserted":0`, `"updated":1`}},
		{name: "geometry", method: "PUT", url: "/api/v1/regions/370812001/geometry", auth: true, body: square(116.8, 35.5, 0.02), status: 204},
		{name: "geojson", method: "GET", url: "/api/v1/geojson/regions?within=370812&level=town", status: 200, want: []string{`"FeatureCollection"`, `"370812001"`}, notWant: []string{`370812003`}},
		{name: "geojson needs within", method: "GET", url: "/api/v1/geojson/regions", status: 400, want: []string{`"within"`}},
		{name: "unknown api route", method: "GET", url: "/api/v1/nothing", status: 404, want: []string{`"not_found"`}},
	})
}

func TestGridAPI(t *testing.T) {
	_, ts := newServer(t)
	grid := func(name, community string, lon, lat float64) string {
		return fmt.Sprintf(`{"name":%q,"layer":"party","community_code":%q,"geometry":%s}`, name, community, square(lon, lat, 0.01))
	}
	fc := func(features ...string) string {
		return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
	}
	feature := func(name string, lon, lat float64) string {
		return fmt.Sprintf(`{"type":"Feature","properties":{"name":%q,"community_code":"370812001003"},"geometry":%s}`, name, square(lon, lat, 0.01))
	}
	runScenarios(t, ts.URL, []scenario{
		{name: "create", method: "POST", url: "/api/v1/grids", auth: true, body: grid("韦园社区第1网格", "370812001002", 116.80, 35.55), status: 201,
			want: []string{`"code":"370812001002001"`, `"town_code":"370812001"`, `"area_m2":`}},
		{name: "writes need the token", method: "POST", url: "/api/v1/grids", body: grid("x", "370812001002", 116.9, 35.55), status: 401},
		{name: "overlap is refused", method: "POST", url: "/api/v1/grids", auth: true, body: grid("重叠", "370812001002", 116.805, 35.555), status: 400,
			want: []string{`overlaps grid 370812001002001`, `"geometry"`}},
		{name: "unknown community", method: "POST", url: "/api/v1/grids", auth: true, body: grid("x", "370812001999", 116.9, 35.55), status: 400, want: []string{`"community_code"`}},
		{name: "unknown field", method: "POST", url: "/api/v1/grids", auth: true, body: `{"nmae":"x"}`, status: 400, want: []string{`"nmae"`}},
		{name: "swapped coordinates", method: "POST", url: "/api/v1/grids", auth: true, body: `{"name":"x","community_code":"370812001002","geometry":{"type":"Polygon","coordinates":[[[35.5,116.8],[35.5,116.81],[35.51,116.81],[35.5,116.8]]]}}`, status: 400, want: []string{`[lat, lon]`}},
		{name: "bad json", method: "POST", url: "/api/v1/grids", auth: true, body: `{"name":`, status: 400, want: []string{`not valid JSON`}},
		{name: "locate", method: "GET", url: "/api/v1/locate?lon=116.805&lat=35.555", status: 200,
			want: []string{`"grid":{"code":"370812001002001"`, `"community":{"code":"370812001002","name":"韦园社区居委会"}`, `"town":{"code":"370812001","name":"鼓楼街道"}`, `"county":{"code":"370812","name":"兖州区"}`}},
		{name: "locate outside", method: "GET", url: "/api/v1/locate?lon=117.5&lat=35.9", status: 404, want: []string{`in no grid`}},
		{name: "locate bad lat", method: "GET", url: "/api/v1/locate?lon=116.8&lat=95", status: 400, want: []string{`"lat"`}},
		{name: "locate unknown param", method: "GET", url: "/api/v1/locate?lon=116.8&lat=35.5&radius=3", status: 400, want: []string{`"radius"`}},
		{name: "import names the bad feature", method: "POST", url: "/api/v1/grids/import?layer=party", auth: true,
			body: fc(feature("a", 116.70, 35.55), feature("b", 116.71, 35.55), feature("c", 116.705, 35.555)), status: 400, want: []string{`feature 2`, `"feature":"2"`}},
		{name: "failed import wrote nothing", method: "GET", url: "/api/v1/grids?within=370812001003", status: 200, want: []string{`"total":0`}},
		{name: "import", method: "POST", url: "/api/v1/grids/import?layer=party", auth: true,
			body: fc(feature("b", 116.71, 35.55), feature("a", 116.70, 35.55)), status: 200, want: []string{`"imported":2`, `"370812001003001"`, `"370812001003002"`}},
		{name: "located after import", method: "GET", url: "/api/v1/locate?lon=116.705&lat=35.555&layer=party", status: 200, want: []string{`"370812001003001"`}},
		{name: "detail", method: "GET", url: "/api/v1/grids/370812001002001", status: 200,
			want: []string{`"community":{"code":"370812001002","name":"韦园社区居委会"}`, `"layer_name":"党建网格"`, `"points":0`, `"workers":[]`}},
		{name: "export", method: "GET", url: "/api/v1/geojson/grids?layer=party", status: 200, want: []string{`"FeatureCollection"`, `"370812001003002"`}},
		{name: "update", method: "PATCH", url: "/api/v1/grids/370812001002001", auth: true, body: `{"name":"新名"}`, status: 200, want: []string{`"name":"新名"`}},
		{name: "delete", method: "DELETE", url: "/api/v1/grids/370812001003002", auth: true, status: 204},
		{name: "deleted grid no longer located", method: "GET", url: "/api/v1/locate?lon=116.715&lat=35.555&layer=party", status: 404},
		{name: "layers", method: "GET", url: "/api/v1/grid-layers", status: 200, want: []string{`"comprehensive"`, `"党建网格"`}},
		{name: "new layer", method: "POST", url: "/api/v1/grid-layers", auth: true, body: `{"code":"safety","name":"安全网格","name_en":"Safety grid"}`, status: 201},
		{name: "duplicate layer", method: "POST", url: "/api/v1/grid-layers", auth: true, body: `{"code":"safety","name":"安全网格"}`, status: 409},
	})
}

// TestAnonymousWritesRefused: a write without credentials is 401 and says
// how to sign in.
func TestAnonymousWritesRefused(t *testing.T) {
	_, ts := newServer(t)
	sc := scenario{method: "POST", url: "/api/v1/grid-layers", body: `{"code":"x","name":"x"}`, status: http.StatusUnauthorized,
		want: []string{`"code":"unauthorized"`, `POST /api/v1/auth/login`}}
	sc.run(t, ts.URL)
}

func TestHealthAndMetrics(t *testing.T) {
	_, ts := newServer(t)
	runScenarios(t, ts.URL, []scenario{
		{name: "healthz", method: "GET", url: "/healthz", status: 200, want: []string{`"status":"ok"`}},
		{name: "locate once", method: "GET", url: "/api/v1/locate?lon=116.8&lat=35.5", status: 404},
		{name: "metrics", method: "GET", url: "/metrics", status: 200, want: []string{`gridline_http_requests_total{route="GET /api/v1/locate",status="404"} 1`, `gridline_locate_grids 0`}},
		{name: "ui fallback", method: "GET", url: "/grids/123", status: 200, want: []string{`Gridline`}},
	})
}

func TestOrgAPI(t *testing.T) {
	_, ts := newServer(t)
	runScenarios(t, ts.URL, []scenario{
		{name: "create grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","layer":"party","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "property company", method: "POST", url: "/api/v1/units", auth: true, status: 201,
			body: `{"kind":"property","name":"兖州红帆物业服务有限公司","region_code":"370812","party_led":true}`, want: []string{`"id":1`, `"party_led":true`}},
		{name: "bad unit kind", method: "GET", url: "/api/v1/units?kind=shop", status: 400, want: []string{`"kind"`}},
		{name: "person", method: "POST", url: "/api/v1/people", auth: true, status: 201,
			body: `{"name":"张伟","phone":"13812345678","team":"grid_worker","region_code":"370812001002"}`, want: []string{`"phone":"138****5678"`},
			notWant: []string{`13812345678`}},
		{name: "bad team", method: "POST", url: "/api/v1/people", auth: true, status: 400,
			body: `{"name":"李娜","team":"boss"}`, want: []string{`"team"`}},
		{name: "assign to grid", method: "POST", url: "/api/v1/assignments", auth: true, status: 201,
			body: `{"person_id":1,"target":"grid","target_id":1,"role":"grid_leader"}`, want: []string{`"grid_code":"370812001002001"`}},
		{name: "duplicate assignment", method: "POST", url: "/api/v1/assignments", auth: true, status: 409,
			body: `{"person_id":1,"target":"grid","target_id":1,"role":"grid_leader"}`},
		{name: "people need a role", method: "GET", url: "/api/v1/people?grid=370812001002001", status: 401},
		{name: "phone masked for the admin too", method: "GET", url: "/api/v1/people?grid=370812001002001", auth: true, status: 200,
			want: []string{`"phone":"138****5678"`, `"total":1`}, notWant: []string{`13812345678`}},
		{name: "person with assignments", method: "GET", url: "/api/v1/people/1", auth: true, status: 200,
			want: []string{`"phone":"138****5678"`, `"assignments":[`}},
		{name: "revealed, audited", method: "POST", url: "/api/v1/people/1/reveal", auth: true, status: 200,
			want: []string{`"phone":"13812345678"`}},
		{name: "reveal needs a role", method: "POST", url: "/api/v1/people/1/reveal", status: 401},
		{name: "grid detail lists the worker masked", method: "GET", url: "/api/v1/grids/370812001002001", status: 200,
			want: []string{`"name":"张伟"`, `138****5678`}, notWant: []string{`13812345678`}},
		{name: "point", method: "POST", url: "/api/v1/points", auth: true, status: 201,
			body: `{"name":"韦园小区东门","kind":"小区","lon":116.805,"lat":35.555,"cadre_id":1}`, want: []string{`"grid_code":"370812001002001"`, `"community_code":"370812001002"`}},
		{name: "point outside every grid", method: "POST", url: "/api/v1/points", auth: true, status: 400,
			body: `{"name":"野外","lon":116.9,"lat":35.7}`, want: []string{`no grid`}},
		{name: "compound", method: "POST", url: "/api/v1/compounds", auth: true, status: 201,
			body: `{"name":"韦园花园","property_unit_id":1,"households":300,"geometry":` + square(116.802, 35.552, 0.003) + `}`, want: []string{`"grid_code":"370812001002001"`}},
		{name: "building with entrances", method: "POST", url: "/api/v1/buildings", auth: true, status: 201,
			body: `{"compound_id":1,"name":"1号楼","number":1,"floors":6,"footprint":` + square(116.8025, 35.5525, 0.0003) + `,"entrances":[{"number":1,"floors":6},{"number":2,"floors":6}]}`,
			want: []string{`"entrances":[`, `"number":2`}},
		{name: "addresses", method: "GET", url: "/api/v1/addresses?building=1", status: 200, want: []string{`"total":2`, `韦园花园 1号楼2单元`}},
		{name: "party committee", method: "POST", url: "/api/v1/party-orgs", auth: true, status: 201,
			body: `{"name":"鼓楼街道党工委","level":1,"region_code":"370812001"}`, want: []string{`"path":"/1/"`}},
		{name: "level must follow parent", method: "POST", url: "/api/v1/party-orgs", auth: true, status: 400,
			body: `{"name":"错层","level":3,"parent_id":1,"grid_code":"370812001002001"}`, want: []string{`"parent_id"`}},
		{name: "bad level filter", method: "GET", url: "/api/v1/party-orgs?level=9", status: 400, want: []string{`"level"`}},
		{name: "grid with dependants cannot go", method: "DELETE", url: "/api/v1/grids/370812001002001", auth: true, status: 409},
		{name: "overview", method: "GET", url: "/api/v1/stats/overview?region=370812", auth: true, status: 200,
			want: []string{`"towns":10`, `"villages":347`, `"points":1`, `"compounds":1`, `"buildings":1`, `"grid_worker":1`}},
		{name: "workforce", method: "GET", url: "/api/v1/stats/workforce?region=370812", auth: true, status: 200,
			want: []string{`"urban_grid_workers":1`, `"property_share_percent":0`}},
		{name: "bad region", method: "GET", url: "/api/v1/stats/overview?region=abc", auth: true, status: 400, want: []string{`"region"`}},
		{name: "audit needs the token", method: "GET", url: "/api/v1/audit", status: 401},
		{name: "audit names the actor", method: "GET", url: "/api/v1/audit?entity=grid", auth: true, status: 200,
			want: []string{`"total":1`, `"actor":"admin"`, `"action":"create"`, `"key":"370812001002001"`}},
		{name: "every write audited", method: "GET", url: "/api/v1/audit?actor=admin&limit=1", auth: true, status: 200,
			want: []string{`"total":9`}},
		{name: "the reveal is in the audit log, with where from", method: "GET", url: "/api/v1/audit?action=reveal", auth: true, status: 200,
			want: []string{`"total":1`, `"entity":"person"`, `"key":"1"`, `"detail":"phone"`, `"addr":"127.0.0.1"`}},
		{name: "9,000-character unit name", method: "POST", url: "/api/v1/units", auth: true, status: 400,
			body: `{"kind":"other","name":"` + strings.Repeat("名", 9000) + `"}`, want: []string{`"name":"is 9000 characters long; at most 200 are allowed"`}},
		{name: "9,000-character assignment role", method: "POST", url: "/api/v1/assignments", auth: true, status: 400,
			body: `{"person_id":1,"target":"grid","target_id":1,"role":"` + strings.Repeat("r", 9000) + `"}`, want: []string{`"role"`}},
		{name: "NUL in a name", method: "POST", url: "/api/v1/units", auth: true, status: 400,
			body: `{"kind":"other","name":"a\u0000b"}`, want: []string{`NUL`}},
		{name: "feed needs the token", method: "GET", url: "/api/v1/events", status: 401},
		{name: "feed of party orgs", method: "GET", url: "/api/v1/events?entity=party_org", auth: true, status: 200,
			want: []string{`"total":1`, `"entity":"party_org"`, `"action":"create"`, `"key":"1"`}},
		{name: "feed after the last event is empty", method: "GET", url: "/api/v1/events?after=1000000", auth: true, status: 200,
			want: []string{`"items":[]`}},
		{name: "bad feed position", method: "GET", url: "/api/v1/events?after=-1", auth: true, status: 400, want: []string{`"after"`}},
		{name: "enums", method: "GET", url: "/api/v1/enums", status: 200,
			want: []string{`{"code":"6","name":"红色楼栋(单元)长"`, `"code":"grid_worker","name":"专职网格员"`}},
	})
}
