package http_test

import (
	"strings"
	"testing"
)

// gridAndTwoUnits makes a grid around (116.805, 35.555) in 韦园社区 and
// two departments: unit 1 (住建局) to lead, unit 2 (水务局) to co-handle.
func gridAndTwoUnits(t *testing.T, base string) {
	t.Helper()
	runScenarios(t, base, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "lead unit", method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"兖州区住房和城乡建设局"}`},
		{name: "co-unit", method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"兖州区水务局"}`},
	})
}

// TestCoUnitAPI: over HTTP a case is dispatched with a co-unit (bad
// co-units named), the co-unit's department signs and replies to the lead
// without moving the case, the lead rates it, and the callback records its
// answers (contradictory ones named); an admin edits the calendar and the
// catalogue, others may not.
func TestCoUnitAPI(t *testing.T) {
	_, ts := newServer(t)
	gridAndTwoUnits(t, ts.URL)
	runScenarios(t, ts.URL, []scenario{
		{name: "intake", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"hotline","text":"小区雨污管网混接，雨天污水外溢","category":"0211","lon":116.805,"lat":35.555}`},
		{name: "file", method: "POST", url: "/api/v1/tickets/1/actions/file", auth: true, status: 200},
		{name: "unknown co-unit", method: "POST", url: "/api/v1/tickets/1/actions/dispatch", auth: true, status: 400,
			body: `{"lead_unit":1,"co_units":[2,99]}`, want: []string{`"co_units[1]":"no unit 99"`}},
		{name: "lead among co-units", method: "POST", url: "/api/v1/tickets/1/actions/dispatch", auth: true, status: 400,
			body: `{"lead_unit":1,"co_units":[1]}`, want: []string{`"co_units[0]"`, `lead unit`}},
		{name: "duplicate co-unit", method: "POST", url: "/api/v1/tickets/1/actions/dispatch", auth: true, status: 400,
			body: `{"lead_unit":1,"co_units":[2,2]}`, want: []string{`"co_units[1]"`, `twice`}},
		{name: "dispatch", method: "POST", url: "/api/v1/tickets/1/actions/dispatch", auth: true, status: 200,
			body: `{"lead_unit":1,"co_units":[2]}`, want: []string{`"status":"dispatched"`, `"assignments":[{"unit_id":1,"unit_name":"兖州区住房和城乡建设局","role":"lead"`,
				`{"unit_id":2,"unit_name":"兖州区水务局","role":"co"`}},
	})
	addUser(t, ts.URL, `{"username":"zhujian","name":"住建局","password":"lead password","grants":[{"role":"department","unit_id":1}]}`)
	addUser(t, ts.URL, `{"username":"shuiwu","name":"水务局","password":"co password","grants":[{"role":"department","unit_id":2}]}`)
	lead := logIn(t, ts.URL, "zhujian", "lead password")
	co := logIn(t, ts.URL, "shuiwu", "co password")
	step := func(s session, method, url, body string, status int, want ...string) {
		t.Helper()
		res, b := call(t, method, ts.URL+url, body, s.bearer()...)
		if res.StatusCode != status {
			t.Fatalf("%s %s: %d %s, want %d", method, url, res.StatusCode, b, status)
		}
		for _, w := range want {
			if !strings.Contains(b, w) {
				t.Fatalf("%s %s: %s lacks %s", method, url, b, w)
			}
		}
	}
	step(co, "GET", "/api/v1/tickets/1", "", 200, `"allowed_actions":["sign","reply"]`)
	step(co, "GET", "/api/v1/tickets", "", 200, `"total":1`)
	step(co, "POST", "/api/v1/tickets/1/actions/sign", "", 200, `"status":"dispatched"`)
	step(co, "POST", "/api/v1/tickets/1/actions/return", `{"opinion":"不是我们的"}`, 409, `"role":"co"`)
	step(lead, "POST", "/api/v1/tickets/1/actions/sign", "", 200, `"status":"handling"`)
	step(co, "POST", "/api/v1/tickets/1/actions/reply", `{"opinion":"已排查三处混接点"}`, 200, `"status":"handling"`, `"reply":"已排查三处混接点"`)
	step(co, "GET", "/api/v1/tickets/1", "", 200, `"allowed_actions":[]`)
	step(lead, "POST", "/api/v1/tickets/1/actions/rate", `{"unit":2,"rating":9}`, 400, `"rating"`)
	step(lead, "POST", "/api/v1/tickets/1/actions/rate", `{"unit":2,"rating":5,"opinion":"配合及时"}`, 200, `"rating":5`, `"rating_opinion":"配合及时"`)
	step(lead, "POST", "/api/v1/tickets/1/actions/reply", `{"opinion":"管网已改造"}`, 200, `"status":"verifying"`)
	runScenarios(t, ts.URL, []scenario{
		{name: "verify", method: "POST", url: "/api/v1/tickets/1/actions/verify", auth: true, status: 200, body: `{"outcome":"passed"}`},
		{name: "contradictory callback", method: "POST", url: "/api/v1/tickets/1/actions/callback", auth: true, status: 400,
			body: `{"contacted":false,"satisfaction":"satisfied"}`, want: []string{`"satisfaction"`}},
		{name: "callback", method: "POST", url: "/api/v1/tickets/1/actions/callback", auth: true, status: 200,
			body: `{"contacted":true,"resolved":true,"satisfaction":"basic"}`, want: []string{`"status":"closed"`, `"contacted":true,"resolved":true`}},
		{name: "categories are public", method: "GET", url: "/api/v1/categories", status: 200, want: []string{`"code":"0211"`, `"edits":[]`}},
		{name: "calendar is public", method: "GET", url: "/api/v1/calendar?from=2024-10-01&to=2024-10-07", status: 200,
			want: []string{`{"date":"2024-10-01","type":"holiday"}`, `"work_hours":[{"start":"09:00","end":"12:00"},{"start":"13:30","end":"17:30"}]`}},
		{name: "holiday", method: "PUT", url: "/api/v1/calendar/days/2024-11-07", auth: true, status: 200,
			body: `{"type":"holiday","note":"暴雪停工"}`, want: []string{`"updated_by"`}},
		{name: "holiday shown", method: "GET", url: "/api/v1/calendar?from=2024-11-07&to=2024-11-07", status: 200,
			want: []string{`{"date":"2024-11-07","type":"holiday"}`, `"note":"暴雪停工"`}},
		{name: "bad day type", method: "PUT", url: "/api/v1/calendar/days/2024-11-08", auth: true, status: 400,
			body: `{"type":"weekend"}`, want: []string{`"type"`}},
		{name: "holiday taken away", method: "DELETE", url: "/api/v1/calendar/days/2024-11-07", auth: true, status: 204},
		{name: "new sub-class", method: "POST", url: "/api/v1/categories", auth: true, status: 201,
			body: `{"code":"0299","parent_code":"02","name":"共享单车乱停放","time_limit":{"amount":4,"unit":"working_hours"},` +
				`"leads":{"district":{"kind":"department","department":"城管局"},"street":{"kind":"street"},"community":{"kind":"community"}}}`,
			want: []string{`"active":true`}},
		{name: "bad limit", method: "PUT", url: "/api/v1/categories/0299", auth: true, status: 400,
			body: `{"name":"x","time_limit":{"amount":99,"unit":"working_days"},"leads":{}}`, want: []string{`"time_limit.amount"`}},
		{name: "listed", method: "GET", url: "/api/v1/categories", status: 200, want: []string{`"code":"0299"`, `"edited":true`}},
	})
	step(lead, "PUT", "/api/v1/calendar/days/2024-11-07", `{"type":"holiday"}`, 403)
}
