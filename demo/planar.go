package demo

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

// The generator works in a local plane in metres (x east, y north) so that
// distances, areas and Voronoi bisectors mean what they say; positions go
// back to longitude/latitude only when the domain values are built. The
// whole hierarchy stays in the plane, so a child's vertices that come from
// its parent are the parent's vertices bit for bit.

type vec struct{ X, Y float64 }

func (a vec) add(b vec) vec          { return vec{a.X + b.X, a.Y + b.Y} }
func (a vec) sub(b vec) vec          { return vec{a.X - b.X, a.Y - b.Y} }
func (a vec) scale(k float64) vec    { return vec{a.X * k, a.Y * k} }
func (a vec) dot(b vec) float64      { return a.X*b.X + a.Y*b.Y }
func (a vec) cross(b vec) float64    { return a.X*b.Y - a.Y*b.X }
func (a vec) dist2(b vec) float64    { d := a.sub(b); return d.dot(d) }
func (a vec) dist(b vec) float64     { return math.Sqrt(a.dist2(b)) }
func lerp(a, b vec, t float64) vec   { return vec{a.X + (b.X-a.X)*t, a.Y + (b.Y-a.Y)*t} }
func rotate(v vec, s, c float64) vec { return vec{v.X*c - v.Y*s, v.X*s + v.Y*c} }

// ring is an open polygon ring (the first vertex is not repeated at the
// end), counter-clockwise.
type ring []vec

func (r ring) area() float64 {
	a := 0.0
	for i := range r {
		a += r[i].cross(r[(i+1)%len(r)])
	}
	return a / 2
}

func (r ring) bound() (lo, hi vec) {
	lo = vec{math.Inf(1), math.Inf(1)}
	hi = vec{math.Inf(-1), math.Inf(-1)}
	for _, p := range r {
		lo.X, lo.Y = math.Min(lo.X, p.X), math.Min(lo.Y, p.Y)
		hi.X, hi.Y = math.Max(hi.X, p.X), math.Max(hi.Y, p.Y)
	}
	return lo, hi
}

// contains is a crossing-number test; a point on the boundary may go
// either way, so callers keep a margin where it matters.
func (r ring) contains(p vec) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a.Y > p.Y) != (b.Y > p.Y) && p.X < a.X+(p.Y-a.Y)*(b.X-a.X)/(b.Y-a.Y) {
			in = !in
		}
	}
	return in
}

// distToBoundary returns the distance from p to the nearest edge of r.
func (r ring) distToBoundary(p vec) float64 {
	best := math.Inf(1)
	for i := range r {
		if d := segDist(p, r[i], r[(i+1)%len(r)]); d < best {
			best = d
		}
	}
	return best
}

func segDist(p, a, b vec) float64 {
	ab := b.sub(a)
	l2 := ab.dot(ab)
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, p.sub(a).dot(ab)/l2))
	}
	return p.dist(lerp(a, b, t))
}

// segmentsTouch reports whether segments ab and cd share any point.
func segmentsTouch(a, b, c, d vec) bool {
	d1, d2 := d.sub(c).cross(a.sub(c)), d.sub(c).cross(b.sub(c))
	d3, d4 := b.sub(a).cross(c.sub(a)), b.sub(a).cross(d.sub(a))
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	on := func(p, s, t vec) bool {
		return math.Min(s.X, t.X) <= p.X && p.X <= math.Max(s.X, t.X) &&
			math.Min(s.Y, t.Y) <= p.Y && p.Y <= math.Max(s.Y, t.Y)
	}
	return (d1 == 0 && on(a, c, d)) || (d2 == 0 && on(b, c, d)) ||
		(d3 == 0 && on(c, a, b)) || (d4 == 0 && on(d, a, b))
}

