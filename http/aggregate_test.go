package http_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// TestTicketAggregate counts cases by grid, town, status, day, map cell
// and lists the cases of a bbox, scoped like the list, with bad inputs
// named.
func TestTicketAggregate(t *testing.T) {
	s, ts := newServer(t)
	community := roleToken(t, s.Services, "weiyuan", gridline.Grant{Role: gridline.RoleCommunity, Region: "370812001002"})
	runScenarios(t, ts.URL, []scenario{
		{name: "grid A", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "grid B", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"府东社区第1网格","community_code":"370812003001","geometry":` + square(116.82, 35.55, 0.01) + `}`},
	})
	for _, lon := range []float64{116.801, 116.802, 116.809, 116.825} {
		scenario{method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"hotline","text":"路灯不亮","lon":` + ftoa(lon) + `,"lat":35.555}`}.run(t, ts.URL)
	}
	scenario{method: "POST", url: "/api/v1/tickets/1/actions/void", auth: true, status: 200, body: `{"opinion":"重复"}`}.run(t, ts.URL)
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	runScenarios(t, ts.URL, []scenario{
		{name: "by grid", method: "GET", url: "/api/v1/tickets/aggregate?by=grid", auth: true, status: 200,
			want: []string{`"key":"370812001002001","count":3,"open":2,"yellow":0,"red":0`, `"key":"370812003001001","count":1,"open":1`, `"total":4`}},
		{name: "by town", method: "GET", url: "/api/v1/tickets/aggregate?by=town&status=received", auth: true, status: 200,
			want: []string{`"key":"370812001","count":2`, `"key":"370812003","count":1`, `"total":3`}},
		{name: "by status", method: "GET", url: "/api/v1/tickets/aggregate?by=status", auth: true, status: 200,
			want: []string{`"key":"received","count":3`, `"key":"voided","count":1,"open":0`}},
		{name: "by day", method: "GET", url: "/api/v1/tickets/aggregate?by=day", auth: true, status: 200,
			want: []string{`"key":"` + today + `","count":4`}},
		{name: "scoped", method: "GET", url: "/api/v1/tickets/aggregate?by=town", tok: community, status: 200,
			want: []string{`"key":"370812001","count":3`, `"total":3`}, notWant: []string{`370812003`}},
		{name: "cases of a bbox", method: "GET", url: "/api/v1/tickets/aggregate?by=case&bbox=116.80,35.55,116.805,35.56", auth: true, status: 200,
			want: []string{`"key":"2","count":1,"open":1`, `"key":"1","count":1,"open":0`, `"status":"voided"`, `"total":2`}, notWant: []string{`"key":"3"`, `truncated`}},
		{name: "capped", method: "GET", url: "/api/v1/tickets/aggregate?by=case&bbox=116,35,117,36&limit=2", auth: true, status: 200,
			want: []string{`"key":"4"`, `"key":"3"`, `"truncated":true`}},
		{name: "cases need a bbox", method: "GET", url: "/api/v1/tickets/aggregate?by=case", auth: true, status: 400, want: []string{`"bbox"`}},
		{name: "tile needs a zoom", method: "GET", url: "/api/v1/tickets/aggregate?by=tile", auth: true, status: 400, want: []string{`"z"`}},
		{name: "bad zoom", method: "GET", url: "/api/v1/tickets/aggregate?by=tile&z=30", auth: true, status: 400, want: []string{`"z"`}},
		{name: "bad bbox", method: "GET", url: "/api/v1/tickets/aggregate?by=tile&z=5&bbox=117,35,116,36", auth: true, status: 400, want: []string{`"bbox"`}},
		{name: "bad by", method: "GET", url: "/api/v1/tickets/aggregate?by=colour", auth: true, status: 400, want: []string{`"by"`}},
		{name: "unknown parameter", method: "GET", url: "/api/v1/tickets/aggregate?zoom=3", auth: true, status: 400},
		{name: "anonymous", method: "GET", url: "/api/v1/tickets/aggregate", status: 401},
	})
	// Cells: at zoom 11 a cell is 360/2^14 ≈ 0.022°: the three cases at
	// 116.801–116.809 share one, the fourth is in the next.
	out := scenario{method: "GET", url: "/api/v1/tickets/aggregate?by=tile&z=11", auth: true, status: 200}.run(t, ts.URL)
	var agg gridline.TicketAggregate
	if err := json.Unmarshal([]byte(out), &agg); err != nil {
		t.Fatal(err)
	}
	size := gridline.AggregateCell(11)
	if agg.Total != 4 || agg.Z == nil || *agg.Z != 11 {
		t.Fatalf("tile: %s", out)
	}
	for _, r := range agg.Rows {
		x, y := int((*r.Lon+180)/size), int((*r.Lat+90)/size)
		if r.Key != ftoa(float64(x))+"/"+ftoa(float64(y)) {
			t.Fatalf("row %+v: mean place in cell %d/%d", r, x, y)
		}
	}
}
