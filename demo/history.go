package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// HistoryEnd is when the demo's year of cases ends: midnight at the end of
// 31 October 2026, China time. A fixed end keeps the cases, and every
// figure and golden file made of them, the same from one day to the next,
// and puts the whole year (1 November 2025 to 31 October 2026) inside the
// years whose official holidays the working calendar knows (2023–2026).
// The demo's cases therefore stop a few weeks before the day it is run;
// the deadline scheduler of `gridline serve` then lights what was still
// open at the end.
var HistoryEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, gridline.ChinaTime)

// The seed's figures the yearly volumes come from: what Yanzhou received
// and found from January 2022 to the middle of 2023, about 18 months.
const (
	seedMonths        = 18
	seedAppeals       = 71200 // appeals pushed by 12345 and the other platforms (群众诉求 7.12万件)
	seedPropertyItems = 17800 // property matters grid workers reported and handled (物业管理类事项 1.78万件)
	seedFoundByPublic = 984   // problems found by hazard direct report and snap-and-report
	// patrolFindings is what grid workers find on the streets in a year
	// besides property matters. The seed does not count them; about half
	// the property matters is this demo's assumption.
	patrolFindings = 6000
)

// HistoryOptions shape a generated year of cases.
type HistoryOptions struct {
	// End is when the history ends; zero means HistoryEnd. The history
	// covers the year before it.
	End time.Time
	// Scale multiplies every volume: 1 (or 0) is the seed's rate, tests
	// take a few per cent of it. Shares and timings do not change.
	Scale float64
}

// History is a generated year of cases of a District.
type History struct {
	Start, End time.Time
	// Offices are the street offices and town governments (街道办事处,
	// 镇人民政府), one per town in d.Towns order, which lead the cases
	// the catalogue gives to the street of the place. Units are indexed
	// d.Units first, then Offices.
	Offices []gridline.Unit
	// Cases are in order of receipt.
	Cases []Case
}

// Case is a generated case: the domain value with its units and master as
// indexes, which Tickets turns into IDs.
type Case struct {
	// Ticket is the case as the loop left it at End. Its LeadUnitID,
	// MergedInto and the events' UnitIDs are not set: see Lead, Units and
	// Master.
	Ticket gridline.Ticket
	Lead   int   // the lead unit, −1 for none
	Units  []int // per event of Ticket.Timeline, the lead unit after it (−1: none)
	Master int   // the index in Cases of a merged case's master, else −1
	// Co are the co-units of the last dispatch, with their steps.
	Co []coPart
	// Grid and Compound are where the case happened (indexes into d.Grids
	// and d.Compounds, −1 for none) and Lon, Lat the spot, known to the
	// demo even while the case waits to be located.
	Grid, Compound int
	Lon, Lat       float64
	// Building is the building the case's text names (an index into
	// d.Buildings, −1 for none), with the entrance and floor it names
	// (0: none): a lift, a leak, noise between floors.
	Building, Entrance, Floor int
}

// Tickets returns the cases ready for TicketService.ImportTickets, with
// unit IDs from unitIDs (indexed as History's units), building IDs from
// buildingIDs (indexed as the District's buildings; nil: no case at a
// building) and merges naming their master as −(index+1).
func (h *History) Tickets(unitIDs, buildingIDs []int64) []*gridline.Ticket {
	id := func(i int) *int64 {
		if i < 0 {
			return nil
		}
		v := unitIDs[i]
		return &v
	}
	out := make([]*gridline.Ticket, len(h.Cases))
	for i := range h.Cases {
		c := &h.Cases[i]
		t := c.Ticket
		t.LeadUnitID = id(c.Lead)
		if c.Building >= 0 && buildingIDs != nil {
			b := buildingIDs[c.Building]
			t.BuildingID, t.Entrance = &b, c.Entrance
			if c.Floor > 0 {
				f := c.Floor
				t.Floor = &f
			}
		}
		if c.Master >= 0 {
			m := int64(-(c.Master + 1))
			t.MergedInto = &m
		}
		t.Timeline = make([]*gridline.TicketEvent, len(c.Ticket.Timeline))
		for j, e := range c.Ticket.Timeline {
			ev := *e
			ev.UnitID = id(c.Units[j])
			if ev.Action == gridline.ActionCallback {
				// The callback team records whether it reached the
				// reporter and what they said, as the outcome shows.
				contacted, resolved := gridline.CallbackAnswers(ev.Outcome, nil, nil)
				ev.Contacted, ev.Resolved = &contacted, &resolved
			}
			t.Timeline[j] = &ev
		}
		t.Assignments = c.assignments(unitIDs)
		out[i] = &t
	}
	return out
}

// streamKind groups the channels by what they report and who is called
// back.
type streamKind int

