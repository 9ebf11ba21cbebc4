package gridline_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

func TestParseLocateBatch(t *testing.T) {
	tests := []struct {
		body  string
		n     int    // points, when valid
		layer string // when valid
		field string // the field an error names, "" for an error on the body as a whole
		msg   string // part of the error message
	}{
		{body: `{"points":[[116.8,35.5],[116.81,35.51]]}`, n: 2},
		{body: ` { "layer" : "party" , "points" : [ [ 116.8 , 35.5 ] ] } `, n: 1, layer: "party"},
		{body: "{\n\t\"points\": [\r\n[116.8,35.5]\n]\n}\n", n: 1},
		{body: `{"points":[],"layer":null}`, n: 0},
		{body: `{"points":[[116.8e0,3.55E+1],[-0,0],[1.5e-7,-2E-1]]}`, n: 3},
		{body: `{"po\u0069nts":[[116.8,35.5]],"layer":"p\u0061rty"}`, n: 1, layer: "party"},

		{body: `{"points":[[116.8,135]]}`, field: "points[0]", msg: "latitude 135 is outside [-90, 90]"},
		{body: `{"points":[[116.8,35.5],[116.8,35.5],[35.5,116.8]]}`, field: "points[2]", msg: "looks like [lat, lon]"},
		{body: `{"points":[[35.5,80]]}`, field: "points[0]", msg: "look swapped"},
		{body: `{"points":[[200,35.5]]}`, field: "points[0]", msg: "longitude 200 is outside"},
		{body: `{"points":[[1e400,35.5]]}`, field: "points[0]", msg: "not a finite number"},
		{body: `{"points":[[116.8]]}`, field: "points[0]", msg: "has 1 number"},
		{body: `{"points":[[116.8,35.5,40]]}`, field: "points[0]", msg: "more than 2 numbers"},
		{body: `{"points":[[116.8,35.5],["116.8",35.5]]}`, field: "points[1]", msg: "longitude is not a number"},
		{body: `{"points":[[116.8,NaN]]}`, field: "points[0]", msg: "latitude is not a number"},
		{body: `{"points":[[116.8,35.5],{}]}`, field: "points[1]", msg: "want a [lon, lat] pair"},
		{body: `{"points":[[116.8,+35.5]]}`, field: "points[0]"},
		{body: `{"points":[[116.8,.5]]}`, field: "points[0]"},
		{body: `{"points":[[116.,35.5]]}`, field: "points[0]"},
		{body: `{"points":{"a":1}}`, field: "points", msg: "must be an array"},
		{body: `{"points":null}`, field: "points", msg: "must be an array"},
		{body: `{}`, field: "points", msg: "is required"},
		{body: `{"layer":"party"}`, field: "points", msg: "is required"},
		{body: `{"points":[],"points":[]}`, field: "points", msg: "given twice"},
		{body: `{"points":[],"layer":"a","layer":"b"}`, field: "layer", msg: "given twice"},
		{body: `{"points":[],"layer":"DROP TABLE"}`, field: "layer", msg: "not a layer code"},
		{body: `{"points":[],"layer":7}`, field: "layer", msg: "must be a string"},
		{body: `{"points":[],"Points":[]}`, field: "Points", msg: "unknown field"},
		{body: `{"points":[],"detail":true}`, field: "detail", msg: "unknown field"},

		{body: ``, msg: "ends early"},
		{body: `[]`, msg: "want an object"},
		{body: `{"points":[[116.8,35.5]]`, msg: "ends early"},
		{body: `{"points":[[116.8,35.5]`, msg: "ends early"},
		{body: `{"points":[[116.8,35.5],]}`, msg: "not valid JSON"},
		{body: `{"points":[[116.8 35.5]]}`, msg: "want ',' between lon and lat"},
		{body: `{"points":[[01,35.5]]}`, msg: "not valid JSON"},
		{body: `{"points":[]} {}`, msg: "data after the JSON value"},
		{body: `{"points":[],}`, msg: "want a string"},
		{body: `{"poi` + "\n" + `nts":[]}`, msg: "control character"},
		{body: `{"points\x":[]}`, msg: "bad escape"},
		{body: `{points:[]}`, msg: "want a string"},
	}
	for _, tt := range tests {
		pts, layer, err := gridline.ParseLocateBatch([]byte(tt.body), nil)
		if tt.field == "" && tt.msg == "" {
			if err != nil || len(pts) != tt.n || layer != tt.layer {
				t.Errorf("%s: %d points, layer %q, err %v; want %d points, layer %q", tt.body, len(pts), layer, err, tt.n, tt.layer)
			}
			continue
		}
		if gridline.ErrorCode(err) != gridline.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", tt.body, err)
			continue
		}
		fields := gridline.ErrorFields(err)
		if tt.field != "" && fields[tt.field] == "" || tt.field == "" && len(fields) > 0 {
			t.Errorf("%s: err = %v, want it on field %q", tt.body, err, tt.field)
		}
		if !strings.Contains(gridline.ErrorMessage(err), tt.msg) {
			t.Errorf("%s: message %q lacks %q", tt.body, gridline.ErrorMessage(err), tt.msg)
		}
	}
}

