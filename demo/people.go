package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/gridline/gridline"
)

// The workforce figures of the seed (DESIGN.md, "The Yanzhou demo").
const (
	numCadres           = 1965 // 下沉干部: one per point, the rest on grids
	numStreetStaff      = 3960 // 街道配套人员
	numWelfarePosts     = 3655 // 公益岗
	numSpecialWorkers   = 60   // 特聘网格员
	numPropertyStaff    = 115  // 物业兼职网格员, 34.43 % of the urban grid workers
	numUrbanGridWorkers = 334  // full-time grid workers and property staff in the streets' communities
	numAllGridWorkers   = 930  // all grid workers including property staff (Yanzhou, 2021)
	volunteersPerGrid   = 2
	// doubleCoverage is how many urban grid workers look after two grids:
	// 334 people for 344 grids.
	doubleCoverage = partyGrids - numUrbanGridWorkers
)

// Roles on people and assignments.
const (
	RoleGridLeader        = "grid_leader" // 网格长
	RoleGridWorker        = "grid_worker"
	RolePropertyStaff     = "property_staff"
	RoleSpecialGridWorker = "special_grid_worker"
	RoleVolunteer         = "volunteer"
	RolePointCadre        = "responsible" // 包保责任人 of a point
	RoleGridCadre         = "cadre"
)

// peopleBuilder adds people and their assignments to a District, drawing
// names, phones and choices from one random stream.
type peopleBuilder struct {
	d      *District
	rng    *rand.Rand
	phones phones
	party  []int // indexes of the party-building grids
}

func (b *peopleBuilder) person(team gridline.Team, region string, unit int, role string) int {
	b.d.People = append(b.d.People, Person{Person: gridline.Person{Name: personName(b.rng), Phone: b.phones.next(),
		Team: team, Role: role, RegionCode: region}, Unit: unit})
	return len(b.d.People) - 1
}

func (b *peopleBuilder) assignGrid(person, grid int, role string) {
	b.d.Assignments = append(b.d.Assignments, Assignment{Person: person, Target: gridline.TargetGrid, Index: grid,
		Role: role, Path: b.d.Grids[grid].Grid.Path()})
}

func (b *peopleBuilder) community(grid int) string { return b.d.Grids[grid].CommunityCode }

// buildPeople fills d.People and d.Assignments and sets each point's cadre,
// team by team.
func buildPeople(d *District) error {
	rng := newRand(d.Seed, streamPeople)
	b := &peopleBuilder{d: d, rng: rng, phones: phones{rng: rng, used: map[string]bool{}}, party: d.partyGridIndexes()}
	if err := b.cadres(); err != nil {
		return err
	}
	b.streetStaff()
	b.welfarePosts()
	b.specialWorkers()
	covered, err := b.propertyStaff()
	if err != nil {
		return err
	}
	if err := b.urbanGridWorkers(covered); err != nil {
		return err
	}
	b.ruralGridWorkers()
	b.volunteers()
	return nil
}

// cadres adds the cadres from the departments: one responsible for each
// point, the rest attached to grids.
func (b *peopleBuilder) cadres() error {
	d, rng := b.d, b.rng
	deps := d.unitsOf(gridline.UnitDepartment)
	for i := range d.Points {
		pt := &d.Points[i]
		p := b.person(gridline.TeamCadre, pt.CommunityCode, deps[rng.IntN(len(deps))], "")
		pt.Cadre = p
		d.Assignments = append(d.Assignments, Assignment{Person: p, Target: gridline.TargetPoint, Index: i,
			Role: RolePointCadre, Path: pt.RegionPath})
	}
	if len(d.Points) > numCadres {
		return fmt.Errorf("demo: %d points but only %d cadres", len(d.Points), numCadres)
	}
	for _, i := range rng.Perm(len(b.party))[:numCadres-len(d.Points)] {
		g := b.party[i]
		b.assignGrid(b.person(gridline.TeamCadre, b.community(g), deps[rng.IntN(len(deps))], ""), g, RoleGridCadre)
	}
	return nil
}

// streetStaff adds the street support staff, by the streets' number of
// villages and communities.
func (b *peopleBuilder) streetStaff() {
	d := b.d
	var streets []Area
	var streetWeight []float64
	for ti, t := range d.Towns {
		if gridline.IsStreet(t.Code) {
			n := 0
			for _, v := range d.Villages {
				if v.Parent == ti {
					n++
				}
			}
			streets = append(streets, t)
			streetWeight = append(streetWeight, float64(n))
		}
	}
	for si, n := range apportion(streetWeight, numStreetStaff, 1) {
		for j := 0; j < n; j++ {
			b.person(gridline.TeamStreetStaff, streets[si].Code, -1, "")
		}
	}
}

