package demo

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gridline/gridline"
)

// Places: units, compounds with their buildings, and points.
const (
	targetCompounds = 250
	targetPoints    = 1961
	minPointsInGrid = 5
	// pointMarginM keeps points off their grid's border, where a locate
	// query could fall either way.
	pointMarginM = 8.0
	// compoundMarginM keeps compounds off their grid's border.
	compoundMarginM = 4.0
)

// buildUnits fills d.Units: the departments, the property companies (a
// third of them party-led, 红色物业) and the courier companies.
func buildUnits(d *District) {
	rng := newRand(d.Seed, streamUnits)
	phone := func() string { return fmt.Sprintf("0537-34%05d", rng.IntN(100000)) }
	for _, dep := range departments {
		d.Units = append(d.Units, gridline.Unit{Kind: gridline.UnitDepartment, Name: dep[0], ShortName: dep[1],
			Phone: phone(), RegionCode: CountyCode})
	}
	words := append([]string(nil), propertyWords...)
	rng.Shuffle(len(words), func(i, j int) { words[i], words[j] = words[j], words[i] })
	led := rng.Perm(propertyCompanies)[:propertyCompanies/3]
	isLed := map[int]bool{}
	for _, i := range led {
		isLed[i] = true
	}
	for i := 0; i < propertyCompanies; i++ {
		d.Units = append(d.Units, gridline.Unit{Kind: gridline.UnitProperty,
			Name: "兖州" + words[i] + "物业服务有限公司", ShortName: words[i] + "物业",
			Phone: phone(), RegionCode: CountyCode, PartyLed: isLed[i]})
	}
	for _, c := range couriers {
		d.Units = append(d.Units, gridline.Unit{Kind: gridline.UnitOther, Name: c[0], ShortName: c[1],
			Phone: phone(), RegionCode: CountyCode})
	}
}

// unitsOf returns the indexes of the units of a kind.
func (d *District) unitsOf(kind gridline.UnitKind) []int {
	var out []int
	for i, u := range d.Units {
		if u.Kind == kind {
			out = append(out, i)
		}
	}
	return out
}

// partyGridIndexes returns the indexes of the party-building grids.
func (d *District) partyGridIndexes() []int {
	var out []int
	for i, g := range d.Grids {
		if g.Layer == gridline.LayerParty {
			out = append(out, i)
		}
	}
	return out
}

// buildPlaces fills d.Compounds, d.Buildings and d.Points.
func buildPlaces(d *District, proj projection, as *areaSet) error {
	rng := newRand(d.Seed, streamPlaces)
	party := d.partyGridIndexes()

	// Compounds: one in most party grids, tried in random order.
	type placed struct {
		rect ring
		plan compoundPlan
	}
	inGrid := make(map[int]*placed)
	order := append([]int(nil), party...)
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	for _, gi := range order {
		if len(inGrid) == targetCompounds {
			break
		}
		if rect, plan, ok := placeCompound(rng, as.grids[gi]); ok {
			inGrid[gi] = &placed{rect: rect, plan: plan}
		}
	}
	if len(inGrid) < targetCompounds {
		return fmt.Errorf("demo: placed only %d of %d compounds", len(inGrid), targetCompounds)
	}
	props := d.unitsOf(gridline.UnitProperty)
	// Every company manages at least one compound.
	owner := rng.Perm(targetCompounds)
	names := uniqueNames{}
	compoundOf := map[int]int{}
	for _, gi := range party {
		p, ok := inGrid[gi]
		if !ok {
			continue
		}
		ci := len(d.Compounds)
		compoundOf[gi] = ci
		unit := props[rng.IntN(len(props))]
		if owner[ci] < len(props) {
			unit = props[owner[ci]]
		}
		g := &d.Grids[gi]
		suffixes := compoundSuffixNew
		if p.plan.year < 2005 {
			suffixes = compoundSuffixOld
		}
		name := names.take(func() string { return pick(rng, compoundWords) + pick(rng, suffixes) },
			shortName(d.Villages[g.Village].Name)+"小区")
		geom := proj.polygon(p.rect)
		c := geom.Centroid()
		cp := Compound{Compound: gridline.Compound{Name: name, Geometry: geom, Lon: c[0], Lat: c[1],
			RegionPath: g.Grid.Path(), BuiltYear: p.plan.year}, Grid: gi, Unit: unit}
		for bi, fp := range p.plan.footprints {
			b := buildingOf(proj, &cp, bi, fp, p.plan)
			for _, e := range b.Entrances {
				cp.Households += e.Households
			}
			d.Buildings = append(d.Buildings, Building{Building: b, Compound: ci})
		}
		d.Compounds = append(d.Compounds, cp)
	}

	// Points: five or six per party grid; a compound is always one of its
	// grid's points.
	extra := targetPoints - minPointsInGrid*len(party)
	six := map[int]bool{}
	for _, i := range rng.Perm(len(party))[:extra] {
		six[party[i]] = true
	}
	var kindTotal float64
	for _, k := range pointKinds {
		kindTotal += k.weight
	}
	pointNames := uniqueNames{}
	for _, gi := range party {
		g := &d.Grids[gi]
		gr := as.grids[gi]
		n := minPointsInGrid
		if six[gi] {
			n++
		}
		label := communityLabel(d.Villages[g.Village].Name)
		ci, hasCompound := compoundOf[gi]
		for j := 0; j < n; j++ {
			pt := Point{Point: gridline.Point{RegionPath: g.Grid.Path()}, Grid: gi, Cadre: -1}
			if j == 0 && hasCompound {
				c := &d.Compounds[ci]
				pt.Name, pt.Kind, pt.Lon, pt.Lat = c.Name, "小区", c.Lon, c.Lat
				pointNames[c.Name] = true
			} else {
				x := rng.Float64() * kindTotal
				kind := pointKinds[len(pointKinds)-1].kind
				for _, k := range pointKinds {
					if x < k.weight {
						kind = k.kind
						break
					}
					x -= k.weight
				}
				pt.Kind = kind
				pt.Name = pointNames.take(func() string { return pointName(rng, kind, label) }, pointName(rng, kind, label))
				var avoid ring
				if p, ok := inGrid[gi]; ok {
					avoid = p.rect
				}
				v, ok := pointIn(rng, gr, avoid)
				if !ok {
					return fmt.Errorf("demo: no room for a point in grid %s", g.Code)
				}
				ll := proj.toLonLat(v)
				pt.Lon, pt.Lat = ll[0], ll[1]
			}
			d.Points = append(d.Points, pt)
		}
	}
	return nil
}

