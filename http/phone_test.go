package http_test

import "testing"

// TestPhoneMasked checks a short number (a service line) and a landline
// with extension in every answer that shows people, to every role: only
// the audited reveal shows them whole.
func TestPhoneMasked(t *testing.T) {
	_, ts := newServer(t)
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","layer":"party","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "local number without area code refused", method: "POST", url: "/api/v1/people", auth: true, status: 400,
			body: `{"name":"王芳","phone":"5551234","team":"grid_worker"}`, want: []string{`"phone"`, `*****34`}, notWant: []string{`5551234`}},
		{name: "landline", method: "POST", url: "/api/v1/people", auth: true, status: 201,
			body: `{"name":"张伟","phone":"0537-3412345-801","team":"grid_worker","region_code":"370812001002"}`},
		{name: "service number", method: "POST", url: "/api/v1/people", auth: true, status: 201,
			body: `{"name":"李娜","phone":"12345","team":"grid_worker","region_code":"370812001002"}`},
		{name: "assign 1", method: "POST", url: "/api/v1/assignments", auth: true, status: 201,
			body: `{"person_id":1,"target":"grid","target_id":1,"role":"grid_leader"}`},
		{name: "assign 2", method: "POST", url: "/api/v1/assignments", auth: true, status: 201,
			body: `{"person_id":2,"target":"grid","target_id":1,"role":"member"}`},
		{name: "person", method: "GET", url: "/api/v1/people/1", auth: true, status: 200,
			want: []string{`"phone":"****-******5-801"`}, notWant: []string{`0537-3412345`}},
		{name: "short person", method: "GET", url: "/api/v1/people/2", auth: true, status: 200,
			want: []string{`"phone":"****5"`}, notWant: []string{`"phone":"12345"`}},
		{name: "list by grid", method: "GET", url: "/api/v1/people?grid=370812001002001", auth: true, status: 200,
			want: []string{`"total":2`, `"phone":"****-******5-801"`, `"phone":"****5"`}, notWant: []string{`0537-3412345`, `"phone":"12345"`}},
		{name: "grid workers", method: "GET", url: "/api/v1/grids/370812001002001", status: 200,
			want: []string{`"phone":"****-******5-801"`, `"phone":"****5"`}, notWant: []string{`0537-3412345`, `"phone":"12345"`}},
		{name: "revealed", method: "POST", url: "/api/v1/people/2/reveal", auth: true, status: 200,
			want: []string{`"phone":"12345"`}},
	})
}
