package http_test

import (
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// TestFusionAPI compares today's hotline calls with the grid's findings
// over HTTP, and the bad inputs: each names its field.
func TestFusionAPI(t *testing.T) {
	_, ts := newServer(t)
	today := time.Now().In(gridline.ChinaTime).Format(time.DateOnly)
	long := time.Now().In(gridline.ChinaTime).AddDate(0, 0, -31).Format(time.DateOnly)
	ticket := func(ch, text, cat string, lon float64) string {
		return `{"channel":"` + ch + `","text":"` + text + `","category":"` + cat + `","lon":` + ftoa(lon) + `,"lat":35.555}`
	}
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "patrol", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: ticket("grid_patrol", "龙城花园门口一盏路灯夜间不亮。", "0115", 116.8052)},
		{name: "call found first", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: ticket("hotline", "市民来电反映龙城花园小区门口路灯不亮了，晚上出行很不方便。", "0115", 116.8050)},
		{name: "call missed", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: ticket("hotline", "来电反映龙城花园小区门口垃圾堆满了，几天没人清运。", "10102", 116.8051)},
		{name: "needs a role", method: "GET", url: "/api/v1/fusion/daily?date=" + today, status: 401},
		{name: "by town", method: "GET", url: "/api/v1/fusion/daily?date=" + today, auth: true, status: 200,
			want: []string{`"by":"town"`, `"key":"370812001"`, `"name":"鼓楼街道"`, `"hotline":2`, `"found_first":1`, `"missed":1`, `"rate":0.5`,
				`"misses":[{"id":3,`, `"category":"10102"`, `"misses_truncated":false`, `"classes":["01",`}},
		{name: "by grid", method: "GET", url: "/api/v1/fusion/daily?by=grid&from=" + today + "&to=" + today, auth: true, status: 200,
			want: []string{`"key":"370812001002001"`, `"name":"韦园社区第1网格"`}},
		{name: "by worker", method: "GET", url: "/api/v1/fusion/daily?by=worker&date=" + today, auth: true, status: 200,
			want: []string{`"key":"","name":"未定"`, `"hotline":2`}},
		{name: "one class", method: "GET", url: "/api/v1/fusion/daily?date=" + today + "&classes=101", auth: true, status: 200,
			want: []string{`"total":{"key":"","name":"合计","hotline":1,"found_first":0,"found_later":0,"missed":1,"unlocated":0,"rate":0}`}},
		{name: "empty day", method: "GET", url: "/api/v1/fusion/daily?date=2020-01-01", auth: true, status: 200,
			want: []string{`"rows":[]`, `"rate":null`, `"misses":[]`}},
		{name: "no date", method: "GET", url: "/api/v1/fusion/daily", auth: true, status: 400, want: []string{`"date"`}},
		{name: "bad date", method: "GET", url: "/api/v1/fusion/daily?date=2026-13-01", auth: true, status: 400, want: []string{`"date"`}},
		{name: "bad from", method: "GET", url: "/api/v1/fusion/daily?from=yesterday&to=" + today, auth: true, status: 400, want: []string{`"from"`}},
		{name: "from alone", method: "GET", url: "/api/v1/fusion/daily?from=" + today, auth: true, status: 400, want: []string{`"from"`}},
		{name: "date and from", method: "GET", url: "/api/v1/fusion/daily?date=" + today + "&from=" + today + "&to=" + today, auth: true, status: 400, want: []string{`"date"`}},
		{name: "from after to", method: "GET", url: "/api/v1/fusion/daily?from=2026-06-10&to=2026-06-09", auth: true, status: 400, want: []string{`"to"`, `before from`}},
		{name: "range too long", method: "GET", url: "/api/v1/fusion/daily?from=" + long + "&to=" + today, auth: true, status: 400, want: []string{`"to"`, `at most 31 days`}},
		{name: "unknown by", method: "GET", url: "/api/v1/fusion/daily?date=" + today + "&by=unit", auth: true, status: 400, want: []string{`"by"`}},
		{name: "unknown class", method: "GET", url: "/api/v1/fusion/daily?date=" + today + "&classes=0115", auth: true, status: 400, want: []string{`"classes"`}},
		{name: "unknown parameter", method: "GET", url: "/api/v1/fusion/daily?date=" + today + "&colour=red", auth: true, status: 400},
	})
}