// insideWithMargin reports whether every vertex of inner lies inside outer at
// least margin metres from its boundary and no edges cross, which for
// simple polygons means inner lies inside outer with that margin.
func insideWithMargin(inner, outer ring, margin float64) bool {
	for _, p := range inner {
		if !outer.contains(p) || outer.distToBoundary(p) < margin {
			return false
		}
	}
	for _, p := range outer {
		if inner.contains(p) {
			return false
		}
	}
	for i := range inner {
		a, b := inner[i], inner[(i+1)%len(inner)]
		for j := range outer {
			if segmentsTouch(a, b, outer[j], outer[(j+1)%len(outer)]) {
				return false
			}
		}
	}
	return true
}

// projection maps longitude/latitude to the local plane and back with an
// equirectangular projection about the county's centre: at county scale
// the distortion is far below the 1 m tolerances that matter.
type projection struct {
	lon0, lat0, kx, ky float64
	// exact maps the plane images of the real boundary's vertices back to
	// the original positions, which the round trip would move by ~1e-14°:
	// the county outline stays bit for bit the real one, and towns and
	// villages share its vertices exactly.
	exact map[vec]orb.Point
}

func newProjection(b orb.Bound) projection {
	c := b.Center()
	const earthRadius = 6371008.8
	ky := earthRadius * math.Pi / 180
	kx := ky * math.Cos(c[1]*math.Pi/180)
	return projection{lon0: c[0], lat0: c[1], kx: kx, ky: ky, exact: map[vec]orb.Point{}}
}

func (p projection) toPlane(pt orb.Point) vec {
	return vec{(pt[0] - p.lon0) * p.kx, (pt[1] - p.lat0) * p.ky}
}

func (p projection) toLonLat(v vec) orb.Point {
	if ll, ok := p.exact[v]; ok {
		return ll
	}
	return orb.Point{p.lon0 + v.X/p.kx, p.lat0 + v.Y/p.ky}
}

// planeRing projects a ring and remembers its positions as exact.
func (p projection) planeRing(r []orb.Point) ring {
	out := make(ring, len(r))
	for i, ll := range r {
		out[i] = p.toPlane(ll)
		p.exact[out[i]] = ll
	}
	return out
}

// polygon converts r to a closed lon/lat polygon. Distinct plane vertices
// are at least snapTol apart, far more than the conversion's rounding, but
// repeated positions are dropped anyway so Validate never sees one.
func (p projection) polygon(r ring) gridline.Polygon {
	out := make(orb.Ring, 0, len(r)+1)
	for _, v := range r {
		ll := p.toLonLat(v)
		if len(out) == 0 || out[len(out)-1] != ll {
			out = append(out, ll)
		}
	}
	for len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	out = append(out, out[0])
	return gridline.Polygon{out}
}

// clipHalfPlane clips the convex polygon poly to {x : a·x ≤ c}. On a convex
// subject Sutherland–Hodgman is exact: no bridges can appear.
func clipHalfPlane(poly []vec, a vec, c float64) []vec {
	if len(poly) == 0 {
		return nil
	}
	out := make([]vec, 0, len(poly)+1)
	for i := range poly {
		p, q := poly[i], poly[(i+1)%len(poly)]
		dp, dq := a.dot(p)-c, a.dot(q)-c
		if dp <= 0 {
			out = append(out, p)
		}
		if (dp < 0 && dq > 0) || (dp > 0 && dq < 0) {
			out = append(out, lerp(p, q, dp/(dp-dq)))
		}
	}
	if len(out) < 3 {
		return nil
	}
	return out
}

// powerCells returns the power-diagram cell of every seed within box: the
// points x with |x−s_i|²−w_i ≤ |x−s_j|²−w_j for all j. Cells are convex;
// weights let a cell grow or shrink while its edges stay straight.
func powerCells(seeds []vec, w []float64, box []vec) [][]vec {
	cells := make([][]vec, len(seeds))
	for i, si := range seeds {
		cell := append([]vec(nil), box...)
		for j, sj := range seeds {
			if i == j {
				continue
			}
			// Relative to s_i: 2d·y ≤ |d|² + w_i − w_j with y = x − s_i.
			d := sj.sub(si)
			a := d.scale(2)
			c := d.dot(d) + w[i] - w[j] + a.dot(si)
			cell = clipHalfPlane(cell, a, c)
			if cell == nil {
				break
			}
		}
		cells[i] = cell
	}
	return cells
}

