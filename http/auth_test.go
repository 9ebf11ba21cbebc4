package http_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestBearerScheme checks that the scheme of the Authorization header is
// matched case-insensitively (RFC 9110) and the token exactly.
func TestBearerScheme(t *testing.T) {
	_, ts := newServer(t)
	for i, tt := range []struct {
		header string
		status int
	}{
		{"Bearer " + token, 201},
		{"bearer " + token, 201},
		{"BEARER " + token, 201},
		{"bEaReR " + token, 201},
		{"Bearer   " + token, 201}, // 1*SP
		{"bearer " + strings.ToUpper(token), 401},
		{"Bearer wrong", 401},
		{"Bearer", 401},
		{"Bearer" + token, 401},
		{"Basic " + token, 401},
		{token, 401},
	} {
		body := fmt.Sprintf(`{"code":"layer_%d","name":"层%d"}`, i, i)
		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/grid-layers", strings.NewReader(body))
		req.Header.Set("Authorization", tt.header)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.status {
			t.Errorf("Authorization: %q: %d, want %d", tt.header, res.StatusCode, tt.status)
		}
	}
	// A lower-case scheme also unmasks personal data on reads.
	sc := scenario{method: "POST", url: "/api/v1/people", auth: true, status: 201,
		body: `{"name":"张伟","phone":"13812345678","team":"grid_worker","region_code":"370812001002"}`}
	sc.run(t, ts.URL)
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/people/1", nil)
	req.Header.Set("Authorization", "bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(b), `"phone":"13812345678"`) {
		t.Errorf("GET with bearer: %d %s", res.StatusCode, b)
	}
}
