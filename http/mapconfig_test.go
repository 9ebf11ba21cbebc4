package http_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	glhttp "github.com/gridline/gridline/http"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// TestMapConfig: without a base map the answer is the plain map and the
// policy allows no other origin; with a 天地图-style URL the answer has the
// converted templates, and the policy lets the browser fetch and draw its
// tiles.
func TestMapConfig(t *testing.T) {
	_, plain := newServer(t)
	runScenarios(t, plain.URL, []scenario{
		{name: "none", method: "GET", url: "/api/v1/config/map", status: 200, want: []string{`{"basemap":{"type":"none"}}`}},
		{name: "no parameters", method: "GET", url: "/api/v1/config/map?x=1", status: 400},
	})
	bm, err := gridline.ParseBaseMap("http://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=vec&TILEMATRIXSET=w&TILEMATRIX=1&TILEROW=2&TILECOL=3&tk=KEY",
		"raster", "© 天地图", "0,1")
	if err != nil {
		t.Fatal(err)
	}
	s := serverOver(t, storetest.Open(t), glhttp.Limits{AnonRate: -1}, nil)
	s.BaseMap = bm
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	scenario{method: "GET", url: "/api/v1/config/map", status: 200, want: []string{`"type":"raster"`,
		`"tiles":["http://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=vec&TILEMATRIXSET=w&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"`,
		`"attribution":"© 天地图"`}}.run(t, ts.URL)
	for _, srv := range []struct {
		url  string
		want bool
	}{{plain.URL, false}, {ts.URL, true}} {
		res, err := http.Get(srv.url + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		csp := res.Header.Get("Content-Security-Policy")
		has := strings.Contains(csp, "connect-src 'self' http://t0.tianditu.gov.cn http://t1.tianditu.gov.cn") &&
			strings.Contains(csp, "img-src 'self' data: blob: http://t0.tianditu.gov.cn")
		if has != srv.want || !strings.Contains(csp, "default-src 'self'") {
			t.Fatalf("%s: CSP %q", srv.url, csp)
		}
	}
}