func TestParseLocateBatchLimit(t *testing.T) {
	body := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString(`{"points":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("[116.8,35.5]")
		}
		b.WriteString("]}")
		return b.Bytes()
	}
	if pts, _, err := gridline.ParseLocateBatch(body(gridline.MaxLocateBatch), nil); err != nil || len(pts) != gridline.MaxLocateBatch {
		t.Fatalf("%d points: %d, %v", gridline.MaxLocateBatch, len(pts), err)
	}
	_, _, err := gridline.ParseLocateBatch(body(gridline.MaxLocateBatch+1), nil)
	if gridline.ErrorFields(err)["points"] == "" {
		t.Fatalf("%d points: %v", gridline.MaxLocateBatch+1, err)
	}
}

// batchJSON is what encoding/json reads from a batch body.
type batchJSON struct {
	Points *[][]float64 `json:"points"`
	Layer  *string      `json:"layer"`
}

// sameAsJSON reports how the parser's answer differs from encoding/json's
// on a body the parser accepted ("" when it does not).
func sameAsJSON(body []byte, pts []orb.Point, layer string) string {
	var want batchJSON
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&want); err != nil {
		return fmt.Sprintf("encoding/json refuses it: %v", err)
	}
	if want.Points == nil {
		return "encoding/json finds no points"
	}
	if len(*want.Points) != len(pts) {
		return fmt.Sprintf("%d points, encoding/json reads %d", len(pts), len(*want.Points))
	}
	for i, p := range *want.Points {
		if len(p) != 2 || math.Float64bits(p[0]) != math.Float64bits(pts[i][0]) || math.Float64bits(p[1]) != math.Float64bits(pts[i][1]) {
			return fmt.Sprintf("point %d is %v, encoding/json reads %v", i, pts[i], p)
		}
	}
	if want.Layer != nil && *want.Layer != layer || want.Layer == nil && layer != "" {
		return fmt.Sprintf("layer %q, encoding/json reads %v", layer, want.Layer)
	}
	return ""
}

// TestParseLocateBatchMatchesJSON writes random valid bodies in the many
// ways JSON allows numbers and whitespace, and requires the points
// encoding/json reads from them, bit for bit.
func TestParseLocateBatchMatchesJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ws := []string{"", " ", "\n", "\t", "\r\n  "}
	num := func(v float64) string {
		switch rng.IntN(5) {
		case 0:
			return strconv.FormatFloat(v, 'g', -1, 64)
		case 1:
			return strconv.FormatFloat(v, 'f', rng.IntN(12), 64)
		case 2:
			return strconv.FormatFloat(v, 'e', rng.IntN(17), 64)
		case 3:
			return strings.ToUpper(strconv.FormatFloat(v, 'E', -1, 64))
		}
		if s := strconv.FormatFloat(v, 'f', -1, 64); strings.Contains(s, ".") {
			return s + strings.Repeat("0", rng.IntN(3)) // trailing zeros
		}
		return "-0"
	}
	for range 1000 {
		w := func() string { return ws[rng.IntN(len(ws))] }
		var b strings.Builder
		b.WriteString(w() + "{" + w())
		layer := rng.IntN(3)
		if layer == 1 {
			b.WriteString(`"layer"` + w() + ":" + w() + `"party"` + w() + "," + w())
		}
		b.WriteString(`"points"` + w() + ":" + w() + "[")
		for i := range rng.IntN(40) {
			if i > 0 {
				b.WriteString(w() + "," + w())
			}
			lon := 73 + rng.Float64()*63
			lat := 3 + rng.Float64()*51
			if rng.IntN(10) == 0 {
				lon, lat = math.Round(lon), -rng.Float64()*1e-3
			}
			b.WriteString("[" + w() + num(lon) + w() + "," + w() + num(lat) + w() + "]")
		}
		b.WriteString(w() + "]")
		if layer == 2 {
			b.WriteString(w() + "," + w() + `"layer"` + w() + ":" + w() + "null")
		}
		b.WriteString(w() + "}" + w())
		body := []byte(b.String())
		pts, l, err := gridline.ParseLocateBatch(body, nil)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if diff := sameAsJSON(body, pts, l); diff != "" {
			t.Fatalf("%s: %s", body, diff)
		}
	}
}

// FuzzParseLocateBatch feeds arbitrary bodies: the parser never panics,
// every error is EINVALID, and what it accepts encoding/json reads the
// same.
func FuzzParseLocateBatch(f *testing.F) {
	for _, s := range []string{
		`{"points":[[116.8,35.5],[116.81,35.51]],"layer":"party"}`,
		`{"points":[[116.8,135]]}`,
		`{"layer":null,"points":[[-0.0,1e-9],[1E+2,0.5]]}`,
		`{"po\u0069nts":[]}`,
		`{"points":[[116.8,35.5,1]]} `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pts, layer, err := gridline.ParseLocateBatch(body, nil)
		if err != nil {
			if gridline.ErrorCode(err) != gridline.EINVALID {
				t.Fatalf("%q: %v is not EINVALID", body, err)
			}
			return
		}
		if diff := sameAsJSON(body, pts, layer); diff != "" {
			t.Fatalf("%q: %s", body, diff)
		}
	})
}

func BenchmarkParseLocateBatch(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var body bytes.Buffer
	body.WriteString(`{"points":[`)
	const n = 10000
	for i := range n {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, "[%.6f,%.6f]", 116.62+rng.Float64()*0.37, 35.45+rng.Float64()*0.23)
	}
	body.WriteString("]}")
	var pts []orb.Point
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if pts, _, err = gridline.ParseLocateBatch(body.Bytes(), pts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/point")
}