// welfarePosts adds the public-welfare posts in every village and
// community.
func (b *peopleBuilder) welfarePosts() {
	d := b.d
	welfareWeight := make([]float64, len(d.Villages))
	for i := range welfareWeight {
		welfareWeight[i] = 1 + 0.3*b.rng.Float64()
	}
	for vi, n := range apportion(welfareWeight, numWelfarePosts, 1) {
		for j := 0; j < n; j++ {
			b.person(gridline.TeamWelfarePost, d.Villages[vi].Code, -1, "")
		}
	}
}

// specialWorkers adds the special grid workers from the courier
// companies, one per grid.
func (b *peopleBuilder) specialWorkers() {
	couriers := b.d.unitsOf(gridline.UnitOther)
	for j, i := range b.rng.Perm(len(b.party))[:numSpecialWorkers] {
		g := b.party[i]
		b.assignGrid(b.person(gridline.TeamSpecialGridWorker, b.community(g), couriers[j%len(couriers)], ""), g, RoleSpecialGridWorker)
	}
}

// propertyStaff adds the property staff, who look after a grid holding one
// of their company's compounds; every company gets one before any gets a
// second, and each community keeps a grid for a full-time worker to lead.
// It returns the grids they cover.
func (b *peopleBuilder) propertyStaff() (map[int]bool, error) {
	d := b.d
	gridsLeft := map[string]int{}
	for _, g := range b.party {
		gridsLeft[b.community(g)]++
	}
	covered := map[int]bool{}
	var chosen []int // compound indexes
	take := func(ci int) bool {
		g := d.Compounds[ci].Grid
		if covered[g] || gridsLeft[b.community(g)] <= 1 {
			return false
		}
		covered[g] = true
		gridsLeft[b.community(g)]--
		chosen = append(chosen, ci)
		return true
	}
	perm := b.rng.Perm(len(d.Compounds))
	hasStaff := map[int]bool{}
	for _, ci := range perm {
		if u := d.Compounds[ci].Unit; !hasStaff[u] && take(ci) {
			hasStaff[u] = true
		}
	}
	for _, ci := range perm {
		if len(chosen) == numPropertyStaff {
			break
		}
		take(ci)
	}
	if len(chosen) != numPropertyStaff {
		return nil, fmt.Errorf("demo: found grids for %d of %d property staff", len(chosen), numPropertyStaff)
	}
	sort.Ints(chosen)
	for _, ci := range chosen {
		c := &d.Compounds[ci]
		b.assignGrid(b.person(gridline.TeamPropertyStaff, b.community(c.Grid), c.Unit, ""), c.Grid, RolePropertyStaff)
	}
	return covered, nil
}

// urbanGridWorkers adds the full-time urban grid workers for the party
// grids not covered by property staff; a few of them look after two
// neighbouring grids. The first in each community is its leader.
func (b *peopleBuilder) urbanGridWorkers(covered map[int]bool) error {
	var communities []string
	byCommunity := map[string][]int{}
	for _, g := range b.party {
		if covered[g] {
			continue
		}
		c := b.community(g)
		if _, ok := byCommunity[c]; !ok {
			communities = append(communities, c)
		}
		byCommunity[c] = append(byCommunity[c], g)
	}
	var multi []string
	for _, c := range communities {
		if len(byCommunity[c]) >= 2 {
			multi = append(multi, c)
		}
	}
	if len(multi) < doubleCoverage {
		return fmt.Errorf("demo: only %d communities can share a grid worker", len(multi))
	}
	doubles := map[string]bool{}
	for _, i := range b.rng.Perm(len(multi))[:doubleCoverage] {
		doubles[multi[i]] = true
	}
	for _, c := range communities {
		gs := byCommunity[c]
		for j := 0; j < len(gs); j++ {
			role, arole := "", RoleGridWorker
			if j == 0 {
				role, arole = RoleGridLeader, RoleGridLeader
			}
			p := b.person(gridline.TeamGridWorker, c, -1, role)
			b.assignGrid(p, gs[j], arole)
			if j == 0 && doubles[c] {
				j++
				b.assignGrid(p, gs[j], arole)
			}
		}
	}
	return nil
}

// ruralGridWorkers adds at least one grid worker per comprehensive grid,
// more in larger villages.
func (b *peopleBuilder) ruralGridWorkers() {
	var rural []int
	var ruralArea []float64
	for i, g := range b.d.Grids {
		if g.Layer == gridline.LayerComprehensive {
			rural = append(rural, i)
			ruralArea = append(ruralArea, g.AreaM2)
		}
	}
	for ri, n := range apportion(ruralArea, numAllGridWorkers-numUrbanGridWorkers, 1) {
		g := rural[ri]
		for j := 0; j < n; j++ {
			b.assignGrid(b.person(gridline.TeamGridWorker, b.community(g), -1, ""), g, RoleGridWorker)
		}
	}
}

