package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

// cityCentre is the middle of Yanzhou's built-up area; the streets' urban
// communities gather around it.
var cityCentre = orb.Point{116.815, 35.555}

// townPlan places each town/street roughly where it lies in reality and
// gives its share of the county's area: the four streets (街道) are small
// and central, except 兴隆庄, a mining street in the south-east; the six
// towns (镇) ring them.
var townPlan = map[string]struct {
	anchor orb.Point
	share  float64
}{
	"370812001": {orb.Point{116.805, 35.557}, 16}, // 鼓楼街道, the old town
	"370812003": {orb.Point{116.808, 35.585}, 30}, // 龙桥街道
	"370812006": {orb.Point{116.832, 35.540}, 28}, // 酒仙桥街道
	"370812007": {orb.Point{116.860, 35.500}, 55}, // 兴隆庄街道
	"370812101": {orb.Point{116.790, 35.445}, 90}, // 大安镇
	"370812102": {orb.Point{116.665, 35.650}, 75}, // 新驿镇
	"370812103": {orb.Point{116.745, 35.675}, 95}, // 颜店镇
	"370812105": {orb.Point{116.700, 35.575}, 85}, // 新兖镇
	"370812107": {orb.Point{116.815, 35.650}, 70}, // 漕河镇
	"370812111": {orb.Point{116.720, 35.500}, 80}, // 小孟镇
}

// Party-building grids in the streets' residents' committees.
const (
	partyGrids       = 344
	minGridsPerCommy = 3
)

// Random streams: each stage draws from its own stream so that changing
// one stage leaves the others' output alone.
const (
	streamTowns uint64 = 1 + iota
	streamVillages
	streamGrids
	streamUnits
	streamPlaces
	streamPeople
	streamParty
)

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream*0x9e3779b97f4a7c15))
}

// sampleIn returns n uniform random points inside r.
func sampleIn(rng *rand.Rand, r ring, n int) []vec {
	lo, hi := r.bound()
	out := make([]vec, 0, n)
	for tries := 0; len(out) < n && tries < 1000*n; tries++ {
		p := vec{lo.X + rng.Float64()*(hi.X-lo.X), lo.Y + rng.Float64()*(hi.Y-lo.Y)}
		if r.contains(p) {
			out = append(out, p)
		}
	}
	return out
}

// relax runs a capacity-constrained Lloyd iteration over samples of a
// region of the given area: each seed moves to the centroid of the samples
// nearest to it in power distance (pulled towards its anchor, if any), and
// its weight grows or shrinks until its share of the samples approaches its
// target share. It returns the weights; seeds are updated in place.
func relax(rng *rand.Rand, samples, seeds []vec, targets []float64, anchors []vec, pull float64, iters int, area float64) []float64 {
	k := len(seeds)
	w := make([]float64, k)
	total := 0.0
	for _, t := range targets {
		total += t
	}
	sum := make([]vec, k)
	cnt := make([]int, k)
	for it := 0; it < iters; it++ {
		clear(sum)
		clear(cnt)
		for _, p := range samples {
			best, bd := 0, math.Inf(1)
			for i, s := range seeds {
				if d := p.dist2(s) - w[i]; d < bd {
					best, bd = i, d
				}
			}
			sum[best] = sum[best].add(p)
			cnt[best]++
		}
		mean := 0.0
		for i := range seeds {
			if cnt[i] == 0 {
				seeds[i] = samples[rng.IntN(len(samples))]
				w[i] = 0
				continue
			}
			c := sum[i].scale(1 / float64(cnt[i]))
			if anchors != nil {
				c = lerp(c, anchors[i], pull)
			}
			seeds[i] = c
			// Raising w_i by Δ moves a border by about Δ/(2·spacing); with
			// a border of about 4·spacing that trades Δ·2 of area.
			w[i] += 0.4 * area * (targets[i]/total - float64(cnt[i])/float64(len(samples)))
			mean += w[i]
		}
		mean /= float64(k)
		for i := range w {
			w[i] -= mean
		}
	}
	// Scale the weights down where needed so that every seed lies in its
	// own cell (w_j − w_i ≤ |s_i − s_j|² for all i, j): no cell is empty.
	lambda := 1.0
	for i := range seeds {
		for j := range seeds {
			if dw := w[j] - w[i]; dw > 0 {
				lambda = math.Min(lambda, 0.9*seeds[i].dist2(seeds[j])/dw)
			}
		}
	}
	for i := range w {
		w[i] *= lambda
	}
	return w
}

