package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/locate"
	"github.com/paulmach/orb"
)

// TestLocatePathsAgree locates the same points on the demo's 643 grids by
// every path — a brute-force scan applying gridline.GridPrecedes, the
// in-memory index, the locate service over the database, GET
// /api/v1/locate, POST /api/v1/locate (compact and detailed, in one batch)
// and a point written without a grid — and requires one answer. (The
// command line, gridline locate, is compared in cmd/gridline.) The points include shared vertices and edge midpoints, where two
// or three grids of a layer touch and only the tie-break decides.
func TestLocatePathsAgree(t *testing.T) {
	s, ts := newServer(t)
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "test"})
	d, err := demo.Generate(1)
	if err != nil {
		t.Fatal(err)
	}
	grids := make([]*gridline.Grid, len(d.Grids))
	for i := range d.Grids {
		g := d.Grids[i].Grid
		grids[i] = &g
	}
	if err := s.Grids.ImportGrids(ctx, grids); err != nil {
		t.Fatal(err)
	}
	layers, err := s.Layers.FindGridLayers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	order := map[string]int{}
	for i, l := range layers {
		order[l.Code] = i
	}
	brute := func(pt orb.Point) string {
		var best *gridline.Grid
		for _, g := range grids {
			if g.Geometry.Contains(pt) && (best == nil || gridline.GridPrecedes(order[g.Layer], g.Code, order[best.Layer], best.Code)) {
				best = g
			}
		}
		if best == nil {
			return ""
		}
		return best.Code
	}
	index := locate.NewIndex(grids, layers, nil)

	// Shared vertices and edge midpoints of comprehensive grids (the party
	// grids tile the urban communities the same way), and random points.
	var pts []orb.Point
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < len(grids); i += 7 {
		ring := grids[i].Geometry[0]
		v := rng.IntN(len(ring) - 1)
		a, b := ring[v], ring[v+1]
		pts = append(pts, a, orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2})
	}
	bound := gridline.Polygon(d.County.Geometry).Bound()
	for i := 0; i < 60; i++ {
		pts = append(pts, orb.Point{bound.Min[0] + rng.Float64()*(bound.Max[0]-bound.Min[0]),
			bound.Min[1] + rng.Float64()*(bound.Max[1]-bound.Min[1])})
	}

	batch := httpLocateBatch(t, ts.URL, pts)
	ties := 0
	for i, pt := range pts {
		want := brute(pt)
		n := 0
		for _, g := range grids {
			if g.Layer == gridline.LayerComprehensive && g.Geometry.Contains(pt) {
				n++
			}
		}
		if n > 1 {
			ties++
		}
		answers := map[string]string{}
		if l, err := index.Locate(pt[0], pt[1], ""); err == nil {
			answers["index"] = l.Grid.Code
		} else {
			answers["index"] = ""
		}
		if l, err := s.Locate.Locate(pt[0], pt[1], ""); err == nil {
			answers["service"] = l.Grid.Code
		} else {
			answers["service"] = ""
		}
		answers["http"] = httpLocate(t, ts.URL, pt)
		answers["http batch"] = batch.grids[i]
		answers["http batch detail"] = batch.detail[i]
		p := &gridline.Point{Name: fmt.Sprintf("点%d", i), Lon: pt[0], Lat: pt[1]}
		if err := s.Points.CreatePoint(ctx, p); err == nil {
			answers["point write"] = p.GridCode
		} else if gridline.ErrorCode(err) == gridline.EINVALID && strings.Contains(gridline.ErrorMessage(err), "no grid") {
			answers["point write"] = ""
		} else {
			t.Fatal(err)
		}
		for path, got := range answers {
			if got != want {
				t.Errorf("(%.7f, %.7f): %s says %q, the rule says %q", pt[0], pt[1], path, got, want)
			}
		}
	}
	if ties < 10 {
		t.Fatalf("only %d points lie on a shared edge or vertex; the test does not exercise the tie-break", ties)
	}
	t.Logf("%d points, %d on shared edges or vertices", len(pts), ties)
}

func httpLocate(t *testing.T, base string, pt orb.Point) string {
	t.Helper()
	// The shortest form that parses back to the same float: a point on an
	// edge must stay on it.
	res, err := http.Get(base + "/api/v1/locate?lon=" + strconv.FormatFloat(pt[0], 'g', -1, 64) +
		"&lat=" + strconv.FormatFloat(pt[1], 'g', -1, 64))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return ""
	}
	var l gridline.Location
	if err := json.NewDecoder(res.Body).Decode(&l); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("locate %v: status %d, %v", pt, res.StatusCode, err)
	}
	return l.Grid.Code
}

// batchAnswer holds the grid codes a batch locate gives, compact and
// detailed ("" for none).
type batchAnswer struct{ grids, detail []string }

