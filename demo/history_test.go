package demo

import (
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
	"github.com/gridline/gridline/locate"
	"github.com/paulmach/orb"
)

// testScale keeps the tests' history small: a twentieth of the year's
// volumes, spread over the whole year.
const testScale = 0.05

var (
	historyOnce sync.Once
	history42   *History
	historyErr  error
)

// testHistory returns GenerateHistory(testDistrict, testScale), once.
func testHistory(t testing.TB) *History {
	t.Helper()
	d := testDistrict(t)
	historyOnce.Do(func() { history42, historyErr = GenerateHistory(d, HistoryOptions{Scale: testScale}) })
	if historyErr != nil {
		t.Fatalf("GenerateHistory: %v", historyErr)
	}
	return history42
}

// fakeUnitIDs numbers the history's units 1, 2, … in index order.
func fakeUnitIDs(d *District, h *History) []int64 {
	ids := make([]int64, len(d.Units)+len(h.Offices))
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return ids
}

func TestHistoryDeterministic(t *testing.T) {
	d := testDistrict(t)
	a, err := GenerateHistory(d, HistoryOptions{Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateHistory(d, HistoryOptions{Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("two histories of one seed differ:\n%.2000s", diff)
	}
	other, err := GenerateHistory(&District{Seed: d.Seed + 1, Regions: d.Regions, County: d.County, Towns: d.Towns,
		Villages: d.Villages, Grids: d.Grids, Points: d.Points, Units: d.Units, Compounds: d.Compounds,
		Buildings: d.Buildings, People: d.People, Assignments: d.Assignments, PartyOrgs: d.PartyOrgs}, HistoryOptions{Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if other.Cases[0].Ticket.Text == a.Cases[0].Ticket.Text && other.Cases[1].Ticket.Text == a.Cases[1].Ticket.Text {
		t.Errorf("another seed gives the same cases")
	}
}

// TestHistoryTimelines: every case is a valid intake and every timeline a
// path the loop allows, step by step (ValidateTimeline runs NextStatus on
// each); the government's steps fall in working time, except in
// emergencies; nothing happens after the end.
func TestHistoryTimelines(t *testing.T) {
	d := testDistrict(t)
	h := testHistory(t)
	cal := gridline.ChinaCalendar()
	cat := gridline.DefaultCatalogue()
	inWorkingTime := func(at time.Time) bool { return cal.WorkingDuration(at.Add(-time.Minute), at) > 0 }
	offHours := map[gridline.TicketAction]int{}
	steps, relayed := 0, 0
	for i, tk := range h.Tickets(fakeUnitIDs(d, h), nil) {
		if err := tk.Validate(); err != nil {
			t.Fatalf("case %d: %v\n%s", i, err, tk.Text)
		}
		if err := tk.ValidateTimeline(); err != nil {
			t.Fatalf("case %d (%s): %v", i, tk.Category, err)
		}
		c, _ := cat.Category(tk.Category)
		for _, e := range tk.Timeline {
			if !e.At.Before(h.End) || e.At.Before(h.Start) {
				t.Fatalf("case %d: %s at %s, outside the history", i, e.Action, e.At)
			}
			if c.Emergency || e.Action.IsLight() {
				continue
			}
			switch e.Action {
			case gridline.ActionCreate, gridline.ActionSelfHandle:
				continue // citizens call at any hour; a grid worker settles a problem when on the spot
			}
			steps++
			if !inWorkingTime(e.At) {
				offHours[e.Action]++
			}
		}
		if tk.Status == gridline.StatusMerged {
			m := h.Cases[h.Cases[i].Master].Ticket.Timeline[0].At
			if tk.MergedInto == nil || -*tk.MergedInto-1 >= int64(i) || m.After(tk.Timeline[0].At) {
				t.Errorf("case %d merged into %v, not a case received before it", i, tk.MergedInto)
			}
			// The master's reply, callback and closure after the merge
			// are relayed to it, in order.
			var mergedAt time.Time
			var got, want []string
			for _, e := range tk.Timeline {
				if e.Action == gridline.ActionMerge {
					mergedAt = e.At
				}
				if e.Action.IsRelay() {
					got = append(got, string(e.Action)+" "+e.Opinion)
				}
			}
			for _, e := range h.Cases[h.Cases[i].Master].Ticket.Timeline {
				if r := gridline.MasterRelay(e.Action); r != "" && !e.At.Before(mergedAt) {
					want = append(want, string(r)+" "+e.Opinion)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("case %d, merged into case %d: relayed %q, want %q", i, h.Cases[i].Master, got, want)
			}
			relayed += len(got)
		}
	}
	if len(offHours) > 0 {
		t.Errorf("government steps outside working time (of %d): %v", steps, offHours)
	}
	if relayed == 0 {
		t.Errorf("no master's news relayed to a merged case")
	}
}

// TestHistoryPlaces: every located case lies in its grid as the locate
// index finds it, places inside compounds lie inside the compound, and
// classes keep to their kind of place.
func TestHistoryPlaces(t *testing.T) {
	d := testDistrict(t)
	h := testHistory(t)
	grids := make([]*gridline.Grid, len(d.Grids))
	for i := range d.Grids {
		grids[i] = &d.Grids[i].Grid
	}
	idx := locate.NewIndex(grids, nil, nil)
	classes := map[string]*caseClass{}
	for i := range caseClasses {
		classes[caseClasses[i].code] = &caseClasses[i]
	}
	located, inCompound := 0, 0
	for i := range h.Cases {
		c := &h.Cases[i]
		tk := &c.Ticket
		g := &d.Grids[c.Grid]
		if tk.Lon != nil {
			located++
			loc, err := idx.Locate(*tk.Lon, *tk.Lat, "")
			if err != nil || loc.Grid.Code != tk.GridCode || tk.GridCode != g.Code {
				t.Fatalf("case %d at %.6f,%.6f: located in %v (%v), has grid %s", i, *tk.Lon, *tk.Lat, loc.Grid.Code, err, tk.GridCode)
			}
		}
		if c.Compound >= 0 {
			inCompound++
			if !d.Compounds[c.Compound].Geometry.Contains(orb.Point{c.Lon, c.Lat}) || d.Compounds[c.Compound].Grid != c.Grid {
				t.Fatalf("case %d is not inside compound %s", i, d.Compounds[c.Compound].Name)
			}
		}
		urbanGrid := gridline.IsResidentsCommittee(g.CommunityCode)
		switch cls := classes[tk.Category]; {
		case cls.where == compound && c.Compound < 0:
			t.Errorf("case %d of compound class %s outside a compound", i, tk.Category)
		case cls.where == rural && urbanGrid, cls.where == urban && !urbanGrid:
			t.Errorf("case %d of class %s in grid %s", i, tk.Category, g.Name)
		}
		if !strings.Contains(tk.Address, g.Name[:len(g.Name)-len("网格")]) && !strings.Contains(tk.Address, d.Towns[d.Villages[g.Village].Parent].Name) {
			t.Errorf("case %d: address %q does not name its town", i, tk.Address)
		}
	}
	if located < len(h.Cases)*9/10 || inCompound < len(h.Cases)/5 {
		t.Errorf("%d of %d located, %d in compounds", located, len(h.Cases), inCompound)
	}
}

// TestHistoryBuildings: a share of the cases inside compounds — those
// whose text names a building: lifts, leaks, heating, noise between
// floors — are at that building of their compound, at an entrance and a
// floor it has, and its name is in the text.
func TestHistoryBuildings(t *testing.T) {
	d := testDistrict(t)
	h := testHistory(t)
	buildingIDs := make([]int64, len(d.Buildings))
	for i := range buildingIDs {
		buildingIDs[i] = int64(i + 1)
	}
	tickets := h.Tickets(fakeUnitIDs(d, h), buildingIDs)
	inCompound, atBuilding, withFloor := 0, 0, 0
	for i := range h.Cases {
		c := &h.Cases[i]
		if c.Compound >= 0 {
			inCompound++
		}
		if c.Building < 0 {
			if tickets[i].BuildingID != nil || tickets[i].Floor != nil {
				t.Fatalf("case %d: no building, but the ticket has %v floor %v", i, tickets[i].BuildingID, tickets[i].Floor)
			}
			continue
		}
		atBuilding++
		b := &d.Buildings[c.Building]
		if b.Compound != c.Compound || !strings.Contains(c.Ticket.Text, b.Name) {
			t.Fatalf("case %d at %s of compound %d, in compound %d: %s", i, b.Name, b.Compound, c.Compound, c.Ticket.Text)
		}
		tk := tickets[i]
		if *tk.BuildingID != buildingIDs[c.Building] || tk.Entrance != c.Entrance {
			t.Fatalf("case %d: ticket building %d entrance %d, case %d/%d", i, *tk.BuildingID, tk.Entrance, c.Building, c.Entrance)
		}
		if c.Floor > 0 {
			withFloor++
		}
		if err := gridline.CheckBuildingPlace(&b.Building, tk.Entrance, tk.Floor); err != nil {
			t.Fatalf("case %d: %v (%s)", i, err, c.Ticket.Text)
		}
	}
	// A few per cent of the compounds' cases name their building, and
	// some of those a floor.
	if atBuilding < inCompound/50 || atBuilding > inCompound/2 || withFloor == 0 || withFloor >= atBuilding {
		t.Errorf("%d cases in compounds, %d at a building, %d of them at a floor", inCompound, atBuilding, withFloor)
	}
	t.Logf("%d cases, %d in compounds, %d at a building, %d at a floor", len(h.Cases), inCompound, atBuilding, withFloor)
}

// TestHistoryCatalogue: the demo draws every sub-class of the catalogue
// and only those.
func TestHistoryCatalogue(t *testing.T) {
	cat := gridline.DefaultCatalogue()
	have := map[string]bool{}
	for _, c := range caseClasses {
		if have[c.code] {
			t.Errorf("class %s twice", c.code)
		}
		have[c.code] = true
		if len(c.texts) < 2 {
			t.Errorf("class %s has %d texts", c.code, len(c.texts))
		}
	}
	for _, c := range cat.All() {
		if !c.IsMain() && !have[c.Code] {
			t.Errorf("sub-class %s %s has no demo texts", c.Code, c.Name)
		}
	}
}

// figures are the year's KPI counts, as gridline.KPICounts defines them,
// over [h.Start, h.End).
type figures struct {
	cases, received, closed, onTime, openOverdue, callbacks, satisfied, basic, unreachable int
	signs, signedOnTime, dispatches, returns, reworks                                      int
	days                                                                                   float64
	byChannel, byStatus                                                                    map[string]int
	daysByChannel                                                                          map[string]float64
	closedByChannel                                                                        map[string]int
	suggestAgree                                                                           int
}

func historyFigures(h *History) figures {
	cal := gridline.ChinaCalendar()
	cat := gridline.DefaultCatalogue()
	f := figures{byChannel: map[string]int{}, byStatus: map[string]int{}, daysByChannel: map[string]float64{},
		closedByChannel: map[string]int{}}
	for i := range h.Cases {
		tk := &h.Cases[i].Ticket
		f.cases++
		f.byChannel[string(tk.Channel)]++
		f.byStatus[string(tk.Status)]++
		if s := cat.Suggest(tk.Text, 1); len(s) > 0 && s[0].Code == tk.Category {
			f.suggestAgree++
		}
		created := tk.Timeline[0].At
		if tk.Status != gridline.StatusMerged && tk.Status != gridline.StatusVoided {
			f.received++
		}
		if tk.Status == gridline.StatusClosed {
			f.closed++
			if tk.Deadline == nil || !tk.ClosedAt.After(*tk.Deadline) {
				f.onTime++
			}
			f.days += tk.ClosedAt.Sub(created).Hours() / 24
			f.daysByChannel[string(tk.Channel)] += tk.ClosedAt.Sub(created).Hours() / 24
			f.closedByChannel[string(tk.Channel)]++
		} else if tk.Status.Open() && tk.Deadline != nil && tk.Deadline.Before(h.End) {
			f.openOverdue++
		}
		var dispatched time.Time
		var last gridline.Outcome
		for _, e := range tk.Timeline {
			switch e.Action {
			case gridline.ActionDispatch, gridline.ActionRedispatch:
				f.dispatches++
				dispatched = e.At
			case gridline.ActionReturn:
				f.returns++
			case gridline.ActionSign:
				f.signs++
				if limit, _ := cal.AddWorkingHours(dispatched, gridline.SignWithin); !e.At.After(limit) {
					f.signedOnTime++
				}
			case gridline.ActionReopen:
				f.reworks++
			case gridline.ActionVerify, gridline.ActionCallback:
				if e.Outcome == gridline.OutcomeFailed || e.Outcome == gridline.OutcomeUnsatisfied {
					f.reworks++
				}
			}
			if e.Action == gridline.ActionCallback {
				last = e.Outcome
			}
		}
		if last != "" {
			f.callbacks++
			switch last {
			case gridline.OutcomeSatisfied:
				f.satisfied++
			case gridline.OutcomeBasic:
				f.basic++
			case gridline.OutcomeUnreachable:
				f.unreachable++
			}
		}
	}
	return f
}

func (f figures) String() string {
	keys := func(m map[string]int) string {
		var ks []string
		for k, v := range m {
			ks = append(ks, fmt.Sprintf("%s %d", k, v))
		}
		sort.Strings(ks)
		return strings.Join(ks, ", ")
	}
	var days []string
	for ch, n := range f.closedByChannel {
		days = append(days, fmt.Sprintf("%s %.2f", ch, f.daysByChannel[ch]/float64(n)))
	}
	sort.Strings(days)
	return fmt.Sprintf("%d cases (%s; %s)\nreceived %d, closed %d, on time %.4f, open overdue %d\n"+
		"average handling %.3f days (%s)\ncallbacks %d: satisfied %.4f basic %.4f unreachable %.4f → yanzhou %.4f\n"+
		"signed on time %.4f, return rate %.4f, reworks %d\nSuggest agrees with the category: %.1f %%",
		f.cases, keys(f.byChannel), keys(f.byStatus), f.received, f.closed,
		float64(f.onTime)/float64(f.closed+f.openOverdue), f.openOverdue, f.days/float64(f.closed), strings.Join(days, ", "), f.callbacks,
		float64(f.satisfied)/float64(f.callbacks), float64(f.basic)/float64(f.callbacks),
		float64(f.unreachable)/float64(f.callbacks), float64(f.satisfied+f.basic)/float64(f.callbacks),
		float64(f.signedOnTime)/float64(f.signs), float64(f.returns)/float64(f.dispatches), f.reworks,
		100*float64(f.suggestAgree)/float64(f.cases))
}

// TestHistoryFigures: the volumes follow the seed's rate, and the year's
// figures land near the seed's because of how the cases were generated.
// GRIDLINE_DEMO_FULL_HISTORY=1 runs it on the full year (a few seconds)
// and logs the figures.
func TestHistoryFigures(t *testing.T) {
	h, scale := testHistory(t), testScale
	if os.Getenv("GRIDLINE_DEMO_FULL_HISTORY") != "" {
		start := time.Now()
		var err error
		if h, err = GenerateHistory(testDistrict(t), HistoryOptions{}); err != nil {
			t.Fatal(err)
		}
		scale = 1
		t.Logf("generated the full year in %s", time.Since(start).Round(time.Millisecond))
	}
	f := historyFigures(h)
	t.Logf("scale %g:\n%s", scale, f)
	appeals := 0
	for _, ch := range []gridline.Channel{gridline.ChannelHotline, gridline.ChannelMailbox, gridline.ChannelWebsite,
		gridline.ChannelApp, gridline.ChannelWalkIn} {
		appeals += f.byChannel[string(ch)]
	}
	if want := scale * seedAppeals * 12 / seedMonths; math.Abs(float64(appeals)-want) > 5 {
		t.Errorf("%d appeals, want %.0f", appeals, want)
	}
	if want := scale * (seedPropertyItems*12/seedMonths*0.95 + patrolFindings); math.Abs(float64(f.byChannel["grid_patrol"])-want) > 5 {
		t.Errorf("%d patrol findings, want %.0f", f.byChannel["grid_patrol"], want)
	}
	avg := f.days / float64(f.closed)
	onTime := float64(f.onTime) / float64(f.closed+f.openOverdue)
	yz := float64(f.satisfied+f.basic) / float64(f.callbacks)
	if avg < 2.5 || avg > 3.2 || onTime < 0.985 || yz < 0.985 {
		t.Errorf("average handling %.2f days, on time %.4f, satisfaction %.4f", avg, onTime, yz)
	}
	if agree := float64(f.suggestAgree) / float64(f.cases); agree < 0.8 {
		t.Errorf("Suggest agrees with the generated category on %.1f %% of the texts", 100*agree)
	}
}
