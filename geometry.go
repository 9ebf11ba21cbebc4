package gridline

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/tidwall/rtree"
)

// Polygon is a polygon in WGS-84 longitude/latitude: an outer ring followed
// by holes, each ring closed (first position equals last). It marshals as a
// GeoJSON Polygon geometry.
type Polygon orb.Polygon

// MarshalJSON encodes p as a GeoJSON geometry, or null when empty.
func (p Polygon) MarshalJSON() ([]byte, error) {
	if len(p) == 0 {
		return []byte("null"), nil
	}
	return json.Marshal(geojson.NewGeometry(orb.Polygon(p)))
}

// UnmarshalJSON decodes a GeoJSON Polygon geometry (or a MultiPolygon with
// exactly one polygon).
func (p *Polygon) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*p = nil
		return nil
	}
	var g geojson.Geometry
	if err := json.Unmarshal(b, &g); err != nil {
		return Errorf(EINVALID, "geometry is not valid GeoJSON: %v", err)
	}
	pg, err := PolygonFromGeometry(g.Geometry())
	if err != nil {
		return err
	}
	*p = pg
	return nil
}

// PolygonFromGeometry accepts a Polygon or a single-part MultiPolygon.
func PolygonFromGeometry(g orb.Geometry) (Polygon, error) {
	switch g := g.(type) {
	case orb.Polygon:
		return Polygon(g), nil
	case orb.MultiPolygon:
		if len(g) == 1 {
			return Polygon(g[0]), nil
		}
		return nil, Errorf(EINVALID, "geometry is a MultiPolygon with %d parts; a grid must be one polygon", len(g))
	case nil:
		return nil, Errorf(EINVALID, "geometry is missing")
	default:
		return nil, Errorf(EINVALID, "geometry is a %s; want Polygon", g.GeoJSONType())
	}
}

// Bound returns the bounding box of p.
func (p Polygon) Bound() orb.Bound { return orb.Polygon(p).Bound() }

// Contains reports whether the point lies inside p (inside the outer ring
// and outside every hole). Points on the boundary count as inside.
func (p Polygon) Contains(pt orb.Point) bool {
	if len(p) == 0 || !ringContains(p[0], pt) {
		return false
	}
	for _, h := range p[1:] {
		if ringContains(h, pt) && !onRing(h, pt) {
			return false
		}
	}
	return true
}

// ringContains is a crossing-number test; boundary points count as inside.
func ringContains(r orb.Ring, pt orb.Point) bool {
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
			return true // on a horizontal edge
		}
	}
	return in
}

// rayStep is the body of ringContains's loop for the edge from pj to pi:
// whether pt lies on it and whether the ray from pt towards +x crosses
// it. The edge index runs it on the edges near the ray only. It must do
// the same arithmetic, down to which end is pi, for both to agree; it is
// a copy because as a call it would slow Locate, which runs ringContains
// on its hot path.
func rayStep(pi, pj, pt orb.Point) (on, flip bool) {
	x, y := pt[0], pt[1]
	xi, yi, xj, yj := pi[0], pi[1], pj[0], pj[1]
	if (yi > y) != (yj > y) {
		cx := xi + (y-yi)*(xj-xi)/(yj-yi)
		return x == cx, x < cx
	}
	return yi == y && yj == y && (x-xi)*(x-xj) <= 0, false
}

func onRing(r orb.Ring, pt orb.Point) bool {
	for i := 1; i < len(r); i++ {
		if segDist(pt, r[i-1], r[i]) == 0 {
			return true
		}
	}
	return false
}

// Centroid returns the area centroid of p's outer ring. Coordinates are
// taken relative to the first vertex: products of raw longitudes lose the
// precision a building-sized polygon needs.
func (p Polygon) Centroid() orb.Point {
	if len(p) == 0 || len(p[0]) == 0 {
		return orb.Point{}
	}
	r := p[0]
	o := r[0]
	var a, cx, cy float64
	for i := 0; i+1 < len(r); i++ {
		x0, y0 := r[i][0]-o[0], r[i][1]-o[1]
		x1, y1 := r[i+1][0]-o[0], r[i+1][1]-o[1]
		f := x0*y1 - x1*y0
		a += f
		cx += (x0 + x1) * f
		cy += (y0 + y1) * f
	}
	if a == 0 {
		return r.Bound().Center()
	}
	return orb.Point{o[0] + cx/(3*a), o[1] + cy/(3*a)}
}

