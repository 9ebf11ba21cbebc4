package http_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
	glhttp "github.com/gridline/gridline/http"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/webhook"
)

// platform is a stand-in 12345 platform: it fails, times out or accepts,
// as the test says, and keeps what it accepted.
type platform struct {
	mu       sync.Mutex
	mode     string // "fail", "hang", "accept"
	secret   string
	tries    int
	accepted []string          // bodies, in order
	ids      map[string]int    // delivery id → times accepted
	bad      []string          // signatures that did not check
	headers  map[string]string // of the last accepted request
}

func (p *platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	mode := p.mode
	p.tries++
	p.mu.Unlock()
	switch mode {
	case "fail":
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return
	case "hang":
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if got := r.Header.Get(gridline.WebhookSignatureHeader); got != gridline.WebhookSignature(p.secret, body) {
		p.bad = append(p.bad, got)
	}
	id := r.Header.Get(gridline.WebhookDeliveryHeader)
	p.ids[id]++
	p.accepted = append(p.accepted, string(body))
	w.WriteHeader(http.StatusNoContent)
}

func (p *platform) set(mode string) {
	p.mu.Lock()
	p.mode = mode
	p.mu.Unlock()
}

// TestWebhookOutbox sends status changes back to a stand-in platform that
// fails, then times out, then accepts: every change arrives, signed, once
// it accepts; none twice after success; a new worker (a restart) goes on
// from the database; a delivery claimed by a worker that died is sent
// when its lease runs out.
func TestWebhookOutbox(t *testing.T) {
	ts, db, now := clockedServer(t, glhttp.Limits{AnonRate: -1}, nil)
	p := &platform{mode: "fail", secret: "s3cret-of-the-platform", ids: map[string]int{}}
	stand := httptest.NewServer(p)
	t.Cleanup(stand.Close)
	svcs := sqlstore.NewServices(db, nil)
	ext := roleToken(t, svcs, "platform", gridline.Grant{Role: gridline.RoleExternal})
	command := roleToken(t, svcs, "command", gridline.Grant{Role: gridline.RoleCommand, Region: "370812"})
	hooks := sqlstore.NewWebhookService(db)
	newWorker := func() *webhook.Worker { return &webhook.Worker{Webhooks: hooks, Timeout: 300 * time.Millisecond} }
	ctx := context.Background()

	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "unit", method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"区住建局"}`},
		{name: "subscriber: bad url", method: "POST", url: "/api/v1/webhooks", auth: true, status: 400,
			body: `{"name":"12345","url":"ftp://x","secret":"0123456789abcdef"}`, want: []string{`"url"`}},
		{name: "subscriber: short secret", method: "POST", url: "/api/v1/webhooks", auth: true, status: 400,
			body: `{"name":"12345","url":"` + stand.URL + `","secret":"short"}`, want: []string{`"secret"`}},
		{name: "subscriber", method: "POST", url: "/api/v1/webhooks", auth: true, status: 201,
			body: `{"name":"省12345平台","url":"` + stand.URL + `","secret":"` + p.secret + `","channels":["hotline"]}`,
			want: []string{`"id":1`, `"channels":["hotline"]`, `"active":true`}, notWant: []string{p.secret}},
		{name: "subscribers are the admin's", method: "GET", url: "/api/v1/webhooks", status: 401},
	})
	res, body := call(t, "GET", ts.URL+"/api/v1/webhooks", "", "Authorization", "Bearer "+command)
	if res.StatusCode != 403 {
		t.Errorf("command centre lists subscribers: %d %s", res.StatusCode, body)
	}
	push := func(ext, id string) {
		t.Helper()
		res, body := call(t, "POST", ts.URL+"/api/v1/inbound/12345", `{"external_id":"`+id+`","reported_at":"2026-03-02 08:00",`+
			`"text":"路灯不亮","address":"韦园社区","category":"路灯","lon":116.805,"lat":35.555,"reporter_phone":"13812345678"}`,
			"Authorization", "Bearer "+ext)
		if res.StatusCode != 201 {
			t.Fatalf("push %s: %d %s", id, res.StatusCode, body)
		}
	}
	push(ext, "SD1")
	runScenarios(t, ts.URL, []scenario{
		{name: "a case of our own (no external number)", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"hotline","text":"路灯不亮","lon":116.805,"lat":35.555}`},
		{name: "file", method: "POST", url: "/api/v1/tickets/1/actions/file", auth: true, status: 200},
		{name: "dispatch", method: "POST", url: "/api/v1/tickets/1/actions/dispatch", auth: true, status: 200,
			body: `{"lead_unit":1,"deadline":"2099-01-01T09:00:00+08:00","opinion":"已派区住建局办理","note":"内部备注"}`},
		{name: "file ours", method: "POST", url: "/api/v1/tickets/2/actions/file", auth: true, status: 200},
		{name: "urging changes no status", method: "POST", url: "/api/v1/tickets/1/actions/urge", auth: true, status: 200},
		{name: "two deliveries pending", method: "GET", url: "/api/v1/webhooks", auth: true, status: 200,
			want: []string{`"pending":2,"failed":0`}, notWant: []string{p.secret}},
	})

	step := func(name string, wantOK int) {
		t.Helper()
		n, err := newWorker().RunOnce(ctx)
		if err != nil || n != wantOK {
			t.Fatalf("%s: %d accepted, %v; want %d", name, n, err, wantOK)
		}
	}
	step("the platform fails", 0)
	step("not due again yet", 0)
	if p.tries != 1 {
		t.Errorf("tries after a failure and a pass with nothing due: %d, want 1 (the case's first change only)", p.tries)
	}
	*now = now.Add(6 * time.Second)
	p.set("hang")
	step("the platform times out", 0)
	*now = now.Add(11 * time.Second)
	p.set("accept")
	step("a new worker, the platform accepts the case's first change", 1)
	step("then its second", 1)
	step("nothing left", 0)
	*now = now.Add(2 * time.Hour)
	step("nothing sent twice", 0)
	if len(p.accepted) != 2 || len(p.bad) > 0 {
		t.Fatalf("accepted %d, bad signatures %v", len(p.accepted), p.bad)
	}
	for id, n := range p.ids {
		if n != 1 {
			t.Errorf("delivery %s accepted %d times", id, n)
		}
	}
	var first gridline.WebhookStatusBody
	json.Unmarshal([]byte(p.accepted[0]), &first)
	if first.ExternalID != "SD1" || first.Status != gridline.StatusFiled || first.From != gridline.StatusReceived {
		t.Errorf("first body: %s", p.accepted[0])
	}
	if !strings.Contains(p.accepted[1], `"status":"dispatched"`) || !strings.Contains(p.accepted[1], `"opinion":"已派区住建局办理"`) {
		t.Errorf("second body: %s", p.accepted[1])
	}
	for _, b := range p.accepted {
		if strings.Contains(b, "内部备注") || strings.Contains(b, "13812345678") {
			t.Errorf("a body carries internal or personal data: %s", b)
		}
	}

	// A worker that claims a delivery and dies: the lease holds it, then
	// another sends it.
	runScenarios(t, ts.URL, []scenario{
		{name: "sign", method: "POST", url: "/api/v1/tickets/1/actions/sign", auth: true, status: 200},
	})
	claimed, err := hooks.ClaimWebhookDeliveries(ctx, 10, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	step("leased to a worker that died", 0)
	*now = now.Add(2 * time.Minute)
	step("the lease ran out", 1)
	if len(p.accepted) != 3 || !strings.Contains(p.accepted[2], `"status":"handling"`) {
		t.Errorf("after the lease: %v", p.accepted)
	}
	runScenarios(t, ts.URL, []scenario{
		{name: "deliveries", method: "GET", url: "/api/v1/webhooks/1/deliveries", auth: true, status: 200,
			want: []string{`"status":"delivered","attempts":3`, `"status":"delivered","attempts":1`}, notWant: []string{p.secret}},
		{name: "deliveries: bad limit", method: "GET", url: "/api/v1/webhooks/1/deliveries?limit=0", auth: true, status: 400},
		{name: "deactivate", method: "DELETE", url: "/api/v1/webhooks/1", auth: true, status: 204},
		{name: "deactivate unknown", method: "DELETE", url: "/api/v1/webhooks/9", auth: true, status: 404},
		{name: "reply after deactivation", method: "POST", url: "/api/v1/tickets/1/actions/reply", auth: true, status: 200,
			body: `{"opinion":"已修复"}`},
		{name: "nothing queued for an inactive subscriber", method: "GET", url: "/api/v1/webhooks", auth: true, status: 200,
			want: []string{`"active":false,"pending":0,"failed":0`}},
	})

	// Given up after WebhookMaxAttempts.
	if d := gridline.WebhookBackoff(1); d != 5*time.Second {
		t.Errorf("backoff 1: %v", d)
	}
	if d := gridline.WebhookBackoff(30); d != time.Hour {
		t.Errorf("backoff 30: %v", d)
	}
}

