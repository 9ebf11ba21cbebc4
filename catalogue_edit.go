package gridline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CategoryEdit is an admin's change to a sub-class of the shipped
// catalogue, or a sub-class of their own: its name, time limit, default
// leads per level, and whether it is in use. An inactive sub-class is no
// longer offered, suggested or accepted at intake; cases already filed
// under it keep their code (their deadlines fall back to the hotline
// profile's reply window).
type CategoryEdit struct {
	Code       string    `json:"code"`
	ParentCode string    `json:"parent_code"`
	Name       string    `json:"name"`
	NameEN     string    `json:"name_en"`
	TimeLimit  TimeLimit `json:"time_limit"`
	Leads      Leads     `json:"leads"`
	Active     bool      `json:"active"`
	UpdatedBy  string    `json:"updated_by,omitempty"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
}

// Validate checks an edit against the catalogue it applies to (the
// shipped one): a sub-class code under an existing main class, a name, a
// time limit within bounds, leads that name who leads.
func (e *CategoryEdit) Validate(base *Catalogue) error {
	e.Code, e.Name, e.NameEN = strings.TrimSpace(e.Code), strings.TrimSpace(e.Name), strings.TrimSpace(e.NameEN)
	if e.Code == "" || !allDigits(e.Code) {
		return FieldErrorf("code", "must be digits, got %q", e.Code)
	}
	if c, ok := base.Category(e.Code); ok && c.IsMain() {
		return FieldErrorf("code", "%s %s is a main class; edit its sub-classes", c.Code, c.Name)
	}
	if e.ParentCode == "" && len(e.Code) > 2 {
		// A sub-class's code is its main class's and two digits.
		e.ParentCode = e.Code[:len(e.Code)-2]
	}
	parent, ok := base.Category(e.ParentCode)
	if !ok || !parent.IsMain() {
		return FieldErrorf("parent_code", "no main class %q", e.ParentCode)
	}
	if len(e.Code) != len(e.ParentCode)+2 || !strings.HasPrefix(e.Code, e.ParentCode) || strings.HasSuffix(e.Code, "00") {
		return FieldErrorf("code", "a sub-class of %s is %s followed by two digits from 01, got %s", parent.Code, parent.Code, e.Code)
	}
	if e.Name == "" {
		return FieldErrorf("name", "is required")
	}
	if e.NameEN == "" {
		e.NameEN = e.Name
	}
	if err := checkTexts(textCheck{"name", e.Name, MaxNameLen}, textCheck{"name_en", e.NameEN, MaxNameLen}); err != nil {
		return err
	}
	max, ok := maxLimit[e.TimeLimit.Unit]
	if !ok {
		return FieldErrorf("time_limit.unit", "must be working_hours or working_days, got %q", e.TimeLimit.Unit)
	}
	if e.TimeLimit.Amount < 1 || e.TimeLimit.Amount > max {
		return FieldErrorf("time_limit.amount", "must be from 1 to %d %s, got %d", max, e.TimeLimit.Unit, e.TimeLimit.Amount)
	}
	for _, l := range []struct {
		field string
		lead  Lead
	}{{"leads.district", e.Leads.District}, {"leads.street", e.Leads.Street}, {"leads.community", e.Leads.Community}} {
		switch l.lead.Kind {
		case LeadDepartment:
			if strings.TrimSpace(l.lead.Department) == "" {
				return FieldErrorf(l.field+".department", "is required for a department lead: its short name (e.g. 城管局)")
			}
		case LeadStreet, LeadCommunity, LeadProperty:
			if l.lead.Department != "" {
				return FieldErrorf(l.field+".department", "only a department lead names a department")
			}
		default:
			return FieldErrorf(l.field+".kind", "must be department, street, community or property, got %q", l.lead.Kind)
		}
	}
	return nil
}

// WithEdits returns the catalogue c with edits applied: an edited
// sub-class takes the edit's name, limit and leads (keeping its kind,
// flags and keywords), a new one joins its main class, an inactive one
// leaves. c is unchanged. Edits are validated by the store when written.
func (c *Catalogue) WithEdits(edits []CategoryEdit) *Catalogue {
	if len(edits) == 0 {
		return c
	}
	byCode := map[string]CategoryEdit{}
	for _, e := range edits {
		byCode[e.Code] = e
	}
	n := &Catalogue{byCode: map[string]int{}, examples: c.examples}
	add := func(cat Category) {
		n.byCode[cat.Code] = len(n.cats)
		n.cats = append(n.cats, cat)
	}
	for _, cat := range c.cats {
		if cat.IsMain() {
			add(cat.clone())
			continue
		}
		e, edited := byCode[cat.Code]
		if !edited {
			add(cat.clone())
			continue
		}
		delete(byCode, cat.Code)
		if !e.Active {
			continue
		}
		cat = cat.clone()
		cat.Name, cat.NameEN, cat.TimeLimit, cat.Leads = e.Name, e.NameEN, e.TimeLimit, e.Leads
		add(cat)
	}
	// Sub-classes of the admins' own, after their main class's others.
	var extra []CategoryEdit
	for _, e := range byCode {
		if e.Active {
			extra = append(extra, e)
		}
	}
	slices.SortFunc(extra, func(a, b CategoryEdit) int { return strings.Compare(a.Code, b.Code) })
	for _, e := range extra {
		parent, ok := c.byCode[e.ParentCode]
		if !ok {
			continue
		}
		cat := Category{Code: e.Code, Name: e.Name, NameEN: e.NameEN, Kind: c.cats[parent].Kind, ParentCode: e.ParentCode,
			TimeLimit: e.TimeLimit, Leads: e.Leads}
		// Insert after the main class's last sub-class, keeping file order.
		at := len(n.cats)
		for i, x := range n.cats {
			if x.Code == e.ParentCode || x.ParentCode == e.ParentCode {
				at = i + 1
			}
		}
		n.cats = slices.Insert(n.cats, at, cat)
		n.byCode = map[string]int{}
		for i, x := range n.cats {
			n.byCode[x.Code] = i
		}
	}
	n.index()
	return n
}

// CalendarEdit is an admin's change to the working calendar: a date made a
// holiday (a local closure, a public holiday the shipped data lacks) or a
// working day (调休上班, or undoing a listed holiday).
type CalendarEdit struct {
	Date      string    `json:"date"` // YYYY-MM-DD, in China
	Type      DayType   `json:"type"` // holiday or workday
	Note      string    `json:"note,omitempty"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Validate checks an edit: a real date within the calendar's years, a
// holiday or a workday.
func (e *CalendarEdit) Validate() error {
	e.Note = strings.TrimSpace(e.Note)
	if e.Type != DayHoliday && e.Type != DayWorkday {
		return FieldErrorf("type", "must be holiday or workday, got %q", e.Type)
	}
	if err := CheckText("note", e.Note, MaxShortLen); err != nil {
		return err
	}
	if _, msg := (CalendarDay{Date: e.Date, Type: e.Type}).check(); msg != "" {
		return FieldErrorf("date", "%s", msg)
	}
	return nil
}

// Day returns the edit as a calendar day.
func (e CalendarEdit) Day() CalendarDay { return CalendarDay{Date: e.Date, Type: e.Type, Note: e.Note} }

// ReferenceService keeps the catalogue and the working calendar that
// routing and deadlines use: the shipped ones with the admins' edits.
// Edits apply at once in this process.
type ReferenceService interface {
	// Catalogue returns the catalogue in use, inactive sub-classes left
	// out; CategoryEdits the edits over the shipped one.
	Catalogue(ctx context.Context) (*Catalogue, error)
	CategoryEdits(ctx context.Context) ([]CategoryEdit, error)
	// SaveCategory creates or changes a sub-class (deactivates it with
	// Active false). Returns EINVALID naming the field.
	SaveCategory(ctx context.Context, e *CategoryEdit) error
	// Calendar returns the working calendar in use; CalendarEdits the
	// edits over the official one.
	Calendar(ctx context.Context) (*Calendar, error)
	CalendarEdits(ctx context.Context) ([]CalendarEdit, error)
	// SaveCalendarDay lists a date as a holiday or a workday; DeleteCalendarDay
	// takes the admins' listing away (the official calendar's stands).
	// ENOTFOUND for a date not edited.
	SaveCalendarDay(ctx context.Context, e *CalendarEdit) error
	DeleteCalendarDay(ctx context.Context, date string) error
}

func (e CategoryEdit) String() string { return fmt.Sprintf("%s %s", e.Code, e.Name) }
