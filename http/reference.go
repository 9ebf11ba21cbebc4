package http

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

// categoryOut is a category as GET /api/v1/categories lists it.
type categoryOut struct {
	gridline.Category
	// Edited says an admin changed (or added) the sub-class.
	Edited bool `json:"edited,omitempty"`
}

// handleCategoryIndex answers the catalogue in use (inactive sub-classes
// left out) and, separately, the admins' edits (inactive ones included).
func (s *Server) handleCategoryIndex(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	cat, err := s.Reference.Catalogue(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	edits, err := s.Reference.CategoryEdits(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	edited := map[string]bool{}
	for _, e := range edits {
		edited[e.Code] = true
	}
	items := []categoryOut{}
	for _, c := range cat.All() {
		items = append(items, categoryOut{Category: c, Edited: edited[c.Code]})
	}
	if edits == nil {
		edits = []gridline.CategoryEdit{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "edits": edits})
}

// handleCategorySave creates (POST) or changes (PUT /{code}) a sub-class;
// "active": false deactivates it.
func (s *Server) handleCategorySave(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	e := gridline.CategoryEdit{Active: true}
	if err := decode(r, &e); err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusCreated
	if code := r.PathValue("code"); code != "" {
		if e.Code != "" && e.Code != code {
			s.Error(w, r, gridline.FieldErrorf("code", "%q differs from the path's %q", e.Code, code))
			return
		}
		e.Code, status = code, http.StatusOK
	}
	if err := s.Reference.SaveCategory(r.Context(), &e); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, status, e)
}

// handleCalendar answers the admins' edits of the working calendar and the
// type of each date of a range (?from=YYYY-MM-DD&to=YYYY-MM-DD, at most a
// year; default none).
func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "from", "to")
	from, to := q.str("from"), q.str("to")
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	cal, err := s.Reference.Calendar(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	edits, err := s.Reference.CalendarEdits(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if edits == nil {
		edits = []gridline.CalendarEdit{}
	}
	type day struct {
		Date string           `json:"date"`
		Type gridline.DayType `json:"type"`
	}
	days := []day{}
	if from != nil || to != nil {
		if from == nil || to == nil {
			s.Error(w, r, gridline.FieldErrorf("from", "from and to come together (YYYY-MM-DD)"))
			return
		}
		a, err1 := parseDate(*from)
		b, err2 := parseDate(*to)
		switch {
		case err1 != nil:
			s.Error(w, r, gridline.FieldErrorf("from", "%q is not a date (YYYY-MM-DD)", *from))
			return
		case err2 != nil:
			s.Error(w, r, gridline.FieldErrorf("to", "%q is not a date (YYYY-MM-DD)", *to))
			return
		case b.Before(a) || b.Sub(a).Hours() > 366*24:
			s.Error(w, r, gridline.FieldErrorf("to", "must be from from to a year after it"))
			return
		}
		for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
			days = append(days, day{d.Format("2006-01-02"), cal.DayType(d.Add(12 * 3600e9))})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"edits": edits, "days": days, "work_hours": cal.WorkHours()})
}

// handleCalendarDay lists a date as a holiday or a workday:
// PUT /api/v1/calendar/days/{date} {"type", "note"}.
func (s *Server) handleCalendarDay(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	var e gridline.CalendarEdit
	if err := decode(r, &e); err != nil {
		s.Error(w, r, err)
		return
	}
	if e.Date != "" && e.Date != r.PathValue("date") {
		s.Error(w, r, gridline.FieldErrorf("date", "%q differs from the path's %q", e.Date, r.PathValue("date")))
		return
	}
	e.Date = r.PathValue("date")
	if err := s.Reference.SaveCalendarDay(r.Context(), &e); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// handleCalendarDayDelete takes an admin's listing of a date away.
func (s *Server) handleCalendarDayDelete(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Reference.DeleteCalendarDay(r.Context(), r.PathValue("date")); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func parseDate(s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", s, gridline.ChinaTime)
}

// catalogue returns the catalogue in use, the admins' edits applied, for
// everything that reads categories (suggestions, Open311 services, the
// 12345 import). A database that cannot be read leaves the shipped one:
// intake must not stop for it.
func (s *Server) catalogue(r *http.Request) *gridline.Catalogue {
	if cat, err := s.Reference.Catalogue(r.Context()); err == nil {
		return cat
	}
	return gridline.DefaultCatalogue()
}

// maxSuggestText bounds the text GET /api/v1/categories/suggest reads, in
// characters: a case's first sentences name its problem, and the bound
// keeps an open route's work small (it is over maxQueryValue, which holds
// for every other parameter, because a typed text is longer than a name).
const maxSuggestText = 500

// maxSuggestions bounds limit on GET /api/v1/categories/suggest.
const maxSuggestions = 10

// handleCategorySuggest answers GET /api/v1/categories/suggest?text=&limit=:
// the sub-classes the catalogue in use proposes for a case's text, best
// first (default 3, at most maxSuggestions), each with its score and the
// keywords that matched, as intake answers them in category_suggestions.
// An intake form asks while its text is typed.
func (s *Server) handleCategorySuggest(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	texts := v["text"]
	v.Del("text")
	q := parseValues(v, "text", "limit") // text was taken out: its own bound
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	switch {
	case len(texts) == 0:
		s.Error(w, r, gridline.FieldErrorf("text", "is required: the case's text"))
		return
	case len(texts) > 1:
		s.Error(w, r, gridline.FieldErrorf("text", "given %d times; send it once", len(texts)))
		return
	}
	text := texts[0]
	if n := utf8.RuneCountInString(text); n > maxSuggestText {
		s.Error(w, r, gridline.FieldErrorf("text", "longer than %d characters (%d): send the text's beginning", maxSuggestText, n))
		return
	}
	n := 3
	l := q.int64("limit")
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	} else if l != nil {
		if *l < 1 || *l > maxSuggestions {
			s.Error(w, r, gridline.FieldErrorf("limit", "must be 1–%d, got %d", maxSuggestions, *l))
			return
		}
		n = int(*l)
	}
	items := []gridline.Suggestion{}
	if strings.TrimSpace(text) != "" {
		if sug := s.catalogue(r).Suggest(text, n); sug != nil {
			items = sug
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
