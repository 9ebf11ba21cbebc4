package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// The residents' page (随手拍): public routes, open to anonymous writes
// (route.open) and held to the anonymous rate limit per address by the
// guard. Following a case takes its follow code; wrong codes count
// against the caller's address as failed logins do, so that codes cannot
// be guessed.

// followCodeHeader carries the follow code of GET …/cases/{number}; the
// query parameter code is taken too (a link a resident keeps).
const followCodeHeader = "X-Follow-Code"

// handlePublicReport takes a resident's report: multipart/form-data with
// a part "report" (JSON) and up to nine parts "photo", or JSON alone.
func (s *Server) handlePublicReport(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	var rep gridline.ResidentReport
	if multipartBody(r) {
		photos, held, err := s.decodeForm(w, r, "report", &rep)
		defer s.releasePhotoSlots(held)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		rep.Photos = photos
	} else {
		limit := s.bodyLimit()
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			s.Error(w, r, gridline.Errorf(gridline.EINVALID, "request body is larger than %d bytes", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := decode(r, &rep); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	rc, err := s.Residents.ReportAsResident(s.clientCtx(r).Context(), &rep)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, rc)
}

// followAllowed refuses a caller whose address has made too many wrong
// guesses of case numbers and follow codes (the login failures' budget:
// Limits.LoginFailures, then one per LoginRefill).
func (s *Server) followAllowed(w http.ResponseWriter, r *http.Request) (miss func(error), ok bool) {
	ip, now := s.clientIP(r), time.Now()
	l := s.g.limits
	rate, burst := 1/l.LoginRefill.Seconds(), float64(l.LoginFailures)
	if l.LoginFailures < 0 {
		rate = -1
	}
	if wait, ok := s.g.follows.take(ip, rate, burst, 0, now); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.Error(w, r, gridline.Errorf(gridline.ERATELIMITED,
			"查询错误次数过多，请稍后再试。Too many wrong case numbers or follow codes from your address; try again later."))
		return nil, false
	}
	return func(err error) {
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			s.g.follows.take(ip, rate, burst, 1, now)
		}
	}, true
}

// clientCtx is r's context with the caller's address, for the audit log.
func (s *Server) clientCtx(r *http.Request) *http.Request {
	ctx := gridline.WithClient(r.Context(), gridline.Client{Addr: s.clientIP(r).String(), UserAgent: r.UserAgent()})
	return r.WithContext(ctx)
}

// caseNumber reads the {number} of the path: a case number is short.
func caseNumber(r *http.Request) (string, error) {
	n := strings.TrimSpace(r.PathValue("number"))
	if n == "" || len(n) > 40 {
		return "", gridline.FieldErrorf("number", "is not a case number (like 370812-20261127-000001)")
	}
	return n, nil
}

// handlePublicCase shows a resident their case: GET
// /api/v1/public/cases/{number} with the follow code in X-Follow-Code (or
// ?code=).
func (s *Server) handlePublicCase(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "code")
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	number, err := caseNumber(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	code := r.Header.Get(followCodeHeader)
	if v := q.str("code"); code == "" && v != nil {
		code = *v
	}
	if strings.TrimSpace(code) == "" {
		s.Error(w, r, gridline.FieldErrorf("code", "is required: the follow code given when the case was reported (header %s or ?code=)", followCodeHeader))
		return
	}
	miss, ok := s.followAllowed(w, r)
	if !ok {
		return
	}
	c, err := s.Residents.FollowCase(s.clientCtx(r).Context(), number, code)
	if err != nil {
		miss(err)
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, c)
}

// ratingRequest is the body of POST …/cases/{number}/rating.
type ratingRequest struct {
	Code string `json:"code"`
	gridline.ResidentRating
}

// handlePublicRating records a resident's rating of their case, once.
func (s *Server) handlePublicRating(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	number, err := caseNumber(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req ratingRequest
	if err := decode(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	if strings.TrimSpace(req.Code) == "" {
		s.Error(w, r, gridline.FieldErrorf("code", "is required: the follow code given when the case was reported"))
		return
	}
	req.At = nil
	miss, ok := s.followAllowed(w, r)
	if !ok {
		return
	}
	c, err := s.Residents.RateCase(s.clientCtx(r).Context(), number, req.Code, req.ResidentRating)
	if err != nil {
		miss(err)
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
