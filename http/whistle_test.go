package http_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestDuplicatesWhistlesMeetingsAPI drives the duplicate candidates,
// whistle-and-report and coordination meetings over HTTP, with the bad
// input a clumsy client sends: unknown units, a whistle on a closed case,
// a report twice, a rating of a unit not called, a meeting naming a
// closed case.
func TestDuplicatesWhistlesMeetingsAPI(t *testing.T) {
	_, ts := newServer(t)
	handled, handledType := photoAction(t, `{"opinion":"已现场处置"}`)
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "unit 1", method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"区水务局"}`},
		{name: "unit 2", method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"区公安分局"}`},
		{name: "unit 3", method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"区城管局"}`},
		{name: "a caller", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"hotline","text":"市民来电反映龙城花园小区门口路灯不亮了，晚上出行很不方便。","category":"0115","lon":116.8050,"lat":35.5550}`,
			want: []string{`"id":1`, `"duplicates":[]`}},
		{name: "a grid worker, in other words: case 1 is its candidate", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"grid_patrol","text":"建设东路与龙桥北路交叉口北侧一盏路灯夜间不亮。","category":"0115","lon":116.8055,"lat":35.5553}`,
			want: []string{`"id":2`, `"duplicates":[{"id":1,"number":"370812-`, `"reasons":{"distance_m":`, `"same_category":"sub"`}},
		{name: "another problem at the same place", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"hotline","text":"龙城花园小区门口垃圾桶旁边堆满了垃圾，几天没人清运。","category":"10102","lon":116.8050,"lat":35.5550}`,
			want: []string{`"id":3`, `"duplicates":[]`}},
		{name: "duplicates of case 1", method: "GET", auth: true, url: "/api/v1/tickets/1/duplicates", status: 200,
			want: []string{`{"items":[{"id":2,`, `"channel":"grid_patrol"`}, notWant: []string{`"id":3`}},
		{name: "duplicates of an unknown case", method: "GET", auth: true, url: "/api/v1/tickets/99/duplicates", status: 404},
		{name: "duplicates take no parameters", method: "GET", auth: true, url: "/api/v1/tickets/1/duplicates?limit=3", status: 400, want: []string{`"limit"`}},
		{name: "merge", method: "POST", url: "/api/v1/tickets/2/actions/merge", auth: true, status: 200, body: `{"into":1}`,
			want: []string{`"status":"merged"`}},
		{name: "a merged case is no candidate", method: "GET", auth: true, url: "/api/v1/tickets/1/duplicates", status: 200, want: []string{`{"items":[]}`}},

		{name: "whistle needs the token", method: "POST", url: "/api/v1/tickets/1/whistles", status: 401,
			body: `{"units":[1,2],"reason":"需多部门联合处置"}`},
		{name: "whistle: unknown unit", method: "POST", url: "/api/v1/tickets/1/whistles", auth: true, status: 400,
			body: `{"units":[1,99],"reason":"需多部门联合处置"}`, want: []string{`"units[1]"`, `no unit 99`}},
		{name: "whistle: no units", method: "POST", url: "/api/v1/tickets/1/whistles", auth: true, status: 400,
			body: `{"units":[],"reason":"x"}`, want: []string{`"units"`}},
		{name: "whistle: no reason", method: "POST", url: "/api/v1/tickets/1/whistles", auth: true, status: 400,
			body: `{"units":[1]}`, want: []string{`"reason"`}},
		{name: "whistle: unknown field", method: "POST", url: "/api/v1/tickets/1/whistles", auth: true, status: 400,
			body: `{"units":[1],"reason":"x","deadline":"soon"}`},
		{name: "whistle on a merged case", method: "POST", url: "/api/v1/tickets/2/whistles", auth: true, status: 409,
			body: `{"units":[1],"reason":"x"}`, want: []string{`"status":"merged"`}},
		{name: "whistle on an unknown case", method: "POST", url: "/api/v1/tickets/99/whistles", auth: true, status: 404,
			body: `{"units":[1],"reason":"x"}`},
		{name: "whistle", method: "POST", url: "/api/v1/tickets/1/whistles", auth: true, status: 201,
			body: `{"units":[1,2],"reason":"涉及供电和治安，街道无法单独处置"}`,
			want: []string{`"id":1`, `"status":"waiting"`, `"units":[{"unit":1,"name":"区水务局","reported_at":null`, `"report_by":"`}},
		{name: "report", method: "POST", url: "/api/v1/whistles/1/report", auth: true, status: 200, body: `{"unit":1,"note":"已到场"}`,
			want: []string{`"note":"已到场","late":false`, `"status":"waiting"`}},
		{name: "report twice", method: "POST", url: "/api/v1/whistles/1/report", auth: true, status: 409, body: `{"unit":1}`},
		{name: "report by a unit not called", method: "POST", url: "/api/v1/whistles/1/report", auth: true, status: 400,
			body: `{"unit":3}`, want: []string{`"unit"`, `not called`}},
		{name: "report to an unknown whistle", method: "POST", url: "/api/v1/whistles/9/report", auth: true, status: 404, body: `{"unit":1}`},
		{name: "report without a unit", method: "POST", url: "/api/v1/whistles/1/report", auth: true, status: 400, body: `{}`,
			want: []string{`"unit"`}},
		{name: "second report", method: "POST", url: "/api/v1/whistles/1/report", auth: true, status: 200, body: `{"unit":2}`,
			want: []string{`"status":"reported"`}},
		{name: "rate a unit not called", method: "POST", url: "/api/v1/whistles/1/rate", auth: true, status: 400,
			body: `{"ratings":[{"unit":1,"score":5},{"unit":3,"score":4}]}`, want: []string{`"ratings[1].unit"`}},
		{name: "rate out of range", method: "POST", url: "/api/v1/whistles/1/rate", auth: true, status: 400,
			body: `{"ratings":[{"unit":1,"score":6}]}`, want: []string{`"ratings[0].score"`}},
		{name: "rate", method: "POST", url: "/api/v1/whistles/1/rate", auth: true, status: 200,
			body: `{"ratings":[{"unit":1,"score":5,"comment":"到场及时"},{"unit":2,"score":4}]}`,
			want: []string{`"status":"rated"`, `"score":5,"comment":"到场及时"`}},
		{name: "rate again", method: "POST", url: "/api/v1/whistles/1/rate", auth: true, status: 409,
			body: `{"ratings":[{"unit":1,"score":3}]}`},
		{name: "whistles by unit", method: "GET", auth: true, url: "/api/v1/whistles?unit=2", status: 200, want: []string{`"total":1`}},
		{name: "whistles by town", method: "GET", auth: true, url: "/api/v1/whistles?town=370812001", status: 200, want: []string{`"total":1`}},
		{name: "whistles by status", method: "GET", auth: true, url: "/api/v1/whistles?status=waiting", status: 200, want: []string{`"total":0`}},
		{name: "whistles overdue", method: "GET", auth: true, url: "/api/v1/whistles?overdue=true", status: 200, want: []string{`"total":0`}},
		{name: "whistles in a period", method: "GET", auth: true, url: "/api/v1/whistles?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z", status: 200, want: []string{`"total":0`}},
		{name: "ranking", method: "GET", auth: true, url: "/api/v1/whistles/ranking", status: 200,
			want: []string{`"rows":[{"unit":1,"name":"区水务局","called":1,"on_time":1,"late":0,"overdue":0,"waiting":0,"rated":1,"score_sum":5,"mean_score":5,"on_time_rate":1,"rank":1}`,
				`{"unit":2,"name":"区公安分局","called":1,"on_time":1,"late":0,"overdue":0,"waiting":0,"rated":1,"score_sum":4,"mean_score":4,"on_time_rate":1,"rank":2}`,
				`"from":null`}},
		{name: "ranking of an empty period", method: "GET", auth: true, url: "/api/v1/whistles/ranking?from=2000-01-01T00:00:00%2B08:00&to=2000-02-01T00:00:00%2B08:00",
			status: 200, want: []string{`"rows":[]`, `"from":"2000-01-01T00:00:00+08:00"`}},
		{name: "ranking: to before from", method: "GET", auth: true, url: "/api/v1/whistles/ranking?from=2000-02-01T00:00:00Z&to=2000-01-01T00:00:00Z",
			status: 400, want: []string{`"to"`}},
		{name: "ranking: a bad time", method: "GET", auth: true, url: "/api/v1/whistles/ranking?from=yesterday", status: 400, want: []string{`"from"`}},
		{name: "ranking: unknown parameter", method: "GET", auth: true, url: "/api/v1/whistles/ranking?by=town", status: 400},
		{name: "ranking needs the token", method: "GET", url: "/api/v1/whistles/ranking", status: 401},
		{name: "whistles: unknown status", method: "GET", auth: true, url: "/api/v1/whistles?status=loud", status: 400, want: []string{`"status"`}},
		{name: "whistle view", method: "GET", auth: true, url: "/api/v1/whistles/1", status: 200, want: []string{`"ticket_number":"370812-`}},
		{name: "the case's timeline", method: "GET", auth: true, url: "/api/v1/tickets/1", status: 200,
			want: []string{`"action":"whistle"`, `"action":"whistle_report"`, `"action":"whistle_rate"`}},

		{name: "close case 3", method: "POST", url: "/api/v1/tickets/3/actions/self_handle", auth: true, status: 200,
			body: handled, ctype: handledType},
		{name: "file case 1", method: "POST", url: "/api/v1/tickets/1/actions/file", auth: true, status: 200},
		{name: "meeting", method: "POST", url: "/api/v1/meetings", auth: true, status: 201,
			body: `{"held_at":"2026-03-10T09:00:00+08:00","topic":"路灯积案协调","place":"区指挥中心会议室","chair":"张主任","attendee_units":[1,2,3],` +
				`"attendees":["李四（城管局科长）"],` +
				`"items":[{"ticket_id":1,"lead_unit":3,"co_units":[1],"plan":"城管局牵头更换灯具，水务局配合","deadline":"2099-01-01T09:00:00+08:00","dispatch":true}]}`,
			want: []string{`"id":1`, `"attendee_units":[1,2,3]`, `"ticket_number":"370812-`, `"co_units":[1]`, `"topic":"路灯积案协调"`,
				`"attendees":["李四（城管局科长）"]`, `"ticket_status":"dispatched"`}},
		{name: "meeting: an attendee named twice", method: "POST", url: "/api/v1/meetings", auth: true, status: 400,
			body: `{"held_at":"2026-03-10T09:00:00+08:00","place":"会议室","chair":"张主任","attendees":["李四","李四"],"items":[{"ticket_id":1,"lead_unit":1,"plan":"x"}]}`,
			want: []string{`"attendees[1]"`}},
		// The refusals come after the meeting: on PostgreSQL a refused
		// meeting still uses up an id.
		{name: "meeting: a closed case", method: "POST", url: "/api/v1/meetings", auth: true, status: 409,
			body: `{"held_at":"2026-03-10T09:00:00+08:00","place":"会议室","chair":"张主任","items":[{"ticket_id":3,"lead_unit":1,"plan":"x"}]}`,
			want: []string{`"items[0].ticket_id"`}},
		{name: "meeting: unknown co-unit", method: "POST", url: "/api/v1/meetings", auth: true, status: 400,
			body: `{"held_at":"2026-03-10T09:00:00+08:00","place":"会议室","chair":"张主任","items":[{"ticket_id":1,"lead_unit":1,"co_units":[2,99],"plan":"x"}]}`,
			want: []string{`"items[0].co_units[1]"`}},
		{name: "meeting: lead among co-units", method: "POST", url: "/api/v1/meetings", auth: true, status: 400,
			body: `{"held_at":"2026-03-10T09:00:00+08:00","place":"会议室","chair":"张主任","items":[{"ticket_id":1,"lead_unit":1,"co_units":[1],"plan":"x"}]}`,
			want: []string{`"items[0].co_units[0]"`}},
		{name: "meeting: deadline before the meeting", method: "POST", url: "/api/v1/meetings", auth: true, status: 400,
			body: `{"held_at":"2026-03-10T09:00:00+08:00","place":"会议室","chair":"张主任","items":[{"ticket_id":1,"lead_unit":1,"plan":"x","deadline":"2026-03-01T09:00:00+08:00"}]}`,
			want: []string{`"items[0].deadline"`}},
		{name: "meeting: no items", method: "POST", url: "/api/v1/meetings", auth: true, status: 400,
			body: `{"held_at":"2026-03-10T09:00:00+08:00","place":"会议室","chair":"张主任","items":[]}`, want: []string{`"items"`}},
		{name: "meeting: no time", method: "POST", url: "/api/v1/meetings", auth: true, status: 400,
			body: `{"place":"会议室","chair":"张主任","items":[{"ticket_id":1,"lead_unit":1,"plan":"x"}]}`, want: []string{`"held_at"`}},
		{name: "the meeting dispatched case 1", method: "GET", auth: true, url: "/api/v1/tickets/1", status: 200,
			want: []string{`"status":"dispatched"`, `"lead_unit_id":3`, `"action":"meeting"`}},
		{name: "meetings of case 1", method: "GET", auth: true, url: "/api/v1/meetings?ticket=1", status: 200, want: []string{`"total":1`}},
		{name: "meetings in a period", method: "GET", auth: true, url: "/api/v1/meetings?from=2026-03-11T00:00:00Z", status: 200, want: []string{`"total":0`}},
		{name: "meeting view", method: "GET", auth: true, url: "/api/v1/meetings/1", status: 200, want: []string{`"chair":"张主任"`, `"topic":"路灯积案协调"`, `"ticket_status":"dispatched"`}},
		{name: "unknown meeting", method: "GET", auth: true, url: "/api/v1/meetings/9", status: 404},
	})
}

// FuzzWhistleMeetingBodies sends arbitrary bodies to the whistle and
// meeting endpoints and arbitrary queries to their lists, over a server
// holding a case, a whistle and three units, so bodies that parse reach
// the store: bad input must be a 4xx, never a 500.
func FuzzWhistleMeetingBodies(f *testing.F) {
	s, ts := newServer(f)
	h := s.Handler()
	for _, sc := range []scenario{
		{method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"区水务局"}`},
		{method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"区公安分局"}`},
		{method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"区城管局"}`},
		{method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"hotline","text":"路灯不亮","category":"0115","lon":116.805,"lat":35.555}`},
		{method: "POST", url: "/api/v1/tickets/1/whistles", auth: true, status: 201, body: `{"units":[1,2],"reason":"x"}`},
	} {
		req, _ := http.NewRequest(sc.method, ts.URL+sc.url, strings.NewReader(sc.body))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			f.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != sc.status {
			f.Fatalf("setup %s %s: %d", sc.method, sc.url, res.StatusCode)
		}
	}
	f.Add(0, `{"units":[1,2,3],"reason":"联合处置"}`, "status=waiting&unit=1")
	f.Add(1, `{"unit":1,"note":"到场"}`, "town=370812001")
	f.Add(2, `{"ratings":[{"unit":1,"score":5,"comment":"好"},{"unit":2,"score":0}]}`, "ticket=1")
	f.Add(3, `{"held_at":"2026-03-10T09:00:00+08:00","place":"会议室","chair":"张","attendee_units":[1,2],"items":[{"ticket_id":1,"lead_unit":3,"co_units":[1],"plan":"p","deadline":"2099-01-01T00:00:00Z","dispatch":true}]}`, "from=2026-01-01T00:00:00Z&limit=5")
	f.Add(3, `{"held_at":"0001-01-01T00:00:00Z","items":[{"ticket_id":-1,"lead_unit":9223372036854775807,"co_units":[0,0]}]}`, "offset=-1")
	f.Add(0, `{"units":[9223372036854775807,-1],"reason":"`+strings.Repeat("哨", 2001)+`"}`, "unit=x")
	f.Fuzz(func(t *testing.T, target int, body, rawQuery string) {
		if _, err := url.ParseQuery(rawQuery); err != nil {
			return
		}
		defer checkBounds(t, time.Now())
		writes := []string{"/api/v1/tickets/1/whistles", "/api/v1/whistles/1/report", "/api/v1/whistles/1/rate", "/api/v1/meetings"}
		reads := []string{"/api/v1/whistles", "/api/v1/meetings", "/api/v1/tickets/1/duplicates", "/api/v1/whistles/1"}
		if target < 0 {
			target = -target
		}
		w := httptest.NewRecorder()
		req := httptest.NewRequest("POST", writes[target%len(writes)], strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("POST %s with %q: %d %s", req.URL.Path, body, w.Code, w.Body)
		}
		w = httptest.NewRecorder()
		req = httptest.NewRequest("GET", reads[target%len(reads)], nil)
		req.URL.RawQuery = rawQuery
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("GET %s: %d %s", req.URL, w.Code, w.Body)
		}
	})
}