// AreaM2 returns p's area in square metres (outer ring less holes), using
// a local equirectangular projection: accurate to well under 1 % at grid
// scale.
func (p Polygon) AreaM2() float64 {
	if len(p) == 0 {
		return 0
	}
	lat0 := p.Bound().Center()[1]
	kx, ky := metresPerDegree(lat0)
	area := 0.0
	for i, r := range p {
		a := math.Abs(ringArea(r)) * kx * ky
		if i == 0 {
			area += a
		} else {
			area -= a
		}
	}
	return area
}

// metresPerDegree returns metres per degree of longitude and latitude at lat.
func metresPerDegree(lat float64) (kx, ky float64) {
	const r = 6371008.8
	ky = r * math.Pi / 180
	kx = ky * math.Cos(lat*math.Pi/180)
	return kx, ky
}

// China's extent, used to recognise swapped coordinates.
const (
	chinaMinLon, chinaMaxLon = 73.0, 136.0
	chinaMinLat, chinaMaxLat = 3.0, 54.0
)

// InChina reports whether a lon/lat pair lies in China's bounding box.
func InChina(lon, lat float64) bool {
	return lon >= chinaMinLon && lon <= chinaMaxLon && lat >= chinaMinLat && lat <= chinaMaxLat
}

// ValidateLonLat checks one coordinate pair and names the problem.
func ValidateLonLat(lon, lat float64) string {
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return "coordinate is not a finite number"
	}
	if lon < -180 || lon > 180 {
		return fmt.Sprintf("longitude %g is outside [-180, 180]", lon)
	}
	if lat < -90 || lat > 90 {
		if InChina(lat, lon) {
			return fmt.Sprintf("[%g, %g] looks like [lat, lon]: GeoJSON and Gridline want [lon, lat]", lon, lat)
		}
		return fmt.Sprintf("latitude %g is outside [-90, 90]", lat)
	}
	if !InChina(lon, lat) && InChina(lat, lon) {
		return fmt.Sprintf("[%g, %g] is outside China but [%g, %g] is inside: latitude and longitude look swapped", lon, lat, lat, lon)
	}
	return ""
}

// MaxPolygonVertices is the most vertices a polygon may have, all rings
// together, not counting the position that closes each ring. A grid drawn
// by hand has tens to hundreds; a boundary traced from survey data a few
// thousand. Validating 100,000 takes well under a second (see
// docs/benchmarks.md), and the limit also bounds the worst case of shapes
// whose edges' bounding boxes overlap a lot, which the edge index cannot
// prune.
const MaxPolygonVertices = 100_000

// Validate checks that p is a usable grid or footprint polygon: at most
// MaxPolygonVertices vertices, at least one ring, every ring closed with at
// least four positions, coordinates in range (swapped lat/lon named as
// such), non-zero area, and no ring that crosses itself or another ring.
// It returns EINVALID with the reason.
func (p Polygon) Validate() error {
	return p.ValidateContext(context.Background())
}

