package gridline_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.String()
}

func TestOpenUpload(t *testing.T) {
	lim := gridline.UploadLimits{MaxBytes: 100, MaxLine: 10}
	tests := []struct {
		name    string
		in      string
		lim     gridline.UploadLimits
		wantErr string // substring of the message; "" means the content comes through
		line    string // fields.line of the error
	}{
		{"plain", "a,b\nc,d\n", lim, "", ""},
		{"plain at the size limit", strings.Repeat("123456789\n", 10), lim, "", ""},
		{"plain over the size limit", strings.Repeat("123456789\n", 10) + "x", lim, "the file is larger than 100 bytes", ""},
		{"gzip", gzipped("a,b\nc,d\n"), lim, "", ""},
		{"gzip at the size limit", gzipped(strings.Repeat("123456789\n", 10)), lim, "", ""},
		{"gzip expands over the limit", gzipped(strings.Repeat("123456789\n", 11)), lim, "the file expands beyond 100 bytes", ""},
		// cat a.gz b.gz is one gzip file: the bound is on the sum.
		{"gzip members add up", gzipped(strings.Repeat("123456789\n", 6)) + gzipped(strings.Repeat("123456789\n", 5)), lim,
			"the file expands beyond 100 bytes", ""},
		{"line at the limit", "0123456789\n0123456789", lim, "", ""},
		{"long line", "a\nb\n" + strings.Repeat("x", 11) + "\n", lim, "line 3: longer than 10 bytes", "3"},
		{"long last line", "a\n" + strings.Repeat("x", 11), lim, "line 2: longer than 10 bytes", "2"},
		{"long line gzip", gzipped(strings.Repeat("x", 50)), lim, "line 1: longer than 10 bytes", "1"},
		{"no line limit", strings.Repeat("x", 50), gridline.UploadLimits{MaxBytes: 100}, "", ""},
		{"limit in MB", strings.Repeat("x", 1<<20+1), gridline.UploadLimits{MaxBytes: 1 << 20}, "the file is larger than 1 MB", ""},
		{"bad gzip", "\x1f\x8b garbage", lim, "bad gzip stream", ""},
		{"empty", "", lim, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := gridline.OpenUpload(strings.NewReader(tt.in), tt.lim)
			var got []byte
			if err == nil {
				got, err = io.ReadAll(r)
			}
			if tt.wantErr == "" {
				want := tt.in
				if strings.HasPrefix(want, "\x1f\x8b") {
					zr, _ := gzip.NewReader(strings.NewReader(want))
					b, _ := io.ReadAll(zr)
					want = string(b)
				}
				if err != nil || string(got) != want {
					t.Fatalf("got %q, %v; want %q", got, err, want)
				}
				return
			}
			if gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(gridline.ErrorMessage(err), tt.wantErr) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, tt.wantErr)
			}
			if got := gridline.ErrorFields(err)["line"]; got != tt.line {
				t.Errorf("fields.line = %q, want %q", got, tt.line)
			}
			if r == nil {
				return
			}
			if _, again := r.Read(make([]byte, 10)); again != err {
				t.Errorf("second read: %v, want the same error", again)
			}
		})
	}
}