const (
	appealStream   streamKind = iota // citizens: weights caseClass.appeal
	patrolStream                     // grid workers on the streets: caseClass.patrol
	compoundStream                   // grid workers and property companies inside compounds: caseClass.inCompound
	hazardStream
	videoStream
	sensorStream
)

// stream is one channel's share of the year.
type stream struct {
	channel gridline.Channel
	kind    streamKind
	perYear float64
	// phone is the share of reporters who leave a number to be called
	// back; the others' cases are closed without a callback.
	phone float64
	hours *[24]float64
	days  func(cal *gridline.Calendar, day time.Time) float64
	open  []string // how its records begin
}

// Hours of the day when cases come in, relative.
var (
	citizenHours = [24]float64{0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.2, 2.2, 3, 3, 2.5, 1.5, 1.8, 2.6, 2.7, 2.4, 2,
		1.5, 1.4, 1.3, 1, 0.6, 0.3}
	patrolHours = [24]float64{8: 0.5, 9: 2.5, 10: 3, 11: 2, 12: 0.3, 14: 1.5, 15: 2.8, 16: 2.8, 17: 1}
	videoHours  = [24]float64{7: 0.5, 8: 1.5, 9: 2, 10: 2, 11: 2, 12: 1, 13: 1, 14: 2, 15: 2, 16: 2, 17: 2, 18: 2, 19: 2.5,
		20: 2.5, 21: 2, 22: 1}
	allHours = [24]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
)

// citizenDay weighs a day for citizens' appeals: most on Mondays, after
// the weekend, fewer at weekends and fewest on public holidays.
func citizenDay(cal *gridline.Calendar, day time.Time) float64 {
	switch cal.DayType(day) {
	case gridline.DayHoliday:
		return 0.55
	case gridline.DayAdjusted:
		return 1
	}
	return [7]float64{0.65, 1.25, 1.1, 1.05, 1, 0.95, 0.7}[day.Weekday()]
}

// patrolDay: grid workers patrol on working days; a few are on duty on
// days off.
func patrolDay(cal *gridline.Calendar, day time.Time) float64 {
	if cal.IsWorkday(day) {
		return 1
	}
	if cal.DayType(day) == gridline.DayHoliday {
		return 0.08
	}
	return 0.12
}

func everyDay(*gridline.Calendar, time.Time) float64 { return 1 }

func (g *historyGen) streams() []stream {
	appeals := float64(seedAppeals) * 12 / seedMonths
	property := float64(seedPropertyItems) * 12 / seedMonths
	public := float64(seedFoundByPublic) * 12 / seedMonths
	return []stream{
		{gridline.ChannelHotline, appealStream, 0.87 * appeals, 1, &citizenHours, citizenDay, hotlineOpen},
		{gridline.ChannelMailbox, appealStream, 0.04 * appeals, 0.8, &citizenHours, citizenDay, mailboxOpen},
		{gridline.ChannelWebsite, appealStream, 0.03 * appeals, 0.7, &citizenHours, citizenDay, websiteOpen},
		{gridline.ChannelApp, appealStream, 0.05 * appeals, 0.9, &citizenHours, citizenDay, appOpen},
		{gridline.ChannelWalkIn, appealStream, 0.01 * appeals, 1, &patrolHours, patrolDay, walkInOpen},
		{gridline.ChannelGridPatrol, patrolStream, patrolFindings, 0, &patrolHours, patrolDay, patrolOpen},
		{gridline.ChannelGridPatrol, compoundStream, 0.95 * property, 0, &patrolHours, patrolDay, patrolOpen},
		{gridline.ChannelProperty, compoundStream, 0.05 * property, 0, &patrolHours, patrolDay, propertyOpen},
		{gridline.ChannelSnapReport, patrolStream, 0.6 * public, 1, &citizenHours, citizenDay, snapOpen},
		{gridline.ChannelHazardReport, hazardStream, 0.4 * public, 1, &citizenHours, citizenDay, hazardOpen},
		{gridline.ChannelVideoPatrol, videoStream, 400, 0, &videoHours, everyDay, videoOpen},
		{gridline.ChannelSensor, sensorStream, 150, 0, &allHours, everyDay, sensorOpen},
	}
}

// weight is a class's weight in a stream of kind k.
func (c *caseClass) weight(k streamKind) float64 {
	switch k {
	case appealStream:
		return c.appeal
	case patrolStream:
		return c.patrol
	case compoundStream:
		return c.inCompound
	case hazardStream:
		return hazardWeights[c.code]
	case videoStream:
		return videoWeights[c.code]
	}
	return sensorWeights[c.code]
}