// vertexStore gives every position a small integer id, merging positions
// closer than snapTol so that the same Voronoi vertex computed in two cells,
// or a crossing right at a ring vertex, becomes one graph vertex.
type vertexStore struct {
	pts     []vec
	buckets map[[2]int64][]int32
}

const (
	snapTol    = 1e-6 // metres
	bucketSize = 1e-5
)

func newVertexStore() *vertexStore {
	return &vertexStore{buckets: map[[2]int64][]int32{}}
}

func (s *vertexStore) add(p vec) int32 {
	kx, ky := int64(math.Floor(p.X/bucketSize)), int64(math.Floor(p.Y/bucketSize))
	for dx := int64(-1); dx <= 1; dx++ {
		for dy := int64(-1); dy <= 1; dy++ {
			for _, id := range s.buckets[[2]int64{kx + dx, ky + dy}] {
				if s.pts[id].dist2(p) <= snapTol*snapTol {
					return id
				}
			}
		}
	}
	id := int32(len(s.pts))
	s.pts = append(s.pts, p)
	s.buckets[[2]int64{kx, ky}] = append(s.buckets[[2]int64{kx, ky}], id)
	return id
}

// errDegenerate reports a configuration the partition cannot handle (a
// Voronoi edge along a ring edge, a cell touching itself at a point…);
// callers move the seeds a little and try again.
var errDegenerate = errors.New("degenerate partition")

func degenerate(why string) error { return fmt.Errorf("%w: %s", errDegenerate, why) }

// Labels of ring half-edges in the planar graph.
const (
	labelInside  = -2 // ring edge, region on its left
	labelOutside = -3 // ring edge, outside on its left
)

// partition divides the simple polygon r among the power cells of seeds:
// out[i] is the part of r in cell i. Where a cell meets r in several pieces
// (its edges cross a wiggly or concave boundary), it keeps the piece that
// holds its seed (or its largest) and the others go to the neighbour they
// share the longest border with, so every part is one simple polygon. The
// parts tile r exactly: they are unions of faces of one planar graph, so
// shared borders have identical vertices.
//
// The graph is r's ring plus the cell edges inside r, split where they
// cross; its faces are found by walking half-edges, labelled by the cell
// on the left of their cell edges, and merged per label.
func partition(r ring, seeds []vec, w []float64) ([]ring, error) {
	if len(seeds) == 1 {
		return []ring{append(ring(nil), r...)}, nil
	}
	g, err := buildGraph(r, seeds, w)
	if err != nil {
		return nil, err
	}
	if err := g.findFaces(); err != nil {
		return nil, err
	}
	if err := g.labelFaces(r, seeds, w); err != nil {
		return nil, err
	}
	lab, err := g.mergeStrays(r, seeds)
	if err != nil {
		return nil, err
	}
	return g.outlines(lab, len(seeds))
}

// planarGraph is the graph of a partition: undirected edges whose
// half-edge 2i runs a→b and 2i+1 b→a, each labelled with the cell on its
// left (or labelInside/labelOutside for ring edges), and the faces they
// bound.
type planarGraph struct {
	vs    *vertexStore
	edges []graphEdge
	out   [][]int32 // outgoing half-edges around each vertex, counter-clockwise
	next  []int32   // the half-edge after h around the face left of h

	faces []faceInfo
	face  []int32 // the face left of each half-edge
	inner []int32 // the faces inside r
}

type graphEdge struct {
	a, b int32
	lab  [2]int32 // cell on the left of a→b and of b→a
}

type faceInfo struct {
	area  float64
	label int32
	outer bool
	first int32 // a half-edge of the face
}

func (g *planarGraph) from(h int32) int32 {
	if h&1 == 0 {
		return g.edges[h>>1].a
	}
	return g.edges[h>>1].b
}

func (g *planarGraph) to(h int32) int32   { return g.from(h ^ 1) }
func (g *planarGraph) left(h int32) int32 { return g.edges[h>>1].lab[h&1] }

