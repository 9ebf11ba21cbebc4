package demo

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gridline/gridline"
)

// Co-units (协办) in the history. Some department cases need another
// department's hand: a road collapse over a water main, a stall blocking a
// fire lane. The lead dispatched alone is the history the loop generates;
// this pass then names co-units on a share of the department cases and
// writes their steps between the lead's sign-off and its reply — each
// co-unit signs, replies to the lead before its deadline, and the lead
// rates it. It draws from a stream of its own and adds only co-unit steps
// (which the KPIs do not count) and the lead's ratings, so the lead's
// history and every figure stay as they were.

// streamCoUnits is the random stream of the co-unit pass (see areas.go).
const streamCoUnits uint64 = 65

const (
	coUnitShare = 0.05 // department cases with co-units
	twoCoShare  = 0.25 // of them, with two
)

// coPart is one co-unit's part in a case.
type coPart struct {
	Unit                     int // index as Case.Lead
	Deadline                 time.Time
	Signed, Replied, RatedAt time.Time
	Reply                    string
	Rating                   int
	RatingOpinion            string
}

var (
	coReplies = []string{"已按主办单位要求完成职责范围内的排查,情况已反馈。", "已派员配合现场处置,相关情况已书面反馈主办单位。",
		"已完成本单位负责的部分,管线已核查无异常。", "已协调所属站所配合处理,处理情况已报主办单位。"}
	ratingOpinions = map[int][]string{5: {"配合及时,反馈详实。", "响应迅速,配合到位。"}, 4: {"配合较好。", "能按时反馈。"},
		3: {"反馈不够及时,需加强沟通。"}}
)

// addCoUnits runs the co-unit pass over the generated cases.
func (g *historyGen) addCoUnits() {
	rng := newRand(g.d.Seed, streamCoUnits)
	isDept := map[int]bool{}
	for _, i := range g.departments {
		isDept[i] = true
	}
	for i := range g.h.Cases {
		c := &g.h.Cases[i]
		if c.Lead < 0 || !isDept[c.Lead] || c.Ticket.BaseDeadline == nil || len(g.departments) < 3 {
			continue
		}
		cat, ok := g.cat.Category(c.Ticket.Category)
		if !ok || cat.Emergency || cat.TimeLimit.Unit != gridline.LimitWorkingDays || rng.Float64() >= coUnitShare {
			continue
		}
		g.coUnitsOf(c, rng)
	}
}

