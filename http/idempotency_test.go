package http_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gridline/gridline"
)

// TestIdempotencyAPI is a phone's offline queue sending its reports and
// actions again: the same key and request get the first answer and write
// nothing, also when the sends arrive at once; the same key with another
// request is 409 naming the header.
func TestIdempotencyAPI(t *testing.T) {
	_, ts := newServer(t)
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
	})
	jpg, _ := phonePictures(t)
	report := func(text string) (*bytes.Reader, string) {
		body, ct := intakeForm(t, formPart{name: "ticket", contentType: "application/json",
			body: []byte(`{"channel":"grid_patrol","text":"` + text + `","lon":116.805,"lat":35.555}`)}, jpegPart(jpg))
		b := new(bytes.Buffer)
		b.ReadFrom(body)
		return bytes.NewReader(b.Bytes()), ct
	}
	count := func(text string) int {
		_, b := send(t, "GET", ts.URL+"/api/v1/tickets?q="+url.QueryEscape(text), nil, "")
		var page struct{ Total int }
		json.Unmarshal(b, &page)
		return page.Total
	}

	body, ct := report("井盖缺失一")
	first, b1 := send(t, "POST", ts.URL+"/api/v1/tickets", body, ct, "Idempotency-Key", "k-1")
	if first.StatusCode != 201 {
		t.Fatalf("first send: %d %s", first.StatusCode, b1)
	}
	body, ct = report("井盖缺失一")
	again, b2 := send(t, "POST", ts.URL+"/api/v1/tickets", body, ct, "Idempotency-Key", "k-1")
	if again.StatusCode != 201 || !bytes.Equal(b1, b2) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry: %d replayed=%q, same body %v", again.StatusCode, again.Header.Get("Idempotent-Replayed"), bytes.Equal(b1, b2))
	}
	if n := count("井盖缺失一"); n != 1 {
		t.Errorf("%d cases after a retry", n)
	}
	body, ct = report("路灯不亮")
	res, b := send(t, "POST", ts.URL+"/api/v1/tickets", body, ct, "Idempotency-Key", "k-1")
	if res.StatusCode != 409 || !strings.Contains(string(b), `"Idempotency-Key":"used for a different request"`) {
		t.Errorf("reused key: %d %s", res.StatusCode, b)
	}
	for _, bad := range []string{"has space", strings.Repeat("x", 101)} {
		body, ct = report("坏的键")
		res, b := send(t, "POST", ts.URL+"/api/v1/tickets", body, ct, "Idempotency-Key", bad)
		if res.StatusCode != 400 || !strings.Contains(string(b), `"Idempotency-Key"`) {
			t.Errorf("key %q: %d %s", bad, res.StatusCode, b)
		}
	}

	// A double submit: the same report sent five times at once.
	var wg sync.WaitGroup
	ids := make([]string, 5)
	codes := make([]int, 5)
	start := make(chan struct{})
	for i := range ids {
		body, ct := report("井盖缺失二")
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, b := send(t, "POST", ts.URL+"/api/v1/tickets", body, ct, "Idempotency-Key", "k-2")
			var got struct {
				Ticket struct{ Number string }
			}
			json.Unmarshal(b, &got)
			ids[i], codes[i] = got.Ticket.Number, res.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	for i := range ids {
		if codes[i] != 201 || ids[i] == "" || ids[i] != ids[0] {
			t.Errorf("send %d: %d %q, first %q", i, codes[i], ids[i], ids[0])
		}
	}
	if n := count("井盖缺失二"); n != 1 {
		t.Errorf("%d cases after a double submit", n)
	}

	// An on-site action with a photo and the place, sent twice.
	var created struct{ Ticket struct{ ID int64 } }
	json.Unmarshal(b1, &created)
	act := func() (*http.Response, []byte) {
		body, ct := intakeForm(t, formPart{name: "action", contentType: "application/json",
			body: []byte(`{"opinion":"已现场处置","lon":116.8052,"lat":35.5551}`)}, jpegPart(jpg))
		return send(t, "POST", ts.URL+"/api/v1/tickets/"+itoa(created.Ticket.ID)+"/actions/self_handle", body, ct, "Idempotency-Key", "k-3")
	}
	r1, a1 := act()
	r2, a2 := act()
	if r1.StatusCode != 200 || r2.StatusCode != 200 || !bytes.Equal(a1, a2) {
		t.Fatalf("action twice: %d %d\n%s\n%s", r1.StatusCode, r2.StatusCode, a1, a2)
	}
	for _, want := range []string{`"status":"closed"`, `"version":2`, `"action":"self_handle"`, `"distance_m":2`, `"event_id":`, `{"n":2,`} {
		if !strings.Contains(string(a1), want) {
			t.Errorf("action answer lacks %s: %s", want, a1)
		}
	}
	if strings.Count(string(a1), `"action":"self_handle"`) != 1 {
		t.Errorf("two self_handle events: %s", a1)
	}
	// Photos go only with on-site actions; a position only with them too.
	form, fct := intakeForm(t, formPart{name: "action", contentType: "application/json", body: []byte(`{}`)}, jpegPart(jpg))
	if res, b := send(t, "POST", ts.URL+"/api/v1/tickets/"+itoa(created.Ticket.ID)+"/actions/reopen", form, fct); res.StatusCode != 400 ||
		!strings.Contains(string(b), `"photo"`) {
		t.Errorf("reopen with a photo: %d %s", res.StatusCode, b)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestCheckTaskAPI asks for an on-site check over HTTP and answers it as
// the grid's worker: the task is in the worker's list while it is open,
// the answer lands in the timeline with the place, and the refusals name
// what is wrong.
func TestCheckTaskAPI(t *testing.T) {
	s, ts := newServer(t)
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "hotline case", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"hotline","text":"来电反映路灯不亮","lon":116.805,"lat":35.555}`,
			want: []string{`"allowed_actions":["file","reject","self_handle","merge","void","check_request"]`}},
		{name: "no report before a request", method: "POST", url: "/api/v1/tickets/1/actions/check_report", auth: true, status: 409,
			body: `{"outcome":"confirmed"}`, want: []string{`No on-site check`}},
		{name: "a request says what to check", method: "POST", url: "/api/v1/tickets/1/actions/check_request", auth: true, status: 400,
			want: []string{`"opinion"`}},
		{name: "request", method: "POST", url: "/api/v1/tickets/1/actions/check_request", auth: true, status: 200,
			body: `{"note":"请现场核实"}`, want: []string{`"status":"received"`, `"action":"check_request"`,
				`"allowed_actions":["file","reject","self_handle","merge","void","check_report"]`}},
		{name: "one open check at a time", method: "POST", url: "/api/v1/tickets/1/actions/check_request", auth: true, status: 409,
			body: `{"note":"again"}`, want: []string{`is asked already`}},
		{name: "bad check filter", method: "GET", url: "/api/v1/tickets?check=closed", auth: true, status: 400, want: []string{`"check"`}},
	})
	worker := roleToken(t, s.Services, "gw", gridline.Grant{Role: gridline.RoleGridWorker, Region: "370812001002001"})
	as := func(method, url, body string, contentType ...string) (int, string) {
		req, _ := http.NewRequest(method, ts.URL+url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+worker)
		if body != "" {
			req.Header.Set("Content-Type", append(contentType, "application/json")[0])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b := new(bytes.Buffer)
		b.ReadFrom(res.Body)
		return res.StatusCode, b.String()
	}
	if code, b := as("GET", "/api/v1/tickets?check=open", ""); code != 200 || !strings.Contains(b, `"total":1`) {
		t.Errorf("worker's open checks: %d %s", code, b)
	}
	if code, b := as("POST", "/api/v1/tickets/1/actions/check_request", `{"note":"x"}`); code != 403 {
		t.Errorf("a grid worker asks for a check: %d %s", code, b)
	}
	if code, b := as("POST", "/api/v1/tickets/1/actions/check_report", `{"note":"无"}`); code != 400 || !strings.Contains(b, `"outcome"`) {
		t.Errorf("an answer without a finding: %d %s", code, b)
	}
	code, b := as("POST", "/api/v1/tickets/1/actions/check_report", `{"outcome":"not_found","note":"现场路灯正常","lon":116.806,"lat":35.555}`)
	if code != 200 || !strings.Contains(b, `"outcome":"not_found"`) || !strings.Contains(b, `"distance_m":90`) || !strings.Contains(b, `"status":"received"`) {
		t.Errorf("answer: %d %s", code, b)
	}
	if code, b := as("GET", "/api/v1/tickets?check=open", ""); code != 200 || !strings.Contains(b, `"total":0`) {
		t.Errorf("open checks after the answer: %d %s", code, b)
	}
}

// TestCreatedByMeAPI lists the caller's own reports (created_by=me), the
// phone app's "my recent reports", each with the actions the caller may
// take on it: a grid worker's own new report offers self_handle.
func TestCreatedByMeAPI(t *testing.T) {
	s, ts := newServer(t)
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "the desk's case", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"hotline","text":"来电反映路灯不亮","lon":116.805,"lat":35.555}`},
		{name: "bad creator", method: "GET", url: "/api/v1/tickets?created_by=someone", auth: true, status: 400,
			want: []string{`"created_by"`}},
	})
	worker := roleToken(t, s.Services, "gw", gridline.Grant{Role: gridline.RoleGridWorker, Region: "370812001002001"})
	as := func(method, url, body string, contentType ...string) (int, string) {
		req, _ := http.NewRequest(method, ts.URL+url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+worker)
		if body != "" {
			req.Header.Set("Content-Type", append(contentType, "application/json")[0])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b := new(bytes.Buffer)
		b.ReadFrom(res.Body)
		return res.StatusCode, b.String()
	}
	if code, b := as("POST", "/api/v1/tickets", `{"channel":"grid_patrol","text":"井盖缺失","lon":116.806,"lat":35.555}`); code != 201 {
		t.Fatalf("worker's report: %d %s", code, b)
	}
	code, b := as("GET", "/api/v1/tickets?created_by=me&open=true", "")
	if code != 200 || !strings.Contains(b, `"total":1`) || !strings.Contains(b, `"text":"井盖缺失"`) ||
		!strings.Contains(b, `"self_handle"`) || strings.Contains(b, `路灯`) {
		t.Errorf("worker's own reports: %d %s", code, b)
	}
	if code, b := as("GET", "/api/v1/tickets", ""); code != 200 || !strings.Contains(b, `"total":2`) {
		t.Errorf("the grid's cases: %d %s", code, b)
	}
	// Handled on the spot needs its photo: without one, a 400 on photo.
	if code, b := as("POST", "/api/v1/tickets/2/actions/self_handle", `{"opinion":"已补装","version":1}`); code != 400 ||
		!strings.Contains(b, `"photo":"at least one photo is required`) {
		t.Fatalf("handle on the spot without a photo: %d %s", code, b)
	}
	handled, handledType := photoAction(t, `{"opinion":"已补装","version":1}`)
	if code, b := as("POST", "/api/v1/tickets/2/actions/self_handle", handled, handledType); code != 200 || !strings.Contains(b, `"status":"closed"`) {
		t.Fatalf("handle on the spot: %d %s", code, b)
	}
	if code, b := as("GET", "/api/v1/tickets?created_by=me&open=true", ""); code != 200 || !strings.Contains(b, `"total":0`) {
		t.Errorf("open reports after handling: %d %s", code, b)
	}
}
