package demo

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// The shares of the paths a case takes through the loop. Together with
// the handling times below they make the year's figures; none of the
// figures is written anywhere.
const (
	unlocatedShare = 0.25  // appeals that come with an address only and are placed by hand
	voidShare      = 0.002 // test calls and records entered twice
	rejectShare    = 0.008 // appeals outside the government's remit
	selfShare      = 0.45  // small problems a grid worker settles on the spot, of the classes that allow it
	misrouteShare  = 0.035 // dispatches to the wrong unit
	returnedShare  = 0.75  // of them, returned by the unit (退单); the others redispatched by the centre
	lateSignShare  = 0.06  // sign-offs later than two working hours
	extendShare    = 0.025 // day-limit cases that ask for more time
	approveShare   = 0.88  // of the extension requests, approved
	deferShare     = 0.2   // of the cases asking for more time, deferred first (暂缓)
	lateShare      = 0.004 // cases replied only after their deadline, without an extension
	stallShare     = 0.004 // cases of the last weeks a unit leaves unanswered
	failShare      = 0.03  // verifications that fail: rework
	reopenShare    = 0.0015
	// Callback outcomes: the rest are satisfied.
	basicShare       = 0.045
	unsatisfiedShare = 0.003
	unreachableShare = 0.005
	// replyShareAppeal and replyShareFound are the mean share of the
	// time left before the deadline that a unit takes to reply, drawn per
	// case from a Beta distribution: units reply well within their time
	// limits, a few only near the end. Citizens' appeals come first, as
	// the hotline's assessment scores them by the reporter's callback;
	// what grid workers, cameras and sensors find waits longer.
	replyShareAppeal = 0.28
	replyShareFound  = 0.7
	replyShapeA      = 1.6
)

// stallWindow is how close to the end a stalled case was received.
const stallWindow = 45 * 24 * time.Hour

// selfHandled lists the classes a grid worker can settle on the spot:
// persuading, tidying, tearing down a poster.
var selfHandled = map[string]bool{"10102": true, "10109": true, "10201": true, "10204": true, "10205": true,
	"10501": true, "10502": true, "10503": true, "10504": true, "10508": true, "10509": true, "10607": true,
	"10608": true, "0302": true, "10110": true, "21204": true, "10507": true, "20105": true}

// Words the actors write on the timeline.
var (
	centre         = "区指挥中心"
	callbackActor  = "12345回访"
	voidReasons    = []string{"无效来电,作废处理。", "重复录入,作废。", "测试工单,作废。"}
	rejectReasons  = []string{"诉求人反映的问题属于民事纠纷,已告知其通过司法途径解决,不予受理。", "来电内容不属于政务服务便民热线受理范围。", "诉求人反映的问题已进入司法程序,不予受理。", "诉求内容不明确,多次联系诉求人未能补充,不予受理。"}
	selfReplies    = []string{"网格员现场处置完毕,问题已解决。", "网格员现场劝导,当事人已整改。", "已现场清理完毕。"}
	extendReasons  = []string{"需协调多部门联合处置,申请延期。", "需采购材料,施工周期较长,申请延期。", "涉及历史遗留问题,需进一步调查,申请延期。", "受天气影响无法施工,申请延期。"}
	deferNotes     = []string{"因天气原因暂缓施工。", "待资金到位后实施。", "待相关手续办结后处理。"}
	failNotes      = []string{"现场核查问题未解决,退回重办。", "现场核查整改不到位,需继续处理。"}
	passNotes      = []string{"现场核查属实,问题已解决。", "已现场核实,处置到位。", ""}
	closeNotes     = []string{"经核查问题已解决,予以结案。", "处置完毕,结案。"}
	unsatisfiedOps = []string{"诉求人表示问题未彻底解决,不满意。", "诉求人对处理结果不认可。"}
	finalReplies   = []string{"已再次上门向诉求人解释相关政策和处理情况。", "已按规定处理到位,并向诉求人说明。"}
)