// buildGraph makes the graph of r's ring and the power-cell edges of
// seeds inside r, split where they cross, with its half-edge structure.
func buildGraph(r ring, seeds []vec, w []float64) (*planarGraph, error) {
	n := len(r)
	lo, hi := r.bound()
	margin := math.Max(hi.X-lo.X, hi.Y-lo.Y)*0.5 + 100
	box := []vec{{lo.X - margin, lo.Y - margin}, {hi.X + margin, lo.Y - margin},
		{hi.X + margin, hi.Y + margin}, {lo.X - margin, hi.Y + margin}}
	onBox := func(p vec) bool {
		const e = 1e-6
		return math.Abs(p.X-box[0].X) < e || math.Abs(p.X-box[1].X) < e ||
			math.Abs(p.Y-box[0].Y) < e || math.Abs(p.Y-box[2].Y) < e
	}
	cells := powerCells(seeds, w, box)

	g := &planarGraph{vs: newVertexStore()}
	vs := g.vs
	rid := make([]int32, n)
	for i, p := range r {
		rid[i] = vs.add(p)
		if i > 0 && rid[i] == rid[i-1] {
			return nil, degenerate("ring vertices closer than the snapping tolerance")
		}
	}
	if rid[0] == rid[n-1] {
		return nil, degenerate("ring vertices closer than the snapping tolerance")
	}
	cedges, err := cellEdges(vs, cells, onBox)
	if err != nil {
		return nil, err
	}

	// Crossings of cell edges with ring edges.
	type hit struct {
		t  float64
		id int32
	}
	ringHits := make([][]hit, n)
	cellHits := make([][]hit, len(cedges))
	for ei, e := range cedges {
		p, q := vs.pts[e.a], vs.pts[e.b]
		u := q.sub(p)
		minX, maxX := math.Min(p.X, q.X), math.Max(p.X, q.X)
		minY, maxY := math.Min(p.Y, q.Y), math.Max(p.Y, q.Y)
		if maxX < lo.X || minX > hi.X || maxY < lo.Y || minY > hi.Y {
			continue
		}
		for j := 0; j < n; j++ {
			a, b := r[j], r[(j+1)%n]
			if math.Max(a.X, b.X) < minX || math.Min(a.X, b.X) > maxX ||
				math.Max(a.Y, b.Y) < minY || math.Min(a.Y, b.Y) > maxY {
				continue
			}
			v := b.sub(a)
			d := u.cross(v)
			if d == 0 {
				// Parallel. A collinear overlap either counts as outside
				// (its midpoints lie on the ring) or breaks the graph, which
				// the checks below or split's Validate catch.
				continue
			}
			ap := a.sub(p)
			s, t := ap.cross(v)/d, ap.cross(u)/d
			const e = 1e-12
			if s < -e || s > 1+e || t < -e || t > 1+e {
				continue
			}
			t = math.Max(0, math.Min(1, t))
			id := vs.add(lerp(a, b, t))
			ringHits[j] = append(ringHits[j], hit{t, id})
			cellHits[ei] = append(cellHits[ei], hit{s, id})
		}
	}

	// The edges: ring edges and the parts of cell edges inside r, each
	// split at its crossings.
	seen := map[[2]int32]bool{}
	addEdge := func(a, b, l0, l1 int32) bool {
		key := [2]int32{min(a, b), max(a, b)}
		if seen[key] {
			return false
		}
		seen[key] = true
		g.edges = append(g.edges, graphEdge{a, b, [2]int32{l0, l1}})
		return true
	}
	chain := func(a, b int32, hs []hit) []int32 {
		sort.Slice(hs, func(i, j int) bool {
			if hs[i].t != hs[j].t {
				return hs[i].t < hs[j].t
			}
			return hs[i].id < hs[j].id
		})
		ids := []int32{a}
		for _, h := range hs {
			if h.id != ids[len(ids)-1] {
				ids = append(ids, h.id)
			}
		}
		if b != ids[len(ids)-1] {
			ids = append(ids, b)
		}
		return ids
	}
	for j := 0; j < n; j++ {
		ids := chain(rid[j], rid[(j+1)%n], ringHits[j])
		for m := 1; m < len(ids); m++ {
			if !addEdge(ids[m-1], ids[m], labelInside, labelOutside) {
				return nil, degenerate("ring edges overlap")
			}
		}
	}
	for ei, e := range cedges {
		ids := chain(e.a, e.b, cellHits[ei])
		for m := 1; m < len(ids); m++ {
			a, b := ids[m-1], ids[m]
			if !r.contains(lerp(vs.pts[a], vs.pts[b], 0.5)) {
				continue
			}
			if !addEdge(a, b, e.left, e.right) {
				return nil, degenerate("a cell edge runs along the ring")
			}
		}
	}
	if err := g.link(); err != nil {
		return nil, err
	}
	return g, nil
}