// coUnitsOf names co-units on case c and writes their steps, if its
// timeline has a lead sign-off and reply after its last dispatch.
func (g *historyGen) coUnitsOf(c *Case, rng *rand.Rand) {
	tl := c.Ticket.Timeline
	dispatch, sign, reply := -1, -1, -1
	for j, e := range tl {
		switch {
		case e.Action == gridline.ActionDispatch || e.Action == gridline.ActionRedispatch:
			dispatch, sign, reply = j, -1, -1
		case e.Action == gridline.ActionSign && sign < 0 && dispatch >= 0:
			sign = j
		case e.Action == gridline.ActionReply && reply < 0 && sign >= 0:
			reply = j
		}
	}
	if dispatch < 0 || sign < 0 || reply < 0 || c.Units[reply] != c.Lead {
		return
	}
	dispatched, signed, replied := tl[dispatch].At, tl[sign].At, tl[reply].At
	if replied.Sub(signed) < 20*time.Minute {
		return // no room for the co-units' steps
	}
	deadline := gridline.CoUnitDeadline(g.cal, *c.Ticket.BaseDeadline, dispatched)
	n := 1
	if rng.Float64() < twoCoShare {
		n = 2
	}
	var parts []coPart
	for len(parts) < n {
		u := g.departments[rng.IntN(len(g.departments))]
		if u == c.Lead || len(parts) == 1 && parts[0].Unit == u {
			continue
		}
		parts = append(parts, coPart{Unit: u, Deadline: deadline})
	}
	// Each co-unit signs soon after the lead and replies to it before the
	// lead's reply and by its own deadline; the lead rates it at once.
	end := replied
	if deadline.Before(end) {
		end = deadline
	}
	var add []*gridline.TicketEvent
	var addUnits []int
	for k := range parts {
		p := &parts[k]
		if g.cal.WorkingDuration(signed, end) < 10*time.Minute {
			end = replied // the lead replied after the co-units' deadline: they reply late
		}
		frac := func(lo, hi float64, from, to time.Time) time.Duration {
			return time.Duration((lo + (hi-lo)*rng.Float64()) * float64(g.cal.WorkingDuration(from, to)))
		}
		// In working time, as the units work; never after the lead's reply.
		p.Signed = earlier(g.work(signed, frac(0.02, 0.12, signed, end)), replied)
		p.Replied = earlier(g.work(p.Signed, frac(0.3, 0.8, p.Signed, end)), replied)
		p.RatedAt = earlier(g.work(p.Replied, frac(0, 1, p.Replied, replied)), replied)
		p.Reply = pick(rng, coReplies)
		switch x := rng.Float64(); {
		case x < 0.7:
			p.Rating = 5
		case x < 0.95:
			p.Rating = 4
		default:
			p.Rating = 3
		}
		p.RatingOpinion = pick(rng, ratingOpinions[p.Rating])
		co := g.unitName(p.Unit)
		add = append(add,
			&gridline.TicketEvent{At: p.Signed.UTC(), Actor: co, Action: gridline.ActionSign, Note: "协办"},
			&gridline.TicketEvent{At: p.Replied.UTC(), Actor: co, Action: gridline.ActionReply, Opinion: p.Reply, Note: "协办"},
			&gridline.TicketEvent{At: p.RatedAt.UTC(), Actor: g.unitName(c.Lead), Action: gridline.ActionRate, Opinion: p.RatingOpinion,
				Note: "评价协办单位" + co})
		addUnits = append(addUnits, p.Unit, p.Unit, c.Lead)
	}
	// Merge the steps into the timeline by time, after the lead's
	// sign-off and before its reply, where the case is in handling; lead
	// steps in between (lights, urging, an extension) keep their order.
	type step struct {
		e    *gridline.TicketEvent
		unit int
	}
	var mid []step
	for j := sign + 1; j < reply; j++ {
		mid = append(mid, step{tl[j], c.Units[j]})
	}
	for k, a := range add {
		a.From, a.To = gridline.StatusHandling, gridline.StatusHandling
		mid = append(mid, step{a, addUnits[k]})
	}
	slices.SortStableFunc(mid, func(a, b step) int { return a.e.At.Compare(b.e.At) })
	out := slices.Clone(tl[:sign+1])
	units := slices.Clone(c.Units[:sign+1])
	for _, m := range mid {
		out, units = append(out, m.e), append(units, m.unit)
	}
	out, units = append(out, tl[reply:]...), append(units, c.Units[reply:]...)
	c.Ticket.Timeline, c.Units, c.Co = out, units, parts
	c.Ticket.Version = gridline.TimelineVersion(out)
}

// assignments returns case c's assignments for the import: the lead of the
// last dispatch with its progress, and the co-units.
func (c *Case) assignments(unitIDs []int64) []*gridline.TicketAssignment {
	t := &c.Ticket
	if len(c.Co) == 0 || c.Lead < 0 || t.Deadline == nil {
		return nil
	}
	lead := &gridline.TicketAssignment{UnitID: unitIDs[c.Lead], Role: gridline.AssignLead, Deadline: *t.Deadline, Warning: t.Warning}
	for _, e := range t.Timeline {
		if e.ByCoUnit() {
			continue
		}
		at := e.At
		switch e.Action {
		case gridline.ActionDispatch, gridline.ActionRedispatch:
			lead.AssignedAt, lead.SignedAt, lead.RepliedAt, lead.Reply = at, nil, nil, ""
		case gridline.ActionSign:
			lead.SignedAt = &at
		case gridline.ActionReply:
			lead.RepliedAt, lead.Reply = &at, e.Opinion
		}
	}
	out := []*gridline.TicketAssignment{lead}
	for _, p := range c.Co {
		signed, replied, rated, rating := p.Signed, p.Replied, p.RatedAt, p.Rating
		out = append(out, &gridline.TicketAssignment{UnitID: unitIDs[p.Unit], Role: gridline.AssignCo, AssignedAt: lead.AssignedAt,
			Deadline: p.Deadline, SignedAt: &signed, RepliedAt: &replied, Reply: p.Reply, Rating: &rating,
			RatingOpinion: p.RatingOpinion, RatedAt: &rated})
	}
	return out
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
