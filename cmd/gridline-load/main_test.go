package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
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

func TestLoopbackOnly(t *testing.T) {
	for host, ok := range map[string]bool{"127.0.0.1": true, "localhost": true, "::1": true, "10.0.0.1": false, "8.8.8.8": false} {
		if err := loopbackOnly(host); (err == nil) != ok {
			t.Errorf("loopbackOnly(%s) = %v", host, err)
		}
	}
}
