package http

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gridline/gridline"
)

// ticketOut is a case as the API shows it: the reporter's phone masked, and
// a confidential reporter's name hidden, unless the caller may see
// personal data.
type ticketOut struct {
	*gridline.Ticket
	// Allowed lists the actions the loop allows now, for the case page.
	Allowed []gridline.TicketAction `json:"allowed_actions"`
}

// ticketView shows t as the caller may see it (gridline.MaskTicket), with
// the actions the loop allows now that the caller's role may take.
func ticketView(r *http.Request, t *gridline.Ticket) *ticketOut {
	p := gridline.PrincipalFrom(r.Context())
	t = gridline.MaskTicket(p, t)
	allowed := []gridline.TicketAction{}
	if co := coAssignment(p, t); co != nil {
		// The caller's unit co-handles the case: it signs its part and
		// replies to the lead, once each.
		for _, a := range gridline.AllowedCoActions(t.Status) {
			if a == gridline.ActionSign && co.SignedAt != nil || co.RepliedAt != nil {
				continue
			}
			if gridline.Can(p, gridline.ResourceTickets, gridline.Action(a)) {
				allowed = append(allowed, a)
			}
		}
		return &ticketOut{Ticket: t, Allowed: allowed}
	}
	rateable := slices.ContainsFunc(t.Assignments, func(a *gridline.TicketAssignment) bool {
		return a.Role == gridline.AssignCo && a.RepliedAt != nil
	})
	// A check is asked while none is open and answered while one is;
	// a list's cases have no timeline to tell, and offer neither.
	open, timeline := gridline.CheckOpen(t), t.Timeline != nil
	for _, a := range gridline.AllowedActions(t.Status) {
		if a == gridline.ActionRate && !rateable {
			continue
		}
		if a == gridline.ActionCheckRequest && (!timeline || open) || a == gridline.ActionCheckReport && !open {
			continue
		}
		// Likewise an extension is asked while none is pending and
		// decided while one is.
		if (a == gridline.ActionExtendRequest || a == gridline.ActionExtendApprove || a == gridline.ActionExtendDeny) &&
			(!timeline || gridline.CheckExtension(t, a) != nil) {
			continue
		}
		if gridline.Can(p, gridline.ResourceTickets, gridline.Action(a)) {
			allowed = append(allowed, a)
		}
	}
	return &ticketOut{Ticket: t, Allowed: allowed}
}

// coAssignment returns the co-unit assignment of t that p acts in: when
// p's units reach the case only as a co-unit, not as its lead.
func coAssignment(p *gridline.Principal, t *gridline.Ticket) *gridline.TicketAssignment {
	if p == nil || p.System {
		return nil
	}
	sc := gridline.ScopeOf(p, gridline.ResourceTickets, gridline.Action(gridline.ActionSign))
	if sc.All || len(sc.Units) == 0 || len(sc.Regions) > 0 || t.LeadUnitID != nil && slices.Contains(sc.Units, *t.LeadUnitID) {
		return nil
	}
	for _, a := range t.Assignments {
		if a.Role == gridline.AssignCo && slices.Contains(sc.Units, a.UnitID) {
			return a
		}
	}
	return nil
}