// cellEdge is an edge shared by two power cells, with the cell on each
// side.
type cellEdge struct{ a, b, left, right int32 }

// cellEdges returns the edges between cells, each once. Cells are
// counter-clockwise, so cell i lies left of each of its directed edges;
// only edges on the bounding box (onBox) may border a single cell.
func cellEdges(vs *vertexStore, cells [][]vec, onBox func(vec) bool) ([]cellEdge, error) {
	cellIDs := make([][]int32, len(cells))
	dir := map[[2]int32]int32{}
	for i, c := range cells {
		if c == nil {
			return nil, degenerate("an empty power cell")
		}
		ids := make([]int32, 0, len(c))
		for _, p := range c {
			id := vs.add(p)
			if len(ids) == 0 || ids[len(ids)-1] != id {
				ids = append(ids, id)
			}
		}
		for len(ids) > 1 && ids[0] == ids[len(ids)-1] {
			ids = ids[:len(ids)-1]
		}
		if len(ids) < 3 {
			return nil, degenerate("a power cell collapsed")
		}
		for j := range ids {
			key := [2]int32{ids[j], ids[(j+1)%len(ids)]}
			if _, dup := dir[key]; dup {
				return nil, degenerate("two cells share a directed edge")
			}
			dir[key] = int32(i)
		}
		cellIDs[i] = ids
	}
	var out []cellEdge
	for i, ids := range cellIDs {
		for j := range ids {
			a, b := ids[j], ids[(j+1)%len(ids)]
			right, ok := dir[[2]int32{b, a}]
			if !ok {
				// Only the bounding box may border a single cell, and it
				// lies well outside r.
				if !onBox(vs.pts[a]) || !onBox(vs.pts[b]) {
					return nil, degenerate("cells do not meet edge to edge")
				}
				continue
			}
			if a < b {
				out = append(out, cellEdge{a, b, int32(i), right})
			}
		}
	}
	return out, nil
}

// link orders the half-edges around each vertex and sets next: the face
// left of h continues with the edge just clockwise of h's twin around h's
// end.
func (g *planarGraph) link() error {
	nh := int32(2 * len(g.edges))
	g.out = make([][]int32, len(g.vs.pts))
	angle := make([]float64, nh)
	for h := int32(0); h < nh; h++ {
		d := g.vs.pts[g.to(h)].sub(g.vs.pts[g.from(h)])
		angle[h] = math.Atan2(d.Y, d.X)
		g.out[g.from(h)] = append(g.out[g.from(h)], h)
	}
	pos := make([]int32, nh)
	for _, hs := range g.out {
		if len(hs) == 0 {
			continue
		}
		if len(hs) == 1 {
			return degenerate("a dangling edge")
		}
		sort.Slice(hs, func(i, j int) bool { return angle[hs[i]] < angle[hs[j]] })
		for i, h := range hs {
			if i > 0 && angle[h] == angle[hs[i-1]] {
				return degenerate("two edges leave a vertex in the same direction")
			}
			pos[h] = int32(i)
		}
	}
	g.next = make([]int32, nh)
	for h := int32(0); h < nh; h++ {
		hs := g.out[g.to(h)]
		g.next[h] = hs[(int(pos[h^1])-1+len(hs))%len(hs)]
	}
	return nil
}