// ValidateContext is Validate that gives up, returning an error wrapping
// ctx.Err(), once ctx is done: a request whose client has gone should not
// keep checking a large polygon.
func (p Polygon) ValidateContext(ctx context.Context) error {
	if n := p.vertexCount(); n > MaxPolygonVertices {
		return Errorf(EINVALID, "polygon has %s vertices; at most %s are allowed", thousands(n), thousands(MaxPolygonVertices))
	}
	if len(p) == 0 {
		return Errorf(EINVALID, "polygon has no rings")
	}
	c := canceller{ctx: ctx}
	x := newEdgeIndex(&c, p)
	for ri, r := range p {
		name := "outer ring"
		if ri > 0 {
			name = fmt.Sprintf("hole %d", ri)
		}
		if len(r) < 4 {
			return Errorf(EINVALID, "%s has %d positions; a closed ring needs at least 4", name, len(r))
		}
		if r[0] != r[len(r)-1] {
			return Errorf(EINVALID, "%s is not closed: first position %v differs from last %v", name, r[0], r[len(r)-1])
		}
		for i, pt := range r {
			if msg := ValidateLonLat(pt[0], pt[1]); msg != "" {
				return Errorf(EINVALID, "%s position %d: %s", name, i, msg)
			}
		}
		// Indexed only now: a NaN in the R-tree would hide other edges.
		x.addRing()
		i, j, ok := x.selfIntersection(ri)
		if err := x.c.check(); err != nil {
			return err
		}
		if ok {
			return Errorf(EINVALID, "%s intersects itself: edge %d crosses edge %d", name, i, j)
		}
		if ringArea(r) == 0 {
			return Errorf(EINVALID, "%s has zero area", name)
		}
	}
	for a := 1; a < len(p); a++ {
		in := x.ringContains(0, p[a][0])
		if err := x.c.check(); err != nil {
			return err
		}
		if !in {
			return Errorf(EINVALID, "hole %d lies outside the outer ring", a)
		}
		b := x.firstCrossedRing(a)
		if err := x.c.check(); err != nil {
			return err
		}
		if b >= 0 {
			return Errorf(EINVALID, "hole %d crosses ring %d", a, b)
		}
	}
	return nil
}

// vertexCount counts p's positions less each ring's closing one.
func (p Polygon) vertexCount() int {
	n := 0
	for _, r := range p {
		n += max(len(r)-1, 0)
	}
	return n
}

// thousands formats a non-negative n with comma separators, as limits are
// written in the docs.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// selfIntersection finds two non-adjacent edges of closed ring ri that
// touch or cross, or two adjacent edges that fold back onto each other. Of
// all such pairs (i, j), i < j, it returns the first in (i, j) order, the
// one the quadratic loop it replaces reported.
func (x *edgeIndex) selfIntersection(ri int) (int, int, bool) {
	r := x.p[ri]
	if x.tree == nil {
		return selfIntersection(r)
	}
	n := len(r) - 1 // edges
	for i := 0; i < n && x.c.err == nil; i++ {
		a1, a2 := r[i], r[i+1]
		if a1 == a2 {
			continue // repeated position: harmless
		}
		first := n // also excludes the closing edge, number n
		x.search(segBound(a1, a2), func(e edge) bool {
			if j := int(e.i); int(e.ring) == ri && i < j && j < first && edgesMeet(i, j, n, a1, a2, r[j], r[j+1]) {
				first = j
			}
			return true
		})
		if first < n {
			return i, first, true
		}
	}
	return 0, 0, false
}

// edgesMeet reports whether edges i < j of a ring of n edges, a1a2 and
// b1b2, make the ring invalid: non-adjacent edges that touch or cross, or
// adjacent edges (sharing one endpoint) that overlap along a line (a spike).
func edgesMeet(i, j, n int, a1, a2, b1, b2 orb.Point) bool {
	if j == i+1 || (i == 0 && j == n-1) {
		var shared, oa, ob orb.Point
		if j == i+1 {
			shared, oa, ob = a2, a1, b2
		} else {
			shared, oa, ob = a1, a2, b1
		}
		return cross(shared, oa, ob) == 0 && dot(shared, oa, ob) > 0
	}
	return segmentsIntersect(a1, a2, b1, b2)
}

// firstCrossedRing returns the lowest-numbered ring before ring a that an
// edge of ring a touches or crosses, or -1.
func (x *edgeIndex) firstCrossedRing(a int) int {
	r := x.p[a]
	if x.tree == nil {
		for b := range a {
			if ringsCross(r, x.p[b]) {
				return b
			}
		}
		return -1
	}
	first := a
	for i := 0; i+1 < len(r) && first > 0 && x.c.err == nil; i++ {
		a1, a2 := r[i], r[i+1]
		x.search(segBound(a1, a2), func(e edge) bool {
			if b := int(e.ring); b < first && !x.closing(e) && segmentsIntersect(a1, a2, x.p[b][e.i], x.p[b][e.i+1]) {
				first = b
			}
			return first > 0
		})
	}
	if first == a {
		return -1
	}
	return first
}