// handleTicketReveal answers the case's reporter unmasked, for a role
// that may see it; the look is in the audit log.
func (s *Server) handleTicketReveal(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rep, err := s.Tickets.RevealReporter(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reporter": rep})
}

// handleTicketCreate takes a case in, as JSON or as multipart/form-data
// with photos. A new case is 201; the same external number again on the
// same channel is 200 with the case already taken in.
func (s *Server) handleTicketCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	var t gridline.Ticket
	if multipartBody(r) {
		held, err := s.decodeTicketForm(w, r, &t)
		defer s.releasePhotoSlots(held)
		if err != nil {
			s.Error(w, r, err)
			return
		}
	} else if err := s.decodeTicketJSON(w, r, &t); err != nil {
		s.Error(w, r, err)
		return
	}
	idem, err := requestKey(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rebuild := func(id int64) (any, error) {
		got, err := s.Tickets.FindTicketByID(r.Context(), id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"ticket": ticketView(r, got), "duplicates": s.duplicatesOf(r, got),
			"category_suggestions": []gridline.Suggestion{}, "route": s.routeOf(r, got)}, nil
	}
	if idem != nil {
		idem.Fingerprint, t.Idempotency = gridline.TicketFingerprint(&t), idem
		if s.replay(w, r, idem, http.StatusCreated, rebuild) {
			return
		}
	}
	// A case named only in words is placed on the standard addresses, as
	// a 12345 push is; a gazetteer that cannot be read leaves it to wait
	// unlocated, never refused.
	if t.PlacedOnlyInWords() {
		if g, err := s.gazetteer(r.Context()); err != nil {
			s.logger().Error("gazetteer at intake", "err", err)
		} else {
			gridline.PlaceByAddress(&t, g)
		}
	}
	created, err := s.Tickets.CreateTicket(r.Context(), &t)
	if isReplay(err) && s.replay(w, r, idem, http.StatusCreated, rebuild) {
		return
	} else if err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	// The category suggestions show why a category was proposed; the
	// store made them already when it chose the category.
	sug := t.Suggestions
	if !created || sug == nil {
		sug = s.catalogue(r).Suggest(t.Text, 3)
	}
	if sug == nil {
		sug = []gridline.Suggestion{}
	}
	s.answerKeyed(w, r, idem, status, map[string]any{"ticket": ticketView(r, &t), "duplicates": s.duplicatesOf(r, &t),
		"category_suggestions": sug, "route": s.routeOf(r, &t)})
}

// routeOf proposes the lead of t, just taken in, at the caller's
// dispatching level (GET /api/v1/tickets/{id}/route). The case is stored
// by now, so a failed proposal is logged and answered as null.
func (s *Server) routeOf(r *http.Request, t *gridline.Ticket) *gridline.RouteProposal {
	if s.Routes == nil {
		return nil
	}
	p, err := s.Routes.ProposeRoute(r.Context(), t, dispatchLevel(r, t))
	if err != nil {
		s.logger().Error("route proposal at intake", "ticket", t.ID, "err", err)
		return nil
	}
	return &p
}

// duplicatesOf returns the duplicate candidates of t, just taken in. The
// case is stored by now, so a failed lookup is logged and answered with
// none rather than an error a client would retry the intake for.
func (s *Server) duplicatesOf(r *http.Request, t *gridline.Ticket) []gridline.DuplicateCandidate {
	if s.Duplicates == nil {
		return []gridline.DuplicateCandidate{}
	}
	dups, err := s.Duplicates.FindDuplicatesOf(r.Context(), t)
	if err != nil {
		s.logger().Error("duplicate lookup at intake", "ticket", t.ID, "err", err)
		return []gridline.DuplicateCandidate{}
	}
	return dups
}

// handleTicketDuplicates answers GET /api/v1/tickets/{id}/duplicates: the
// case's duplicate candidates, best first.
func (s *Server) handleTicketDuplicates(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	dups, err := s.Duplicates.FindDuplicates(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": dups})
}

func (s *Server) handleTicketIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, slices.Concat(ticketFilterParams, []string{"limit", "offset"})...)
	f := s.ticketFilter(r, q)
	f.Limit, f.Offset = q.page()
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	f.CountUpTo = listTextBound
	ts, n, err := s.Tickets.FindTickets(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]*ticketOut, len(ts))
	for i, t := range ts {
		out[i] = ticketView(r, t)
	}
	// A text search counts up to a bound (gridline.TextTotalBound): past
	// it the total is the bound and total_exact false ("10,000+").
	total, exact := f.TotalOf(n)
	writeJSON(w, http.StatusOK, ticketListBody{listBody: list(out, total), TotalExact: exact})
}

// listTextBound, when above zero, replaces gridline.TextTotalBound for the
// case list. Tests lower it.
var listTextBound = 0

// ticketListBody is the case list's answer: a list whose total may be a
// lower bound.
type ticketListBody struct {
	listBody[*ticketOut]
	TotalExact bool `json:"total_exact"`
}