// run takes one case through the loop, keeping what ActOnTicket and the
// deadline scheduler would keep: the status, lead unit, deadlines, light.
type run struct {
	g      *historyGen
	c      *Case
	t      *gridline.Ticket
	cls    *caseClass
	cat    gridline.Category
	s      *stream
	p      place
	master int

	status    gridline.TicketStatus
	lead      int
	deadline  *time.Time
	base      *time.Time
	warning   gridline.WarningLevel
	escalated string
	closedAt  *time.Time
	last      time.Time
	stopped   bool // the history ended: no more steps
	err       error
}

func (g *historyGen) newRun(idx int, cls *caseClass, s *stream, p place, at time.Time, master int) *run {
	c := &g.h.Cases[idx]
	cat, _ := g.cat.Category(cls.code)
	r := &run{g: g, c: c, t: &c.Ticket, cls: cls, cat: cat, s: s, p: p, master: master, lead: -1}
	t := r.t
	t.ReportedAt = at.UTC()
	created := at
	actor := ""
	switch s.channel {
	case gridline.ChannelHotline:
		actor = "12345热线"
	case gridline.ChannelMailbox:
		actor = "区长信箱"
	case gridline.ChannelWebsite:
		actor = "政府网站"
	case gridline.ChannelApp:
		actor = "闪电新闻"
	case gridline.ChannelWalkIn:
		actor = "区信访接待"
	case gridline.ChannelSnapReport, gridline.ChannelHazardReport:
		actor = "兖速办"
	case gridline.ChannelVideoPatrol:
		actor = "视频巡查"
	case gridline.ChannelSensor:
		actor = "物联感知平台"
	default:
		actor = t.Reporter.Name
	}
	if s.kind == appealStream {
		// The platforms push a record a few minutes after the call.
		created = at.Add(time.Duration(60+g.rng.IntN(420)) * time.Second)
		if master >= 0 {
			// A repeat is taken in after the case it repeats.
			created = later(created, g.h.Cases[master].Ticket.Timeline[0].At.Add(time.Second))
		}
		if !created.Before(g.h.End) {
			created = g.h.End.Add(-time.Second) // still after at and any master: both are whole seconds before End
		}
	}
	status := gridline.StatusReceived
	if s.kind == appealStream && s.channel != gridline.ChannelWalkIn && g.rng.Float64() < unlocatedShare {
		status = gridline.StatusUnlocated
	} else {
		r.place()
	}
	r.status = status
	t.Timeline = append(t.Timeline, &gridline.TicketEvent{At: created.UTC(), Actor: actor, Action: gridline.ActionCreate, To: status})
	c.Units = append(c.Units, -1)
	r.last = created
	return r
}

// place gives the case its position and grid.
func (r *run) place() {
	lon, lat := r.p.lon, r.p.lat
	r.t.Lon, r.t.Lat = &lon, &lat
	r.t.RegionPath = r.g.d.Grids[r.p.grid].Grid.Path()
}

// step takes one action at at: the lights due before it first, then the
// action as NextStatus allows it, with apply for what it changes besides
// the status. It does nothing once the history has ended and reports
// whether the step was taken.
func (r *run) step(at time.Time, a gridline.TicketAction, o gridline.Outcome, actor, opinion, note string, apply func(time.Time)) bool {
	if r.stopped || r.err != nil {
		return false
	}
	at = at.Truncate(time.Second)
	if at.Before(r.last) {
		at = r.last
	}
	r.lights(at)
	if r.stopped || !at.Before(r.g.h.End) {
		r.stopped = true
		return false
	}
	if at.Before(r.last) {
		at = r.last // a light or its follow-up came first
	}
	to, err := gridline.NextStatus(r.status, a, o)
	if err != nil {
		r.err = fmt.Errorf("%s at %s: %w", a, at.Format(time.RFC3339), err)
		return false
	}
	if apply != nil {
		apply(at)
	}
	from := r.status
	if to == gridline.StatusClosed && from != gridline.StatusClosed {
		c := at.UTC()
		r.closedAt = &c
	} else if from == gridline.StatusClosed && to != gridline.StatusClosed {
		r.closedAt = nil
	}
	r.status = to
	r.t.Timeline = append(r.t.Timeline, &gridline.TicketEvent{At: at.UTC(), Actor: actor, Action: a, From: from, To: to,
		Outcome: o, Opinion: opinion, Note: note})
	r.c.Units = append(r.c.Units, r.lead)
	r.last = at
	return true
}

