package http

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

// encodingJSON is what writeJSON writes for v.
func encodingJSON(v any) string {
	w := httptest.NewRecorder()
	writeJSON(w, 200, v)
	return w.Body.String()
}

// TestAppendJSONString compares the hand-written string escaping with
// encoding/json's (HTML escaping off, as in writeJSON) on tricky names and
// on random bytes.
func TestAppendJSONString(t *testing.T) {
	tricky := []string{
		"", "韦园社区第1网格", `say "hi"`, `back\slash`, "tab\there", "new\nline\r\n", "\b\f\x00\x01\x1f\x7f",
		"<b>&amp;</b>", "line\u2028sep\u2029para", "bad \xff utf-8 \xe4\xb8", "\xed\xa0\x80 surrogate", "emoji 😀",
		"\u00e9\u0301", "end\\", `"`, "\ufffd", "\xf4\x90\x80\x80 above U+10FFFF",
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		tricky = append(tricky, string(b))
	}
	// And strings of pieces where the fast path for three-byte sequences
	// must step aside: overlong forms, surrogates, U+2028 and U+2029,
	// sequences cut short.
	pieces := []string{"a", `"`, `\`, "\n", "\x7f", "é", "韦", "\u2028", "\u2029", "\ufffd", "😀",
		"\xe0\x80\x80", "\xe0\xa0\x80", "\xed\xa0\x80", "\xed\x9f\xbf", "\xe2\x80", "\xe2\x80\xa7", "\xef\xbf\xbf", "\xc0\xaf"}
	for i, p := range pieces {
		pieces[i], _ = strconv.Unquote(`"` + p + `"`)
	}
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		tricky = append(tricky, b.String())
	}
	for _, s := range tricky {
		got := string(appendJSONString(nil, s)) + "\n"
		if want := encodingJSON(s); got != want {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
	}
}

func TestAppendJSONFloat(t *testing.T) {
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 116.8337, 35.5536, 116.83370000000001, 1e-6, 9.99e-7,
		1e-7, -1.5e-9, 1e20, 1e21, 123456789e13, 1.7976931348623157e308, 5e-324, 180, -90}
	rng := rand.New(rand.NewPCG(9, 10))
	for range 2000 {
		floats = append(floats, (rng.Float64()-0.5)*360, math.Float64frombits(rng.Uint64()))
	}
	for _, f := range floats {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		want, _ := json.Marshal(f)
		if got := appendJSONFloat(nil, f); !bytes.Equal(got, want) {
			t.Errorf("%v: got %s want %s", f, got, want)
		}
	}
}

func TestAppendLocation(t *testing.T) {
	locs := []gridline.Location{
		{},
		{Lon: 116.7582, Lat: 35.5788, Layer: "party",
			Grid:      gridline.Named{Code: "370812001002001", Name: "韦园社区第1网格"},
			Community: gridline.Named{Code: "370812001002", Name: "韦园社区居委会"},
			Town:      gridline.Named{Code: "370812001", Name: "鼓楼街道"},
			County:    gridline.Named{Code: "370812", Name: "兖州区"}},
		{Lon: -1e-7, Lat: 1e-300, Layer: `a"b`, Grid: gridline.Named{Name: "x\ny"}, Town: gridline.Named{Name: "\xff\u2028"}},
	}
	for _, l := range locs {
		got := string(appendLocation(nil, &l)) + "\n"
		if want := encodingJSON(l); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}