// handleTicketAggregate serves GET /api/v1/tickets/aggregate: the cases
// the list would select, counted by grid, community, town, status,
// category, channel, day or map cell, or the placed cases of a bbox.
func (s *Server) handleTicketAggregate(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, slices.Concat(ticketFilterParams, []string{"by", "z", "bbox", "limit"})...)
	f := gridline.TicketAggregateFilter{Filter: s.ticketFilter(r, q), By: "grid"}
	if v := q.str("by"); v != nil {
		f.By = *v
	}
	if v := q.int64("z"); v != nil {
		if *v < 0 || *v > gridline.MaxAggregateZoom {
			q.fail(gridline.FieldErrorf("z", "want a zoom from 0 to %d", gridline.MaxAggregateZoom))
		}
		f.Z = int(*v)
	} else if f.By == "tile" {
		q.fail(gridline.FieldErrorf("z", "by tile needs the map's zoom"))
	}
	if v := q.str("bbox"); v != nil {
		var b [4]float64
		if n, err := fmt.Sscanf(*v, "%g,%g,%g,%g", &b[0], &b[1], &b[2], &b[3]); err != nil || n != 4 {
			q.fail(gridline.FieldErrorf("bbox", "want four numbers west,south,east,north"))
		}
		f.BBox = &b
	}
	if v := q.int64("limit"); v != nil {
		if *v < 1 || *v > gridline.MaxAggregateCases {
			q.fail(gridline.FieldErrorf("limit", "want 1 to %d", gridline.MaxAggregateCases))
		}
		f.Limit = int(*v)
	}
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	out, err := s.Aggregates.AggregateTickets(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// ticketFilterParams are the query parameters that select cases, in the
// order error messages list them; the list and the exports take the same.
var ticketFilterParams = []string{"status", "channel", "category", "within", "grid", "unit", "overdue", "open", "warning", "from", "to", "q", "check", "building", "created_by"}

// ticketFilter reads the case filters of r from q (created_by=me names
// the caller's account); problems are q's error. A category not in the
// catalogue in use, or a unit that does not exist, is refused rather
// than answered with an empty list that looks like no cases.
func (s *Server) ticketFilter(r *http.Request, q *query) gridline.TicketFilter {
	p := gridline.PrincipalFrom(r.Context())
	f := gridline.TicketFilter{Category: q.code("category"), Within: q.code("within"), GridCode: q.code("grid"),
		UnitID: q.int64("unit"), Overdue: q.bool("overdue"), Open: q.bool("open"), Query: q.str("q")}
	if f.Category != nil {
		// A main class selects its sub-classes; both are in the catalogue.
		if _, ok := s.catalogue(r).Category(*f.Category); !ok {
			q.fail(gridline.FieldErrorf("category", "unknown category %q", *f.Category))
		}
	}
	if f.UnitID != nil && q.err == nil {
		if _, err := s.Units.FindUnitByID(r.Context(), *f.UnitID); gridline.ErrorCode(err) == gridline.ENOTFOUND {
			q.fail(gridline.FieldErrorf("unit", "no unit %d", *f.UnitID))
		} else if err != nil {
			q.fail(err)
		}
	}
	if v := q.str("status"); v != nil {
		st := gridline.TicketStatus(*v)
		if !st.Valid() {
			q.fail(gridline.FieldErrorf("status", "unknown status %q", *v))
		}
		f.Status = &st
	}
	if v := q.str("warning"); v != nil {
		lv := gridline.WarningLevel(*v)
		if lv != gridline.WarningYellow && lv != gridline.WarningRed {
			q.fail(gridline.FieldErrorf("warning", "must be yellow or red, got %q", *v))
		}
		f.Warning = &lv
	}
	if v := q.str("channel"); v != nil {
		ch := gridline.Channel(*v)
		if !ch.Valid() {
			q.fail(gridline.FieldErrorf("channel", "unknown channel %q", *v))
		}
		f.Channel = &ch
	}
	if v := q.str("check"); v != nil {
		if *v != "open" {
			q.fail(gridline.FieldErrorf("check", "must be open (cases with an on-site check waiting), got %q", *v))
		}
		f.CheckOpen = true
	}
	if v := q.str("building"); v != nil {
		// A building's id, or any: the cases placed at a building.
		if *v == "any" {
			f.AtBuilding = true
		} else if id, err := strconv.ParseInt(*v, 10, 64); err != nil {
			q.fail(gridline.FieldErrorf("building", "want a building's id or any, got %q", *v))
		} else {
			f.BuildingID = &id
		}
	}
	if v := q.str("created_by"); v != nil {
		// me: the caller's own intakes (the phone app's "my recent
		// reports"); else an account's id.
		if *v == "me" {
			if p == nil || p.User == nil {
				q.fail(gridline.FieldErrorf("created_by", "me needs a signed-in account"))
			} else {
				f.CreatedBy = &p.User.ID
			}
		} else if id, err := strconv.ParseInt(*v, 10, 64); err != nil {
			q.fail(gridline.FieldErrorf("created_by", "want an account's id or me, got %q", *v))
		} else {
			f.CreatedBy = &id
		}
	}
	f.From, f.To = q.time("from"), q.time("to")
	return f
}

func (s *Server) handleTicketView(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	t, err := s.Tickets.FindTicketByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ticketView(r, t))
}

