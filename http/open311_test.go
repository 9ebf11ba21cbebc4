package http_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	glhttp "github.com/gridline/gridline/http"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

const formType = "application/x-www-form-urlencoded"

// form encodes Open311 POST fields.
func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// TestOpen311 drives GeoReport v2 as a 311 app does — discovery, the
// services, posting requests with an external system's key, following
// them through the loop — and sends it the bad input the spec names:
// unknown service codes, no location, bad keys, bad dates; every error in
// the spec's shape. The demo's key "demo" works the same way.
func TestOpen311(t *testing.T) {
	db := storetest.Open(t)
	s := serverOver(t, db, glhttp.Limits{AnonRate: -1}, nil)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	ext := roleToken(t, s.Services, "platform", gridline.Grant{Role: gridline.RoleExternal})
	// The demo's well-known key, as `gridline demo` creates it.
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "test"})
	u := &gridline.User{Username: "external", Name: "12345热线平台", Grants: []gridline.Grant{{Role: gridline.RoleExternal}}}
	if err := s.Users.CreateUser(ctx, u, adminPassword); err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.NewAuthService(db).CreateDemoToken(ctx, &gridline.APIToken{UserID: u.ID, Name: "demo key"}, demo.Open311Key); err != nil {
		t.Fatal(err)
	}

	lamp := []string{"service_code", "0115", "lat", "35.5550", "long", "116.8050",
		"description", "龙城花园小区门口路灯不亮了，晚上出行很不方便。", "first_name", "三", "last_name", "张",
		"phone", "13812345678", "email", "zhang@example.com", "media_url", "https://img.example.com/lamp.jpg",
		"attribute[lamp_state]", "dark", "attribute[lamp_count]", "2", "device_id", "abc"}
	// post is the lamp request with fields set or replaced.
	post := func(extra ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(lamp); i += 2 {
			v.Set(lamp[i], lamp[i+1])
		}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v.Encode()
	}
	personal := []string{"13812345678", "张三", "zhang@example.com", "1381234", "reporter"}
	spec := `[{"code":400,"description":"`

	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "unit", method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"区住建局"}`},

		{name: "discovery", method: "GET", url: "/open311/v2/discovery.json", status: 200,
			want: []string{`"specification":"http://wiki.open311.org/GeoReport_v2"`, `"url":"http://127.0.0.1:`, `/open311/v2"`,
				`"formats":["text/xml","application/json"]`}},
		{name: "discovery in XML", method: "GET", url: "/open311/v2/discovery.xml", status: 200,
			want: []string{`<?xml version="1.0" encoding="UTF-8"?>`, `<discovery><changeset>`, `<endpoints><endpoint><specification>`,
				`<formats><format>text/xml</format><format>application/json</format></formats>`}},
		{name: "services", method: "GET", url: "/open311/v2/services.json", status: 200,
			want:    []string{`"service_code":"0115","service_name":"路灯"`, `"metadata":true,"type":"realtime"`, `"group":"公用设施"`},
			notWant: []string{`"service_code":"01",`}},
		{name: "services in XML", method: "GET", url: "/open311/v2/services.xml", status: 200,
			want: []string{`<services><service><service_code>0101</service_code><service_name>上水井盖</service_name>`, `<metadata>true</metadata>`}},
		{name: "a service with attributes", method: "GET", url: "/open311/v2/services/0115.json", status: 200,
			want: []string{`{"service_code":"0115","attributes":[{"variable":true,"code":"lamp_state","datatype":"singlevaluelist","required":true`,
				`"values":[{"key":"dark","name":"不亮 (out)"}`, `"code":"lamp_count","datatype":"number","required":false`}},
		{name: "a service definition in XML", method: "GET", url: "/open311/v2/services/0101.xml", status: 200,
			want: []string{`<service_definition><service_code>0101</service_code><attributes><attribute><variable>true</variable><code>cover_state</code>`,
				`<values><value><key>missing</key>`}},
		{name: "a service without attributes", method: "GET", url: "/open311/v2/services/0201.json", status: 200,
			want: []string{`{"service_code":"0201","attributes":[]}`}},
		{name: "a main class is no service", method: "GET", url: "/open311/v2/services/01.json", status: 404,
			want: []string{`[{"code":404,"description":"service_code \"01\" is not a service`}},
		{name: "an unknown service, in XML", method: "GET", url: "/open311/v2/services/9999.xml", status: 404,
			want: []string{`<errors><error><code>404</code><description>service_code`}},
		{name: "a service without a format", method: "GET", url: "/open311/v2/services/0115", status: 404,
			want: []string{`[{"code":404,"description":"Add the format`}},
		{name: "no such resource", method: "GET", url: "/open311/v2/nothing.json", status: 404, want: []string{`[{"code":404,`}},
		{name: "services take no filters", method: "GET", url: "/open311/v2/services.json?kind=x", status: 400,
			want: []string{spec + `kind: unknown query parameter`}},

		{name: "post without api_key", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 403,
			body: post(), want: []string{`[{"code":403,"description":"api_key is required`}},
		{name: "post with a bad api_key", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 403,
			body: post("api_key", "glt_nonsense"), want: []string{`[{"code":403,"description":"api_key is not valid.`}},
		{name: "post with a bad api_key, in XML", method: "POST", url: "/open311/v2/requests.xml", ctype: formType, status: 403,
			body: post("api_key", "nope"), want: []string{`<errors><error><code>403</code>`}},
		{name: "post with a token that is not an external system's", method: "POST", url: "/open311/v2/requests.json", ctype: formType,
			status: 403, body: post("api_key", token), want: []string{`not an external system's`}},
		{name: "unknown service_code", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: form("api_key", ext, "service_code", "9999", "lat", "35.555", "long", "116.805", "description", "x"),
			want: []string{spec + `service_code: \"9999\" is not a service`}},
		{name: "no service_code", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: form("api_key", ext, "lat", "35.555", "long", "116.805", "description", "x"), want: []string{spec + `service_code: is required`}},
		{name: "no location", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: form("api_key", ext, "service_code", "0201", "description", "路面有个大坑"), want: []string{spec + `lat: a location is required`}},
		{name: "lat without long", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: form("api_key", ext, "service_code", "0201", "lat", "35.555", "description", "路面有个大坑"), want: []string{spec + `lat: lat and long come together`}},
		{name: "lat not a number", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: form("api_key", ext, "service_code", "0201", "lat", "north", "long", "116.8"), want: []string{spec + `lat: \"north\" is not a number`}},
		{name: "off the Earth", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: form("api_key", ext, "service_code", "0201", "lat", "95", "long", "116.8"), want: []string{spec + `long: lat 95`}},
		{name: "required attribute missing", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: form("api_key", ext, "service_code", "0115", "lat", "35.555", "long", "116.805"),
			want: []string{spec + `attribute[lamp_state]: is required for service 0115`}},
		{name: "attribute value not in its list", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: form("api_key", ext, "service_code", "0115", "lat", "35.555", "long", "116.805", "attribute[lamp_state]", "purple"),
			want: []string{spec + `attribute[lamp_state]: \"purple\" is not one of dark, day`}},
		{name: "attribute the service lacks", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: form("api_key", ext, "service_code", "0201", "lat", "35.555", "long", "116.805", "attribute[colour]", "red"),
			want: []string{spec + `attribute[colour]: service 0201 has no attribute`}},
		{name: "a field twice", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: post("api_key", ext) + "&description=again", want: []string{spec + `description: given 2 times`}},
		{name: "bad email", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: post("api_key", ext, "email", "no-at-sign"), want: []string{spec + `email: is not an email address`}},
		{name: "media_url not http", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: form("api_key", ext, "service_code", "0201", "lat", "35.555", "long", "116.805", "media_url", "file:///etc/passwd"),
			want: []string{spec + `media_url: must be an http or https URL`}},
		{name: "unknown address_id", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 400,
			body: form("api_key", ext, "service_code", "0201", "address_id", "999"), want: []string{spec + `address_id: no standard address 999`}},
		{name: "JSON body", method: "POST", url: "/open311/v2/requests.json", ctype: "application/json", status: 400,
			body: `{"api_key":"x"}`, want: []string{spec + `Send the request as application/x-www-form-urlencoded`}},
		{name: "post", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 200, body: post("api_key", ext),
			want: []string{`[{"service_request_id":"370812-`, `"token":"`, `"service_notice":"办理时限 2 个工作日`, `"account_id":null}]`}},
		{name: "post by address only, in XML", method: "POST", url: "/open311/v2/requests.xml", ctype: formType, status: 200,
			body: form("api_key", ext, "service_code", "0201", "address_string", "兖州区建设东路88号门前", "description", "路面有个大坑"),
			want: []string{`<service_requests><request><service_request_id>370812-`, `<token>`}},
		{name: "post with the demo key", method: "POST", url: "/open311/v2/requests.json", ctype: formType, status: 200,
			body: form("api_key", demo.Open311Key, "service_code", "0101", "lat", "35.556", "long", "116.806",
				"attribute[cover_state]", "missing", "attribute[in_roadway]", "yes"),
			want: []string{`[{"service_request_id":"370812-`}},
		{name: "the case behind it", method: "GET", url: "/api/v1/tickets/1", auth: true, status: 200,
			want: []string{`"channel":"app"`, `"category":"0115"`, `"status":"received"`, `【灯的问题】不亮 (out)`, `【几盏灯】2`,
				`"name":"张三"`, `"actor":"platform"`}, notWant: []string{`zhang@example.com`}},
		{name: "the case of the demo key", method: "GET", url: "/api/v1/tickets/3", auth: true, status: 200,
			want: []string{`【井盖现状】丢失 (missing)`, `【是否在车行道上】是 (yes)`, `"actor":"external"`}},

		{name: "requests", method: "GET", url: "/open311/v2/requests.json", status: 200,
			want: []string{`"status":"open"`, `"service_name":"路灯"`, `"service_code":"0115"`, `"description":"龙城花园小区门口路灯不亮了`,
				`"media_url":"https://img.example.com/lamp.jpg"`, `"lat":35.555,"long":116.805`, `"address":"兖州区建设东路88号门前"`,
				`"lat":null,"long":null`, `+08:00"`, `"expected_datetime":null`},
			notWant: personal},
		{name: "requests in XML", method: "GET", url: "/open311/v2/requests.xml", status: 200,
			want: []string{`<service_requests><request><service_request_id>370812-`, `<status>open</status>`}, notWant: personal},
		{name: "requests: open only", method: "GET", url: "/open311/v2/requests.json?status=open", status: 200, want: []string{`"service_code":"0115"`}},
		{name: "requests: closed only", method: "GET", url: "/open311/v2/requests.json?status=closed", status: 200, want: []string{"[]\n"}},
		{name: "requests: by service", method: "GET", url: "/open311/v2/requests.json?service_code=0201,0101", status: 200,
			want: []string{`"service_code":"0201"`, `"service_code":"0101"`}, notWant: []string{`"service_code":"0115"`}},
		{name: "requests: unknown service_code", method: "GET", url: "/open311/v2/requests.json?service_code=0115,abc", status: 400,
			want: []string{spec + `service_code: \"abc\" is not a service`}},
		{name: "requests: unknown status", method: "GET", url: "/open311/v2/requests.json?status=pending", status: 400,
			want: []string{spec + `status: \"pending\" is not open or closed`}},
		{name: "requests: bad start_date", method: "GET", url: "/open311/v2/requests.json?start_date=yesterday", status: 400,
			want: []string{spec + `start_date: \"yesterday\" is not a w3c date-time`}},
		{name: "requests: date without zone", method: "GET", url: "/open311/v2/requests.json?end_date=2026-11-01T00:00:00", status: 400,
			want: []string{spec + `end_date:`}},
		{name: "requests: end before start", method: "GET", url: "/open311/v2/requests.json?start_date=2026-11-01T00:00:00Z&end_date=2026-10-01T00:00:00Z",
			status: 400, want: []string{spec + `end_date: is before start_date`}},
		{name: "requests: more than 90 days", method: "GET", url: "/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
			status: 400, want: []string{spec + `end_date: at most 90 days after start_date`}},
		{name: "requests: a window in the past", method: "GET", url: "/open311/v2/requests.json?start_date=2020-01-01T00:00:00%2B08:00", status: 200,
			want: []string{"[]\n"}},
		{name: "requests: bad page_size", method: "GET", url: "/open311/v2/requests.json?page_size=5000", status: 400, want: []string{spec + `page_size: must be 1–1000`}},
		{name: "requests: a page", method: "GET", url: "/open311/v2/requests.json?page_size=1&page=2", status: 200,
			want: []string{`"service_code":"0201"`}, notWant: []string{`"service_code":"0101"`, `"service_code":"0115"`}},
		{name: "requests: unknown parameter", method: "GET", url: "/open311/v2/requests.json?q=lamp", status: 400,
			want: []string{spec + `q: unknown query parameter (allowed: service_request_id, service_code, start_date, end_date, status, page, page_size, jurisdiction_id, api_key)`}},
		{name: "requests: api_key and jurisdiction_id are accepted", method: "GET", url: "/open311/v2/requests.json?api_key=x&jurisdiction_id=yanzhou", status: 200},
		{name: "one request: unknown", method: "GET", url: "/open311/v2/requests/370812-20000101-000001.json", status: 404,
			want: []string{`[{"code":404,"description":"No service request`}},
		{name: "one token: unknown, in XML", method: "GET", url: "/open311/v2/tokens/abc.xml", status: 404,
			want: []string{`<errors><error><code>404</code>`}},
	})

	// The first request through the loop: the reply reaches status_notes,
	// the lead unit agency_responsible, the deadline expected_datetime.
	var number, tok string
	{
		res, body := call(t, "GET", ts.URL+"/open311/v2/requests.json?service_code=0115", "")
		if res.StatusCode != 200 {
			t.Fatalf("GET requests: %d %s", res.StatusCode, body)
		}
		var rs []map[string]any
		if err := json.Unmarshal([]byte(body), &rs); err != nil || len(rs) != 1 {
			t.Fatalf("GET requests: %v, %s", err, body)
		}
		number = rs[0]["service_request_id"].(string)
	}
	{
		res, body := call(t, "POST", ts.URL+"/open311/v2/requests.json", post("api_key", ext), "Content-Type", formType)
		if res.StatusCode != 200 {
			t.Fatalf("POST: %d %s", res.StatusCode, body)
		}
		var rs []map[string]any
		if err := json.Unmarshal([]byte(body), &rs); err != nil || len(rs) != 1 {
			t.Fatalf("POST: %v, %s", err, body)
		}
		tok = rs[0]["token"].(string)
	}
	runScenarios(t, ts.URL, []scenario{
		{name: "file", method: "POST", url: "/api/v1/tickets/1/actions/file", auth: true, status: 200},
		{name: "dispatch", method: "POST", url: "/api/v1/tickets/1/actions/dispatch", auth: true, status: 200,
			body: `{"lead_unit":1,"deadline":"2099-01-01T09:00:00+08:00","note":"内部：请尽快"}`},
		{name: "dispatched: agency and expected time", method: "GET", url: "/open311/v2/requests/" + number + ".json", status: 200,
			want:    []string{`"status":"open"`, `"agency_responsible":"区住建局"`, `"expected_datetime":"2099-01-01T09:00:00+08:00"`},
			notWant: []string{`内部`}},
		{name: "sign", method: "POST", url: "/api/v1/tickets/1/actions/sign", auth: true, status: 200},
		{name: "reply", method: "POST", url: "/api/v1/tickets/1/actions/reply", auth: true, status: 200,
			body: `{"opinion":"已更换灯泡，路灯恢复照明。","note":"内部：材料费走维修基金"}`},
		{name: "verify", method: "POST", url: "/api/v1/tickets/1/actions/verify", auth: true, status: 200, body: `{"outcome":"passed"}`},
		{name: "callback", method: "POST", url: "/api/v1/tickets/1/actions/callback", auth: true, status: 200, body: `{"outcome":"satisfied"}`},
		{name: "closed, with the public reply", method: "GET", url: "/open311/v2/requests/" + number + ".xml", status: 200,
			want:    []string{`<status>closed</status><status_notes>已更换灯泡，路灯恢复照明。</status_notes>`, `<agency_responsible>区住建局</agency_responsible>`},
			notWant: append([]string{`内部`}, personal...)},
		{name: "requests: closed only", method: "GET", url: "/open311/v2/requests.json?status=closed", status: 200,
			want: []string{`"service_request_id":"` + number + `"`}},
		{name: "requests: both statuses", method: "GET", url: "/open311/v2/requests.json?status=open,closed&service_request_id=" + number,
			status: 200, want: []string{`"service_request_id":"` + number + `"`}},
		{name: "the token of a later post", method: "GET", url: "/open311/v2/tokens/" + tok + ".json", status: 200,
			want: []string{`[{"service_request_id":"370812-`, `"token":"` + tok + `"`}},
		// A duplicate merged into the closed-loop case is as closed as it.
		{name: "merge the 4th case into the 2nd", method: "POST", url: "/api/v1/tickets/4/actions/merge", auth: true,
			status: 200, body: `{"into":2}`},
		{name: "a merged request follows its master", method: "GET", url: "/open311/v2/tokens/" + tok + ".json", status: 200},
		{name: "the merged request is open while its master is", method: "GET",
			url: "/open311/v2/requests.json?status=open&service_code=0115", status: 200, want: []string{`"service_code":"0115"`}},
		{name: "void the master", method: "POST", url: "/api/v1/tickets/2/actions/void", auth: true, status: 200, body: `{"opinion":"重复上报，已并案处理。"}`},
		{name: "now closed", method: "GET", url: "/open311/v2/requests.json?status=open&service_code=0115", status: 200, want: []string{"[]\n"}},
		{name: "audit", method: "GET", url: "/api/v1/audit?entity=open311_request", auth: true, status: 200, want: []string{`"entity":"open311_request"`}},
	})

	// The XML answers are well-formed XML.
	for _, path := range []string{"discovery.xml", "services.xml", "services/0115.xml", "requests.xml", "requests/" + number + ".xml"} {
		res, err := http.Get(ts.URL + "/open311/v2/" + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if ct := res.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		dec := xml.NewDecoder(strings.NewReader(string(b)))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Errorf("%s: not well-formed XML: %v\n%s", path, err, b)
				break
			}
		}
	}
	_ = time.Now
}
