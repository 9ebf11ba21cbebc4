package http

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The OpenAPI document (openapi.json, embedded as openapiJSON and served at
// GET /api/v1/openapi.json) is checked against the code: its operations
// against routes(), its path parameters against the patterns, and its
// query parameters against what each handler accepts. When a test here
// fails, update openapi.json (and docs/api.md) to match the handlers.

type oaDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Info       struct{ Title, Version string }       `json:"info"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Parameters      map[string]oaParam         `json:"parameters"`
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

type oaOperation struct {
	Summary     string                     `json:"summary"`
	Description string                     `json:"description"`
	Parameters  []oaParam                  `json:"parameters"`
	RequestBody json.RawMessage            `json:"requestBody"`
	Responses   map[string]json.RawMessage `json:"responses"`
	Security    []map[string][]string      `json:"security"`
}

type oaParam struct {
	Ref      string `json:"$ref"`
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPIOps parses the document and returns its operations keyed by
// "METHOD /path", with $ref parameters resolved and path-level parameters
// merged in.
func openAPIOps(t *testing.T) (*oaDoc, map[string]oaOperation) {
	t.Helper()
	var doc oaDoc
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	resolve := func(where string, ps []oaParam) []oaParam {
		out := make([]oaParam, 0, len(ps))
		for _, p := range ps {
			if p.Ref != "" {
				name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/")
				rp, found := doc.Components.Parameters[name]
				if !ok || !found {
					t.Errorf("%s: parameter $ref %q does not resolve", where, p.Ref)
					continue
				}
				p = rp
			}
			out = append(out, p)
		}
		return out
	}
	ops := map[string]oaOperation{}
	for path, item := range doc.Paths {
		var common []oaParam
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &common); err != nil {
				t.Errorf("paths[%q].parameters: %v", path, err)
			}
			common = resolve(path, common)
		}
		for key, raw := range item {
			if !slices.Contains(oaMethods, key) {
				continue
			}
			name := strings.ToUpper(key) + " " + path
			var op oaOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			op.Parameters = append(resolve(name, op.Parameters), common...)
			ops[name] = op
		}
	}
	return &doc, ops
}

// documentedRoutes is every route the document must describe: routes()
// plus the probes that Handler mounts itself.
func documentedRoutes() []string {
	var out []string
	for _, rt := range (&Server{}).routes() {
		out = append(out, rt.pattern)
	}
	return append(out, "GET /healthz", "GET /metrics")
}

func TestOpenAPIDocument(t *testing.T) {
	doc, _ := openAPIOps(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("info.title and info.version are required, got %+v", doc.Info)
	}
	if _, ok := doc.Components.SecuritySchemes["bearerAuth"]; !ok {
		t.Error("components.securitySchemes.bearerAuth is missing")
	}

	// Every $ref must point at something in the document.
	var root any
	if err := json.Unmarshal(openapiJSON, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "$ref" {
					if _, err := jsonPointer(root, s); err != nil {
						t.Errorf("%s: $ref %q: %v", where, s, err)
					}
					continue
				}
				walk(where+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s/%d", where, i), x)
			}
		}
	}
	walk("#", root)
}

// jsonPointer resolves a local reference like "#/components/schemas/Grid".
func jsonPointer(root any, ref string) (any, error) {
	p, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("only local references (#/…) are used here")
	}
	cur := root
	for _, tok := range strings.Split(p, "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q is not inside an object", tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("no %q", tok)
		}
	}
	return cur, nil
}

// TestOpenAPIRoutes checks that the document describes exactly the
// server's routes, with their path parameters, bodies and auth.
func TestOpenAPIRoutes(t *testing.T) {
	_, ops := openAPIOps(t)
	readRoutes := map[string]bool{} // routes with a body that change nothing
	openRoutes := map[string]bool{} // routes anonymous callers may write to (login)
	for _, rt := range (&Server{}).routes() {
		readRoutes[rt.pattern] = rt.read
		openRoutes[rt.pattern] = rt.open
	}
	want := map[string]bool{}
	for _, p := range documentedRoutes() {
		want[p] = true
	}
	var missing, extra []string
	for p := range want {
		if _, ok := ops[p]; !ok {
			missing = append(missing, p)
		}
	}
	for p := range ops {
		if !want[p] {
			extra = append(extra, p)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, p := range missing {
		t.Errorf("route %q is not documented in openapi.json (add paths[%q].%s)", p, routePath(p), strings.ToLower(routeMethod(p)))
	}
	for _, p := range extra {
		t.Errorf("openapi.json documents %q, which is not a route in routes()", p)
	}

	pathParam := regexp.MustCompile(`\{([^}]+)\}`)
	for name, op := range ops {
		method, path := routeMethod(name), routePath(name)
		if op.Summary == "" || op.Description == "" {
			t.Errorf("%s: summary and description are required", name)
		}
		inPath := map[string]bool{}
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			inPath[m[1]] = true
		}
		declared := map[string]bool{}
		seen := map[string]bool{}
		for _, p := range op.Parameters {
			if seen[p.In+" "+p.Name] {
				t.Errorf("%s: %s parameter %q is declared twice", name, p.In, p.Name)
			}
			seen[p.In+" "+p.Name] = true
			if p.In != "path" {
				continue
			}
			declared[p.Name] = true
			if !inPath[p.Name] {
				t.Errorf("%s: declares path parameter {%s}, which the pattern does not have", name, p.Name)
			}
			if !p.Required {
				t.Errorf("%s: path parameter {%s} must be required", name, p.Name)
			}
		}
		for p := range inPath {
			if !declared[p] {
				t.Errorf("%s: path parameter {%s} is not declared as a parameter (in: path)", name, p)
			}
		}

		success := false
		for code := range op.Responses {
			if strings.HasPrefix(code, "2") {
				success = true
			}
		}
		if !success {
			t.Errorf("%s: documents no 2xx response", name)
		}
		hasBody := len(op.RequestBody) > 0
		switch method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			if !hasBody {
				t.Errorf("%s: documents no requestBody", name)
			}
		default:
			if hasBody {
				t.Errorf("%s: a %s should have no requestBody", name, method)
			}
		}
		if readRoutes[name] {
			if len(op.Security) > 0 {
				t.Errorf("%s only reads: it needs no token, so lists no security", name)
			}
		} else if openRoutes[name] && len(op.Security) == 0 {
			// Logging in needs no credentials.
		} else if method != http.MethodGet && strings.HasPrefix(path, "/api/") {
			bearer := false
			for _, req := range op.Security {
				if _, ok := req["bearerAuth"]; ok && len(req) == 1 {
					bearer = true
				}
			}
			if !bearer {
				t.Errorf("%s: a write must list security bearerAuth", name)
			}
			for _, code := range []string{"401", "403"} {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s: a write must document the %s answer", name, code)
				}
			}
		}
	}
}

// unknownLocateParam is how gridline.ParseLocateQuery (used by
// handleLocate instead of parseQuery) names its parameters.
const unknownLocateParam = "unknown query parameter (want lon, lat and optional layer)"

// queryUnchecked lists the GET routes whose handlers take no query
// parameters but do not reject unknown ones either (they never call
// parseQuery). They must document no query parameters.
var queryUnchecked = map[string]string{
	"GET /api/v1/addresses/qr/{token}": "handleAddressQR does not call parseQuery",
	"GET /api/v1/units/{id}":           "handleUnitView does not call parseQuery",
	"GET /api/v1/people/{id}":          "handlePersonView does not call parseQuery",
	"GET /api/v1/party-orgs/{id}":      "handlePartyOrgView does not call parseQuery",
	"GET /api/v1/openapi.json":         "static document",
	"GET /healthz":                     "probe",
	"GET /metrics":                     "Prometheus handler",
}

// TestOpenAPIQueryParameters asks every handler which query parameters it
// allows, by sending ?zz_unknown=1 to a server with no services: handlers
// check the query before using a service, and name the allowed parameters
// in the 400 answer. The document must list exactly those.
func TestOpenAPIQueryParameters(t *testing.T) {
	_, ops := openAPIOps(t)
	// The routes on a plain ServeMux, as Handler mounts them, without the
	// UI and middleware: no services, so a handler that goes past its
	// query check panics (and is reported as not checking).
	s := &Server{}
	h := http.NewServeMux()
	for _, rt := range s.routes() {
		h.HandleFunc(rt.pattern, rt.handler)
	}
	h.HandleFunc("GET /healthz", s.handleHealth)
	h.Handle("GET /metrics", promhttp.HandlerFor(newMetrics(s).reg, promhttp.HandlerOpts{}))
	for _, pattern := range documentedRoutes() {
		op, ok := ops[pattern]
		if !ok {
			continue // reported by TestOpenAPIRoutes
		}
		var documented []string
		for _, p := range op.Parameters {
			if p.In == "query" {
				documented = append(documented, p.Name)
			}
		}
		sort.Strings(documented)

		allowed, checked, detail := probeQuery(h, pattern)
		_, exempt := queryUnchecked[pattern]
		switch {
		case checked:
			sort.Strings(allowed)
			if !slices.Equal(allowed, documented) {
				t.Errorf("%s: the handler allows query parameters [%s], openapi.json documents [%s]",
					pattern, strings.Join(allowed, ", "), strings.Join(documented, ", "))
			}
			if exempt {
				t.Errorf("%s: the handler now rejects unknown query parameters; remove it from queryUnchecked", pattern)
			}
		case routeMethod(pattern) == http.MethodGet && !exempt:
			t.Errorf("%s: the handler did not reject ?zz_unknown=1 (%s); make it call parseQuery, or list it in queryUnchecked", pattern, detail)
		default:
			// A write that reads its body first, or a listed GET: it
			// takes no query parameters.
			if len(documented) > 0 {
				t.Errorf("%s: the handler does not read query parameters (%s), yet openapi.json documents [%s]",
					pattern, detail, strings.Join(documented, ", "))
			}
		}
	}
}

// probeQuery sends pattern's request with ?zz_unknown=1 and reports the
// allowed parameters named in the answer; checked is false when the
// handler did not answer with an unknown-parameter error (detail says
// what it did instead, e.g. panicked on its nil service).
func probeQuery(h http.Handler, pattern string) (allowed []string, checked bool, detail string) {
	method, path := routeMethod(pattern), routePath(pattern)
	path = strings.NewReplacer("{code}", "370812", "{id}", "1", "{token}", "tok").Replace(path)
	if strings.HasPrefix(path, "/open311/") && !strings.HasSuffix(path, ".json") && !strings.HasSuffix(path, ".xml") {
		path += ".json" // the format is the wildcard's extension
	}
	req := httptest.NewRequest(method, path+"?zz_unknown=1", nil)
	rec := httptest.NewRecorder()
	panicked := func() (p any) {
		defer func() { p = recover() }()
		h.ServeHTTP(rec, req)
		return nil
	}()
	if panicked != nil {
		return nil, false, "it went on to its service without checking the query"
	}
	if rec.Code != http.StatusBadRequest {
		return nil, false, fmt.Sprintf("status %d", rec.Code)
	}
	var body errorBody
	var msg string
	if strings.HasPrefix(path, "/open311/") {
		// The spec's error shape: the field leads the description.
		var oerrs []struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		}
		var err error
		if strings.HasSuffix(path, ".xml") {
			var x struct {
				Errors []struct {
					Code        int    `xml:"code"`
					Description string `xml:"description"`
				} `xml:"error"`
			}
			err = xml.Unmarshal(rec.Body.Bytes(), &x)
			for _, e := range x.Errors {
				oerrs = append(oerrs, struct {
					Code        int    `json:"code"`
					Description string `json:"description"`
				}{e.Code, e.Description})
			}
		} else {
			err = json.Unmarshal(rec.Body.Bytes(), &oerrs)
		}
		if err != nil || len(oerrs) != 1 {
			return nil, false, fmt.Sprintf("400 that is not an Open311 error body: %v", err)
		}
		var ok bool
		if msg, ok = strings.CutPrefix(oerrs[0].Description, "zz_unknown: "); !ok {
			return nil, false, fmt.Sprintf("400 about something else: %q", oerrs[0].Description)
		}
	} else {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			return nil, false, fmt.Sprintf("400 that is not an error body: %v", err)
		}
		var ok bool
		if msg, ok = body.Error.Fields["zz_unknown"]; !ok {
			return nil, false, fmt.Sprintf("400 about something else: %q", body.Error.Message)
		}
	}
	if msg == unknownLocateParam {
		return []string{"lon", "lat", "layer"}, true, ""
	}
	list, ok := strings.CutPrefix(msg, "unknown query parameter (allowed: ")
	if !ok || !strings.HasSuffix(list, ")") {
		return nil, false, fmt.Sprintf("unexpected message %q (openapi_test.go parses the parseQuery format)", msg)
	}
	for _, a := range strings.Split(strings.TrimSuffix(list, ")"), ", ") {
		if a != "" {
			allowed = append(allowed, a)
		}
	}
	return allowed, true, ""
}

func routeMethod(pattern string) string { m, _, _ := strings.Cut(pattern, " "); return m }
func routePath(pattern string) string   { _, p, _ := strings.Cut(pattern, " "); return p }