// seasonFactor is how much more (or less) often than on average a class
// of season s comes up on day t.
func seasonFactor(s season, code string, t time.Time) float64 {
	m := t.Month()
	between := func(a, b time.Month) bool { return m >= a && m <= b }
	switch s {
	case heating:
		// Yanzhou heats from 15 November to 15 March. Fees and
		// connections are asked about before the season; a cold flat or a
		// leaking pipe only in it, most in midwinter.
		d := t.Day()
		if code == "20203" || code == "20204" {
			switch {
			case m == time.October, m == time.November && d < 15:
				return 2
			case m == time.November, m == time.December, between(time.January, time.March):
				return 1
			}
			return 0.15
		}
		switch {
		case m == time.November && d < 15, m == time.March && d > 15:
			return 0.2
		case m == time.December, m == time.January:
			return 2.4
		case m == time.November, m == time.February, m == time.March:
			return 1.8
		}
		if code == "10403" || code == "20306" {
			return 0.4 // gas is used all year
		}
		return 0
	case summer:
		if between(time.May, time.September) {
			return 1.5
		} else if m == time.April || m == time.October {
			return 1
		}
		return 0.5
	case rainy:
		if between(time.July, time.August) {
			return 2.5
		} else if m == time.June || m == time.September {
			return 1.3
		}
		return 0.6
	case winter:
		if code == "10606" { // snow and ice
			if m == time.December || between(time.January, time.February) {
				return 3
			} else if m == time.November || m == time.March {
				return 0.3
			}
			return 0
		}
		if m == time.December || between(time.January, time.February) {
			return 1.8
		} else if m == time.November || m == time.March {
			return 1
		}
		return 0.6
	case harvest:
		switch m {
		case time.June:
			return 3
		case time.October:
			return 2.5
		case time.November:
			return 0.8
		}
		return 0.3
	case spring:
		if between(time.March, time.May) {
			return 1.6
		}
		return 0.8
	case school:
		if between(time.June, time.August) {
			return 2
		} else if m == time.September {
			return 1.3
		}
		return 0.6
	}
	return 1
}

// historyGen generates one History.
type historyGen struct {
	d     *District
	h     *History
	rng   *rand.Rand
	cal   *gridline.Calendar
	cat   *gridline.Catalogue
	proj  projection
	class map[string]*caseClass

	grids     []gridPlace
	compounds []compoundPlace
	// Grids by kind of place, with their weights.
	urbanGrids, ruralGrids, allGrids weighted
	compoundPick                     weighted
	unitByShort                      map[string]int
	departments                      []int

	// Class tables per stream kind and half month.
	classPicks map[[2]int]weighted
	// recent are indexes of appeals that a later appeal may repeat.
	recent []int
	extSeq map[string]int // 12345 numbers per day
	// said is what the text being written named of its building: slot
	// records it as it fills {楼}, {单元} and {楼层}, drawing nothing more.
	said   struct{ building, entrance, floor int }
	floors *rand.Rand // streamFloors
}

type gridPlace struct {
	ring      ring
	urban     bool
	town      string // 鼓楼街道
	community string // 少陵社区, 王家村
	spots     []string
	schools   []string
	parks     []string
	sites     []string
	firms     []string
	workers   []int // people who verify its cases: its grid workers
}

type compoundPlace struct {
	ring      ring
	buildings []int
}

// weighted draws an index with probability proportional to its weight.
type weighted struct {
	items []int
	cum   []float64
}

func (w *weighted) add(item int, weight float64) {
	if weight <= 0 {
		return
	}
	total := 0.0
	if n := len(w.cum); n > 0 {
		total = w.cum[n-1]
	}
	w.items = append(w.items, item)
	w.cum = append(w.cum, total+weight)
}

func (w *weighted) pick(rng *rand.Rand) int {
	x := rng.Float64() * w.cum[len(w.cum)-1]
	return w.items[sort.SearchFloat64s(w.cum, x)]
}

// streamHistory is the random stream of the history (see areas.go).
const streamHistory uint64 = 64

// streamFloors is the stream of the floors the intake asks for where the
// text names none: its own, so the history's cases stay as they were.
const streamFloors uint64 = 66

