package http_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
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
		// The review's bomb: the shortest valid rows, one line each.
		{"short rows", gzipBomb(t, header, "11,北京市,province,\n", expanded), "more than 1000000 rows", "1000002"},
		// Rows of 1 KB reach the size limit long before the row limit.
		{"long rows", gzipBomb(t, header, "11,"+strings.Repeat("北", 330)+",province,\n", expanded), "the file expands beyond 64 MB", ""},
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
