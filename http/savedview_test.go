package http_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	glhttp "github.com/gridline/gridline/http"
)

// TestSavedViewAPI: a user saves, lists and deletes their own views on the
// case list; bad names and queries are 400 naming the field, a taken name
// 409 naming it, another user's view 404, and anonymous callers 401.
func TestSavedViewAPI(t *testing.T) {
	ts, _, _ := clockedServer(t, glhttp.Limits{AnonRate: -1}, nil)
	addUser(t, ts.URL, `{"username":"li","name":"李娜","password":"li password","grants":[{"role":"street","region":"370812001"}]}`)
	addUser(t, ts.URL, `{"username":"wang","name":"王芳","password":"wang password","grants":[{"role":"leader","region":"370812"}]}`)
	li, wang := logIn(t, ts.URL, "li", "li password"), logIn(t, ts.URL, "wang", "wang password")
	views := ts.URL + "/api/v1/me/views"

	res, body := call(t, "POST", views, `{"page":"tickets","name":"鼓楼红牌","query":{"town":"370812001","warning":"red"}}`, li.withCSRF()...)
	if res.StatusCode != 201 || !strings.Contains(body, `"name":"鼓楼红牌"`) || !strings.Contains(body, `"warning":"red"`) {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	var v struct{ ID int64 }
	json.Unmarshal([]byte(body), &v)

	for _, tt := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"empty name", `{"page":"tickets","name":" ","query":{}}`, 400, `"fields":{"name":"is required"}`},
		{"long name", `{"page":"tickets","name":"` + strings.Repeat("长", 41) + `"}`, 400, `"name":"is 41 characters long; at most 40 are allowed"`},
		{"taken name", `{"page":"tickets","name":"鼓楼红牌"}`, 409, `"fields":{"name":`},
		{"unknown page", `{"page":"grids","name":"x"}`, 400, `"fields":{"page":`},
		{"big query", `{"page":"tickets","name":"x","query":{"q":"` + strings.Repeat("a", 3000) + `"}}`, 400, `"fields":{"query":`},
		{"query not strings", `{"page":"tickets","name":"x","query":{"overdue":true}}`, 400, `"fields":{"query":"must be string, got bool"}`},
		{"unknown field", `{"page":"tickets","name":"x","filters":{}}`, 400, `filters`},
	} {
		if res, body := call(t, "POST", views, tt.body, li.withCSRF()...); res.StatusCode != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want %d with %s", tt.name, res.StatusCode, body, tt.status, tt.want)
		}
	}
	if res, _ := call(t, "POST", views, `{"page":"tickets","name":"no csrf"}`, li.cookieOnly()...); res.StatusCode != 403 {
		t.Errorf("a cookie write without the CSRF token: %d", res.StatusCode)
	}

	// Wang has a view of the same name; neither sees the other's.
	if res, body := call(t, "POST", views, `{"page":"tickets","name":"鼓楼红牌","query":{"status":"handling"}}`, wang.bearer()...); res.StatusCode != 201 {
		t.Fatalf("wang creates: %d %s", res.StatusCode, body)
	}
	if res, body := call(t, "GET", views+"?page=tickets", "", li.bearer()...); res.StatusCode != 200 ||
		!strings.Contains(body, `"total":1`) || !strings.Contains(body, `"town":"370812001"`) || strings.Contains(body, "handling") {
		t.Errorf("li's list: %d %s", res.StatusCode, body)
	}
	for _, tt := range []struct{ url, want string }{{views, `"page"`}, {views + "?page=grids", `"page"`}, {views + "?page=tickets&x=1", `x`}} {
		if res, body := call(t, "GET", tt.url, "", li.bearer()...); res.StatusCode != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s: %d %s", tt.url, res.StatusCode, body)
		}
	}
	if res, _ := call(t, "GET", views+"?page=tickets", ""); res.StatusCode != 401 {
		t.Errorf("anonymous list: %d", res.StatusCode)
	}

	one := fmt.Sprintf("%s/%d", views, v.ID)
	if res, _ := call(t, "DELETE", one, "", wang.bearer()...); res.StatusCode != 404 {
		t.Errorf("wang deletes li's view: %d, want 404", res.StatusCode)
	}
	if res, body := call(t, "DELETE", one, "", li.withCSRF()...); res.StatusCode != 204 {
		t.Fatalf("delete: %d %s", res.StatusCode, body)
	}
	if res, _ := call(t, "DELETE", one, "", li.withCSRF()...); res.StatusCode != 404 {
		t.Errorf("delete again: %d, want 404", res.StatusCode)
	}
	if _, body := call(t, "GET", views+"?page=tickets", "", li.bearer()...); !strings.Contains(body, `"total":0`) {
		t.Errorf("after delete: %s", body)
	}
	res, body = call(t, "GET", ts.URL+"/api/v1/audit?entity=saved_view", "", "Authorization", "Bearer "+token)
	if res.StatusCode != 200 || !strings.Contains(body, `"total":3`) || !strings.Contains(body, `"actor":"li"`) {
		t.Errorf("audit: %d %s", res.StatusCode, body)
	}
}
