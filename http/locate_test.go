package http_test

import (
	"context"
	"encoding/json"
	"fmt"
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
// /api/v1/locate and a point written without a grid — and requires one
// answer. The points include shared vertices and edge midpoints, where two
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