// GenerateHistory generates the year of cases before o.End for d:
// citizens' appeals at the seed's rate, what grid workers find on patrol
// and in compounds, the smaller channels, each case placed in a grid of
// the right kind, written in words, and taken through the loop step by
// step with gridline.NextStatus on the working calendar. It is
// deterministic: the same District and options give the same History.
func GenerateHistory(d *District, o HistoryOptions) (*History, error) {
	if o.End.IsZero() {
		o.End = HistoryEnd
	}
	if o.Scale <= 0 {
		o.Scale = 1
	}
	boundary, err := Boundary()
	if err != nil {
		return nil, err
	}
	g := &historyGen{d: d, rng: newRand(d.Seed, streamHistory), floors: newRand(d.Seed, streamFloors), cal: gridline.ChinaCalendar(),
		cat: gridline.DefaultCatalogue(), proj: newProjection(boundary.Bound()), class: map[string]*caseClass{},
		classPicks: map[[2]int]weighted{}, extSeq: map[string]int{}}
	g.h = &History{End: o.End.In(gridline.ChinaTime), Start: o.End.In(gridline.ChinaTime).AddDate(-1, 0, 0)}
	for i := range caseClasses {
		c := &caseClasses[i]
		cat, ok := g.cat.Category(c.code)
		if !ok || cat.IsMain() {
			return nil, fmt.Errorf("demo: case class %s is not a sub-class of the catalogue", c.code)
		}
		g.class[c.code] = c
	}
	if err := g.prepare(); err != nil {
		return nil, err
	}
	type arrival struct {
		at time.Time
		s  int
	}
	var arrivals []arrival
	streams := g.streams()
	for si, s := range streams {
		days := g.dayTable(s)
		var hours weighted
		for h, w := range s.hours {
			hours.add(h, w)
		}
		n := int(math.Round(s.perYear * o.Scale))
		for i := 0; i < n; i++ {
			arrivals = append(arrivals, arrival{g.arrival(days, &hours), si})
		}
	}
	slices.SortStableFunc(arrivals, func(a, b arrival) int { return a.at.Compare(b.at) })
	g.h.Cases = make([]Case, 0, len(arrivals))
	for _, a := range arrivals {
		if err := g.generate(&streams[a.s], a.at); err != nil {
			return nil, err
		}
	}
	g.addCoUnits()
	g.relayToMerged()
	return g.h, nil
}

// relayToMerged leaves each master's reply, callback and closure after a
// merge on the cases merged into it, as the store does when they happen
// (gridline.MasterRelay): the merged reporters hear the result. The
// master's number is not known until the import numbers the cases, so
// the entries' notes stay empty; the case names its master.
func (g *historyGen) relayToMerged() {
	for i := range g.h.Cases {
		c := &g.h.Cases[i]
		if c.Master < 0 || c.Ticket.Status != gridline.StatusMerged {
			continue
		}
		tl := c.Ticket.Timeline
		merged := tl[len(tl)-1].At
		m := &g.h.Cases[c.Master].Ticket
		for _, e := range m.Timeline {
			relay := gridline.MasterRelay(e.Action)
			if relay == "" || e.At.Before(merged) {
				continue
			}
			c.Ticket.Timeline = append(c.Ticket.Timeline, &gridline.TicketEvent{At: e.At, Actor: e.Actor, Action: relay,
				From: gridline.StatusMerged, To: gridline.StatusMerged, Outcome: e.Outcome, Opinion: e.Opinion})
			c.Units = append(c.Units, c.Units[len(c.Units)-1])
		}
	}
}

// prepare indexes the district: grids and compounds with their planar
// rings and names, units by short name, the street offices.
func (g *historyGen) prepare() error {
	d := g.d
	for i, u := range d.Units {
		if u.Kind == gridline.UnitDepartment {
			g.departments = append(g.departments, i)
		}
	}
	g.unitByShort = map[string]int{}
	for i, u := range d.Units {
		g.unitByShort[u.ShortName] = i
	}
	for _, t := range d.Towns {
		name, short := "兖州区"+t.Name+"人民政府", t.Name+"政府"
		if gridline.IsStreet(t.Code) {
			name, short = "兖州区"+t.Name+"办事处", t.Name+"办"
		}
		g.h.Offices = append(g.h.Offices, gridline.Unit{Kind: gridline.UnitOther, Name: name, ShortName: short,
			Phone: fmt.Sprintf("0537-34%05d", 10000+len(g.h.Offices)*1111), RegionCode: t.Code})
	}
	g.grids = make([]gridPlace, len(d.Grids))
	for i := range d.Grids {
		gr := &d.Grids[i]
		v := d.Villages[gr.Village]
		p := &g.grids[i]
		p.ring = g.proj.planeRing(gr.Geometry[0][:len(gr.Geometry[0])-1])
		if p.ring.area() < 0 {
			reverse(p.ring)
		}
		p.urban = gridline.IsResidentsCommittee(v.Code)
		p.town = d.Towns[v.Parent].Name
		p.community = villageLabel(v.Code, v.Name)
	}
	for i, pt := range d.Points {
		p := &g.grids[pt.Grid]
		switch pt.Kind {
		case "学校周边":
			p.schools = append(p.schools, strings.TrimSuffix(pt.Name, "周边"))
		case "公园广场":
			p.parks = append(p.parks, pt.Name)
		case "工地":
			p.sites = append(p.sites, strings.TrimSuffix(pt.Name, "工地"))
		case "企业":
			p.firms = append(p.firms, pt.Name)
		case "小区":
		default:
			// Point names made unique with a number (后营巷2) read oddly
			// in a citizen's words.
			p.spots = append(p.spots, strings.TrimRight(d.Points[i].Name, "0123456789"))
		}
	}
	g.compounds = make([]compoundPlace, len(d.Compounds))
	for i := range d.Compounds {
		c := &d.Compounds[i]
		r := g.proj.planeRing(c.Geometry[0][:len(c.Geometry[0])-1])
		if r.area() < 0 {
			reverse(r)
		}
		g.compounds[i].ring = r
		g.compoundPick.add(i, float64(max(c.Households, 1)))
	}
	for i, b := range d.Buildings {
		g.compounds[b.Compound].buildings = append(g.compounds[b.Compound].buildings, i)
	}
	for _, a := range d.Assignments {
		if a.Target != gridline.TargetGrid {
			continue
		}
		switch a.Role {
		case RoleGridWorker, RoleGridLeader, RolePropertyStaff:
			g.grids[a.Index].workers = append(g.grids[a.Index].workers, a.Person)
		}
	}
	for i := range g.grids {
		p := &g.grids[i]
		// Appeals follow people: party grids are dense town quarters,
		// the other residents' committees are town seats, villages
		// count less per grid.
		w := 0.7
		if p.urban {
			w = 1
			if d.Grids[i].Layer == gridline.LayerComprehensive {
				w = 1.5
			}
			g.urbanGrids.add(i, w)
		} else {
			g.ruralGrids.add(i, w)
		}
		g.allGrids.add(i, w)
	}
	if len(g.compoundPick.items) == 0 || len(g.ruralGrids.items) == 0 || len(g.urbanGrids.items) == 0 {
		return fmt.Errorf("demo: the district has no compounds, villages or urban grids for cases")
	}
	return nil
}

