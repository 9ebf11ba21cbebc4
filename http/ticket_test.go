package http_test

import (
	"strconv"
	"testing"
	"time"
)

// TestTicketAPI takes a case through the loop over HTTP, with the bad
// inputs and refusals a clumsy client sends on the way.
func TestTicketAPI(t *testing.T) {
	_, ts := newServer(t)
	now := time.Now().UTC()
	year := [2]string{now.AddDate(0, -6, 0).Format("2006-01-02T15:04:05Z"), now.AddDate(0, 6, 0).Format("2006-01-02T15:04:05Z")}
	intake := func(ext string, lon, lat float64) string {
		return `{"channel":"hotline","external_id":"` + ext + `","text":"小区门口路灯不亮，晚上很黑","lon":` + ftoa(lon) + `,"lat":` + ftoa(lat) +
			`,"reporter":{"name":"王女士","phone":"13912345678","confidential":true}}`
	}
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "unit", method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"兖州区住房和城乡建设局"}`},
		{name: "intake", method: "POST", url: "/api/v1/tickets", auth: true, status: 201, body: intake("SD-1", 116.805, 35.555),
			want: []string{`"status":"received"`, `"grid_code":"370812001002001"`, `"number":"370812-`, `-000001"`, `"version":1`,
				`"allowed_actions":["file","reject","self_handle","merge","void","check_request"]`, `"duplicates":[]`, `"category_suggestions":[{`, `路灯`}},
		{name: "unknown category", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: `{"channel":"hotline","text":"x","lon":116.805,"lat":35.555,"category":"9999"}`, want: []string{`"category"`}},
		{name: "main class is not a category", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: `{"channel":"hotline","text":"x","lon":116.805,"lat":35.555,"category":"01"}`, want: []string{`main class`}},
		{name: "same external number", method: "POST", url: "/api/v1/tickets", auth: true, status: 200, body: intake("SD-1", 116.805, 35.555),
			want: []string{`"id":1`}},
		{name: "intake needs the token", method: "POST", url: "/api/v1/tickets", status: 401, body: intake("SD-2", 116.805, 35.555)},
		{name: "unknown channel", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: `{"channel":"fax","text":"x","lon":116.8,"lat":35.55}`, want: []string{`"channel"`}},
		{name: "no place", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: `{"channel":"hotline","text":"x"}`, want: []string{`"lon"`}},
		{name: "swapped place", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: `{"channel":"hotline","text":"x","lon":35.55,"lat":116.8}`, want: []string{`looks like [lat, lon]`}},
		{name: "outside every grid is queued", method: "POST", url: "/api/v1/tickets", auth: true, status: 201, body: intake("SD-3", 116.95, 35.70),
			want: []string{`"status":"unlocated"`, `"allowed_actions":["locate","reject","merge","void"]`}},
		{name: "cases need a role", method: "GET", url: "/api/v1/tickets/1", status: 401},
		{name: "shown to who took it in", method: "GET", url: "/api/v1/tickets/1", auth: true, status: 200,
			want: []string{`13912345678`, `王女士`, `"timeline":[{`}},
		{name: "revealed", method: "POST", url: "/api/v1/tickets/1/reveal", auth: true, status: 200,
			want: []string{`"reporter":{"name":"王女士","phone":"13912345678","confidential":true}`}},
		{name: "illegal action", method: "POST", url: "/api/v1/tickets/1/actions/sign", auth: true, status: 409,
			want: []string{`"status":"received"`, `"allowed":"file, reject, self_handle, merge, void, check_request, check_report"`}},
		{name: "unknown action", method: "POST", url: "/api/v1/tickets/1/actions/fly", auth: true, status: 400, want: []string{`"action"`}},
		{name: "stale version", method: "POST", url: "/api/v1/tickets/1/actions/file", auth: true, status: 409, body: `{"version":5}`,
			want: []string{`"version":"1"`}},
		{name: "file", method: "POST", url: "/api/v1/tickets/1/actions/file", auth: true, status: 200, body: `{"version":1}`,
			want: []string{`"status":"filed"`, `"version":2`}},
		{name: "dispatch needs a unit", method: "POST", url: "/api/v1/tickets/1/actions/dispatch", auth: true, status: 400, want: []string{`"lead_unit"`}},
		{name: "dispatch", method: "POST", url: "/api/v1/tickets/1/actions/dispatch", auth: true, status: 200,
			body: `{"lead_unit":1,"deadline":"2099-01-01T09:00:00+08:00"}`, want: []string{`"status":"dispatched"`, `"lead_unit_id":1`, `"deadline":"2099-01-01T01:00:00Z"`}},
		{name: "sign", method: "POST", url: "/api/v1/tickets/1/actions/sign", auth: true, status: 200, want: []string{`"status":"handling"`}},
		{name: "reply", method: "POST", url: "/api/v1/tickets/1/actions/reply", auth: true, status: 200, body: `{"opinion":"已更换灯泡"}`,
			want: []string{`"status":"verifying"`}},
		{name: "verify needs an outcome", method: "POST", url: "/api/v1/tickets/1/actions/verify", auth: true, status: 400, want: []string{`"outcome"`}},
		{name: "verify", method: "POST", url: "/api/v1/tickets/1/actions/verify", auth: true, status: 200, body: `{"outcome":"passed"}`,
			want: []string{`"status":"callback"`}},
		{name: "callback", method: "POST", url: "/api/v1/tickets/1/actions/callback", auth: true, status: 200, body: `{"outcome":"satisfied"}`,
			want: []string{`"status":"closed"`, `"allowed_actions":["reopen"]`, `"opinion":"已更换灯泡"`}},
		{name: "list by status", method: "GET", url: "/api/v1/tickets?status=closed", auth: true, status: 200, want: []string{`"total":1`}},
		{name: "list unlocated", method: "GET", url: "/api/v1/tickets?status=unlocated&q=%E8%B7%AF%E7%81%AF", auth: true, status: 200, want: []string{`"total":1`}},
		{name: "bad status filter", method: "GET", url: "/api/v1/tickets?status=done", auth: true, status: 400, want: []string{`"status"`}},
		{name: "bad time filter", method: "GET", url: "/api/v1/tickets?from=yesterday", auth: true, status: 400, want: []string{`"from"`}},
		{name: "kpis", method: "GET", url: "/api/v1/kpis?from=2020-01-01T00:00:00%2B08:00&to=2099-01-01T00:00:00%2B08:00&by=unit", auth: true, status: 400,
			want: []string{`"to"`}}, // a period of at most three years
		{name: "kpis by unit", method: "GET", url: "/api/v1/kpis?from=" + year[0] + "&to=" + year[1], auth: true, status: 200,
			want: []string{`"by":"unit"`, `"name":"兖州区住房和城乡建设局"`, `"closed":1`, `"satisfied":1`, `"total":{`}},
		{name: "kpis bad grouping", method: "GET", url: "/api/v1/kpis?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&by=colour", auth: true, status: 400, want: []string{`"by"`}},
		{name: "kpis bad weights", method: "GET", url: "/api/v1/kpis?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&weights=1,1,1,1", auth: true, status: 400,
			want: []string{`"fields":{"weights":"the response, resolution and satisfaction weights must add up to 1, got 3"}`}},
		{name: "kpis a bad weight", method: "GET", url: "/api/v1/kpis?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&weights=0.1,0.5,0.4,2", auth: true, status: 400,
			want: []string{`"fields":{"weights":"the basic weight must be between 0 and 1, got 2"}`}},
		{name: "the loop is in the feed", method: "GET", url: "/api/v1/events?entity=ticket", auth: true, status: 200, want: []string{`"total":8`}},
	})
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
