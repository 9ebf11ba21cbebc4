package http_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestCategorySuggest checks GET /api/v1/categories/suggest: the
// catalogue's suggestions for a text, best first, bounded in text and
// number, with bad input a 400 naming the parameter.
func TestCategorySuggest(t *testing.T) {
	_, ts := newServer(t)
	lamp := url.QueryEscape("小区门口路灯坏了好几天了，晚上很黑")
	runScenarios(t, ts.URL, []scenario{
		{name: "public, best first", method: "GET", url: "/api/v1/categories/suggest?text=" + lamp, status: 200,
			want: []string{`{"items":[{"code":"0115","name":"路灯"`, `"matched":["路灯坏"]`}},
		{name: "limit", method: "GET", url: "/api/v1/categories/suggest?limit=1&text=" + lamp, status: 200,
			want: []string{`"code":"0115"`}, notWant: []string{`},{`}},
		{name: "nothing matches", method: "GET", url: "/api/v1/categories/suggest?text=xyz", status: 200, want: []string{`{"items":[]}`}},
		{name: "blank text", method: "GET", url: "/api/v1/categories/suggest?text=%20", status: 200, want: []string{`{"items":[]}`}},
		{name: "text required", method: "GET", url: "/api/v1/categories/suggest", status: 400, want: []string{`"text":"is required`}},
		{name: "text twice", method: "GET", url: "/api/v1/categories/suggest?text=a&text=b", status: 400, want: []string{`"text"`}},
		{name: "text too long", method: "GET", url: "/api/v1/categories/suggest?text=" + strings.Repeat("路", 501), status: 400,
			want: []string{`"text":"longer than 500 characters (501)`}},
		{name: "long text within the bound", method: "GET", url: "/api/v1/categories/suggest?text=" + url.QueryEscape(strings.Repeat("路灯不亮", 125)), status: 200,
			want: []string{`"code":"0115"`}},
		{name: "limit too large", method: "GET", url: "/api/v1/categories/suggest?text=a&limit=11", status: 400, want: []string{`"limit":"must be 1–10, got 11"`}},
		{name: "limit not a number", method: "GET", url: "/api/v1/categories/suggest?text=a&limit=x", status: 400, want: []string{`"limit"`}},
		{name: "unknown parameter", method: "GET", url: "/api/v1/categories/suggest?text=a&q=b", status: 400, want: []string{`"q":"unknown query parameter`}},
	})
}
