package http

import (
	"context"
	"net/http"

	"github.com/gridline/gridline"
)

// handleWhistleBlow answers POST /api/v1/tickets/{id}/whistles: a street
// calls units to the case (吹哨).
func (s *Server) handleWhistleBlow(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req gridline.WhistleRequest
	if err := decode(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	wh, err := s.Whistles.BlowWhistle(r.Context(), id, req)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, wh)
}

func (s *Server) handleWhistleIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "status", "unit", "town", "ticket", "overdue", "from", "to", "limit", "offset")
	f := gridline.WhistleFilter{UnitID: q.int64("unit"), Town: q.code("town"), TicketID: q.int64("ticket"),
		Overdue: q.bool("overdue"), From: q.time("from"), To: q.time("to")}
	if v := q.str("status"); v != nil {
		st := gridline.WhistleStatus(*v)
		if !st.Valid() {
			q.fail(gridline.FieldErrorf("status", "unknown status %q (want waiting, reported or rated)", *v))
		}
		f.Status = &st
	}
	f.Limit, f.Offset = q.page()
	index(s, w, r, q, func() ([]*gridline.Whistle, int, error) { return s.Whistles.FindWhistles(r.Context(), f) })
}

// handleWhistleRanking answers GET /api/v1/whistles/ranking?from=&to=:
// the called units ranked (gridline.RankWhistleUnits) over the whistles
// blown in the period that the caller may see.
func (s *Server) handleWhistleRanking(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "from", "to")
	from, to := q.time("from"), q.time("to")
	if from != nil && to != nil && !to.After(*from) {
		q.fail(gridline.FieldErrorf("to", "must be after from"))
	}
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	rk, err := s.Whistles.RankWhistleUnits(r.Context(), from, to)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rk)
}

func (s *Server) handleWhistleView(w http.ResponseWriter, r *http.Request) {
	view(s, w, r, func(ctx context.Context, id int64) (*gridline.Whistle, error) {
		return s.Whistles.FindWhistleByID(ctx, id)
	})
}

// handleWhistleReport answers POST /api/v1/whistles/{id}/report: a called
// unit reports (报到).
func (s *Server) handleWhistleReport(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	update(s, w, r, func(ctx context.Context, id int64, req gridline.WhistleReport) (*gridline.Whistle, error) {
		return s.Whistles.ReportWhistle(ctx, id, req)
	})
}

// handleWhistleRate answers POST /api/v1/whistles/{id}/rate: the street
// rates the called units.
func (s *Server) handleWhistleRate(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	update(s, w, r, func(ctx context.Context, id int64, req gridline.WhistleRate) (*gridline.Whistle, error) {
		return s.Whistles.RateWhistle(ctx, id, req)
	})
}

func (s *Server) handleMeetingCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	create(s, w, r, func(ctx context.Context, m *gridline.Meeting) error { return s.Meetings.CreateMeeting(ctx, m) })
}

func (s *Server) handleMeetingIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "ticket", "from", "to", "limit", "offset")
	f := gridline.MeetingFilter{TicketID: q.int64("ticket"), From: q.time("from"), To: q.time("to")}
	f.Limit, f.Offset = q.page()
	index(s, w, r, q, func() ([]*gridline.Meeting, int, error) { return s.Meetings.FindMeetings(r.Context(), f) })
}

func (s *Server) handleMeetingView(w http.ResponseWriter, r *http.Request) {
	view(s, w, r, func(ctx context.Context, id int64) (*gridline.Meeting, error) {
		return s.Meetings.FindMeetingByID(ctx, id)
	})
}

// view answers with the record at {id}, found by find.
func view[T any](s *Server, w http.ResponseWriter, r *http.Request, find func(context.Context, int64) (T, error)) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v, err := find(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
