package gridline

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
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

// Validate checks that p is a usable grid or footprint polygon: at least
// one ring, every ring closed with at least four positions, coordinates in
// range (swapped lat/lon named as such), non-zero area, and no ring that
// crosses itself or another ring. It returns EINVALID with the reason.
func (p Polygon) Validate() error {
	if len(p) == 0 {
		return Errorf(EINVALID, "polygon has no rings")
	}
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
		if i, j, ok := selfIntersection(r); ok {
			return Errorf(EINVALID, "%s intersects itself: edge %d crosses edge %d", name, i, j)
		}
		if ringArea(r) == 0 {
			return Errorf(EINVALID, "%s has zero area", name)
		}
	}
	for a := 1; a < len(p); a++ {
		if !ringContains(p[0], p[a][0]) {
			return Errorf(EINVALID, "hole %d lies outside the outer ring", a)
		}
		for b := 0; b < a; b++ {
			if ringsCross(p[a], p[b]) {
				return Errorf(EINVALID, "hole %d crosses ring %d", a, b)
			}
		}
	}
	return nil
}

// selfIntersection finds two non-adjacent edges of a closed ring that touch
// or cross, or two adjacent edges that fold back onto each other.
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
			adjacent := j == i+1 || (i == 0 && j == n-1)
			if adjacent {
				// Adjacent edges share one endpoint; they are bad only
				// when they overlap along a line (a spike).
				var shared, oa, ob orb.Point
				if j == i+1 {
					shared, oa, ob = a2, a1, b2
				} else {
					shared, oa, ob = a1, a2, b1
				}
				if cross(shared, oa, ob) == 0 && dot(shared, oa, ob) > 0 {
					return i, j, true
				}
				continue
			}
			if segmentsIntersect(a1, a2, b1, b2) {
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

// distToBoundaryM returns the distance in metres from pt to p's rings.
func (p Polygon) distToBoundaryM(pt orb.Point) float64 {
	kx, ky := metresPerDegree(pt[1])
	best := math.Inf(1)
	for _, r := range p {
		for i := 1; i < len(r); i++ {
			a := orb.Point{(r[i-1][0] - pt[0]) * kx, (r[i-1][1] - pt[1]) * ky}
			b := orb.Point{(r[i][0] - pt[0]) * kx, (r[i][1] - pt[1]) * ky}
			if d := segDist(orb.Point{}, a, b); d < best {
				best = d
			}
		}
	}
	return best
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
	if len(a) == 0 || len(b) == 0 || !a.Bound().Intersects(b.Bound()) {
		return orb.Point{}, false
	}
	if pt, ok := edgesInside(a, b, tolM); ok {
		return pt, true
	}
	if pt, ok := edgesInside(b, a, tolM); ok {
		return pt, true
	}
	// Identical or boundary-matching shapes put every sampled edge point
	// on the other's boundary; an interior point settles it.
	for _, pair := range [2][2]Polygon{{a, b}, {b, a}} {
		if pt, ok := pair[0].InteriorPoint(); ok && pair[1].Contains(pt) &&
			pair[1].distToBoundaryM(pt) > tolM && pair[0].distToBoundaryM(pt) > tolM {
			return pt, true
		}
	}
	return orb.Point{}, false
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
func edgesInside(a, b Polygon, tolM float64) (orb.Point, bool) {
	deep := func(pt orb.Point) bool {
		return b.Contains(pt) && b.distToBoundaryM(pt) > tolM
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
					if t, ok := crossParam(p1, p2, br[j-1], br[j]); ok {
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
