package gridline_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

func sq(lon, lat, d float64) gridline.Polygon {
	return gridline.Polygon{orb.Ring{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}
}

func TestPolygonValidate(t *testing.T) {
	tests := []struct {
		name    string
		p       gridline.Polygon
		wantErr string
	}{
		{"square", sq(116.8, 35.5, 0.01), ""},
		{"with hole", gridline.Polygon{sq(116.8, 35.5, 0.01)[0], sq(116.802, 35.502, 0.002)[0]}, ""},
		{"no rings", gridline.Polygon{}, "no rings"},
		{"too few positions", gridline.Polygon{orb.Ring{{116.8, 35.5}, {116.9, 35.5}, {116.8, 35.5}}}, "at least 4"},
		{"not closed", gridline.Polygon{orb.Ring{{116.8, 35.5}, {116.9, 35.5}, {116.9, 35.6}, {116.8, 35.6}}}, "not closed"},
		{"lon out of range", sq(181, 35.5, 0.01), "longitude 181 is outside"},
		{"lat out of range", sq(-100, 95, 0.01), "latitude 95 is outside"},
		{"swapped in China", sq(35.5, 116.8, 0.01), "looks like [lat, lon]"},
		{"swapped, both in range", sq(35.5, 80, 0.01), "latitude and longitude look swapped"},
		{"bow tie", gridline.Polygon{orb.Ring{{116.8, 35.5}, {116.9, 35.6}, {116.9, 35.5}, {116.8, 35.6}, {116.8, 35.5}}}, "intersects itself"},
		{"spike", gridline.Polygon{orb.Ring{{116.8, 35.5}, {116.9, 35.5}, {116.9, 35.6}, {116.95, 35.6}, {116.9, 35.6}, {116.8, 35.6}, {116.8, 35.5}}}, "intersects itself"},
		{"zero area", gridline.Polygon{orb.Ring{{116.8, 35.5}, {116.9, 35.5}, {117.0, 35.5}, {116.8, 35.5}}}, "intersects itself"},
		{"hole outside", gridline.Polygon{sq(116.8, 35.5, 0.01)[0], sq(116.9, 35.5, 0.001)[0]}, "outside the outer ring"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(gridline.ErrorMessage(err), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestOverlaps(t *testing.T) {
	base := sq(116.8, 35.5, 0.01)
	cross := gridline.Polygon{orb.Ring{{116.795, 35.504}, {116.815, 35.504}, {116.815, 35.506}, {116.795, 35.506}, {116.795, 35.504}}}
	tests := []struct {
		name string
		b    gridline.Polygon
		want bool
	}{
		{"shared edge", sq(116.81, 35.5, 0.01), false},
		{"shared corner", sq(116.81, 35.51, 0.01), false},
		{"apart", sq(116.9, 35.5, 0.01), false},
		{"identical", sq(116.8, 35.5, 0.01), true},
		{"partial overlap", sq(116.805, 35.505, 0.01), true},
		{"inside", sq(116.802, 35.502, 0.002), true},
		{"contains", sq(116.7, 35.4, 0.3), true},
		{"cross with no vertex inside", cross, true},
		// 0.5 m into the neighbour is within the 1 m tolerance; 5 m is not.
		{"sliver within tolerance", sq(116.81-0.0000055, 35.5, 0.01), false},
		{"beyond tolerance", sq(116.81-0.000055, 35.5, 0.01), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := gridline.Overlaps(base, tt.b, gridline.OverlapToleranceM)
			if got != tt.want {
				t.Fatalf("Overlaps = %v, want %v", got, tt.want)
			}
			if _, rev := gridline.Overlaps(tt.b, base, gridline.OverlapToleranceM); rev != got {
				t.Fatalf("not symmetric")
			}
		})
	}
}

func TestCentroidSmallPolygon(t *testing.T) {
	// A 12 m × 40 m building footprint: the centroid must be its centre to
	// the centimetre, which raw-coordinate shoelace sums miss.
	p := gridline.Polygon{orb.Ring{{116.758, 35.579}, {116.758443, 35.579}, {116.758443, 35.579108}, {116.758, 35.579108}, {116.758, 35.579}}}
	c := p.Centroid()
	if d := (c[0]-116.7582215)*90000 + (c[1]-35.579054)*111000; d > 0.01 || d < -0.01 {
		t.Fatalf("centroid %v is %.3f m off", c, d)
	}
	if !p.Contains(c) {
		t.Fatal("centroid outside its polygon")
	}
}

func TestPolygonContainsAndArea(t *testing.T) {
	p := gridline.Polygon{sq(116.8, 35.5, 0.01)[0], sq(116.802, 35.502, 0.002)[0]}
	for _, tt := range []struct {
		pt   orb.Point
		want bool
	}{
		{orb.Point{116.801, 35.501}, true},
		{orb.Point{116.803, 35.503}, false}, // in the hole
		{orb.Point{116.8, 35.505}, true},    // on the boundary
		{orb.Point{116.811, 35.505}, false},
	} {
		if got := p.Contains(tt.pt); got != tt.want {
			t.Errorf("Contains(%v) = %v", tt.pt, got)
		}
	}
	// 0.01° × 0.01° at 35.5°N ≈ 906 m × 1112 m, less a 0.002° hole.
	a := p.AreaM2()
	if a < 0.96*(1.0e6-0.04e6) || a > 1.04*(1.0e6-0.04e6) {
		t.Fatalf("area = %.0f", a)
	}
}

func TestParseGridsGeoJSON(t *testing.T) {
	feature := func(props, geom string) string {
		return `{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}`
	}
	poly := `{"type":"Polygon","coordinates":[[[116.8,35.5],[116.81,35.5],[116.81,35.51],[116.8,35.51],[116.8,35.5]]]}`
	fc := func(fs ...string) string {
		return `{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`
	}
	ok := feature(`{"name":"a","community_code":"370812001002"}`, poly)
	tests := []struct {
		name, data, wantErr string
	}{
		{"ok", fc(ok, feature(`{"name":"b","code":"370812001002007"}`, poly)), ""},
		{"not json", `{"type":`, "not valid JSON"},
		{"not a collection", feature(`{}`, poly), "want a GeoJSON FeatureCollection"},
		{"no features", fc(), "no features"},
		{"point geometry", fc(ok, feature(`{"name":"a","community_code":"370812001002"}`, `{"type":"Point","coordinates":[116.8,35.5]}`)), "feature 1: geometry is a Point"},
		{"missing name", fc(feature(`{"community_code":"370812001002"}`, poly)), "feature 0: name: is required"},
		{"bad community", fc(feature(`{"name":"a","community_code":"3708"}`, poly)), "feature 0: community_code"},
		{"code not under community", fc(feature(`{"name":"a","code":"370812001002001","community_code":"370812001003"}`, poly)), "does not start with its community code"},
		{"swapped", fc(feature(`{"name":"a","community_code":"370812001002"}`, `{"type":"Polygon","coordinates":[[[35.5,116.8],[35.5,116.81],[35.51,116.81],[35.5,116.8]]]}`)), "looks like [lat, lon]"},
		{"duplicate code", fc(feature(`{"name":"a","code":"370812001002001"}`, poly), feature(`{"name":"b","code":"370812001002001"}`, poly)), "feature 1: code: duplicate code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs, err := gridline.ParseGridsGeoJSON([]byte(tt.data), "")
			if tt.wantErr == "" {
				if err != nil || len(gs) != 2 || gs[1].CommunityCode != "370812001002" || gs[0].Layer != gridline.LayerComprehensive {
					t.Fatalf("grids=%v err=%v", gs, err)
				}
				return
			}
			if gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(gridline.ErrorMessage(err), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzParseGridsGeoJSON(f *testing.F) {
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a","community_code":"370812001002"},"geometry":{"type":"Polygon","coordinates":[[[116.8,35.5],[116.81,35.5],[116.81,35.51],[116.8,35.5]]]}}]}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[]}}]}`)
	f.Add(`{"type":"FeatureCollection","features":[null]}`)
	f.Fuzz(func(t *testing.T, s string) {
		gs, err := gridline.ParseGridsGeoJSON([]byte(s), "")
		if err != nil {
			if code := gridline.ErrorCode(err); code != gridline.EINVALID {
				t.Fatalf("error code %s for bad input: %v", code, err)
			}
			return
		}
		for _, g := range gs {
			if err := g.Validate(); err != nil {
				t.Fatalf("accepted an invalid grid: %v", err)
			}
		}
	})
}

func TestAssignGridCodes(t *testing.T) {
	// A 3×2 block given in scrambled order is numbered in reading order.
	var gs []*gridline.Grid
	order := []int{4, 0, 5, 2, 1, 3}
	for _, i := range order {
		lon := 116.8 + float64(i%3)*0.01
		lat := 35.6 - float64(i/3)*0.01
		gs = append(gs, &gridline.Grid{CommunityCode: "370812001002", Geometry: sq(lon, lat, 0.01)})
	}
	err := gridline.AssignGridCodes(gs, func(string) (int, error) { return 4, nil })
	if err != nil {
		t.Fatal(err)
	}
	for k, i := range order {
		want := "370812001002" + []string{"004", "005", "006", "007", "008", "009"}[i]
		if gs[k].Code != want {
			t.Errorf("grid at block position %d: code %s, want %s", i, gs[k].Code, want)
		}
	}
}

// The reference implementation below is the quadratic Validate and Overlaps
// as they were before the edge index. The property tests hold the indexed
// versions to it: same verdict, same message, same sample point.

func refValidate(p gridline.Polygon) error {
	if len(p) == 0 {
		return gridline.Errorf(gridline.EINVALID, "polygon has no rings")
	}
	for ri, r := range p {
		name := "outer ring"
		if ri > 0 {
			name = fmt.Sprintf("hole %d", ri)
		}
		if len(r) < 4 {
			return gridline.Errorf(gridline.EINVALID, "%s has %d positions; a closed ring needs at least 4", name, len(r))
		}
		if r[0] != r[len(r)-1] {
			return gridline.Errorf(gridline.EINVALID, "%s is not closed: first position %v differs from last %v", name, r[0], r[len(r)-1])
		}
		for i, pt := range r {
			if msg := gridline.ValidateLonLat(pt[0], pt[1]); msg != "" {
				return gridline.Errorf(gridline.EINVALID, "%s position %d: %s", name, i, msg)
			}
		}
		if i, j, ok := refSelfIntersection(r); ok {
			return gridline.Errorf(gridline.EINVALID, "%s intersects itself: edge %d crosses edge %d", name, i, j)
		}
		if refRingArea(r) == 0 {
			return gridline.Errorf(gridline.EINVALID, "%s has zero area", name)
		}
	}
	for a := 1; a < len(p); a++ {
		if !refRingContains(p[0], p[a][0]) {
			return gridline.Errorf(gridline.EINVALID, "hole %d lies outside the outer ring", a)
		}
		for b := 0; b < a; b++ {
			if refRingsCross(p[a], p[b]) {
				return gridline.Errorf(gridline.EINVALID, "hole %d crosses ring %d", a, b)
			}
		}
	}
	return nil
}

func refContains(p gridline.Polygon, pt orb.Point) bool {
	if len(p) == 0 || !refRingContains(p[0], pt) {
		return false
	}
	for _, h := range p[1:] {
		if refRingContains(h, pt) && !refOnRing(h, pt) {
			return false
		}
	}
	return true
}

func refRingContains(r orb.Ring, pt orb.Point) bool {
	in := false
	x, y := pt[0], pt[1]
	n := len(r)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		xi, yi, xj, yj := r[i][0], r[i][1], r[j][0], r[j][1]
		if (yi > y) != (yj > y) {
			cx := xi + (y-yi)*(xj-xi)/(yj-yi)
			if x == cx {
				return true
			}
			if x < cx {
				in = !in
			}
		} else if yi == y && yj == y && (x-xi)*(x-xj) <= 0 {
			return true
		}
	}
	return in
}

func refOnRing(r orb.Ring, pt orb.Point) bool {
	for i := 1; i < len(r); i++ {
		if refSegDist(pt, r[i-1], r[i]) == 0 {
			return true
		}
	}
	return false
}

func refMetresPerDegree(lat float64) (kx, ky float64) {
	const r = 6371008.8
	ky = r * math.Pi / 180
	kx = ky * math.Cos(lat*math.Pi/180)
	return kx, ky
}

func refSelfIntersection(r orb.Ring) (int, int, bool) {
	n := len(r) - 1
	for i := 0; i < n; i++ {
		a1, a2 := r[i], r[i+1]
		if a1 == a2 {
			continue
		}
		minx, maxx := math.Min(a1[0], a2[0]), math.Max(a1[0], a2[0])
		miny, maxy := math.Min(a1[1], a2[1]), math.Max(a1[1], a2[1])
		for j := i + 1; j < n; j++ {
			b1, b2 := r[j], r[j+1]
			if math.Max(b1[0], b2[0]) < minx || math.Min(b1[0], b2[0]) > maxx ||
				math.Max(b1[1], b2[1]) < miny || math.Min(b1[1], b2[1]) > maxy {
				continue
			}
			adjacent := j == i+1 || (i == 0 && j == n-1)
			if adjacent {
				var shared, oa, ob orb.Point
				if j == i+1 {
					shared, oa, ob = a2, a1, b2
				} else {
					shared, oa, ob = a1, a2, b1
				}
				if refCross(shared, oa, ob) == 0 && refDot(shared, oa, ob) > 0 {
					return i, j, true
				}
				continue
			}
			if refSegmentsIntersect(a1, a2, b1, b2) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

func refRingsCross(a, b orb.Ring) bool {
	for i := 0; i+1 < len(a); i++ {
		for j := 0; j+1 < len(b); j++ {
			if refSegmentsIntersect(a[i], a[i+1], b[j], b[j+1]) {
				return true
			}
		}
	}
	return false
}

func refCross(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

func refDot(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[0]-o[0]) + (a[1]-o[1])*(b[1]-o[1])
}

func refOnSegment(p, a, b orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

func refSegmentsIntersect(a1, a2, b1, b2 orb.Point) bool {
	d1, d2 := refCross(b1, b2, a1), refCross(b1, b2, a2)
	d3, d4 := refCross(a1, a2, b1), refCross(a1, a2, b2)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && refOnSegment(a1, b1, b2)) || (d2 == 0 && refOnSegment(a2, b1, b2)) ||
		(d3 == 0 && refOnSegment(b1, a1, a2)) || (d4 == 0 && refOnSegment(b2, a1, a2))
}

func refSegDist(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	x, y := a[0]+t*dx-p[0], a[1]+t*dy-p[1]
	return math.Hypot(x, y)
}

func refDistToBoundaryM(p gridline.Polygon, pt orb.Point) float64 {
	kx, ky := refMetresPerDegree(pt[1])
	best := math.Inf(1)
	for _, r := range p {
		for i := 1; i < len(r); i++ {
			a := orb.Point{(r[i-1][0] - pt[0]) * kx, (r[i-1][1] - pt[1]) * ky}
			b := orb.Point{(r[i][0] - pt[0]) * kx, (r[i][1] - pt[1]) * ky}
			if d := refSegDist(orb.Point{}, a, b); d < best {
				best = d
			}
		}
	}
	return best
}

func refOverlaps(a, b gridline.Polygon, tolM float64) (orb.Point, bool) {
	if len(a) == 0 || len(b) == 0 || !a.Bound().Intersects(b.Bound()) {
		return orb.Point{}, false
	}
	if pt, ok := refEdgesInside(a, b, tolM); ok {
		return pt, true
	}
	if pt, ok := refEdgesInside(b, a, tolM); ok {
		return pt, true
	}
	for _, pair := range [2][2]gridline.Polygon{{a, b}, {b, a}} {
		if pt, ok := pair[0].InteriorPoint(); ok && refContains(pair[1], pt) &&
			refDistToBoundaryM(pair[1], pt) > tolM && refDistToBoundaryM(pair[0], pt) > tolM {
			return pt, true
		}
	}
	return orb.Point{}, false
}

func refEdgesInside(a, b gridline.Polygon, tolM float64) (orb.Point, bool) {
	deep := func(pt orb.Point) bool {
		return refContains(b, pt) && refDistToBoundaryM(b, pt) > tolM
	}
	bb := b.Bound()
	ts := make([]float64, 0, 8)
	for _, r := range a {
		for i := 1; i < len(r); i++ {
			p1, p2 := r[i-1], r[i]
			seg := orb.Bound{Min: orb.Point{math.Min(p1[0], p2[0]), math.Min(p1[1], p2[1])},
				Max: orb.Point{math.Max(p1[0], p2[0]), math.Max(p1[1], p2[1])}}
			if !seg.Intersects(bb) {
				continue
			}
			ts = append(ts[:0], 0, 1)
			for _, br := range b {
				for j := 1; j < len(br); j++ {
					if t, ok := refCrossParam(p1, p2, br[j-1], br[j]); ok {
						ts = append(ts, t)
					}
				}
			}
			slices.Sort(ts)
			for k := 0; k < len(ts); k++ {
				pts := []float64{ts[k]}
				if k+1 < len(ts) {
					pts = append(pts, (ts[k]+ts[k+1])/2)
				}
				for _, t := range pts {
					pt := orb.Point{p1[0] + t*(p2[0]-p1[0]), p1[1] + t*(p2[1]-p1[1])}
					if deep(pt) {
						return pt, true
					}
				}
			}
		}
	}
	return orb.Point{}, false
}

func refCrossParam(p1, p2, q1, q2 orb.Point) (float64, bool) {
	rx, ry := p2[0]-p1[0], p2[1]-p1[1]
	sx, sy := q2[0]-q1[0], q2[1]-q1[1]
	den := rx*sy - ry*sx
	if den == 0 {
		return 0, false
	}
	qpx, qpy := q1[0]-p1[0], q1[1]-p1[1]
	t := (qpx*sy - qpy*sx) / den
	u := (qpx*ry - qpy*rx) / den
	if t < 0 || t > 1 || u < 0 || u > 1 {
		return 0, false
	}
	return t, true
}

func refRingArea(r orb.Ring) float64 {
	if len(r) == 0 {
		return 0
	}
	o := r[0]
	a := 0.0
	for j := 0; j+1 < len(r); j++ {
		a += (r[j][0]-o[0])*(r[j+1][1]-o[1]) - (r[j+1][0]-o[0])*(r[j][1]-o[1])
	}
	return a / 2
}

// star returns a closed ring of n vertices around c at evenly spaced
// angles, each at a radius between (1-jitter)·r and r: star-shaped, so
// simple.
func star(rng *rand.Rand, c orb.Point, n int, r, jitter float64) orb.Ring {
	ring := make(orb.Ring, 0, n+1)
	for k := range n {
		a := 2 * math.Pi * float64(k) / float64(n)
		d := r * (1 - jitter*rng.Float64())
		ring = append(ring, orb.Point{c[0] + d*math.Cos(a), c[1] + d*math.Sin(a)})
	}
	return append(ring, ring[0])
}

// neighbours returns two polygons of about n vertices each that share a
// wiggly north-south border of n vertices: the west one and the east one.
func neighbours(rng *rand.Rand, n int) (west, east gridline.Polygon) {
	const x0, y0, h, w = 116.8, 35.5, 0.01, 0.005
	border := make(orb.LineString, n)
	for k := range border {
		t := float64(k) / float64(n-1)
		border[k] = orb.Point{x0 + 0.001*math.Sin(40*t) + 0.0002*rng.Float64(), y0 + h*t}
	}
	wr := append(orb.Ring{}, border...)
	wr = append(wr, orb.Point{x0 - w, y0 + h}, orb.Point{x0 - w, y0}, border[0])
	er := orb.Ring{{x0 + w, y0}, {x0 + w, y0 + h}}
	for k := n - 1; k >= 0; k-- {
		er = append(er, border[k])
	}
	er = append(er, er[0])
	return gridline.Polygon{wr}, gridline.Polygon{er}
}

// randomRing returns one of several kinds of ring around c, most of them
// invalid in some way, with coordinates optionally snapped to a coarse
// lattice so that shared vertices, touching edges and collinear overlaps
// are common.
func randomRing(rng *rand.Rand, c orb.Point, n int, r float64) orb.Ring {
	var ring orb.Ring
	switch rng.IntN(6) {
	case 0, 1: // star-shaped: valid unless snapping folds it
		ring = star(rng, c, n, r, rng.Float64())
	case 2: // random points: crosses itself almost surely
		for range n {
			ring = append(ring, orb.Point{c[0] + r*(2*rng.Float64()-1), c[1] + r*(2*rng.Float64()-1)})
		}
		ring = append(ring, ring[0])
	case 3: // star with two vertices swapped
		ring = star(rng, c, n, r, 0.3)
		i, j := rng.IntN(n), rng.IntN(n)
		ring[i], ring[j] = ring[j], ring[i]
		ring[n] = ring[0]
	case 4: // star with a spike, a repeated position or a vertex pulled out
		ring = star(rng, c, n, r, 0.3)
		i := 1 + rng.IntN(n-1)
		switch rng.IntN(3) {
		case 0:
			ring = slices.Insert(ring, i+1, ring[i-1])
		case 1:
			ring = slices.Insert(ring, i, ring[i])
		default:
			ring[i] = orb.Point{c[0] + 2*r*(rng.Float64()-0.5), c[1] + 2*r*(rng.Float64()-0.5)}
		}
	default: // a star traced twice: every edge overlaps another
		ring = star(rng, c, n/2+2, r, 0.2)
		ring = append(ring, ring[1:]...)
	}
	if rng.IntN(3) == 0 {
		q := r / float64(2+rng.IntN(8))
		for i, p := range ring {
			ring[i] = orb.Point{c[0] + math.Round((p[0]-c[0])/q)*q, c[1] + math.Round((p[1]-c[1])/q)*q}
		}
	}
	return ring
}

// randomPolygon returns an outer ring with up to a few holes, some inside,
// some crossing it or each other, some outside.
func randomPolygon(rng *rand.Rand, c orb.Point, n int, r float64) gridline.Polygon {
	p := gridline.Polygon{star(rng, c, n, r, 0.3*rng.Float64())}
	if rng.IntN(3) == 0 {
		p[0] = randomRing(rng, c, n, r)
	}
	for range rng.IntN(4) {
		hc := orb.Point{c[0] + 0.8*r*(2*rng.Float64()-1), c[1] + 0.8*r*(2*rng.Float64()-1)}
		hr := r * (0.05 + 0.4*rng.Float64())
		if rng.IntN(4) == 0 {
			p = append(p, randomRing(rng, hc, 3+rng.IntN(n), hr))
		} else {
			p = append(p, star(rng, hc, 3+rng.IntN(n), hr, 0.3))
		}
	}
	return p
}

// size returns a ring size on either side of the one where the edge index
// switches to its R-tree, up to about big.
func size(rng *rand.Rand, big int) int {
	if rng.IntN(2) == 0 {
		return 3 + rng.IntN(30)
	}
	return 60 + rng.IntN(big-60)
}

// TestValidateMatchesReference holds the indexed Validate to the quadratic
// one: the same verdict and the same message on every polygon.
func TestValidateMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	c := orb.Point{116.8, 35.5}
	invalid := 0
	for k := range 1500 {
		var p gridline.Polygon
		if k%2 == 0 {
			p = gridline.Polygon{randomRing(rng, c, size(rng, 360), 0.01)}
		} else {
			p = randomPolygon(rng, c, size(rng, 360), 0.01)
		}
		got, want := p.Validate(), refValidate(p)
		if gridline.ErrorMessage(got) != gridline.ErrorMessage(want) {
			t.Fatalf("polygon %d (%d rings, %d positions in the outer):\n got %v\nwant %v\n%v", k, len(p), len(p[0]), got, want, p)
		}
		if want != nil {
			invalid++
		}
	}
	// Both kinds must be well represented for the comparison to mean much.
	if invalid < 300 || invalid > 1200 {
		t.Fatalf("%d of 1500 random polygons invalid", invalid)
	}
}

// TestValidateManyHoles compares polygons with 144 holes, one of them
// touching, crossing or outside, on the cross-ring checks the index prunes.
func TestValidateManyHoles(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	c := orb.Point{116.8, 35.5}
	for k := range 6 {
		p := gridline.Polygon{star(rng, c, 2000, 0.01, 0.05)}
		if k == 5 {
			// Listed first, a hole whose first vertex is on the outer
			// ring: inside by the crossing-number test, so it crosses.
			v := p[0][700]
			h := star(rng, orb.Point{v[0] * 0.999999, v[1] * 0.999999}, 8, 0.0001, 0)
			h[0], h[8] = v, v
			p = append(p, h)
		}
		for i := range 12 {
			for j := range 12 {
				hc := orb.Point{c[0] - 0.0033 + 0.0006*float64(i), c[1] - 0.0033 + 0.0006*float64(j)}
				p = append(p, star(rng, hc, 8, 0.00025, 0.2))
			}
		}
		switch k {
		case 1: // a hole moved and grown over its neighbours
			p[50] = star(rng, p[50][0], 8, 0.00062, 0)
		case 2: // a hole outside the outer ring
			p[100] = star(rng, orb.Point{c[0] + 0.02, c[1]}, 8, 0.0002, 0)
		case 3: // a hole that sticks out through the outer ring
			p[20] = star(rng, orb.Point{c[0] - 0.0098, c[1]}, 8, 0.0005, 0)
		case 4: // a hole sharing a vertex with the previous one
			p[70] = slices.Clone(p[69])
			for i := range p[70] {
				p[70][i][0] += p[69][0][0] - p[69][4][0]
			}
		}
		got, want := p.Validate(), refValidate(p)
		if gridline.ErrorMessage(got) != gridline.ErrorMessage(want) {
			t.Fatalf("case %d: got %v, want %v", k, got, want)
		}
		wantMsg := []string{"", "hole 50 crosses ring 49", "hole 100 lies outside the outer ring",
			"hole 20 crosses ring 0", "hole 70 crosses ring 69", "hole 1 crosses ring 0"}[k]
		if gridline.ErrorMessage(want) != wantMsg {
			t.Fatalf("case %d: reference says %v, want %q", k, want, wantMsg)
		}
	}
}

// TestOverlapsMatchesReference holds the indexed Overlaps to the quadratic
// one: the same verdict and the same sample point.
func TestOverlapsMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	c := orb.Point{116.8, 35.5}
	counts := map[bool]int{}
	check := func(k int, a, b gridline.Polygon, tol float64) {
		t.Helper()
		gotPt, got := gridline.Overlaps(a, b, tol)
		wantPt, want := refOverlaps(a, b, tol)
		if got != want || gotPt != wantPt {
			t.Fatalf("pair %d: got %v %v, want %v %v\na=%v\nb=%v", k, got, gotPt, want, wantPt, a, b)
		}
		counts[want]++
	}
	for k := range 200 {
		r := 0.01 * (0.2 + rng.Float64())
		a := gridline.Polygon{star(rng, c, size(rng, 130), 0.01, 0.5*rng.Float64())}
		if rng.IntN(4) == 0 {
			a = randomPolygon(rng, c, size(rng, 130), 0.01)
		}
		var b gridline.Polygon
		switch rng.IntN(6) {
		case 0: // somewhere nearby, overlapping or not
			d := orb.Point{c[0] + 0.025*(rng.Float64()-0.5), c[1] + 0.025*(rng.Float64()-0.5)}
			b = gridline.Polygon{star(rng, d, size(rng, 130), r, 0.5*rng.Float64())}
		case 1: // the same shape, moved by about the tolerance
			off := (rng.Float64() - 0.5) * 4e-5
			b = gridline.Polygon{}
			for _, ring := range a {
				moved := slices.Clone(ring)
				for i := range moved {
					moved[i][0] += off
				}
				b = append(b, moved)
			}
		case 2: // inside a, perhaps in one of its holes
			b = gridline.Polygon{star(rng, c, size(rng, 130), 0.01*rng.Float64(), 0.3)}
			if len(a) > 1 {
				h := a[1+rng.IntN(len(a)-1)]
				b = gridline.Polygon{star(rng, h.Bound().Center(), size(rng, 130), 0.0005, 0.3)}
			}
		case 3: // neighbours sharing a border, or one of them and a shift of the other
			w, e := neighbours(rng, 2+size(rng, 130)/2)
			a, b = w, e
			if rng.IntN(2) == 0 {
				for i := range b[0] {
					b[0][i][0] -= 5e-6 * float64(rng.IntN(3))
				}
			}
		case 4: // filling a's hole exactly: every vertex of b is on a's boundary
			a = gridline.Polygon{star(rng, c, size(rng, 130), 0.01, 0.2), star(rng, c, size(rng, 130), 0.005, 0.2)}
			b = gridline.Polygon{slices.Clone(a[1])}
		default: // a random polygon snapped to a lattice: degenerate contacts
			b = gridline.Polygon{randomRing(rng, c, size(rng, 130), r)}
		}
		tol := gridline.OverlapToleranceM
		if rng.IntN(5) == 0 {
			tol = []float64{0, -1, 10, 100}[rng.IntN(4)]
		}
		check(k, a, b, tol)
		check(k, b, a, tol)
	}
	if counts[true] < 80 || counts[false] < 80 {
		t.Fatalf("verdicts %v: too one-sided", counts)
	}
}

// regular returns a closed regular n-gon around c: convex, so swapping two
// neighbouring vertices k and k+1 makes edges k-1 and k+1 cross, and no
// earlier pair.
func regular(n int, c orb.Point, r float64) orb.Ring {
	return star(rand.New(rand.NewPCG(0, 0)), c, n, r, 0)
}

func swapped(r orb.Ring, k int) orb.Ring {
	r = slices.Clone(r)
	r[k], r[k+1] = r[k+1], r[k]
	return r
}

func TestValidateLarge(t *testing.T) {
	c := orb.Point{116.8, 35.5}
	// The swap gives the message below on a ring small enough to check
	// against the quadratic reference.
	small := gridline.Polygon{swapped(regular(3000, c, 0.005), 1700)}
	if msg := gridline.ErrorMessage(refValidate(small)); msg != "outer ring intersects itself: edge 1699 crosses edge 1701" {
		t.Fatalf("reference: %s", msg)
	}
	circle := regular(gridline.MaxPolygonVertices, c, 0.005)
	hole := regular(4, c, 0.001)
	tests := []struct {
		name    string
		p       gridline.Polygon
		wantErr string
	}{
		{"100,000 vertices", gridline.Polygon{circle}, ""},
		{"100,000 vertices, one crossing", gridline.Polygon{swapped(circle, 60_000)},
			"outer ring intersects itself: edge 59999 crosses edge 60001"},
		{"100,001 vertices", gridline.Polygon{regular(gridline.MaxPolygonVertices+1, c, 0.005)},
			"polygon has 100,001 vertices; at most 100,000 are allowed"},
		{"100,001 vertices with the hole", gridline.Polygon{regular(gridline.MaxPolygonVertices-3, c, 0.005), hole},
			"polygon has 100,001 vertices; at most 100,000 are allowed"},
		{"a hole crossing the 100,000-vertex ring", gridline.Polygon{regular(gridline.MaxPolygonVertices-4, c, 0.005),
			regular(4, orb.Point{c[0], c[1] + 0.0045}, 0.001)}, "hole 1 crosses ring 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if msg := gridline.ErrorMessage(tt.p.Validate()); msg != tt.wantErr {
				t.Fatalf("got %q, want %q", msg, tt.wantErr)
			}
		})
	}
}

// cancelAfter is a context that reports itself cancelled from its n-th
// Err call on, to cancel in the middle of the work.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

func TestGeometryCancel(t *testing.T) {
	big := gridline.Polygon{regular(gridline.MaxPolygonVertices, orb.Point{116.8, 35.5}, 0.005)}
	west, east := neighbours(rand.New(rand.NewPCG(4, 4)), 20_000)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, ctx := range []context.Context{cancelled, &cancelAfter{context.Background(), 3}} {
		if err := big.ValidateContext(ctx); !errors.Is(err, context.Canceled) || gridline.ErrorCode(err) != gridline.EINTERNAL {
			t.Errorf("ValidateContext: %v", err)
		}
	}
	// Whatever the cut-short searches found, the error must win.
	for _, ctx := range []context.Context{cancelled, &cancelAfter{context.Background(), 3}} {
		if _, ok, err := gridline.OverlapsContext(ctx, west, east, gridline.OverlapToleranceM); !errors.Is(err, context.Canceled) || ok {
			t.Errorf("OverlapsContext: %v %v", ok, err)
		}
	}
	if _, ok, err := gridline.OverlapsContext(context.Background(), west, east, gridline.OverlapToleranceM); ok || err != nil {
		t.Errorf("OverlapsContext, not cancelled: %v %v", ok, err)
	}
}
