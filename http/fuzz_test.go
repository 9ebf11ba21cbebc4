package http_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"
)

// FuzzAPIBadInput sends arbitrary bodies to the import and create
// endpoints and arbitrary queries to locate and the lists: bad input must
// be a 4xx, never a 500, answered within requestBound, with the heap
// staying under heapBound. repeat makes large bodies out of small ones.
func FuzzAPIBadInput(f *testing.F) {
	s, _ := newServer(f)
	h := s.Handler()
	f.Add(0, "code,name,level,parent_code\n37,山东省,province,\n", "lon=116.8&lat=35.5", uint16(0))
	f.Add(1, `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a","community_code":"370812001002"},"geometry":{"type":"Polygon","coordinates":[[[116.8,35.5],[116.81,35.5],[116.81,35.51],[116.8,35.5]]]}}]}`, "layer=party", uint16(0))
	f.Add(2, `{"name":"x","community_code":"370812001002","geometry":{"type":"Polygon","coordinates":[[[1e400,0]]]}}`, "within=37&limit=-1", uint16(0))
	f.Add(3, `{"name":"p","lon":116.8,"lat":35.5}`, "q=%27&grid=1", uint16(0))
	f.Add(4, `{"kind":"property","name":"物业"}`, "kind=x", uint16(0))
	f.Add(8, `{"channel":"hotline","text":"路灯","lon":116.8,"lat":35.55}`, "status=closed&overdue=true&from=2026-01-01T00:00:00Z", uint16(0))
	f.Add(9, `{"lead_unit":1,"deadline":"1999-01-01T00:00:00Z","version":-1}`, "q=%", uint16(0))
	f.Add(5, `[`, "q="+strings.Repeat("%25", 5000), uint16(4000))
	f.Add(6, "11,北京市,province,\n", "limit=10000", uint16(60000))
	f.Add(7, `{"name":"`+strings.Repeat("名", 3000)+`"}`, "offset=99999999999", uint16(1))
	f.Add(8, `{"points":[[116.8,35.5],[116.8,135]],"layer":"party"}`, "lon=116.8&lat=35.5", uint16(0))
	f.Fuzz(func(t *testing.T, target int, body, rawQuery string, repeat uint16) {
		if _, err := url.ParseQuery(rawQuery); err != nil {
			return
		}
		if repeat > 1 && len(body)*int(repeat) <= 8<<20 {
			body = strings.Repeat(body, int(repeat))
		}
		defer checkBounds(t, time.Now())
		writes := []string{"/api/v1/regions/import", "/api/v1/grids/import", "/api/v1/grids", "/api/v1/points", "/api/v1/units", "/api/v1/people", "/api/v1/party-orgs", "/api/v1/buildings", "/api/v1/locate",
			"/api/v1/me/views", "/api/v1/tickets/1/whistles"}
		reads := []string{"/api/v1/locate", "/api/v1/regions", "/api/v1/grids", "/api/v1/points", "/api/v1/people", "/api/v1/geojson/grids", "/api/v1/stats/overview", "/api/v1/party-orgs", "/api/v1/tickets",
			"/api/v1/categories/suggest", "/api/v1/whistles/ranking", "/api/v1/tickets/1/route"}
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
		if w.Code != http.StatusOK && !strings.Contains(w.Body.String(), `"error"`) {
			t.Fatalf("GET %s: %d without an error body", req.URL, w.Code)
		}
	})
}

// The bounds every fuzzed request pair must keep.
const (
	requestBound = 5 * time.Second
	heapBound    = 512 << 20
)

func checkBounds(t *testing.T, start time.Time) {
	if took := time.Since(start); took > requestBound {
		t.Fatalf("two requests took %s, over %s", took, requestBound)
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if m.HeapInuse > heapBound {
		t.Fatalf("heap in use %d MB, over %d MB", m.HeapInuse>>20, heapBound>>20)
	}
}

// FuzzTicketBodies sends arbitrary bodies to intake (POST /api/v1/tickets)
// and to every action of the loop on a case (POST
// /api/v1/tickets/{id}/actions/{action}): bad input must be a 4xx with an
// error body, never a 500, within requestBound; whatever is refused
// leaves the case as it was (its version moves only on a 2xx).
func FuzzTicketBodies(f *testing.F) {
	s, _ := newServer(f)
	h := s.Handler()
	post := func(path, body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(w, req)
		return w
	}
	if w := post("/api/v1/grids", `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":`+square(116.80, 35.55, 0.01)+`}`); w.Code != 201 {
		f.Fatalf("grid: %d %s", w.Code, w.Body)
	}
	if w := post("/api/v1/units", `{"kind":"department","name":"区住建局"}`); w.Code != 201 {
		f.Fatalf("unit: %d %s", w.Code, w.Body)
	}
	if w := post("/api/v1/tickets", `{"channel":"hotline","text":"路灯不亮","lon":116.805,"lat":35.555}`); w.Code != 201 {
		f.Fatalf("case: %d %s", w.Code, w.Body)
	}
	actions := []string{"", "locate", "file", "reject", "self_handle", "merge", "unmerge", "void", "dispatch", "sign",
		"return", "redispatch", "extend_request", "extend_approve", "extend_deny", "defer", "reply", "rate", "verify",
		"callback", "close", "reopen", "urge", "supervise", "check_request", "check_report", "nonsense"}
	f.Add(0, `{"channel":"hotline","text":"路灯不亮","lon":116.805,"lat":35.555}`)
	f.Add(0, `{"channel":"hotline","text":"","lon":1e400}`)
	f.Add(0, `{"channel":"snap_report","text":"井盖","address":"`+strings.Repeat("路", 5000)+`","reported_at":"2099-01-01T00:00:00Z"}`)
	f.Add(3, `{}`)
	f.Add(5, `{"into":1}`)
	f.Add(8, `{"lead_unit":1,"co_units":[1,1],"deadline":"1999-01-01T00:00:00Z","version":-1}`)
	f.Add(18, `{"outcome":"passed","lon":"x"}`)
	f.Add(19, `{"satisfaction":"satisfied","contacted":false,"resolved":true}`)
	f.Add(17, `{"unit":1,"rating":9}`)
	f.Add(13, `{"deadline":"not a time"}`)
	f.Add(2, `[`)
	f.Fuzz(func(t *testing.T, target int, body string) {
		if target < 0 {
			target = -target
		}
		defer checkBounds(t, time.Now())
		path := "/api/v1/tickets"
		if target%len(actions) != 0 {
			path = "/api/v1/tickets/1/actions/" + actions[target%len(actions)]
		}
		done := make(chan *httptest.ResponseRecorder, 1)
		go func() { done <- post(path, body) }()
		var w *httptest.ResponseRecorder
		select {
		case w = <-done:
		case <-time.After(requestBound):
			t.Fatalf("POST %s with %q: no answer within %s", path, body, requestBound)
		}
		if w.Code >= 500 {
			t.Fatalf("POST %s with %q: %d %s", path, body, w.Code, w.Body)
		}
		if w.Code >= 400 && !strings.Contains(w.Body.String(), `"error"`) {
			t.Fatalf("POST %s with %q: %d without an error body: %s", path, body, w.Code, w.Body)
		}
	})
}