// lights adds the lights the deadline scheduler, running every minute,
// would have raised before until: yellow from WarnAt, red past the
// deadline with the escalation, each perhaps followed by the centre's
// urging (催办) or formal supervision (督办).
func (r *run) lights(until time.Time) {
	g := r.g
	for r.deadline != nil && r.status.Open() && !r.stopped {
		var at time.Time
		switch r.warning {
		case gridline.WarningNone:
			at = g.cal.WarnAt(*r.deadline)
		case gridline.WarningYellow:
			at = r.deadline.Add(time.Nanosecond)
		default:
			return
		}
		// The scheduler's first run after the light is due and after the
		// step that set the deadline.
		at = ceilMinute(later(at, r.last.Add(time.Second)))
		if at.After(until) {
			return
		}
		if !at.Before(g.h.End) {
			r.stopped = true
			return
		}
		level := gridline.WarningAt(g.cal, *r.deadline, at)
		note := ""
		if level == gridline.WarningRed {
			note = gridline.EscalationTarget(r.t.RegionPath, len(g.unitRegion(r.lead)) == 6)
		}
		r.warning, r.escalated = level, note
		r.t.Timeline = append(r.t.Timeline, &gridline.TicketEvent{At: at.UTC(), Actor: gridline.ActorScheduler,
			Action: gridline.TicketAction(level), Note: note})
		r.c.Units = append(r.c.Units, -1)
		r.last = at
		// The centre follows a light up: a word to hurry on yellow, a
		// supervision notice on red.
		action, share, mean, words := gridline.ActionUrge, 0.25, 30*time.Minute, "请加快办理进度,按期办结。"
		if level == gridline.WarningRed {
			action, share, mean, words = gridline.ActionSupervise, 0.8, time.Hour, "工单已超期,请承办单位说明原因并立即办理。"
		}
		if g.rng.Float64() < share {
			if next := g.work(at, g.expDur(mean)); !next.After(until) {
				r.step(next, action, "", centre, "", words, nil)
			}
		}
	}
}

// finish lights what is due by the end and writes the state into the
// case.
func (r *run) finish() {
	if !r.stopped {
		r.lights(r.g.h.End.Add(-time.Nanosecond))
	}
	t := r.t
	t.Status, t.ClosedAt, t.Deadline, t.BaseDeadline = r.status, r.closedAt, r.deadline, r.base
	t.Warning, t.EscalatedTo = r.warning, r.escalated
	r.c.Lead = r.lead
	if r.status == gridline.StatusMerged {
		r.c.Master = r.master
	}
}