// dayTable weighs the days of the history for a stream.
func (g *historyGen) dayTable(s stream) weighted {
	var w weighted
	i := 0
	for day := g.h.Start; day.Before(g.h.End); day = day.AddDate(0, 0, 1) {
		w.add(i, s.days(g.cal, day))
		i++
	}
	return w
}

// arrival draws a time of receipt: a day, an hour of it, a moment in the
// hour.
func (g *historyGen) arrival(days weighted, hours *weighted) time.Time {
	day := g.h.Start.AddDate(0, 0, days.pick(g.rng))
	h := hours.pick(g.rng)
	return day.Add(time.Duration(h)*time.Hour + time.Duration(g.rng.IntN(3600))*time.Second)
}

// pickClass draws a class for a stream at time t.
func (g *historyGen) pickClass(k streamKind, t time.Time) *caseClass {
	half := t.Day() / 16
	key := [2]int{int(k), int(t.Month())*2 + half}
	w, ok := g.classPicks[key]
	if !ok {
		// The season of the middle of the half month.
		mid := time.Date(t.Year(), t.Month(), 8+15*half, 12, 0, 0, 0, gridline.ChinaTime)
		for i := range caseClasses {
			c := &caseClasses[i]
			w.add(i, c.weight(k)*seasonFactor(c.season, c.code, mid))
		}
		g.classPicks[key] = w
	}
	return &caseClasses[w.pick(g.rng)]
}

// place is where a case happens and the words for it.
type place struct {
	grid, compound, building int
	lon, lat                 float64
	spot                     string // {地点}
}

// pickPlace places a case of class c from a stream of kind k.
func (g *historyGen) pickPlace(c *caseClass, k streamKind) place {
	p := place{grid: -1, compound: -1, building: -1}
	inCompound := c.where == compound || k == compoundStream ||
		(k == appealStream && c.compoundShare > 0 && g.rng.Float64() < c.compoundShare)
	switch {
	case inCompound:
		p.compound = g.compoundPick.pick(g.rng)
		p.grid = g.d.Compounds[p.compound].Grid
	case c.where == urban:
		p.grid = g.urbanGrids.pick(g.rng)
	case c.where == rural:
		p.grid = g.ruralGrids.pick(g.rng)
	default:
		p.grid = g.allGrids.pick(g.rng)
	}
	gp := &g.grids[p.grid]
	var v vec
	if p.compound >= 0 {
		cp := &g.compounds[p.compound]
		v, _ = pointIn(g.rng, cp.ring, nil) // compounds are tens of metres wide: room enough
		if len(cp.buildings) > 0 {
			p.building = cp.buildings[g.rng.IntN(len(cp.buildings))]
		}
		p.spot = g.d.Compounds[p.compound].Name
		if p.building >= 0 && g.rng.IntN(5) < 2 {
			p.spot += g.d.Buildings[p.building].Name
		}
	} else {
		var ok bool
		if v, ok = pointIn(g.rng, gp.ring, nil); !ok {
			v = gp.ring[0] // never for the demo's grids; the test of places would say
		}
		switch {
		case !gp.urban:
			p.spot = gp.community + pick(g.rng, ruralSpots)
		case len(gp.spots) > 0 && g.rng.IntN(2) == 0:
			p.spot = pick(g.rng, gp.spots)
		default:
			p.spot = pick(g.rng, roadWords) + pick(g.rng, roadSegments)
		}
	}
	ll := g.proj.toLonLat(v)
	// Six decimals, as a phone reports them: about 0.1 m, far inside the
	// margin that keeps points off borders.
	p.lon, p.lat = math.Round(ll[0]*1e6)/1e6, math.Round(ll[1]*1e6)/1e6
	return p
}