// split partitions r among seeds (see partition) and converts the parts,
// retrying with slightly moved seeds when the partition is degenerate or a
// part would not pass Validate.
func split(rng *rand.Rand, proj projection, r ring, seeds []vec, w []float64, what string) ([]ring, []gridline.Polygon, error) {
	spacing := math.Sqrt(r.area() / float64(len(seeds)))
	seeds = append([]vec(nil), seeds...)
	for attempt := 0; attempt < 40; attempt++ {
		parts, err := partition(r, seeds, w)
		if err == nil {
			polys := make([]gridline.Polygon, len(parts))
			for i, p := range parts {
				polys[i] = proj.polygon(p)
				if err = polys[i].Validate(); err != nil {
					break
				}
			}
			if err == nil {
				return parts, polys, nil
			}
		}
		for i := range seeds {
			seeds[i] = seeds[i].add(vec{rng.NormFloat64(), rng.NormFloat64()}.scale(spacing * 0.02))
		}
	}
	return nil, nil, fmt.Errorf("demo: cannot partition %s into %d parts", what, len(seeds))
}

// areaSet is the geometry of the district in the plane, parallel to the
// District's Towns, Villages and Grids.
type areaSet struct {
	towns    []ring
	villages []ring
	grids    []ring
}

// buildAreas fills d.County, d.Towns, d.Villages and d.Grids.
func buildAreas(d *District, proj projection, county ring) (*areaSet, error) {
	var towns, villages []int // indexes into d.Regions
	for i, r := range d.Regions {
		switch r.Level {
		case gridline.LevelCounty:
			d.County = Area{Code: r.Code, Name: r.Name, Level: r.Level, Parent: -1, Geometry: proj.polygon(county)}
		case gridline.LevelTown:
			towns = append(towns, i)
		case gridline.LevelVillage:
			villages = append(villages, i)
		}
	}
	if d.County.Code != CountyCode {
		return nil, fmt.Errorf("demo: the embedded regions lack county %s", CountyCode)
	}
	as := &areaSet{}
	var err error
	if as.towns, err = buildTowns(d, proj, county, towns); err != nil {
		return nil, err
	}
	if as.villages, err = buildVillages(d, proj, as.towns, villages); err != nil {
		return nil, err
	}
	if as.grids, err = buildGrids(d, proj, as.villages); err != nil {
		return nil, err
	}
	return as, nil
}

// buildTowns fills d.Towns from the town rows (indexes into d.Regions): a
// power diagram of the county whose seeds stay near the towns' real places.
// It returns the towns' rings.
func buildTowns(d *District, proj projection, county ring, towns []int) ([]ring, error) {
	rng := newRand(d.Seed, streamTowns)
	countyArea := county.area()
	samples := sampleIn(rng, county, 6000)
	seeds := make([]vec, len(towns))
	anchors := make([]vec, len(towns))
	targets := make([]float64, len(towns))
	for i, ri := range towns {
		p, ok := townPlan[d.Regions[ri].Code]
		if !ok {
			return nil, fmt.Errorf("demo: no plan for town %s", d.Regions[ri].Code)
		}
		anchors[i] = proj.toPlane(p.anchor)
		seeds[i] = anchors[i].add(vec{rng.NormFloat64(), rng.NormFloat64()}.scale(400))
		targets[i] = p.share
	}
	w := relax(rng, samples, seeds, targets, anchors, 0.4, 40, countyArea)
	townRings, townPolys, err := split(rng, proj, county, seeds, w, "the county")
	if err != nil {
		return nil, err
	}
	for i, ri := range towns {
		r := d.Regions[ri]
		d.Towns = append(d.Towns, Area{Code: r.Code, Name: r.Name, Level: r.Level, Parent: -1, Geometry: townPolys[i]})
	}
	return townRings, nil
}