// TestWebhookMergedHearTheMaster merges a case pushed by the 12345
// platform into a case of our own and takes the master to its reply: the
// platform hears of the merge, then of the master's reply on its own
// case's number, with the master's number and status.
func TestWebhookMergedHearTheMaster(t *testing.T) {
	ts, db, _ := clockedServer(t, glhttp.Limits{AnonRate: -1}, nil)
	p := &platform{mode: "accept", secret: "s3cret-of-the-platform", ids: map[string]int{}}
	stand := httptest.NewServer(p)
	t.Cleanup(stand.Close)
	svcs := sqlstore.NewServices(db, nil)
	ext := roleToken(t, svcs, "platform", gridline.Grant{Role: gridline.RoleExternal})
	hooks := sqlstore.NewWebhookService(db)
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "unit", method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"department","name":"区住建局"}`},
		{name: "subscriber", method: "POST", url: "/api/v1/webhooks", auth: true, status: 201,
			body: `{"name":"省12345平台","url":"` + stand.URL + `","secret":"` + p.secret + `","channels":["hotline"]}`},
		{name: "the master, ours", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"grid_patrol","text":"韦园社区门口路灯不亮","lon":116.805,"lat":35.555}`},
	})
	res, body := call(t, "POST", ts.URL+"/api/v1/inbound/12345", `{"external_id":"SD9","reported_at":"2026-03-02 08:00",`+
		`"text":"来电反映韦园社区门口路灯坏了","address":"韦园社区","category":"路灯","lon":116.805,"lat":35.555}`,
		"Authorization", "Bearer "+ext)
	if res.StatusCode != 201 {
		t.Fatalf("push: %d %s", res.StatusCode, body)
	}
	runScenarios(t, ts.URL, []scenario{
		{name: "merge the call into the master", method: "POST", url: "/api/v1/tickets/2/actions/merge", auth: true, status: 200,
			body: `{"into":1}`},
		{name: "file", method: "POST", url: "/api/v1/tickets/1/actions/file", auth: true, status: 200},
		{name: "dispatch", method: "POST", url: "/api/v1/tickets/1/actions/dispatch", auth: true, status: 200,
			body: `{"lead_unit":1,"deadline":"2099-01-01T09:00:00+08:00"}`},
		{name: "sign", method: "POST", url: "/api/v1/tickets/1/actions/sign", auth: true, status: 200},
		{name: "reply", method: "POST", url: "/api/v1/tickets/1/actions/reply", auth: true, status: 200,
			body: `{"opinion":"已更换灯具，路灯恢复照明","note":"内部备注"}`},
	})
	w := &webhook.Worker{Webhooks: hooks, Timeout: time.Second}
	for i := 0; i < 4; i++ {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(p.accepted) != 2 {
		t.Fatalf("the platform heard %d changes, want 2 (the merge, the master's reply): %q", len(p.accepted), p.accepted)
	}
	var merge, reply gridline.WebhookStatusBody
	json.Unmarshal([]byte(p.accepted[0]), &merge)
	json.Unmarshal([]byte(p.accepted[1]), &reply)
	if merge.ExternalID != "SD9" || merge.Status != gridline.StatusMerged || merge.Action != gridline.ActionMerge {
		t.Errorf("first body: %s", p.accepted[0])
	}
	if reply.ExternalID != "SD9" || reply.Action != gridline.ActionMasterReply || reply.Status != gridline.StatusMerged ||
		reply.MasterStatus != gridline.StatusVerifying || reply.Master == "" || reply.Opinion != "已更换灯具，路灯恢复照明" {
		t.Errorf("the relayed reply: %s", p.accepted[1])
	}
	if strings.Contains(p.accepted[1], "内部备注") || len(p.bad) > 0 {
		t.Errorf("internal note or a bad signature: %s %v", p.accepted[1], p.bad)
	}
}