// fill writes a template out for a place.
func (g *historyGen) fill(tpl string, p place) string {
	gp := &g.grids[p.grid]
	rng := g.rng
	var b strings.Builder
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		j := strings.IndexByte(tpl[i:], '}') + i
		b.WriteString(tpl[:i])
		b.WriteString(g.slot(tpl[i+1:j], p, gp, rng))
		tpl = tpl[j+1:]
	}
}

func (g *historyGen) slot(name string, p place, gp *gridPlace, rng *rand.Rand) string {
	d := g.d
	road := func() string {
		if !gp.urban {
			return gp.community + pick(rng, []string{"村内主路", "进村路", "村南的路", "村中心街"})
		}
		return pick(rng, roadWords)
	}
	switch name {
	case "地点":
		return p.spot
	case "路":
		return road()
	case "路2":
		if !gp.urban {
			return "村村通公路"
		}
		return pick(rng, roadWords)
	case "村", "社区":
		return gp.community
	case "镇街":
		return gp.town
	case "小区":
		switch {
		case p.compound >= 0:
			return d.Compounds[p.compound].Name
		case gp.urban:
			return gp.community + pick(rng, housingFronts)
		}
		return gp.community
	case "楼":
		if p.building >= 0 {
			g.said.building = p.building
			return d.Buildings[p.building].Name
		}
		return fmt.Sprintf("%d号楼", 1+rng.IntN(12))
	case "单元":
		n := 3
		if p.building >= 0 {
			n = len(d.Buildings[p.building].Entrances)
		}
		e := 1 + rng.IntN(n)
		if p.building >= 0 {
			g.said.entrance = d.Buildings[p.building].Entrances[e-1].Number
		}
		return fmt.Sprintf("%d单元", e)
	case "楼层":
		if p.building >= 0 {
			f := 1 + rng.IntN(d.Buildings[p.building].Floors)
			g.said.floor = f
			return fmt.Sprintf("%d楼", f)
		}
		return pick(rng, floorsSaid)
	case "时长":
		return pick(rng, durations)
	case "时段":
		return pick(rng, dayParts)
	case "月数":
		return pick(rng, months)
	case "金额":
		return pick(rng, amounts)
	case "人数":
		return pick(rng, []string{"十几", "二十多", "三十多", "八"})
	case "公交":
		return pick(rng, busLines)
	case "店":
		return pick(rng, shopWords) + pick(rng, shopKinds)
	case "企业":
		if len(gp.firms) > 0 {
			return pick(rng, gp.firms)
		}
		return "兖州" + pick(rng, firmWords) + pick(rng, firmTrades) + "有限公司"
	case "工地":
		if len(gp.sites) > 0 {
			return pick(rng, gp.sites) + pick(rng, siteSuffixes)
		}
		return pick(rng, compoundWords) + pick(rng, compoundSuffixNew) + pick(rng, projectWords) + pick(rng, siteSuffixes)
	case "学校":
		if len(gp.schools) > 0 {
			return pick(rng, gp.schools)
		}
		return pick(rng, schoolWords) + pick(rng, schoolKinds)
	case "医院":
		return pick(rng, hospitals)
	case "公园":
		if len(gp.parks) > 0 {
			return pick(rng, gp.parks)
		}
		return pick(rng, parkWords) + pick(rng, parkSuffix)
	case "单位":
		return departments[rng.IntN(len(departments))][1]
	}
	panic("demo: unknown text slot {" + name + "}")
}

// duplicateShare is the share of citizens' appeals about a street or
// compound problem that repeat one reported a little earlier, to be
// merged into it.
const duplicateShare = 0.02

