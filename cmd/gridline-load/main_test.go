package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestRun(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/locate" || r.URL.Query().Get("lon") == "" {
			w.WriteHeader(400)
		}
	}))
	defer ts.Close()
	var out bytes.Buffer
	if err := run([]string{"--url", ts.URL, "--requests", "200", "--concurrency", "2", "--duration", "5s"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "requests     200 ") || !strings.Contains(out.String(), "200×200") {
		t.Fatalf("output:\n%s", out.String())
	}
}

// TestRunLean: the lean client sends exactly the requests asked for, each
// a well-formed GET the server parses, and reads every answer, whatever
// its status and length, on kept-alive connections: at most one a worker
// (a worker that starts after the others have sent all 300 opens none).
func TestRunLean(t *testing.T) {
	var seen, conns atomic.Int64
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := seen.Add(1)
		if r.URL.Path != "/api/v1/locate" || r.URL.Query().Get("lat") == "" || n%3 == 0 {
			w.WriteHeader(400)
			return
		}
		w.Write(bytes.Repeat([]byte("x"), int(n%50)))
	}))
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Start()
	defer ts.Close()
	var out bytes.Buffer
	if err := run([]string{"--url", ts.URL, "--client", "lean", "--requests", "300", "--concurrency", "3", "--duration", "5s"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "requests     300 ") || !strings.Contains(out.String(), "200×200 400×100") || seen.Load() != 300 || conns.Load() < 1 || conns.Load() > 3 {
		t.Fatalf("server saw %d requests on %d connections; output:\n%s", seen.Load(), conns.Load(), out.String())
	}
}

func TestRunBatch(t *testing.T) {
	var points atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Points [][]float64 }
		if r.Method != "POST" || r.URL.Path != "/api/v1/locate" || json.NewDecoder(r.Body).Decode(&body) != nil {
			w.WriteHeader(400)
			return
		}
		points.Add(int64(len(body.Points)))
	}))
	defer ts.Close()
	file := filepath.Join(t.TempDir(), "points.csv")
	os.WriteFile(file, []byte("lon,lat\n116.8,35.5\n116.9,35.6\n116.7,35.55\n"), 0o600)
	var out bytes.Buffer
	if err := run([]string{"--url", ts.URL, "--requests", "10", "--concurrency", "2", "--batch", "2", "--points", file}, &out); err != nil {
		t.Fatal(err)
	}
	// Three points make two bodies, of two points and one, sent in turn.
	if !strings.Contains(out.String(), "200×10") || points.Load() != 15 || !strings.Contains(out.String(), "points/s (2 a request)") {
		t.Fatalf("%d points sent; output:\n%s", points.Load(), out.String())
	}
}

func TestLoopbackOnly(t *testing.T) {
	for host, ok := range map[string]bool{"127.0.0.1": true, "localhost": true, "::1": true, "10.0.0.1": false, "8.8.8.8": false} {
		if err := loopbackOnly(host); (err == nil) != ok {
			t.Errorf("loopbackOnly(%s) = %v", host, err)
		}
	}
}