// buildVillages fills d.Villages from the village rows (indexes into
// d.Regions), partitioning each town (towns are their rings): the urban
// committees small and close to the city centre, villages larger and
// further out. It returns the villages' rings.
func buildVillages(d *District, proj projection, towns []ring, villages []int) ([]ring, error) {
	var out []ring
	townIndex := map[string]int{}
	for i, t := range d.Towns {
		townIndex[t.Code] = i
	}
	byTown := make([][]int, len(d.Towns))
	for _, ri := range villages {
		t, ok := townIndex[d.Regions[ri].ParentCode]
		if !ok {
			return nil, fmt.Errorf("demo: village %s has no town", d.Regions[ri].Code)
		}
		byTown[t] = append(byTown[t], ri)
	}
	centre := proj.toPlane(cityCentre)
	for t, members := range byTown {
		rng := newRand(d.Seed, streamVillages<<8|uint64(t))
		tr := towns[t]
		k := len(members)
		targets := make([]float64, k)
		urban := make([]bool, k)
		urbanShare, total := 0.0, 0.0
		for i, ri := range members {
			code := d.Regions[ri].Code
			urban[i] = gridline.IsResidentsCommittee(code) || code[9] >= '4'
			if urban[i] {
				targets[i] = 0.75 + 0.5*rng.Float64()
				urbanShare += targets[i]
			} else {
				targets[i] = 0.6 + 0.9*rng.Float64()
				if gridline.IsStreet(d.Towns[t].Code) {
					targets[i] *= 2.5
				}
			}
			total += targets[i]
		}
		samples := sampleIn(rng, tr, max(60*k, 1500))
		// Urban committees start among the samples nearest the city centre.
		byDist := append([]vec(nil), samples...)
		sort.Slice(byDist, func(i, j int) bool { return byDist[i].dist2(centre) < byDist[j].dist2(centre) })
		cut := int(float64(len(byDist)) * urbanShare / total)
		cut = max(cut, 1)
		seeds := make([]vec, k)
		for i := range members {
			if urban[i] {
				seeds[i] = byDist[rng.IntN(cut)]
			} else if cut < len(byDist) {
				seeds[i] = byDist[cut+rng.IntN(len(byDist)-cut)]
			} else {
				seeds[i] = byDist[rng.IntN(len(byDist))]
			}
		}
		// Anchoring the seeds where they started keeps the urban committees
		// together around the centre instead of drifting among villages.
		anchors := append([]vec(nil), seeds...)
		w := relax(rng, samples, seeds, targets, anchors, 0.35, 12, tr.area())
		rings, polys, err := split(rng, proj, tr, seeds, w, d.Towns[t].Name)
		if err != nil {
			return nil, err
		}
		for i, ri := range members {
			r := d.Regions[ri]
			d.Villages = append(d.Villages, Area{Code: r.Code, Name: r.Name, Level: r.Level, Parent: t, Geometry: polys[i]})
			out = append(out, rings[i])
		}
	}
	return out, nil
}