// httpLocateBatch locates pts in one POST /api/v1/locate, without a
// token, compact and with ?detail=true.
func httpLocateBatch(t *testing.T, base string, pts []orb.Point) batchAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"points": pts})
	post := func(query string, v any) {
		res, err := http.Post(base+"/api/v1/locate"+query, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if err := json.NewDecoder(res.Body).Decode(v); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("POST /api/v1/locate%s: status %d, %v", query, res.StatusCode, err)
		}
	}
	var compact struct{ Grids []*string }
	post("", &compact)
	var detail struct{ Items []*gridline.Location }
	post("?detail=true", &detail)
	if len(compact.Grids) != len(pts) || len(detail.Items) != len(pts) {
		t.Fatalf("batch of %d points: %d grids, %d items", len(pts), len(compact.Grids), len(detail.Items))
	}
	var a batchAnswer
	for i, g := range compact.Grids {
		code := ""
		if g != nil {
			code = *g
		}
		a.grids = append(a.grids, code)
		code = ""
		if l := detail.Items[i]; l != nil {
			code = l.Grid.Code
			if l.Lon != pts[i][0] || l.Lat != pts[i][1] {
				t.Errorf("item %d is at (%v, %v), the point at %v", i, l.Lon, l.Lat, pts[i])
			}
		}
		a.detail = append(a.detail, code)
	}
	return a
}

// TestLocateBatchAPI checks the batch answer byte for byte against the
// single locate, and its bounds and errors.
func TestLocateBatchAPI(t *testing.T) {
	_, ts := demoServer(t)
	const hit = "116.7582,35.5788"
	single := strings.TrimSuffix(scenario{method: "GET", url: "/api/v1/locate?lon=116.7582&lat=35.5788", status: 200}.run(t, ts.URL), "\n")
	code := single[strings.Index(single, `"grid":{"code":"`)+16:][:15]
	many := func(n int, pt string) string {
		return `{"points":[` + strings.TrimSuffix(strings.Repeat("["+pt+"],", n), ",") + `]}`
	}
	runScenarios(t, ts.URL, []scenario{
		{name: "compact, no token", method: "POST", url: "/api/v1/locate", body: `{"points":[[` + hit + `],[117.5,35.9],[` + hit + `]]}`, status: 200,
			want: []string{`{"grids":["` + code + `",null,"` + code + `"]}` + "\n"}},
		{name: "detail is the single answer", method: "POST", url: "/api/v1/locate?detail=true", body: `{"points":[[117.5,35.9],[` + hit + `]]}`, status: 200,
			want: []string{`{"items":[null,` + single + `]}` + "\n"}},
		{name: "layer", method: "POST", url: "/api/v1/locate", body: `{"layer":"comprehensive","points":[[` + hit + `]]}`, status: 200,
			want: []string{`{"grids":[null]}`}},
		{name: "empty", method: "POST", url: "/api/v1/locate", body: `{"points":[]}`, status: 200, want: []string{`{"grids":[]}`}},
		{name: "at the limit", method: "POST", url: "/api/v1/locate", body: many(gridline.MaxLocateBatch, hit), status: 200, want: []string{`"]}`}},
		{name: "over the limit", method: "POST", url: "/api/v1/locate", body: many(gridline.MaxLocateBatch+1, hit), status: 400,
			want: []string{`"points":"more than 100000 points`}},
		{name: "bad latitude named with its index", method: "POST", url: "/api/v1/locate", body: many(17, hit)[:len(many(17, hit))-2] + `,[116.8,135]]}`, status: 400,
			want: []string{`"message":"points[17]: latitude 135 is outside [-90, 90]"`, `"fields":{"points[17]":`}},
		{name: "swapped", method: "POST", url: "/api/v1/locate", body: `{"points":[[35.5788,116.7582]]}`, status: 400,
			want: []string{`points[0]: [35.5788, 116.7582] looks like [lat, lon]`}},
		{name: "unknown layer", method: "POST", url: "/api/v1/locate", body: `{"points":[[` + hit + `]],"layer":"nope"}`, status: 400, want: []string{`"fields":{"layer":`}},
		{name: "bad detail", method: "POST", url: "/api/v1/locate?detail=maybe", body: `{"points":[]}`, status: 400, want: []string{`"detail"`}},
		{name: "unknown parameter", method: "POST", url: "/api/v1/locate?layer=party", body: `{"points":[]}`, status: 400, want: []string{`"layer"`, `allowed: detail`}},
		{name: "not JSON", method: "POST", url: "/api/v1/locate", body: `points=1`, status: 400, want: []string{`not valid JSON`}},
		{name: "empty body", method: "POST", url: "/api/v1/locate", status: 400, want: []string{`request body is empty`}},
		{name: "too large", method: "POST", url: "/api/v1/locate", body: `{"points":[` + strings.Repeat(" ", 8<<20) + `]}`, status: 400, want: []string{`larger than 8388608 bytes`}},
		{name: "other POSTs still need the token", method: "POST", url: "/api/v1/grids", body: `{}`, status: 401},
	})

	// A body of unknown length (chunked), and an answer of many pieces.
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/locate?detail=true", io.MultiReader(strings.NewReader(many(50000, hit))))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got struct{ Items []json.RawMessage }
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || len(got.Items) != 50000 || string(got.Items[49999]) != single {
		t.Fatalf("chunked batch: %d items, %v", len(got.Items), err)
	}
}
