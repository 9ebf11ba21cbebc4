package http

import (
	"net/http"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// handleFusionDaily answers GET /api/v1/fusion/daily?date= (or from=&to=)
// [&by=town|community|grid|worker|day][&classes=01,02,…].
func (s *Server) handleFusionDaily(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "date", "from", "to", "by", "classes")
	f := gridline.FusionFilter{By: "town", Classes: s.FusionClasses}
	day := func(name string) time.Time {
		v := q.str(name)
		if v == nil {
			return time.Time{}
		}
		d, err := time.ParseInLocation(time.DateOnly, *v, gridline.ChinaTime)
		if err != nil {
			q.fail(gridline.FieldErrorf(name, "want a date YYYY-MM-DD, got %q", *v))
		}
		return d
	}
	if date := day("date"); !date.IsZero() {
		if q.str("from") != nil || q.str("to") != nil {
			q.fail(gridline.FieldErrorf("date", "give date, or from and to, not both"))
		}
		f.From, f.To = date, date
	} else {
		f.From, f.To = day("from"), day("to")
		if q.err == nil && f.From.IsZero() != f.To.IsZero() {
			q.fail(gridline.FieldErrorf("from", "from and to go together"))
		}
	}
	if by := q.str("by"); by != nil {
		f.By = *by
	}
	if cs := q.str("classes"); cs != nil {
		f.Classes = strings.Split(*cs, ",")
	}
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	rep, err := s.Fusion.FusionDaily(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
