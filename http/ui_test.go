package http_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	glhttp "github.com/gridline/gridline/http"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// TestUIAssets: a hashed asset is sent gzipped (the same bytes once
// inflated) and cached for a year, whoever asks first — the background
// compression at start and a request may race; index.html answers client
// routes and is revalidated; a missing asset is a 404, not the app.
func TestUIAssets(t *testing.T) {
	js := strings.Repeat("export const a = 'MapLibre';\n", 2000)
	ui := fstest.MapFS{
		"index.html":          {Data: []byte(`<!doctype html><title>Gridline</title><script src="/assets/app-1.js"></script>`)},
		"assets/app-1.js":     {Data: []byte(js)},
		"assets/worker-1.mjs": {Data: []byte(js + "// worker\n")},
	}
	s := serverOver(t, storetest.Open(t), glhttp.Limits{AnonRate: -1}, nil)
	s.UI = ui
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	get := func(path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultTransport.RoundTrip(req) // no transparent inflation
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body io.Reader = res.Body
		if res.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		return res, string(b)
	}
	for _, p := range []string{"/assets/app-1.js", "/assets/worker-1.mjs", "/assets/app-1.js"} {
		res, body := get(p)
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(body, js) {
			t.Fatalf("%s: %d, encoding %q, %d bytes", p, res.StatusCode, res.Header.Get("Content-Encoding"), len(body))
		}
		if n := res.ContentLength; n <= 0 || n > int64(len(js)/10) {
			t.Fatalf("%s: %d bytes sent for %d", p, n, len(js))
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Fatalf("%s: Cache-Control %q", p, cc)
		}
	}
	res, body := get("/command")
	if res.StatusCode != 200 || !strings.Contains(body, "<title>Gridline</title>") || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("/command: %d %q %q", res.StatusCode, res.Header.Get("Cache-Control"), body)
	}
	if res, _ := get("/assets/gone-0.js"); res.StatusCode != 404 {
		t.Fatalf("a missing asset: %d", res.StatusCode)
	}
}