// handleTicketAction takes one step of the loop:
// POST /api/v1/tickets/{id}/actions/{action} with the action's body as
// JSON, or for an on-site action as multipart/form-data: a part "action"
// with the JSON and up to MaxTicketPhotos parts "photo".
func (s *Server) handleTicketAction(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req gridline.TicketActionRequest
	if multipartBody(r) {
		photos, held, err := s.decodeForm(w, r, "action", &req)
		defer s.releasePhotoSlots(held)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		req.Photos = photos
	} else if r.ContentLength != 0 {
		// The route takes multipart bodies with photos; JSON is held to
		// the ordinary limit.
		if limit := s.bodyLimit(); r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			s.Error(w, r, gridline.Errorf(gridline.EINVALID, "request body is larger than %d bytes", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.bodyLimit())
		if err := decode(r, &req); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	req.Action = gridline.TicketAction(r.PathValue("action"))
	idem, err := requestKey(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rebuild := func(id int64) (any, error) {
		got, err := s.Tickets.FindTicketByID(r.Context(), id)
		if err != nil {
			return nil, err
		}
		return ticketView(r, got), nil
	}
	if idem != nil {
		idem.Fingerprint, req.Idempotency = gridline.ActionFingerprint(id, &req), idem
		if s.replay(w, r, idem, http.StatusOK, rebuild) {
			return
		}
	}
	t, err := s.Tickets.ActOnTicket(r.Context(), id, req)
	if isReplay(err) && s.replay(w, r, idem, http.StatusOK, rebuild) {
		return
	} else if err != nil {
		s.Error(w, r, err)
		return
	}
	s.answerKeyed(w, r, idem, http.StatusOK, ticketView(r, t))
}

// time returns a time parameter, or nil when absent: RFC 3339, or a date
// alone (gridline.ParsePeriodBound: a "to" date ends with its day).
func (q *query) time(name string) *time.Time {
	s := q.str(name)
	if s == nil {
		return nil
	}
	t, err := gridline.ParsePeriodBound(*s, name == "to")
	if err != nil {
		q.fail(gridline.FieldErrorf(name, "%s", err))
		return nil
	}
	return &t
}

// handleKPIs answers GET /api/v1/kpis?from=&to=&by=[&weights=r,s,t,b].
func (s *Server) handleKPIs(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "from", "to", "by", "weights")
	f := gridline.KPIFilter{By: "unit", Weights: gridline.DefaultKPIWeights}
	if from := q.time("from"); from != nil {
		f.From = *from
	}
	if to := q.time("to"); to != nil {
		f.To = *to
	}
	if by := q.str("by"); by != nil {
		f.By = *by
	}
	if ws := q.str("weights"); ws != nil {
		var v [4]float64
		if n, err := fmt.Sscanf(*ws, "%g,%g,%g,%g", &v[0], &v[1], &v[2], &v[3]); err != nil || n != 4 {
			q.fail(gridline.FieldErrorf("weights", "want four numbers: response,resolution,satisfaction,basic (e.g. 0.1,0.5,0.4,0.9)"))
		}
		f.Weights = gridline.KPIWeights{Response: v[0], Resolution: v[1], Satisfaction: v[2], Basic: v[3]}
	}
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	rep, err := s.KPIs.KPIs(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// handleTicketRoute proposes the case's lead unit (GET
// /api/v1/tickets/{id}/route): from its category, the level that
// dispatches it (the caller's, or ?level=) and its place.
func (s *Server) handleTicketRoute(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "level")
	level := q.str("level") // ProposeRoute checks it: only some levels dispatch
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ctx := r.Context()
	t, err := s.Tickets.FindTicketByID(ctx, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	lv := dispatchLevel(r, t)
	if level != nil {
		lv = gridline.RegionLevel(*level)
	}
	if s.Routes == nil {
		s.Error(w, r, gridline.Errorf(gridline.EUNAVAILABLE, "Routing is not set up on this server."))
		return
	}
	p, err := s.Routes.ProposeRoute(ctx, t, lv)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"proposal": p})
}

// dispatchLevel is the level at which the caller dispatches t.
func dispatchLevel(r *http.Request, t *gridline.Ticket) gridline.RegionLevel {
	scope := gridline.ScopeOf(gridline.PrincipalFrom(r.Context()), gridline.ResourceTickets, gridline.Action(gridline.ActionDispatch))
	return gridline.DispatchLevel(scope, t.RegionPath)
}