// findFaces walks the faces, takes each one's label from its cell edges
// and tells the faces inside r from those outside.
func (g *planarGraph) findFaces() error {
	nh := int32(len(g.next))
	g.face = make([]int32, nh)
	for i := range g.face {
		g.face[i] = -1
	}
	for h := int32(0); h < nh; h++ {
		if g.face[h] >= 0 {
			continue
		}
		f := int32(len(g.faces))
		fi := faceInfo{label: -1, first: h}
		inside, outside := false, false
		for cur, steps := h, int32(0); ; steps++ {
			if steps > nh || g.face[cur] >= 0 {
				return degenerate("a face walk does not close")
			}
			g.face[cur] = f
			fi.area += g.vs.pts[g.from(cur)].cross(g.vs.pts[g.to(cur)]) / 2
			switch l := g.left(cur); {
			case l == labelOutside:
				outside = true
			case l == labelInside:
				inside = true
			case fi.label == -1:
				fi.label = l
				inside = true
			case fi.label != l:
				return degenerate("a face lies in two cells")
			default:
				inside = true
			}
			cur = g.next[cur]
			if cur == h {
				break
			}
		}
		if inside == outside {
			return degenerate("a face is both inside and outside")
		}
		fi.outer = outside
		if fi.outer != (fi.area < 0) {
			return degenerate("a face has the wrong orientation")
		}
		g.faces = append(g.faces, fi)
		if !fi.outer {
			g.inner = append(g.inner, f)
		}
	}
	return nil
}

// labelFaces labels r's only face when no cell edge enters r (all of r
// lies in one cell) and checks that every inner face has a label.
func (g *planarGraph) labelFaces(r ring, seeds []vec, w []float64) error {
	if len(g.inner) == 1 && g.faces[g.inner[0]].label < 0 {
		best, bestD := int32(0), math.Inf(1)
		for i, s := range seeds {
			if d := s.dist2(r[0]) - w[i]; d < bestD {
				best, bestD = int32(i), d
			}
		}
		g.faces[g.inner[0]].label = best
	}
	for _, f := range g.inner {
		if g.faces[f].label < 0 {
			return degenerate("an unlabelled face")
		}
	}
	return nil
}

