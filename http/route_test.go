package http_test

import (
	"strings"
	"testing"
)

// TestRouteAPI: the lead unit proposed for a case follows its category,
// the dispatcher's level and its place: a department by its short name, a
// street office, a compound's property company; a street's dispatcher
// routes at town level, and a community's class stays there.
func TestRouteAPI(t *testing.T) {
	_, ts := newServer(t)
	intake := func(ext, category string, lon, lat float64) string {
		return `{"channel":"hotline","external_id":"` + ext + `","text":"小区门口路灯不亮，晚上很黑","category":"` + category +
			`","lon":` + ftoa(lon) + `,"lat":` + ftoa(lat) + `}`
	}
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "department", method: "POST", url: "/api/v1/units", auth: true, status: 201,
			body: `{"kind":"department","name":"兖州区住房和城乡建设局","short_name":"区住建局","region_code":"370812"}`},
		{name: "street office", method: "POST", url: "/api/v1/units", auth: true, status: 201,
			body: `{"kind":"other","name":"兖州区鼓楼街道办事处","short_name":"鼓楼街道办","region_code":"370812001"}`},
		{name: "property company", method: "POST", url: "/api/v1/units", auth: true, status: 201,
			body: `{"kind":"property","name":"兖州区安居物业有限公司","region_code":"370812"}`},
		{name: "compound", method: "POST", url: "/api/v1/compounds", auth: true, status: 201,
			body: `{"name":"韦园花园","property_unit_id":3,"households":300,"geometry":` + square(116.802, 35.552, 0.003) + `}`},
		{name: "street lamp, routed at intake", method: "POST", url: "/api/v1/tickets", auth: true, status: 201, body: intake("R-1", "0115", 116.808, 35.558),
			want: []string{`"route":{"level":"county","category":"0115"`, `"unit_id":1,"unit_name":"兖州区住房和城乡建设局"}`}},
		{name: "neighbour dispute", method: "POST", url: "/api/v1/tickets", auth: true, status: 201, body: intake("R-2", "20601", 116.808, 35.558)},
		{name: "property service in the compound", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: intake("R-3", "20101", 116.803, 35.553), want: []string{`"compound_id":1`}},
		{name: "no category: intake's from the text", method: "POST", url: "/api/v1/tickets", auth: true, status: 201, body: intake("R-4", "", 116.808, 35.558)},
		{name: "department by short name", method: "GET", url: "/api/v1/tickets/1/route", auth: true, status: 200,
			want: []string{`"level":"county"`, `"lead":{"kind":"department","department":"区住建局"}`, `"basis":"catalogue"`, `"unit_id":1`, `"unit_name":"兖州区住房和城乡建设局"`}},
		{name: "the street office of the case's town", method: "GET", url: "/api/v1/tickets/2/route", auth: true, status: 200,
			want: []string{`"lead":{"kind":"street"}`, `"unit_id":2`, `"unit_name":"兖州区鼓楼街道办事处"`}},
		{name: "at town level it stays in the community", method: "GET", url: "/api/v1/tickets/2/route?level=town", auth: true, status: 200,
			want: []string{`"level":"town"`, `"lead":{"kind":"community"}`, `"basis":"community"`, `"unit_id":null`}},
		{name: "the compound's property company", method: "GET", url: "/api/v1/tickets/3/route", auth: true, status: 200,
			want: []string{`"lead":{"kind":"property"}`, `"basis":"property"`, `"unit_id":3`, `"unit_name":"兖州区安居物业有限公司"`}},
		{name: "routed on the category intake gave", method: "GET", url: "/api/v1/tickets/4/route", auth: true, status: 200,
			want: []string{`"category":"0115"`, `"category_suggested":false`, `"unit_id":1`}},
		{name: "unknown level", method: "GET", url: "/api/v1/tickets/1/route?level=galaxy", auth: true, status: 400, want: []string{`"level"`}},
		{name: "a province does not dispatch", method: "GET", url: "/api/v1/tickets/1/route?level=province", auth: true, status: 400,
			want: []string{`"level":"must be county, town or village, got \"province\""`}},
		{name: "no such case", method: "GET", url: "/api/v1/tickets/99/route", auth: true, status: 404},
		{name: "cases need a role", method: "GET", url: "/api/v1/tickets/1/route", status: 401},
	})
	addUser(t, ts.URL, `{"username":"gulou","name":"鼓楼街道","password":"street password","grants":[{"role":"street","region":"370812001"}]}`)
	street := logIn(t, ts.URL, "gulou", "street password")
	res, b := call(t, "GET", ts.URL+"/api/v1/tickets/2/route", "", street.bearer()...)
	if res.StatusCode != 200 || !strings.Contains(b, `"level":"town"`) || !strings.Contains(b, `"basis":"community"`) {
		t.Fatalf("a street's dispatcher: %d %s, want level town and the community", res.StatusCode, b)
	}
}