func ceilMinute(t time.Time) time.Time {
	if m := t.Truncate(time.Minute); m.Equal(t) {
		return t
	} else {
		return m.Add(time.Minute)
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// unitRegion is the region a unit serves (a county code for the
// district's departments and companies, a town code for the offices).
func (g *historyGen) unitRegion(i int) string {
	switch {
	case i < 0:
		return ""
	case i < len(g.d.Units):
		return g.d.Units[i].RegionCode
	}
	return g.h.Offices[i-len(g.d.Units)].RegionCode
}

func (g *historyGen) unitName(i int) string {
	if i < len(g.d.Units) {
		return g.d.Units[i].ShortName
	}
	return g.h.Offices[i-len(g.d.Units)].ShortName
}

// work returns the moment d of working time after t (from the next
// opening when t is after hours), rounded up to the second.
func (g *historyGen) work(t time.Time, d time.Duration) time.Time {
	out, err := g.cal.AddWorkingHours(t, max(d, time.Second))
	if err != nil {
		panic(err) // d is positive and small: never
	}
	// Up to the second, so a moment just after an opening stays after
	// it.
	if s := out.Truncate(time.Second); !s.Equal(out) {
		return s.Add(time.Second)
	}
	return out
}

// expDur draws an exponential duration of the given mean.
func (g *historyGen) expDur(mean time.Duration) time.Duration {
	return time.Duration(g.rng.ExpFloat64() * float64(mean))
}

// uniform draws a duration between lo and hi.
func (g *historyGen) uniform(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.rng.Float64()*float64(hi-lo))
}

// beta draws from a Beta(a, b) distribution, from two Gamma draws.
func (g *historyGen) beta(a, b float64) float64 {
	x, y := g.gamma(a), g.gamma(b)
	return x / (x + y)
}

// gamma draws from Gamma(k, 1) (Marsaglia and Tsang).
func (g *historyGen) gamma(k float64) float64 {
	if k < 1 {
		return g.gamma(k+1) * math.Pow(g.rng.Float64(), 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := g.rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := g.rng.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// route is the unit the district centre dispatches a case to, by the
// catalogue: a department, the street of the place, or the compound's
// property company.
func (r *run) route() (int, error) {
	lead, err := r.g.cat.Route(r.cls.code, gridline.LevelCounty, r.p.compound >= 0)
	if err != nil {
		return -1, err
	}
	switch lead.Kind {
	case gridline.LeadDepartment:
		u, ok := r.g.unitByShort[lead.Department]
		if !ok {
			return -1, fmt.Errorf("the catalogue names %s, which the demo does not have", lead.Department)
		}
		return u, nil
	case gridline.LeadStreet:
		town := r.g.d.Villages[r.g.d.Grids[r.p.grid].Village].Parent
		return len(r.g.d.Units) + town, nil
	case gridline.LeadProperty:
		return r.g.d.Compounds[r.p.compound].Unit, nil
	}
	return -1, fmt.Errorf("no unit for lead %s", lead)
}

// dispatch sends the case to unit at at; the deadline follows from the
// class's time limit, as a dispatch without one does in ActOnTicket.
func (r *run) dispatch(at time.Time, a gridline.TicketAction, unit int, note string) bool {
	return r.step(at, a, "", centre, "", note, func(at time.Time) {
		r.lead = unit
		d, err := r.g.cal.Deadline(at, r.cat.TimeLimit)
		if err != nil {
			r.err = err
			return
		}
		d = d.UTC()
		r.deadline, r.base = &d, &d
		r.warning, r.escalated = gridline.WarningNone, ""
	})
}

// extend asks for more time at at and, mostly, gets it: a few working
// days more, within the Shandong limit over the deadline set at
// dispatch. It reports whether the deadline moved.
func (r *run) extend(at time.Time, days int) bool {
	g := r.g
	unit := g.unitName(r.lead)
	if !r.step(at, gridline.ActionExtendRequest, "", unit, "", pick(g.rng, extendReasons), nil) {
		return false
	}
	decided := g.work(at, g.uniform(10*time.Minute, 2*time.Hour))
	limit, err := gridline.ShandongHotline.ExtendUntil(g.cal, *r.base)
	if err != nil {
		r.err = err
		return false
	}
	want, err := g.cal.AddWorkingDays(*r.deadline, days)
	if err != nil {
		r.err = err
		return false
	}
	if want.After(limit) {
		want = limit
	}
	if g.rng.Float64() >= approveShare || !want.After(*r.deadline) || !want.After(decided) {
		r.step(decided, gridline.ActionExtendDeny, "", centre, "", "不符合延期条件,请按期办结。", nil)
		return false
	}
	want = want.UTC()
	return r.step(decided, gridline.ActionExtendApprove, "", centre, "",
		"同意延期至"+want.In(gridline.ChinaTime).Format("1月2日")+"。", func(time.Time) {
			r.deadline, r.warning, r.escalated = &want, gridline.WarningNone, ""
		})
}

// within returns a moment after from, about mean of working time later,
// but no later than share of the working time left before the deadline
// (unless the case is late anyway).
func (r *run) within(from time.Time, mean time.Duration, share float64, late bool) time.Time {
	g := r.g
	d := g.expDur(mean) + time.Minute
	if r.deadline != nil && !late {
		if left := g.cal.WorkingDuration(from, *r.deadline); left > 0 {
			d = min(d, time.Duration(share*float64(left)))
		}
	}
	return g.work(from, d)
}

// walk takes the case through the loop from its intake.
func (g *historyGen) walk(r *run) {
	at := r.last
	wait := func(from time.Time, mean time.Duration) time.Time {
		if r.cat.Emergency {
			// Emergencies are handled round the clock.
			return from.Add(time.Minute + g.expDur(mean/3)).Truncate(time.Second)
		}
		return g.work(from, time.Minute+g.expDur(mean))
	}
	if r.status == gridline.StatusUnlocated {
		at = wait(at, 20*time.Minute)
		if !r.step(at, gridline.ActionLocate, "", centre, "", "根据诉求地址定位。", func(time.Time) { r.place() }) {
			return
		}
	}
	switch {
	case r.master >= 0:
		r.step(wait(at, 15*time.Minute), gridline.ActionMerge, "", centre, "", "与前序工单反映同一问题,合并办理。", nil)
		return
	case g.rng.Float64() < voidShare:
		r.step(wait(at, 10*time.Minute), gridline.ActionVoid, "", centre, "", pick(g.rng, voidReasons), nil)
		return
	case r.s.kind == appealStream && g.rng.Float64() < rejectShare:
		r.step(wait(at, 30*time.Minute), gridline.ActionReject, "", centre, pick(g.rng, rejectReasons), "", nil)
		return
	case r.s.channel == gridline.ChannelGridPatrol && selfHandled[r.cls.code] && g.rng.Float64() < selfShare:
		r.step(at.Add(g.uniform(10*time.Minute, 90*time.Minute)), gridline.ActionSelfHandle, "", r.t.Reporter.Name,
			pick(g.rng, selfReplies), "", nil)
		return
	}
	at = wait(at, 12*time.Minute)
	if !r.step(at, gridline.ActionFile, "", centre, "", "", nil) {
		return
	}
	right, err := r.route()
	if err != nil {
		r.err = err
		return
	}
	at = wait(at, 20*time.Minute)
	if g.rng.Float64() < misrouteShare {
		wrong := g.departments[g.rng.IntN(len(g.departments))]
		if wrong == right {
			wrong = g.departments[(g.rng.IntN(len(g.departments)-1)+1+indexOf(g.departments, right))%len(g.departments)]
		}
		if !r.dispatch(at, gridline.ActionDispatch, wrong, "") {
			return
		}
		if g.rng.Float64() < returnedShare {
			// The unit sends it back within the return window.
			until, err := gridline.ShandongHotline.ReturnUntil(g.cal, at)
			if err != nil {
				r.err = err
				return
			}
			back := wait(at, 2*time.Hour)
			if back.After(until) {
				back = g.work(at, g.uniform(10*time.Minute, time.Hour))
			}
			if !r.step(back, gridline.ActionReturn, "", g.unitName(wrong),
				"经核实,该诉求不属于我单位职责范围,建议转"+g.unitName(right)+"办理。", "", func(time.Time) {
					r.lead, r.deadline, r.base, r.warning, r.escalated = -1, nil, nil, gridline.WarningNone, ""
				}) {
				return
			}
			at = wait(back, 30*time.Minute)
			if !r.dispatch(at, gridline.ActionDispatch, right, "") {
				return
			}
		} else {
			at = wait(at, 40*time.Minute)
			if !r.dispatch(at, gridline.ActionRedispatch, right, "派遣有误,改派"+g.unitName(right)+"。") {
				return
			}
		}
	} else if !r.dispatch(at, gridline.ActionDispatch, right, "") {
		return
	}
	g.handle(r, at)
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return 0
}

// handle takes a dispatched case from sign-off to closure.
func (g *historyGen) handle(r *run, dispatched time.Time) {
	limit := r.cat.TimeLimit
	byHours := limit.Unit == gridline.LimitWorkingHours
	limitDur := time.Duration(limit.Amount) * time.Hour
	if !byHours {
		limitDur = time.Duration(limit.Amount) * g.cal.HoursPerDay()
	}
	unit := g.unitName(r.lead)
	emergency := r.cat.Emergency
	late := g.rng.Float64() < lateShare

	// Sign-off: mostly within two working hours, at once in emergencies.
	var signAt time.Time
	switch {
	case emergency:
		signAt = dispatched.Add(g.uniform(3*time.Minute, time.Duration(0.12*float64(limitDur))))
	case !byHours && g.rng.Float64() < lateSignShare:
		signAt = g.work(dispatched, g.uniform(2*time.Hour+time.Minute, 6*time.Hour))
	default:
		signAt = g.work(dispatched, min(g.expDur(min(25*time.Minute, limitDur/8))+time.Minute, min(110*time.Minute, limitDur/3)))
	}
	if !r.step(signAt, gridline.ActionSign, "", unit, "", "", nil) {
		return
	}
	at := signAt
	if g.h.End.Sub(r.t.ReportedAt) < stallWindow && g.rng.Float64() < stallShare {
		return // left unanswered: open and overdue at the end
	}

	// The reply.
	var replyAt time.Time
	if emergency {
		replyAt = dispatched.Add(time.Duration((0.3 + 0.3*g.rng.Float64()) * float64(limitDur)))
		if late {
			replyAt = dispatched.Add(time.Duration((1.5 + 3*g.rng.Float64()) * float64(limitDur)))
		}
	} else {
		if !byHours && !late && g.rng.Float64() < extendShare {
			ask := g.work(at, time.Duration((0.3+0.4*g.rng.Float64())*float64(g.cal.WorkingDuration(at, *r.deadline))))
			if g.rng.Float64() < deferShare {
				if !r.step(ask, gridline.ActionDefer, "", unit, "", pick(g.rng, deferNotes), nil) {
					return
				}
				ask = g.work(ask, g.uniform(time.Hour, 7*time.Hour))
			}
			r.extend(ask, pick(g.rng, []int{2, 3, 5, 5}))
			if r.stopped || r.err != nil {
				return
			}
			at = r.last
		}
		mean := replyShareFound
		if r.t.Reporter.Phone != "" && r.s.kind != patrolStream && r.s.kind != compoundStream || r.s.channel == gridline.ChannelSnapReport {
			mean = replyShareAppeal
		}
		share := g.beta(replyShapeA, replyShapeA*(1-mean)/mean)
		if late {
			share = 1.05 + 0.8*g.rng.Float64()
		}
		replyAt = g.work(at, time.Duration(share*float64(max(g.cal.WorkingDuration(at, *r.deadline), time.Minute))))
	}
	g.reply(r, replyAt, late, firstRound)
}

// round says why a case is replied to: the first time, after a failed
// verification, or after the reporter said it was not solved.
type round int

const (
	firstRound round = iota
	reworkRound
	reopenedRound
)

// reply replies at at, then verification and callback, and any rework.
func (g *historyGen) reply(r *run, at time.Time, late bool, rd round) {
	unit := g.unitName(r.lead)
	opinion := g.replyText(r, at)
	if rd == reopenedRound {
		opinion = pick(g.rng, finalReplies)
	}
	again := rd != firstRound
	if !r.step(at, gridline.ActionReply, "", unit, opinion, "", nil) {
		return
	}
	verifier := "网格员"
	if ws := g.grids[r.p.grid].workers; len(ws) > 0 {
		verifier = g.d.People[ws[g.rng.IntN(len(ws))]].Name
	}
	vAt := r.within(at, 2*time.Hour, 0.4, late)
	if r.cat.Emergency && !late {
		vAt = at.Add(g.uniform(5*time.Minute, 20*time.Minute))
	}
	if !again && g.rng.Float64() < failShare {
		if !r.step(vAt, gridline.ActionVerify, gridline.OutcomeFailed, verifier, "", pick(g.rng, failNotes), nil) {
			return
		}
		next := g.rework(r, vAt, late)
		if next.IsZero() {
			return
		}
		g.reply(r, next, late, reworkRound)
		return
	}
	if !r.step(vAt, gridline.ActionVerify, gridline.OutcomePassed, verifier, "", pick(g.rng, passNotes), nil) {
		return
	}
	cbAt := r.within(vAt, 3*time.Hour, 0.5, late)
	if r.t.Reporter.Phone == "" || r.s.kind != appealStream && r.s.kind != hazardStream && r.s.channel != gridline.ChannelSnapReport {
		r.step(cbAt, gridline.ActionClose, "", centre, "", pick(g.rng, closeNotes), nil)
		return
	}
	x := g.rng.Float64()
	switch {
	case x < unsatisfiedShare && !again:
		if !r.step(cbAt, gridline.ActionCallback, gridline.OutcomeUnsatisfied, callbackActor, "", pick(g.rng, unsatisfiedOps), nil) {
			return
		}
		next := g.rework(r, cbAt, late)
		if next.IsZero() {
			return
		}
		g.reply(r, next, late, reopenedRound)
		return
	case rd == reopenedRound && g.rng.Float64() < 0.05:
		// Still unsatisfied after a second round: the centre closes the
		// case once the unit has explained its answer.
		if !r.step(cbAt, gridline.ActionCallback, gridline.OutcomeUnsatisfied, callbackActor, "", pick(g.rng, unsatisfiedOps), nil) {
			return
		}
		next := r.within(cbAt, 4*time.Hour, 0.3, late)
		if !r.step(next, gridline.ActionReply, "", unit, pick(g.rng, finalReplies), "", nil) {
			return
		}
		v := r.within(next, time.Hour, 0.3, late)
		if !r.step(v, gridline.ActionVerify, gridline.OutcomePassed, verifier, "", "", nil) {
			return
		}
		r.step(r.within(v, time.Hour, 0.5, late), gridline.ActionClose, "", centre, "",
			"承办单位已依法依规答复到位,经审核予以结案。", nil)
		return
	}
	outcome, note := gridline.OutcomeSatisfied, "诉求人对办理结果表示满意。"
	switch {
	case x < unsatisfiedShare+unreachableShare:
		outcome, note = gridline.OutcomeUnreachable, "多次联系诉求人未接通。"
	case x < unsatisfiedShare+unreachableShare+basicShare || rd == reopenedRound && g.rng.Float64() < 0.55:
		outcome, note = gridline.OutcomeBasic, "诉求人表示基本满意。"
	}
	if !r.step(cbAt, gridline.ActionCallback, outcome, callbackActor, "", note, nil) {
		return
	}
	if !again && r.s.kind == appealStream && g.rng.Float64() < reopenShare {
		// The problem came back: the reporter calls again and the case
		// is reopened.
		back := g.work(cbAt, g.uniform(7*time.Hour, 35*time.Hour))
		if !r.step(back, gridline.ActionReopen, "", centre, "", "诉求人再次来电反映问题反复,重新办理。", nil) {
			return
		}
		next := g.rework(r, back, late)
		if next.IsZero() {
			return
		}
		g.reply(r, next, late, reopenedRound)
	}
}

// rework plans the next reply of a case sent back to handling at at,
// asking for more time when little is left. It returns zero when the
// history ends first.
func (g *historyGen) rework(r *run, at time.Time, late bool) time.Time {
	left := g.cal.WorkingDuration(at, *r.deadline)
	if left < 4*time.Hour && r.cat.TimeLimit.Unit == gridline.LimitWorkingDays && !late {
		if r.extend(g.work(at, g.uniform(10*time.Minute, time.Hour)), 3) {
			at = r.last
			left = g.cal.WorkingDuration(at, *r.deadline)
		}
		if r.stopped || r.err != nil {
			return time.Time{}
		}
		at = r.last
	}
	d := time.Duration((0.3 + 0.3*g.rng.Float64()) * float64(left))
	if left <= 0 {
		d = g.uniform(2*time.Hour, 14*time.Hour)
	}
	return g.work(at, d)
}

// replyText is a unit's public reply on day at.
func (g *historyGen) replyText(r *run, at time.Time) string {
	tpls := repliesByClass[r.cat.Code]
	if len(tpls) == 0 {
		tpls = repliesByMain[r.cat.ParentCode]
	}
	if len(tpls) == 0 {
		tpls = []string{"已于{日期}处理完毕,并向诉求人反馈。"}
	}
	s := pick(g.rng, tpls)
	s = strings.ReplaceAll(s, "{日期}", at.In(gridline.ChinaTime).Format("1月2日"))
	s = strings.ReplaceAll(s, "{类}", r.cat.Name)
	return g.fill(s, r.p)
}
