package http_test

import (
	"io"
	"testing"
	"time"
)

// TestTicketRefusalsAPI sends the bad input a reviewer tried against the
// loop and intake: each is a 4xx naming the field and the reason, and
// leaves the case as it was.
func TestTicketRefusalsAPI(t *testing.T) {
	_, ts := newServer(t)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	soon := time.Now().Add(2 * time.Minute).UTC().Format(time.RFC3339)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	later := time.Now().AddDate(0, 0, 1).UTC().Format(time.RFC3339)
	intake := func(extra string) string {
		return `{"channel":"hotline","text":"小区门口路灯不亮","lon":116.805,"lat":35.555` + extra + `}`
	}
	handled, handledType := photoAction(t, `{"opinion":"已现场处置"}`)
	badTime, badTimeType := intakeForm(t, formPart{name: "ticket", contentType: "application/json",
		body: []byte(intake(`,"reported_at":"昨天"`))})
	badTimeBody, err := io.ReadAll(badTime)
	if err != nil {
		t.Fatal(err)
	}
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "unit", method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"兖州区住房和城乡建设局"}`},

		// Intake.
		{name: "reported in the future", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`,"reported_at":"` + future + `"`), want: []string{`"reported_at":"` + future + ` is in the future`}},
		{name: "reported a little ahead (a fast clock)", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: intake(`,"reported_at":"` + soon + `"`)},
		{name: "reported_at not a time", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`,"reported_at":"yesterday"`), want: []string{`"reported_at":"\"yesterday\" is not a time: want RFC 3339`}},
		{name: "reported_at a number", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`,"reported_at":20241104`), want: []string{`"reported_at":"20241104 is not a time`}},
		{name: "deadline not a time", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`,"deadline":"2024-11-04 10:00"`), want: []string{`"deadline":"\"2024-11-04 10:00\" is not a time`}},
		{name: "multipart: reported_at not a time", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: string(badTimeBody), ctype: badTimeType, want: []string{`"reported_at":"\"昨天\" is not a time`}},
		{name: "an array, not a case", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: `[` + intake("") + `]`, want: []string{`"message":"request body must be a JSON object, not array"`},
			notWant: []string{`gridline.Ticket`, `"":`}},
		{name: "a string, not a case", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: `"路灯"`, want: []string{`request body must be a JSON object, not string`}},
		{name: "intake", method: "POST", url: "/api/v1/tickets", auth: true, status: 201, body: intake(""),
			want: []string{`"id":2`, `"allowed_actions":["file","reject","self_handle","merge","void","check_request"]`}},

		// Handled on the spot: a photo is required.
		{name: "self_handle without a photo", method: "POST", url: "/api/v1/tickets/2/actions/self_handle", auth: true, status: 400,
			body: `{"opinion":"已现场处置"}`, want: []string{`"photo":"at least one photo is required`}},
		{name: "file", method: "POST", url: "/api/v1/tickets/2/actions/file", auth: true, status: 200},
		{name: "dispatch: deadline not a time", method: "POST", url: "/api/v1/tickets/2/actions/dispatch", auth: true, status: 400,
			body: `{"lead_unit":1,"deadline":"tomorrow"}`, want: []string{`"deadline":"\"tomorrow\" is not a time`}},
		{name: "dispatch: a deadline in the past", method: "POST", url: "/api/v1/tickets/2/actions/dispatch", auth: true, status: 400,
			body: `{"lead_unit":1,"deadline":"` + past + `"}`, want: []string{`"deadline":"` + past + ` is not in the future"`}},
		{name: "dispatch", method: "POST", url: "/api/v1/tickets/2/actions/dispatch", auth: true, status: 200, body: `{"lead_unit":1}`,
			want: []string{`"status":"dispatched"`, `"extend_request"`}, notWant: []string{`"extend_approve"`, `"extend_deny"`}},
		{name: "sign", method: "POST", url: "/api/v1/tickets/2/actions/sign", auth: true, status: 200},

		// Extensions: asked with a reason, decided only while asked.
		{name: "extend_approve with nothing asked", method: "POST", url: "/api/v1/tickets/2/actions/extend_approve", auth: true, status: 409,
			body: `{"deadline":"` + later + `"}`, want: []string{`"action":"case 370812-`, `has no extension request to decide`}},
		{name: "extend_deny with nothing asked", method: "POST", url: "/api/v1/tickets/2/actions/extend_deny", auth: true, status: 409,
			body: `{"opinion":"请按期办结"}`, want: []string{`"action":"case 370812-`}},
		{name: "extend_request without a reason", method: "POST", url: "/api/v1/tickets/2/actions/extend_request", auth: true, status: 400,
			want: []string{`"opinion":"a reason is required for extend_request"`}},
		{name: "extend_request", method: "POST", url: "/api/v1/tickets/2/actions/extend_request", auth: true, status: 200,
			body: `{"opinion":"需采购配件"}`, want: []string{`"allowed_actions":["return","redispatch","extend_approve","extend_deny","defer","reply","urge","supervise","check_request"]`}},
		{name: "extend_request again", method: "POST", url: "/api/v1/tickets/2/actions/extend_request", auth: true, status: 409,
			body: `{"opinion":"再次申请"}`, want: []string{`"action":"an extension of case 370812-`}},
		{name: "extend_approve without a deadline", method: "POST", url: "/api/v1/tickets/2/actions/extend_approve", auth: true, status: 400,
			want: []string{`"deadline":"is required: the extended deadline"`}},
		{name: "extend_approve to the past", method: "POST", url: "/api/v1/tickets/2/actions/extend_approve", auth: true, status: 400,
			body: `{"deadline":"` + past + `"}`, want: []string{`"deadline":"` + past + ` is a deadline in the past`}},
		{name: "defer without a reason", method: "POST", url: "/api/v1/tickets/2/actions/defer", auth: true, status: 400,
			body: `{"opinion":" "}`, want: []string{`"opinion":"a reason is required for defer"`}},
		{name: "defer", method: "POST", url: "/api/v1/tickets/2/actions/defer", auth: true, status: 200, body: `{"note":"等待业主回家"}`},
		{name: "reply without words", method: "POST", url: "/api/v1/tickets/2/actions/reply", auth: true, status: 400,
			body: `{"note":"内部"}`, want: []string{`"opinion":"is required: the reply, what was done"`}},
		{name: "nothing was written", method: "GET", url: "/api/v1/tickets/2", auth: true, status: 200,
			want: []string{`"status":"handling"`, `"version":6`}},

		// A case handled on the spot with its photo.
		{name: "intake 3", method: "POST", url: "/api/v1/tickets", auth: true, status: 201, body: intake(""), want: []string{`"id":3`}},
		{name: "self_handle with a photo", method: "POST", url: "/api/v1/tickets/3/actions/self_handle", auth: true, status: 200,
			body: handled, ctype: handledType, want: []string{`"status":"closed"`}},

		// The list's filters name what does not exist.
		{name: "unknown category filter", method: "GET", url: "/api/v1/tickets?category=9999", auth: true, status: 400,
			want: []string{`"category":"unknown category \"9999\""`}},
		{name: "a main class filters", method: "GET", url: "/api/v1/tickets?category=01", auth: true, status: 200},
		{name: "a sub-class filters", method: "GET", url: "/api/v1/tickets?category=0115", auth: true, status: 200},
		{name: "no such unit", method: "GET", url: "/api/v1/tickets?unit=99999", auth: true, status: 400,
			want: []string{`"unit":"no unit 99999"`}},
		{name: "a unit filters", method: "GET", url: "/api/v1/tickets?unit=1", auth: true, status: 200, want: []string{`"total":1`}},
		// An unlocated case has no grid, community or town: null, not empty.
		{name: "unlocated intake", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"hotline","text":"路灯不亮","lon":116.95,"lat":35.70}`,
			want: []string{`"status":"unlocated"`, `"grid":null,"community":null,"town":null`}},
		{name: "a placed case names them", method: "GET", url: "/api/v1/tickets/3", auth: true, status: 200,
			want: []string{`"grid":{"code":"370812001002001","name":"韦园社区第1网格"}`, `"town":{"code":"370812001","name":"鼓楼街道"}`}},
		{name: "export: unknown category", method: "GET", url: "/api/v1/tickets/export.csv?category=9999", auth: true, status: 400,
			want: []string{`"category"`}},
	})
}