// generate makes the case of a stream received at at.
func (g *historyGen) generate(s *stream, at time.Time) error {
	at = at.Truncate(time.Second)
	idx := len(g.h.Cases)
	g.h.Cases = append(g.h.Cases, Case{Lead: -1, Master: -1, Building: -1})
	c := &g.h.Cases[idx]
	t := &c.Ticket
	t.Channel = s.channel

	master := -1
	if s.kind == appealStream && g.rng.Float64() < duplicateShare {
		master = g.repeatOf(at)
	}
	var cls *caseClass
	var p place
	if master >= 0 {
		m := &g.h.Cases[master]
		cls = g.class[m.Ticket.Category]
		p = place{grid: m.Grid, compound: m.Compound, building: -1, lon: m.Lon, lat: m.Lat}
		p.spot = g.spotOf(m)
	} else {
		cls = g.pickClass(s.kind, at)
		p = g.pickPlace(cls, s.kind)
	}
	c.Grid, c.Compound, c.Lon, c.Lat = p.grid, p.compound, p.lon, p.lat
	t.Category = cls.code
	g.said.building, g.said.entrance, g.said.floor = -1, 0, 0
	t.Text = g.text(s, cls, p)
	if g.said.building >= 0 {
		// The text names the building: the case is placed there, at the
		// entrance and floor it names. The floor stays within its
		// entrance's (the text drew it from the building's).
		c.Building, c.Entrance, c.Floor = g.said.building, g.said.entrance, g.said.floor
		b := &g.d.Buildings[c.Building]
		if c.Entrance != 0 && c.Floor == 0 {
			// The taker asks which floor when it matters: where the
			// leak or the noise is. A lift is the whole building's, a
			// door entry system the ground floor's.
			switch {
			case strings.Contains(t.Text, "电梯"):
			case strings.Contains(t.Text, "门禁"):
				c.Floor = 1
			default:
				c.Floor = 1 + g.floors.IntN(b.Floors)
			}
		}
		for _, e := range b.Entrances {
			if e.Number == c.Entrance && e.Floors > 0 && c.Floor > e.Floors {
				c.Floor = e.Floors
			}
		}
	}
	gp := &g.grids[p.grid]
	t.Address = gp.town + gp.community + p.spot
	if strings.HasPrefix(p.spot, gp.community) {
		t.Address = gp.town + p.spot // 少陵社区便民服务中心
	}

	switch s.channel {
	case gridline.ChannelGridPatrol:
		if len(gp.workers) > 0 {
			w := g.d.People[gp.workers[g.rng.IntN(len(gp.workers))]]
			t.Reporter = gridline.Reporter{Name: w.Name, Phone: w.Phone}
		}
	case gridline.ChannelProperty:
		u := g.d.Units[g.d.Compounds[p.compound].Unit]
		t.Reporter = gridline.Reporter{Name: u.ShortName, Phone: u.Phone}
	case gridline.ChannelVideoPatrol:
		t.Reporter = gridline.Reporter{Name: "视频巡查员"}
	case gridline.ChannelSensor:
	default:
		t.Reporter.Name = pick(g.rng, surnames[:20]).s + pick(g.rng, []string{"先生", "女士"})
		if g.rng.Float64() < s.phone {
			t.Reporter.Phone = g.mobile()
		}
		t.Reporter.Confidential = g.rng.IntN(25) == 0
	}
	if s.channel == gridline.ChannelHotline {
		day := at.Format("20060102")
		g.extSeq[day]++
		t.ExternalID = fmt.Sprintf("SD12345-%s-%05d", day, g.extSeq[day])
	}

	r := g.newRun(idx, cls, s, p, at, master)
	g.walk(r)
	r.finish()
	if r.err != nil {
		return fmt.Errorf("demo: case %d (%s): %w", idx, cls.code, r.err)
	}
	// Only problems in a place are reported twice: a pothole, a compound's
	// lift, not someone's wages.
	if st := t.Status; s.kind == appealStream && master < 0 && (cls.code[0] != '2' || strings.HasPrefix(cls.code, "201")) &&
		st != gridline.StatusMerged && st != gridline.StatusVoided && st != gridline.StatusRejected {
		g.recent = append(g.recent, idx)
		if len(g.recent) > 400 {
			g.recent = g.recent[1:]
		}
	}
	return nil
}

// repeatOf picks an earlier appeal, received within two days of at, that
// a new appeal repeats; −1 if none.
func (g *historyGen) repeatOf(at time.Time) int {
	for try := 0; try < 4 && len(g.recent) > 0; try++ {
		i := g.recent[len(g.recent)-1-g.rng.IntN(min(len(g.recent), 60))]
		m := &g.h.Cases[i]
		st := m.Ticket.Status
		if at.Sub(m.Ticket.ReportedAt) < 48*time.Hour && st != gridline.StatusMerged && st != gridline.StatusVoided {
			return i
		}
	}
	return -1
}

// spotOf is the {地点} of a case, read back from its address.
func (g *historyGen) spotOf(c *Case) string {
	gp := &g.grids[c.Grid]
	s := strings.TrimPrefix(c.Ticket.Address, gp.town)
	if t := strings.TrimPrefix(s, gp.community); t != "" {
		return t
	}
	return s
}