// buildGrids fills d.Grids: party-building grids split the streets'
// residents' committees; every other village or community (villages are
// their rings) is one comprehensive grid. It returns the grids' rings.
func buildGrids(d *District, proj projection, villages []ring) ([]ring, error) {
	var out []ring
	var urbanIdx []int
	var urbanArea []float64
	for i, v := range d.Villages {
		if gridline.IsStreet(d.Towns[v.Parent].Code) && gridline.IsResidentsCommittee(v.Code) {
			urbanIdx = append(urbanIdx, i)
			urbanArea = append(urbanArea, villages[i].area())
		}
	}
	counts := apportion(urbanArea, partyGrids, minGridsPerCommy)
	type gridRing struct {
		g Grid
		r ring
	}
	var all []*gridRing
	for ui, vi := range urbanIdx {
		rng := newRand(d.Seed, streamGrids<<12|uint64(ui))
		vr := villages[vi]
		k := counts[ui]
		samples := sampleIn(rng, vr, max(80*k, 600))
		seeds := make([]vec, k)
		for i := range seeds {
			seeds[i] = samples[rng.IntN(len(samples))]
		}
		targets := make([]float64, k)
		for i := range targets {
			targets[i] = 0.8 + 0.4*rng.Float64()
		}
		w := relax(rng, samples, seeds, targets, nil, 0, 15, vr.area())
		rings, polys, err := split(rng, proj, vr, seeds, w, d.Villages[vi].Name)
		if err != nil {
			return nil, err
		}
		for i := range rings {
			all = append(all, &gridRing{g: Grid{Grid: gridline.Grid{Layer: gridline.LayerParty,
				CommunityCode: d.Villages[vi].Code, Geometry: polys[i]}, Village: vi}, r: rings[i]})
		}
	}
	for vi, v := range d.Villages {
		if gridline.IsStreet(d.Towns[v.Parent].Code) && gridline.IsResidentsCommittee(v.Code) {
			continue
		}
		all = append(all, &gridRing{g: Grid{Grid: gridline.Grid{Layer: gridline.LayerComprehensive,
			CommunityCode: v.Code, Geometry: v.Geometry}, Village: vi}, r: villages[vi]})
	}
	ptrs := make([]*gridline.Grid, len(all))
	for i, gr := range all {
		gr.g.Normalize()
		ptrs[i] = &gr.g.Grid
	}
	if err := gridline.AssignGridCodes(ptrs, func(string) (int, error) { return 1, nil }); err != nil {
		return nil, fmt.Errorf("demo: grid codes: %w", err)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].g.Layer != all[j].g.Layer {
			return all[i].g.Layer == gridline.LayerParty
		}
		return all[i].g.Code < all[j].g.Code
	})
	for _, gr := range all {
		v := d.Villages[gr.g.Village]
		if gr.g.Layer == gridline.LayerParty {
			seq, _ := strconv.Atoi(gr.g.Code[12:]) // AssignGridCodes wrote three digits
			gr.g.Name = fmt.Sprintf("%s第%d网格", communityLabel(v.Name), seq)
		} else {
			gr.g.Name = villageLabel(v.Code, v.Name) + "网格"
		}
		if err := gr.g.Validate(); err != nil {
			return nil, fmt.Errorf("demo: grid %s: %w", gr.g.Code, err)
		}
		d.Grids = append(d.Grids, gr.g)
		out = append(out, gr.r)
	}
	return out, nil
}

// apportion divides total among weights in proportion, each getting at
// least floor, by largest remainder; ties go to the lower index.
func apportion(weights []float64, total, floor int) []int {
	n := len(weights)
	out := make([]int, n)
	fixed := make([]bool, n)
	for {
		rest, wsum := total, 0.0
		for i, w := range weights {
			if fixed[i] {
				rest -= floor
			} else {
				wsum += w
			}
		}
		changed := false
		for i, w := range weights {
			if !fixed[i] && (wsum == 0 || float64(rest)*w/wsum < float64(floor)) {
				fixed[i], changed = true, true
			}
		}
		if changed {
			continue
		}
		type rem struct {
			i int
			f float64
		}
		var rems []rem
		given := 0
		for i, w := range weights {
			if fixed[i] {
				out[i] = floor
				continue
			}
			q := float64(rest) * w / wsum
			out[i] = int(q)
			given += out[i]
			rems = append(rems, rem{i, q - math.Floor(q)})
		}
		sort.SliceStable(rems, func(a, b int) bool { return rems[a].f > rems[b].f })
		for j := 0; given < rest && j < len(rems); j++ {
			out[rems[j].i]++
			given++
		}
		return out
	}
}

// shortName strips the committee suffix from a village or community name:
// 少陵社区居委会 → 少陵, 冠庄铺村村委会 → 冠庄铺村.
func shortName(name string) string {
	for _, suf := range []string{"社区居委会", "类似居委会", "居委会", "村民委员会", "村委会", "委员会", "社区"} {
		if s, ok := strings.CutSuffix(name, suf); ok && s != "" {
			return s
		}
	}
	return name
}

// communityLabel is how a residents' committee is called in names:
// 少陵社区居委会 → 少陵社区.
func communityLabel(name string) string { return shortName(name) + "社区" }

// villageLabel is how a village or community is called in names: villages
// (sequence 200–399) end in 村, others in 社区.
func villageLabel(code, name string) string {
	s := shortName(name)
	if len(code) == 12 && (code[9] == '2' || code[9] == '3') {
		if !strings.HasSuffix(s, "村") {
			s += "村"
		}
		return s
	}
	return s + "社区"
}
