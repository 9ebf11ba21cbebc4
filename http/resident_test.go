package http_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	glhttp "github.com/gridline/gridline/http"
)

// TestResidentAPI: a signed-out resident reports with a photo, follows the
// case with the follow code (wrong codes look like unknown numbers and are
// limited), reads the public reply and not the internal note, rates once;
// the admin sees the phone masked and the rating as the callback; the
// per-phone limit answers 429 with Retry-After and its message.
func TestResidentAPI(t *testing.T) {
	ts, _, _ := clockedServer(t, glhttp.Limits{AnonRate: -1, LoginFailures: 3}, nil)
	base := ts.URL
	runScenarios(t, base, []scenario{{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
		body: fmt.Sprintf(`{"name":"韦园社区第1网格","layer":"comprehensive","community_code":"370812001002","geometry":%s}`, square(116.80, 35.55, 0.01))}})
	jpg, _ := phonePictures(t)
	body, ct := intakeForm(t, formPart{name: "report", contentType: "application/json",
		body: []byte(`{"text":"人行道井盖缺失，晚上很危险","lon":116.805,"lat":35.555,"address":"兖州区建设东路 18 号","phone":"139 1234 5678"}`)}, jpegPart(jpg))
	req, _ := http.NewRequest("POST", base+"/api/v1/public/reports", body)
	req.Header.Set("Content-Type", ct)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var rc gridline.ResidentReceipt
	json.NewDecoder(res.Body).Decode(&rc)
	res.Body.Close()
	if res.StatusCode != 201 || rc.Number == "" || rc.FollowCode == "" || rc.Case.Photos != 1 || rc.Case.Stage != gridline.StageReceived {
		t.Fatalf("report: %d %+v", res.StatusCode, rc)
	}

	// Following: the code in a header or the query; wrong codes are the
	// same 404 as unknown numbers, and after 3 of them the address waits.
	res, b := call(t, "GET", base+"/api/v1/public/cases/"+rc.Number, "", "X-Follow-Code", rc.FollowCode)
	if res.StatusCode != 200 || !strings.Contains(b, `"stage":"received"`) || strings.Contains(b, "1391234") || strings.Contains(b, "5678") {
		t.Fatalf("follow: %d %s", res.StatusCode, b)
	}
	runScenarios(t, base, []scenario{
		{name: "no code", method: "GET", url: "/api/v1/public/cases/" + rc.Number, status: 400, want: []string{`"code"`}},
		{name: "wrong code", method: "GET", url: "/api/v1/public/cases/" + rc.Number + "?code=AAAAAAAAAA", status: 404, want: []string{"No case has this number and follow code"}},
		{name: "unknown number", method: "GET", url: "/api/v1/public/cases/370812-20200101-000001?code=" + rc.FollowCode, status: 404, want: []string{"No case has this number and follow code"}},
		{name: "bad phone", method: "POST", url: "/api/v1/public/reports", body: `{"text":"x","address":"y","phone":"110"}`, status: 400, want: []string{`"phone"`}},
		{name: "no phone", method: "POST", url: "/api/v1/public/reports", body: `{"text":"x","address":"y"}`, status: 400, want: []string{`"phone"`}},
		{name: "unknown door plate", method: "POST", url: "/api/v1/public/reports", body: `{"text":"x","qr":"nope","phone":"13912340000"}`, status: 400, want: []string{`"qr"`}},
		{name: "not rateable yet", method: "POST", url: "/api/v1/public/cases/" + rc.Number + "/rating", body: `{"code":"` + rc.FollowCode + `","satisfaction":"satisfied"}`, status: 409},
		{name: "bad rating", method: "POST", url: "/api/v1/public/cases/" + rc.Number + "/rating", body: `{"code":"` + rc.FollowCode + `","satisfaction":"great"}`, status: 400, want: []string{`"satisfaction"`}},
	})

	// Staff see the case with the phone masked, and handle it.
	res, lb := send(t, "GET", base+"/api/v1/tickets?channel=snap_report", nil, "")
	var list struct {
		Items []struct {
			ID       int64             `json:"id"`
			Reporter gridline.Reporter `json:"reporter"`
		} `json:"items"`
	}
	json.Unmarshal(lb, &list)
	if res.StatusCode != 200 || len(list.Items) != 1 {
		t.Fatalf("list: %d %s", res.StatusCode, lb)
	}
	id := list.Items[0].ID
	if list.Items[0].Reporter.Phone != "139****5678" {
		t.Fatalf("staff see the phone as %q", list.Items[0].Reporter.Phone)
	}
	handled, handledType := photoAction(t, `{"opinion":"已安排补装井盖，感谢您的反映","note":"内部：井盖被盗，已报派出所"}`)
	res, lb = send(t, "POST", fmt.Sprintf("%s/api/v1/tickets/%d/actions/self_handle", base, id), strings.NewReader(handled), handledType)
	if res.StatusCode != 200 {
		t.Fatalf("self_handle: %d %s", res.StatusCode, lb)
	}

	// The resident sees the public reply, never the note, and rates once.
	runScenarios(t, base, []scenario{
		{name: "public reply", method: "GET", url: "/api/v1/public/cases/" + rc.Number + "?code=" + rc.FollowCode, status: 200,
			want: []string{`"stage":"closed"`, "已安排补装井盖", `"rateable":true`}, notWant: []string{"井盖被盗", "派出所", "5678", "admin"}},
		{name: "rate", method: "POST", url: "/api/v1/public/cases/" + rc.Number + "/rating",
			body: `{"code":"` + strings.ToLower(rc.FollowCode) + `","satisfaction":"satisfied","comment":"很快就修好了"}`, status: 200,
			want: []string{`"rateable":false`, `"satisfaction":"satisfied"`}},
		{name: "rate twice", method: "POST", url: "/api/v1/public/cases/" + rc.Number + "/rating",
			body: `{"code":"` + rc.FollowCode + `","satisfaction":"unsatisfied"}`, status: 409, want: []string{"rated already"}},
		{name: "rating on the timeline", method: "GET", url: fmt.Sprintf("/api/v1/tickets/%d", id), auth: true, status: 200,
			want: []string{`"action":"callback","from":"closed","to":"closed","outcome":"satisfied"`, "很快就修好了", "群众（随手拍）"}},
	})

	// The phone's limit: five a day (the server's clock stands still).
	for i := range 4 {
		res, b := call(t, "POST", base+"/api/v1/public/reports",
			fmt.Sprintf(`{"text":"路灯不亮","lon":%.3f,"lat":35.6,"phone":"13912345678"}`, 116.7+0.01*float64(i)))
		if res.StatusCode != 201 {
			t.Fatalf("report %d: %d %s", i+2, res.StatusCode, b)
		}
	}
	res, b = call(t, "POST", base+"/api/v1/public/reports", `{"text":"路灯不亮","lon":116.9,"lat":35.6,"phone":"139-1234-5678"}`)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "86401" || !strings.Contains(b, "该手机号 24 小时内已上报 5 次") ||
		!strings.Contains(b, "This phone number has made 5 reports") {
		t.Fatalf("over the phone's limit: %d %q %s", res.StatusCode, res.Header.Get("Retry-After"), b)
	}

	// A third wrong guess spends the address's budget (3 here): then
	// even the right code waits.
	runScenarios(t, base, []scenario{
		{name: "third wrong code", method: "GET", url: "/api/v1/public/cases/" + rc.Number + "?code=BBBBBBBBBB", status: 404},
		{name: "guessing limited", method: "GET", url: "/api/v1/public/cases/" + rc.Number + "?code=" + rc.FollowCode, status: 429,
			want: []string{"Too many wrong case numbers"}},
	})
}