// text writes a case's record in a stream's wording.
func (g *historyGen) text(s *stream, cls *caseClass, p place) string {
	tpls := cls.texts
	if s.kind != appealStream {
		// Grid workers and machines do not speak in the first person.
		var third []string
		for _, t := range tpls {
			if !strings.Contains(t, "我") {
				third = append(third, t)
			}
		}
		if len(third) > 0 {
			tpls = third
		}
	}
	body := g.fill(pick(g.rng, tpls), p)
	open := pick(g.rng, s.open)
	switch s.channel {
	case gridline.ChannelHotline:
		return open + body + pick(g.rng, hotlineClose)
	case gridline.ChannelMailbox:
		return open + body + pick(g.rng, mailboxClose)
	}
	return open + body
}

func (g *historyGen) mobile() string {
	return fmt.Sprintf("1%s%d%08d", pick(g.rng, []string{"3", "5", "8"}), g.rng.IntN(10), g.rng.IntN(100000000))
}

// LoadHistory writes h, generated for d, into a store that Load has
// written d into: the street offices, then every case in one
// ImportTickets. Like Load it is meant for an empty database, inside the
// caller's transaction (sqlstore.DB.InTx), so a failure leaves nothing.
func LoadHistory(ctx context.Context, d *District, h *History, s gridline.Services) error {
	phase := phaseTimer(ctx)
	ids := make([]int64, len(d.Units)+len(h.Offices))
	// Load does not hand out the IDs it got; the units' names are unique.
	byName := map[string]int64{}
	const page = 500
	for offset := 0; ; offset += page {
		units, total, err := s.Units.FindUnits(ctx, gridline.UnitFilter{Offset: offset, Limit: page})
		if err != nil {
			return fmt.Errorf("demo: find units: %w", err)
		}
		for _, u := range units {
			byName[u.Name] = u.ID
		}
		if len(units) == 0 || offset+len(units) >= total {
			break
		}
	}
	for i, u := range d.Units {
		if ids[i] = byName[u.Name]; ids[i] == 0 {
			return fmt.Errorf("demo: unit %s is not stored: load the district first", u.Name)
		}
	}
	for i := range h.Offices {
		u := h.Offices[i]
		id, err := stored(s.Units.CreateUnit(ctx, &u), &u.ID, "unit %s", u.Name)
		if err != nil {
			return err
		}
		ids[len(d.Units)+i] = id
	}
	buildingIDs, err := storedBuildings(ctx, d, h, s)
	if err != nil {
		return err
	}
	ts := h.Tickets(ids, buildingIDs)
	phase("cases_refs")
	if err := s.Tickets.ImportTickets(ctx, ts); err != nil {
		return fmt.Errorf("demo: import the year's cases: %w", err)
	}
	phase("cases_import")
	return nil
}

// storedBuildings returns the IDs Load gave d's buildings, by index, found
// by compound and building name (unique within a compound); nil when no
// case of h is at a building.
func storedBuildings(ctx context.Context, d *District, h *History, s gridline.Services) ([]int64, error) {
	if !slices.ContainsFunc(h.Cases, func(c Case) bool { return c.Building >= 0 }) {
		return nil, nil
	}
	const page = 5000
	compound := map[int64]string{}
	for offset := 0; ; offset += page {
		cs, total, err := s.Compounds.FindCompounds(ctx, gridline.PlaceFilter{Offset: offset, Limit: page})
		if err != nil {
			return nil, fmt.Errorf("demo: find compounds: %w", err)
		}
		for _, c := range cs {
			compound[c.ID] = c.Name
		}
		if len(cs) == 0 || offset+len(cs) >= total {
			break
		}
	}
	type key struct{ compound, building string }
	byName := map[key]int64{}
	for offset := 0; ; offset += page {
		bs, total, err := s.Buildings.FindBuildings(ctx, gridline.PlaceFilter{Offset: offset, Limit: page})
		if err != nil {
			return nil, fmt.Errorf("demo: find buildings: %w", err)
		}
		for _, b := range bs {
			if b.CompoundID != nil {
				byName[key{compound[*b.CompoundID], b.Name}] = b.ID
			}
		}
		if len(bs) == 0 || offset+len(bs) >= total {
			break
		}
	}
	ids := make([]int64, len(d.Buildings))
	for i, b := range d.Buildings {
		if ids[i] = byName[key{d.Compounds[b.Compound].Name, b.Name}]; ids[i] == 0 {
			return nil, fmt.Errorf("demo: building %s %s is not stored: load the district first", d.Compounds[b.Compound].Name, b.Name)
		}
	}
	return ids, nil
}