// mergeStrays relabels faces until every cell's faces form one connected
// piece: a cell keeps the piece holding its seed, or else its largest, and
// each stray piece goes to the neighbour it shares the longest border
// with. It returns the label of each face.
func (g *planarGraph) mergeStrays(r ring, seeds []vec) ([]int32, error) {
	k := len(seeds)
	nf := int32(len(g.faces))
	nh := int32(len(g.next))
	// Adjacency between inner faces across cell edges, with border length.
	type nb struct {
		f   int32
		len float64
	}
	adj := make([][]nb, nf)
	for h := int32(0); h < nh; h++ {
		if g.left(h) < 0 {
			continue
		}
		f, o := g.face[h], g.face[h^1]
		adj[f] = append(adj[f], nb{o, g.vs.pts[g.from(h)].dist(g.vs.pts[g.to(h)])})
	}

	// The face holding each cell's seed, if any.
	seedFace := make([]int32, k)
	for i := range seedFace {
		seedFace[i] = -1
	}
	var fr ring
	for _, f := range g.inner {
		c := g.faces[f].label
		if seedFace[c] >= 0 || !r.contains(seeds[c]) {
			continue
		}
		fr = fr[:0]
		for h := g.faces[f].first; ; {
			fr = append(fr, g.vs.pts[g.from(h)])
			if h = g.next[h]; h == g.faces[f].first {
				break
			}
		}
		if fr.contains(seeds[c]) {
			seedFace[c] = f
		}
	}

	// Each round moves the smallest stray piece, so the number of pieces
	// falls every round.
	lab := make([]int32, nf)
	for f := range g.faces {
		lab[f] = g.faces[f].label
	}
	parent := make([]int32, nf)
	findRoot := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for round := 0; ; round++ {
		if round > int(nf)+1 {
			return nil, degenerate("merging pieces does not settle")
		}
		for f := range parent {
			parent[f] = int32(f)
		}
		for _, f := range g.inner {
			for _, e := range adj[f] {
				if lab[e.f] == lab[f] {
					if a, b := findRoot(f), findRoot(e.f); a != b {
						parent[max(a, b)] = min(a, b)
					}
				}
			}
		}
		compArea := make([]float64, nf)
		for _, f := range g.inner {
			compArea[findRoot(f)] += g.faces[f].area
		}
		mainOf := make([]int32, k)
		for i := range mainOf {
			mainOf[i] = -1
		}
		for _, f := range g.inner {
			if findRoot(f) != f {
				continue
			}
			m := mainOf[lab[f]]
			if m < 0 || compArea[f] > compArea[m] {
				mainOf[lab[f]] = f
			}
		}
		for c, f := range seedFace {
			if f >= 0 && lab[f] == int32(c) {
				mainOf[c] = findRoot(f)
			}
		}
		for _, m := range mainOf {
			if m < 0 {
				return nil, degenerate("a cell got no part of r")
			}
		}
		stray := int32(-1)
		for _, f := range g.inner {
			if findRoot(f) != f || mainOf[lab[f]] == f {
				continue
			}
			if stray < 0 || compArea[f] < compArea[stray] {
				stray = f
			}
		}
		if stray < 0 {
			return lab, nil
		}
		share := map[int32]float64{}
		for _, f := range g.inner {
			if findRoot(f) != stray {
				continue
			}
			for _, e := range adj[f] {
				if lab[e.f] != lab[stray] {
					share[lab[e.f]] += e.len
				}
			}
		}
		// The longest shared border wins; ties go to the lower label, so
		// the map's order does not matter.
		dest, best := int32(-1), -1.0
		for l, s := range share {
			if s > best || (s == best && l < dest) {
				dest, best = l, s
			}
		}
		if dest < 0 {
			return nil, degenerate("a stray piece has no neighbour")
		}
		for _, f := range g.inner {
			if findRoot(f) == stray {
				lab[f] = dest
			}
		}
	}
}

// outlines walks each of the k labels' outline: its half-edges whose twin
// lies outside the label, turning around shared vertices through the
// label's own faces.
func (g *planarGraph) outlines(lab []int32, k int) ([]ring, error) {
	nh := int32(len(g.next))
	in := func(h, c int32) bool { f := g.face[h]; return !g.faces[f].outer && lab[f] == c }
	border := func(h, c int32) bool { return in(h, c) && !in(h^1, c) }
	count := make([]int, k)
	start := make([]int32, k)
	for i := range start {
		start[i] = -1
	}
	for h := int32(0); h < nh; h++ {
		f := g.face[h]
		if g.faces[f].outer {
			continue
		}
		if c := lab[f]; border(h, c) {
			count[c]++
			if start[c] < 0 {
				start[c] = h
			}
		}
	}
	res := make([]ring, k)
	onRing := map[int32]bool{}
	for c := int32(0); c < int32(k); c++ {
		if start[c] < 0 {
			return nil, degenerate("a cell has no outline")
		}
		clear(onRing)
		var rr ring
		cur := start[c]
		for {
			v := g.from(cur)
			if onRing[v] {
				return nil, degenerate("the outline touches itself")
			}
			onRing[v] = true
			rr = append(rr, g.vs.pts[v])
			nx := g.next[cur]
			for guard := 0; !border(nx, c); guard++ {
				if guard > len(g.out[g.from(nx)]) {
					return nil, degenerate("an outline walk is stuck at a vertex")
				}
				nx = g.next[nx^1]
			}
			cur = nx
			if cur == start[c] {
				break
			}
			if len(rr) > count[c] {
				return nil, degenerate("an outline walk does not close")
			}
		}
		if len(rr) != count[c] || rr.area() <= 0 {
			return nil, degenerate("a hole or a second piece")
		}
		res[c] = rr
	}
	return res, nil
}
