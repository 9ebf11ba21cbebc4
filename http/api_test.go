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

func TestReadOnlyWithoutToken(t *testing.T) {
	s, ts := newServer(t)
	s.APIToken = ""
	sc := scenario{method: "POST", url: "/api/v1/grid-layers", body: `{"code":"x","name":"x"}`, auth: true, status: http.StatusForbidden, want: []string{`GRIDLINE_API_TOKEN`}}
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