// selfIntersection is edgeIndex.selfIntersection for a polygon too small
// to index: every pair of edges whose boxes meet.
func selfIntersection(r orb.Ring) (int, int, bool) {
	n := len(r) - 1 // edges
	for i := 0; i < n; i++ {
		a1, a2 := r[i], r[i+1]
		if a1 == a2 {
			continue // repeated position: harmless
		}
		minx, maxx := math.Min(a1[0], a2[0]), math.Max(a1[0], a2[0])
		miny, maxy := math.Min(a1[1], a2[1]), math.Max(a1[1], a2[1])
		for j := i + 1; j < n; j++ {
			b1, b2 := r[j], r[j+1]
			if math.Max(b1[0], b2[0]) < minx || math.Min(b1[0], b2[0]) > maxx ||
				math.Max(b1[1], b2[1]) < miny || math.Min(b1[1], b2[1]) > maxy {
				continue
			}
			if edgesMeet(i, j, n, a1, a2, b1, b2) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

func ringsCross(a, b orb.Ring) bool {
	for i := 0; i+1 < len(a); i++ {
		for j := 0; j+1 < len(b); j++ {
			if segmentsIntersect(a[i], a[i+1], b[j], b[j+1]) {
				return true
			}
		}
	}
	return false
}

func cross(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

func dot(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[0]-o[0]) + (a[1]-o[1])*(b[1]-o[1])
}

func onSegment(p, a, b orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsIntersect reports whether segments a1a2 and b1b2 share a point.
func segmentsIntersect(a1, a2, b1, b2 orb.Point) bool {
	d1, d2 := cross(b1, b2, a1), cross(b1, b2, a2)
	d3, d4 := cross(a1, a2, b1), cross(a1, a2, b2)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(a1, b1, b2)) || (d2 == 0 && onSegment(a2, b1, b2)) ||
		(d3 == 0 && onSegment(b1, a1, a2)) || (d4 == 0 && onSegment(b2, a1, a2))
}

// segDist returns the distance in degrees from p to segment ab.
func segDist(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	x, y := a[0]+t*dx-p[0], a[1]+t*dy-p[1]
	return math.Hypot(x, y)
}

// edgeDistM returns the distance in metres from pt to edge ab, in the local
// projection at pt given by metresPerDegree.
func edgeDistM(pt, a, b orb.Point, kx, ky float64) float64 {
	pa := orb.Point{(a[0] - pt[0]) * kx, (a[1] - pt[1]) * ky}
	pb := orb.Point{(b[0] - pt[0]) * kx, (b[1] - pt[1]) * ky}
	return segDist(orb.Point{}, pa, pb)
}

// OverlapToleranceM is how far (in metres) one grid may reach into another
// of the same layer before they count as overlapping: hand-drawn shared
// borders rarely match to the centimetre.
const OverlapToleranceM = 1.0

// Overlaps reports whether a and b share interior area deeper than tolM
// metres, and a sample point inside both. It tests every vertex of each
// polygon against the other, and the midpoints between successive crossings
// along every edge, so crossing shapes with no vertex inside the other are
// caught too.
func Overlaps(a, b Polygon, tolM float64) (orb.Point, bool) {
	pt, ok, _ := OverlapsContext(context.Background(), a, b, tolM)
	return pt, ok
}

// OverlapsContext is Overlaps that gives up, returning an error wrapping
// ctx.Err(), once ctx is done.
func OverlapsContext(ctx context.Context, a, b Polygon, tolM float64) (orb.Point, bool, error) {
	if len(a) == 0 || len(b) == 0 || !a.Bound().Intersects(b.Bound()) {
		return orb.Point{}, false, nil
	}
	c := &canceller{ctx: ctx}
	xa, xb := newEdgeIndex(c, a), newEdgeIndex(c, b)
	for range a {
		xa.addRing()
	}
	for range b {
		xb.addRing()
	}
	// Searches cut short by cancellation answer anything, so the error is
	// checked before an answer is trusted.
	pt, ok := edgesInside(a, &xb, tolM)
	if err := c.check(); err != nil {
		return orb.Point{}, false, err
	} else if ok {
		return pt, true, nil
	}
	pt, ok = edgesInside(b, &xa, tolM)
	if err := c.check(); err != nil {
		return orb.Point{}, false, err
	} else if ok {
		return pt, true, nil
	}
	// Identical or boundary-matching shapes put every sampled edge point
	// on the other's boundary; an interior point settles it.
	for _, pair := range [2][2]*edgeIndex{{&xa, &xb}, {&xb, &xa}} {
		if pt, ok := pair[0].p.InteriorPoint(); ok && pair[1].contains(pt) &&
			pair[1].fartherThan(pt, tolM) && pair[0].fartherThan(pt, tolM) {
			if err := c.check(); err != nil {
				return orb.Point{}, false, err
			}
			return pt, true, nil
		}
	}
	return orb.Point{}, false, c.check()
}

// InteriorPoint returns a point well inside p: the middle of the widest
// span of a horizontal line through p's middle that lies inside p. It
// returns false for a degenerate polygon.
func (p Polygon) InteriorPoint() (orb.Point, bool) {
	if len(p) == 0 {
		return orb.Point{}, false
	}
	b := p.Bound()
	y := (b.Min[1] + b.Max[1]) / 2
	var xs []float64
	for _, r := range p {
		for i := 1; i < len(r); i++ {
			y0, y1 := r[i-1][1], r[i][1]
			if (y0 > y) != (y1 > y) {
				xs = append(xs, r[i-1][0]+(y-y0)*(r[i][0]-r[i-1][0])/(y1-y0))
			}
		}
	}
	slices.Sort(xs)
	best, bx := 0.0, 0.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > best {
			best, bx = w, (xs[i]+xs[i+1])/2
		}
	}
	if best == 0 {
		return orb.Point{}, false
	}
	return orb.Point{bx, y}, true
}

// edgesInside samples a's edges (vertices and midpoints between crossings
// with b) and returns one that lies inside b deeper than tolM.
func edgesInside(a Polygon, b *edgeIndex, tolM float64) (orb.Point, bool) {
	bb := b.p.Bound()
	ts := make([]float64, 0, 8)
	for _, r := range a {
		for i := 1; i < len(r) && b.c.err == nil; i++ {
			p1, p2 := r[i-1], r[i]
			seg := segBound(p1, p2)
			if !seg.Intersects(bb) {
				continue
			}
			ts = append(ts[:0], 0, 1)
			b.search(seg, func(e edge) bool {
				if !b.closing(e) {
					if t, ok := crossParam(p1, p2, b.p[e.ring][e.i], b.p[e.ring][e.i+1]); ok {
						ts = append(ts, t)
					}
				}
				return true
			})
			slices.Sort(ts)
			for k := 0; k < len(ts); k++ {
				pts := [2]float64{ts[k]}
				np := 1
				if k+1 < len(ts) {
					pts[1], np = (ts[k]+ts[k+1])/2, 2
				}
				for _, t := range pts[:np] {
					pt := orb.Point{p1[0] + t*(p2[0]-p1[0]), p1[1] + t*(p2[1]-p1[1])}
					// The distance test first: it is the cheaper one, and
					// on shared borders the one that fails.
					if b.fartherThan(pt, tolM) && b.contains(pt) {
						return pt, true
					}
				}
			}
		}
	}
	return orb.Point{}, false
}

// crossParam returns where along p1p2 (0..1) it crosses segment q1q2.
func crossParam(p1, p2, q1, q2 orb.Point) (float64, bool) {
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

// ringArea returns the signed shoelace area of r in square degrees,
// relative to the first vertex for precision.
func ringArea(r orb.Ring) float64 {
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

// segBound returns the bounding box of segment ab.
func segBound(a, b orb.Point) orb.Bound {
	return orb.Bound{Min: orb.Point{math.Min(a[0], b[0]), math.Min(a[1], b[1])},
		Max: orb.Point{math.Max(a[0], b[0]), math.Max(a[1], b[1])}}
}

// canceller polls a context every few thousand steps of geometry work:
// often enough to stop within about a millisecond, rarely enough to cost
// nothing measurable in the tight loops.
type canceller struct {
	ctx   context.Context
	steps int
	err   error
}

// stop counts one step and reports whether to give up.
func (c *canceller) stop() bool {
	c.steps++
	if c.steps&4095 == 0 {
		c.poll()
	}
	return c.err != nil
}

func (c *canceller) poll() {
	if c.err == nil && c.ctx.Err() != nil {
		c.err = fmt.Errorf("polygon check stopped: %w", c.ctx.Err())
	}
}

// check polls the context now and returns the error that stopped the
// work, if any.
func (c *canceller) check() error {
	c.poll()
	return c.err
}

// edge is edge i of a ring: from position i to i+1 or, for the ring's
// last position, the closing edge back to position 0. On a closed ring
// that is a single point; only the crossing-number test looks at it, as
// the loops the index replaced did.
type edge struct{ ring, i int32 }

// edgeIndex finds the edges of a polygon whose bounding boxes meet a box,
// so that the checks test only pairs of edges that can touch: O(n log n)
// for n edges, plus the number of pairs whose boxes meet, which is a few
// per edge for any drawn or surveyed boundary, instead of O(n²). A shape
// built so that most boxes meet stays quadratic
// (BenchmarkValidateWorstCase); MaxPolygonVertices bounds it. Rings are
// added in order, so that Validate indexes a ring only once its
// coordinates are known to be finite. Searches stop when the canceller
// says so; callers check c.err before trusting what they found.
type edgeIndex struct {
	p     Polygon
	rings int // rings added so far
	// tree is nil for small polygons: scanning their edges is faster than
	// building a tree (BenchmarkValidate).
	tree *rtree.RTreeGN[float64, edge]
	c    *canceller
	buf  []edge
}

// indexMinEdges is the polygon size (positions, all rings) from which the
// R-tree pays for its construction (BenchmarkValidate); below it the
// checks scan, as they always did.
const indexMinEdges = 80

// nearM widens searches by about 0.1 mm: enough to cover rounding in the
// tests run on the edges found (a crossing computed a hair beyond its
// edge's box), far too little to cost anything.
const nearM = 1e-9 // degrees

func newEdgeIndex(c *canceller, p Polygon) edgeIndex {
	c.poll()
	x := edgeIndex{p: p, c: c}
	n := 0
	for _, r := range p {
		n += len(r)
	}
	if n >= indexMinEdges {
		x.tree = &rtree.RTreeGN[float64, edge]{}
	}
	return x
}

// addRing adds the next ring's edges (all of them unless cancelled).
func (x *edgeIndex) addRing() {
	ri := x.rings
	x.rings++
	if x.tree == nil {
		return
	}
	r := x.p[ri]
	for i := range r {
		if x.c.stop() {
			return
		}
		bd := segBound(ends(r, i))
		x.tree.Insert(bd.Min, bd.Max, edge{int32(ri), int32(i)})
	}
}

// ends returns edge i of ring r's endpoints.
func ends(r orb.Ring, i int) (orb.Point, orb.Point) {
	if i+1 == len(r) {
		return r[i], r[0]
	}
	return r[i], r[i+1]
}

func (x *edgeIndex) closing(e edge) bool { return int(e.i) == len(x.p[e.ring])-1 }

// search calls fn for each edge whose box meets bd until fn returns false.
func (x *edgeIndex) search(bd orb.Bound, fn func(e edge) bool) {
	if x.tree != nil {
		x.tree.Search(bd.Min, bd.Max, func(_, _ [2]float64, e edge) bool {
			return !x.c.stop() && fn(e)
		})
		return
	}
	for ri, r := range x.p[:x.rings] {
		for i := range r {
			a, b := ends(r, i)
			if math.Max(a[0], b[0]) < bd.Min[0] || math.Min(a[0], b[0]) > bd.Max[0] ||
				math.Max(a[1], b[1]) < bd.Min[1] || math.Min(a[1], b[1]) > bd.Max[1] {
				continue
			}
			if x.c.stop() || !fn(edge{int32(ri), int32(i)}) {
				return
			}
		}
	}
}

// rayBound is the box of the ray from pt towards +x that ringContains
// follows.
func rayBound(pt orb.Point) orb.Bound {
	return orb.Bound{Min: orb.Point{pt[0] - nearM, pt[1] - nearM}, Max: orb.Point{math.Inf(1), pt[1] + nearM}}
}

// ringContains is ringContains(x.p[ri], pt) for an indexed ring.
func (x *edgeIndex) ringContains(ri int, pt orb.Point) bool {
	if x.tree == nil {
		return ringContains(x.p[ri], pt)
	}
	on, in := false, false
	r := x.p[ri]
	x.search(rayBound(pt), func(e edge) bool {
		if int(e.ring) == ri {
			a, b := ends(r, int(e.i))
			var flip bool
			on, flip = rayStep(b, a, pt)
			in = in != flip
		}
		return !on
	})
	return on || in
}

// contains is x.p.Contains(pt) once every ring is indexed.
func (x *edgeIndex) contains(pt orb.Point) bool {
	if x.tree == nil {
		return x.p.Contains(pt)
	}
	x.buf = x.buf[:0]
	x.search(rayBound(pt), func(e edge) bool {
		x.buf = append(x.buf, e)
		return true
	})
	slices.SortFunc(x.buf, func(e, f edge) int { return cmp.Compare(e.ring, f.ring) })
	rest := x.buf
	if len(rest) == 0 || rest[0].ring != 0 {
		return false // the ray meets no edge of the outer ring
	}
	for len(rest) > 0 {
		ri := rest[0].ring
		n := 1
		for n < len(rest) && rest[n].ring == ri {
			n++
		}
		es := rest[:n]
		rest = rest[n:]
		r := x.p[ri]
		in, on := false, false
		for _, e := range es {
			a, b := ends(r, int(e.i))
			o, flip := rayStep(b, a, pt)
			on = on || o
			in = in != flip
		}
		in = in || on
		if ri == 0 && !in {
			return false
		}
		if ri > 0 && in && !onEdges(r, es, pt) {
			return false // in a hole
		}
	}
	return true
}

// onEdges is onRing(r, pt) given es, the edges of r near the ray from pt,
// which include every edge through pt.
func onEdges(r orb.Ring, es []edge, pt orb.Point) bool {
	for _, e := range es {
		if int(e.i)+1 < len(r) && segDist(pt, r[e.i], r[e.i+1]) == 0 {
			return true
		}
	}
	return false
}

// fartherThan reports whether pt is more than tolM metres from every edge
// of x.p (every ring indexed). It measures only the edges near pt: the
// distance costs a square root, the box test a few comparisons.
func (x *edgeIndex) fartherThan(pt orb.Point, tolM float64) bool {
	kx, ky := metresPerDegree(pt[1])
	h := math.Max(tolM, 0) * (1 + 1e-9)
	dx, dy := h/kx+nearM, h/ky+nearM
	near := orb.Bound{Min: orb.Point{pt[0] - dx, pt[1] - dy}, Max: orb.Point{pt[0] + dx, pt[1] + dy}}
	best := math.Inf(1)
	x.search(near, func(e edge) bool {
		if r := x.p[e.ring]; int(e.i)+1 < len(r) {
			if d := edgeDistM(pt, r[e.i], r[e.i+1], kx, ky); d < best {
				best = d
			}
		}
		return !(best <= tolM)
	})
	return best > tolM
}