// pointIn returns a random point inside r, pointMarginM from its border
// and outside avoid (when given).
func pointIn(rng *rand.Rand, r ring, avoid ring) (vec, bool) {
	lo, hi := r.bound()
	for try := 0; try < 2000; try++ {
		p := vec{lo.X + rng.Float64()*(hi.X-lo.X), lo.Y + rng.Float64()*(hi.Y-lo.Y)}
		if !r.contains(p) || r.distToBoundary(p) < pointMarginM {
			continue
		}
		if avoid != nil && (avoid.contains(p) || avoid.distToBoundary(p) < pointMarginM) {
			continue
		}
		return p, true
	}
	return vec{}, false
}

// compoundPlan is the layout of a compound's buildings in rows.
type compoundPlan struct {
	year       int
	floors     []int // per building
	length     float64
	footprints []ring
}

// Building dimensions in metres.
const (
	buildingDepth = 12.0
	compoundInset = 12.0 // from the compound's fence to the buildings
)

// placeCompound lays out a compound of 4–16 buildings in rows and finds a
// spot for it inside the grid, shrinking it when it does not fit.
func placeCompound(rng *rand.Rand, grid ring) (ring, compoundPlan, bool) {
	plan := compoundPlan{year: 1985 + rng.IntN(38)}
	old := plan.year < 2005
	floors := 6
	if !old {
		floors = []int{11, 11, 11, 11, 11, 18, 18, 18, 26, 26}[rng.IntN(10)]
	}
	plan.length = 40 + 5*float64(rng.IntN(5))
	gapX := 12 + 6*rng.Float64()
	// Rows stand apart by about their height so the lower floors get sun.
	gapY := math.Max(20, 0.8*float64(floors)*3)
	colPitch, rowPitch := plan.length+gapX, buildingDepth+gapY
	for n := 4 + rng.IntN(13); n >= 4; n-- {
		cols := int(math.Round(math.Sqrt(float64(n) * rowPitch / colPitch)))
		cols = max(1, min(4, cols))
		rows := (n + cols - 1) / cols
		w := float64(cols)*plan.length + float64(cols-1)*gapX + 2*compoundInset
		h := float64(rows)*buildingDepth + float64(rows-1)*gapY + 2*compoundInset
		for try := 0; try < 30; try++ {
			centre, ok := pointIn(rng, grid, nil)
			if !ok {
				return nil, plan, false
			}
			theta := (rng.Float64() - 0.5) * 0.4
			if rng.IntN(4) == 0 {
				theta += math.Pi / 2
			}
			s, c := math.Sincos(theta)
			place := func(u, v float64) vec { return centre.add(rotate(vec{u, v}, s, c)) }
			rect := ring{place(-w/2, -h/2), place(w/2, -h/2), place(w/2, h/2), place(-w/2, h/2)}
			if !insideWithMargin(rect, grid, compoundMarginM) {
				continue
			}
			plan.footprints = plan.footprints[:0]
			plan.floors = plan.floors[:0]
			for b := 0; b < n; b++ {
				row, col := b/cols, b%cols
				u0 := -w/2 + compoundInset + float64(col)*colPitch
				v1 := h/2 - compoundInset - float64(row)*rowPitch
				plan.footprints = append(plan.footprints, ring{place(u0, v1-buildingDepth),
					place(u0+plan.length, v1-buildingDepth), place(u0+plan.length, v1), place(u0, v1)})
				f := floors
				if !old && rng.IntN(5) == 0 {
					f = []int{11, 18, 26}[rng.IntN(3)]
				}
				plan.floors = append(plan.floors, f)
			}
			return rect, plan, true
		}
	}
	return nil, plan, false
}

// buildingOf makes building bi of a compound from its footprint.
func buildingOf(proj projection, c *Compound, bi int, fp ring, plan compoundPlan) gridline.Building {
	floors := plan.floors[bi]
	fpg := proj.polygon(fp)
	ctr := fpg.Centroid()
	b := gridline.Building{Name: fmt.Sprintf("%d号楼", bi+1), Number: bi + 1, Floors: floors,
		HeightM: float64(floors) * 3, Footprint: fpg, Lon: ctr[0], Lat: ctr[1], RegionPath: c.RegionPath}
	// An entrance (单元) serves a stairwell every 15 m or so, two flats a
	// floor.
	n := max(2, min(4, int(plan.length/15)))
	for e := 1; e <= n; e++ {
		b.Entrances = append(b.Entrances, &gridline.Entrance{Number: e, Floors: floors, Households: floors * 2})
	}
	return b
}
