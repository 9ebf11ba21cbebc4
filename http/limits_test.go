package http_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"
)

// gzipBomb returns a small gzip file that expands to header and then row
// repeated to size bytes. Concatenated gzip members are one valid gzip
// file (cat a.gz b.gz), so one 8 MB member written through gzip.Writer
// and repeated makes a 1 GiB bomb in a few MB without compressing 1 GiB.
func gzipBomb(t *testing.T, header, row string, size int) []byte {
	t.Helper()
	const memberSize = 8 << 20
	var member, out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	chunk := strings.Repeat(row, (64<<10)/len(row)+1)
	for n := 0; n < memberSize; n += len(chunk) {
		zw.Write([]byte(chunk))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if header != "" {
		zw = gzip.NewWriter(&out)
		zw.Write([]byte(header))
		zw.Close()
	}
	for n := 0; n < size; n += memberSize {
		out.Write(member.Bytes())
	}
	return out.Bytes()
}

// TestRegionImportBomb posts files that expand to 1 GiB: each is refused
// with a 400 naming the limit it broke, having cost a bounded amount of
// memory, not the expanded size.
func TestRegionImportBomb(t *testing.T) {
	_, ts := newServer(t)
	const header, expanded = "code,name,level,parent_code\n", 1 << 30
	tests := []struct {
		name       string
		body       []byte
		message    string
		fieldsLine string
	}{
		// The review's bomb: one short valid row repeated. Its second row
		// is a duplicate, found as the file streams in.
		{"repeated row", gzipBomb(t, header, "11,北京市,province,\n", expanded), "line 3: duplicate code 11 (first on line 2)", "3"},
		// Blank lines hold no row and no duplicate: the size limit stops them.
		{"blank lines", gzipBomb(t, header, "\n", expanded), "the file expands beyond 64 MB", ""},
		{"one line", gzipBomb(t, "", "a", expanded), "line 1: longer than 1024 bytes", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			req, _ := http.NewRequest("POST", ts.URL+"/api/v1/regions/import", bytes.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/gzip")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d KB expanding to %d MB: %d after %v, %d MB allocated", len(tt.body)>>10, expanded>>20, res.StatusCode, took, alloc>>20)
			var e struct {
				Error struct {
					Code, Message string
					Fields        map[string]string
				}
			}
			json.Unmarshal(b, &e)
			if res.StatusCode != 400 || e.Error.Code != "invalid" || !strings.Contains(e.Error.Message, tt.message) || e.Error.Fields["line"] != tt.fieldsLine {
				t.Fatalf("%d %s; want 400 naming %q, line %q", res.StatusCode, b, tt.message, tt.fieldsLine)
			}
			// The whole request, client and server, stays far below what
			// the file expands to (before the bound: several GB).
			if alloc > expanded/4 {
				t.Errorf("allocated %d MB for a file expanding to %d MB", alloc>>20, expanded>>20)
			}
		})
	}
}

// TestLongQueryValues sends a 50,000-character q to every list that
// searches, and over-long values to the other free-text parameters: each
// is a 400 naming the parameter, where SQLite answered 500 ("LIKE or GLOB
// pattern too complex"). A value at the bound still searches.
func TestLongQueryValues(t *testing.T) {
	_, ts := newServer(t)
	// SQLite checks a LIKE pattern only when it meets a row.
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","layer":"party","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "person", method: "POST", url: "/api/v1/people", auth: true, status: 201,
			body: `{"name":"张伟","team":"grid_worker","region_code":"370812001002"}`},
		{name: "point", method: "POST", url: "/api/v1/points", auth: true, status: 201,
			body: `{"name":"韦园小区东门","kind":"小区","lon":116.805,"lat":35.555}`},
		{name: "compound", method: "POST", url: "/api/v1/compounds", auth: true, status: 201,
			body: `{"name":"韦园花园","households":300,"geometry":` + square(116.802, 35.552, 0.003) + `}`},
		{name: "building", method: "POST", url: "/api/v1/buildings", auth: true, status: 201,
			body: `{"compound_id":1,"name":"1号楼","number":1,"floors":6,"footprint":` + square(116.8025, 35.5525, 0.0003) + `,"entrances":[{"number":1,"floors":6}]}`},
	})
	long := strings.Repeat("a", 50000)
	var scs []scenario
	for _, list := range []string{"/api/v1/people", "/api/v1/points", "/api/v1/compounds", "/api/v1/buildings", "/api/v1/addresses"} {
		scs = append(scs,
			scenario{name: list + " long q", method: "GET", url: list + "?q=" + long, auth: true, status: 400,
				want: []string{`"q":"longer than 100 characters (50000)"`}},
			scenario{name: list + " q at the bound", method: "GET", url: list + "?q=" + url.QueryEscape(strings.Repeat("网", 100)), auth: true, status: 200,
				want: []string{`"total":0`}},
		)
	}
	for _, u := range []string{
		"/api/v1/grids?layer=" + long,
		"/api/v1/geojson/grids?layer=" + long,
		"/api/v1/audit?actor=" + long,
		"/api/v1/audit?key=" + long,
		"/api/v1/audit?entity=" + long,
		"/api/v1/people?team=" + long,
		"/api/v1/units?kind=" + long,
		"/api/v1/regions?within=" + strings.Repeat("3", 50000),
	} {
		param := u[strings.Index(u, "?")+1 : strings.Index(u, "=")]
		scs = append(scs, scenario{name: u[:strings.Index(u, "=")], method: "GET", url: u, auth: true, status: 400,
			want: []string{`"` + param + `":"longer than 100 characters (50000)"`}})
	}
	runScenarios(t, ts.URL, scs)
}