// volunteers adds two volunteers per urban grid.
func (b *peopleBuilder) volunteers() {
	for _, g := range b.party {
		for j := 0; j < volunteersPerGrid; j++ {
			b.assignGrid(b.person(gridline.TeamVolunteer, b.community(g), -1, ""), g, RoleVolunteer)
		}
	}
}

// buildPartyOrgs fills d.PartyOrgs, level by level.
func buildPartyOrgs(d *District) {
	rng := newRand(d.Seed, streamParty)
	add := func(o PartyOrg) int {
		d.PartyOrgs = append(d.PartyOrgs, o)
		return len(d.PartyOrgs) - 1
	}
	org := func(name string, level gridline.PartyOrgLevel, parent int) PartyOrg {
		return PartyOrg{PartyOrg: gridline.PartyOrg{Name: name, Level: level}, Parent: parent,
			Compound: -1, Building: -1, Leader: -1}
	}

	// Who leads a grid (its grid worker or property staff) and who
	// volunteers there.
	leadOf := map[int]int{}
	volunteers := map[int][]int{}
	for _, a := range d.Assignments {
		if a.Target != gridline.TargetGrid {
			continue
		}
		switch a.Role {
		case RoleGridLeader, RoleGridWorker, RolePropertyStaff:
			if _, ok := leadOf[a.Index]; !ok {
				leadOf[a.Index] = a.Person
			}
		case RoleVolunteer:
			volunteers[a.Index] = append(volunteers[a.Index], a.Person)
		}
	}

	street := map[int]int{}
	for ti, t := range d.Towns {
		if gridline.IsStreet(t.Code) {
			o := org(t.Name+"党工委", gridline.PartyStreetCommittee, -1)
			o.RegionCode = t.Code
			street[ti] = add(o)
		}
	}
	commOrg := map[int]int{}
	for vi, v := range d.Villages {
		parent, ok := street[v.Parent]
		if !ok || !gridline.IsResidentsCommittee(v.Code) {
			continue
		}
		o := org(communityLabel(v.Name)+"党委", gridline.PartyCommunityCommittee, parent)
		o.RegionCode = v.Code
		commOrg[vi] = add(o)
	}
	gridOrg := map[int]int{}
	for gi, g := range d.Grids {
		parent, ok := commOrg[g.Village]
		if !ok || g.Layer != gridline.LayerParty {
			continue
		}
		o := org(g.Name+"党支部", gridline.PartyGridOrg, parent)
		o.GridCode = g.Code
		if p, ok := leadOf[gi]; ok {
			o.Leader = p
		}
		gridOrg[gi] = add(o)
	}
	compOrg := make([]int, len(d.Compounds))
	for ci, c := range d.Compounds {
		o := org(c.Name+"党支部", gridline.PartyCompoundBranch, gridOrg[c.Grid])
		o.Compound = ci
		compOrg[ci] = add(o)
	}
	groupOrg := make([]int, len(d.Buildings))
	for bi, b := range d.Buildings {
		o := org(fmt.Sprintf("%s%s党小组", d.Compounds[b.Compound].Name, b.Name), gridline.PartyBuildingGroup, compOrg[b.Compound])
		o.Building = bi
		o.Members = 3 + rng.IntN(6)
		groupOrg[bi] = add(o)
	}
	for bi, b := range d.Buildings {
		c := d.Compounds[b.Compound]
		o := org(fmt.Sprintf("%s%s红色楼栋长", c.Name, b.Name), gridline.PartyBuildingLeader, groupOrg[bi])
		o.Building = bi
		// The grid's volunteers lead the first buildings; the others wait
		// for a resident to step forward.
		if vs := volunteers[c.Grid]; b.Number <= len(vs) {
			o.Leader = vs[b.Number-1]
			o.Members = 1
		}
		add(o)
	}

	// Members add up the tree, with each level's own members on top.
	own := map[gridline.PartyOrgLevel][2]int{
		gridline.PartyCompoundBranch:     {2, 4},
		gridline.PartyGridOrg:            {3, 6},
		gridline.PartyCommunityCommittee: {15, 25},
		gridline.PartyStreetCommittee:    {60, 60},
	}
	for i := len(d.PartyOrgs) - 1; i >= 0; i-- {
		o := &d.PartyOrgs[i]
		if r, ok := own[o.Level]; ok {
			o.Members += r[0] + rng.IntN(r[1])
		}
		if o.Parent >= 0 && o.Level != gridline.PartyBuildingLeader {
			d.PartyOrgs[o.Parent].Members += o.Members
		}
	}
}
