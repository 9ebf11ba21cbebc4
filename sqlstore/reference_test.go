package sqlstore_test

import (
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore"
)

// TestReferenceEdits edits the catalogue and the calendar and checks that
// intake and deadlines use the edits at once, that bad edits name their
// field, and that every edit is audited.
func TestReferenceEdits(t *testing.T) {
	f := newFixture(t)
	ref := sqlstore.NewReferenceService(f.db)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区执法局", "370812")
	at := func(s string) {
		tm, _ := time.ParseInLocation("2006-01-02 15:04", s, gridline.ChinaTime)
		f.db.Now = func() time.Time { return tm }
	}
	cst := func(tm *time.Time) string { return tm.In(gridline.ChinaTime).Format("2006-01-02 15:04") }
	dispatch := func(category string) *gridline.Ticket {
		t.Helper()
		tk := mustTicketIn(t, f, 116.805, 35.555, "测试", category)
		act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionFile})
		return act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &unit.ID})
	}
	at("2024-11-04 09:00") // Monday; 0211 is 5 working days
	if d := dispatch("0211").Deadline; cst(d) != "2024-11-11 17:30" {
		t.Fatalf("deadline before the edits %s", cst(d))
	}

	// A local holiday on Thursday moves the deadline a working day on.
	if err := ref.SaveCalendarDay(ctx, &gridline.CalendarEdit{Date: "2024-11-07", Type: gridline.DayHoliday, Note: "暴雪停工"}); err != nil {
		t.Fatal(err)
	}
	if d := dispatch("0211").Deadline; cst(d) != "2024-11-12 17:30" {
		t.Fatalf("deadline after the holiday %s", cst(d))
	}
	// The time limit of the sub-class changed to 2 working days.
	leads := gridline.Leads{District: gridline.Lead{Kind: gridline.LeadDepartment, Department: "城管局"},
		Street: gridline.Lead{Kind: gridline.LeadStreet}, Community: gridline.Lead{Kind: gridline.LeadCommunity}}
	if err := ref.SaveCategory(ctx, &gridline.CategoryEdit{Code: "0211", Name: "停车设施", NameEN: "Parking",
		TimeLimit: gridline.TimeLimit{Amount: 2, Unit: gridline.LimitWorkingDays}, Leads: leads, Active: true}); err != nil {
		t.Fatal(err)
	}
	if d := dispatch("0211").Deadline; cst(d) != "2024-11-06 17:30" {
		t.Fatalf("deadline after the limit edit %s", cst(d))
	}
	// Taking the holiday away restores the official calendar.
	if err := ref.DeleteCalendarDay(ctx, "2024-11-07"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, ref.DeleteCalendarDay(ctx, "2024-11-07"), gridline.ENOTFOUND)

	// A new sub-class is accepted at intake with its limit; a deactivated
	// one is refused.
	if err := ref.SaveCategory(ctx, &gridline.CategoryEdit{Code: "0299", ParentCode: "02", Name: "共享单车乱停放",
		TimeLimit: gridline.TimeLimit{Amount: 4, Unit: gridline.LimitWorkingHours}, Leads: leads, Active: true}); err != nil {
		t.Fatal(err)
	}
	want, _ := gridline.ChinaCalendar().AddWorkingHours(f.db.Now(), 4*time.Hour)
	if d := dispatch("0299").Deadline; !d.Equal(want) {
		t.Fatalf("deadline of the new class %s, want %s", cst(d), cst(&want))
	}
	if err := ref.SaveCategory(ctx, &gridline.CategoryEdit{Code: "0299", ParentCode: "02", Name: "共享单车乱停放",
		TimeLimit: gridline.TimeLimit{Amount: 4, Unit: gridline.LimitWorkingHours}, Leads: leads, Active: false}); err != nil {
		t.Fatal(err)
	}
	lon, lat := 116.805, 35.555
	_, err := f.s.Tickets.CreateTicket(ctx, &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "单车", Category: "0299", Lon: &lon, Lat: &lat})
	wantField(t, err, "category")

	for _, c := range []struct {
		e     gridline.CategoryEdit
		field string
	}{
		{gridline.CategoryEdit{Code: "02", Name: "x", TimeLimit: gridline.TimeLimit{Amount: 1, Unit: gridline.LimitWorkingDays}, Leads: leads}, "code"},
		{gridline.CategoryEdit{Code: "0298", ParentCode: "99", Name: "x", TimeLimit: gridline.TimeLimit{Amount: 1, Unit: gridline.LimitWorkingDays}, Leads: leads}, "parent_code"},
		{gridline.CategoryEdit{Code: "0398", ParentCode: "02", Name: "x", TimeLimit: gridline.TimeLimit{Amount: 1, Unit: gridline.LimitWorkingDays}, Leads: leads}, "code"},
		{gridline.CategoryEdit{Code: "0298", ParentCode: "02", TimeLimit: gridline.TimeLimit{Amount: 1, Unit: gridline.LimitWorkingDays}, Leads: leads}, "name"},
		{gridline.CategoryEdit{Code: "0298", ParentCode: "02", Name: "x", TimeLimit: gridline.TimeLimit{Amount: 31, Unit: gridline.LimitWorkingDays}, Leads: leads}, "time_limit.amount"},
		{gridline.CategoryEdit{Code: "0298", ParentCode: "02", Name: "x", TimeLimit: gridline.TimeLimit{Amount: 1, Unit: "weeks"}, Leads: leads}, "time_limit.unit"},
		{gridline.CategoryEdit{Code: "0298", ParentCode: "02", Name: "x", TimeLimit: gridline.TimeLimit{Amount: 1, Unit: gridline.LimitWorkingDays}}, "leads.district.kind"},
	} {
		wantField(t, ref.SaveCategory(ctx, &c.e), c.field)
	}
	for _, c := range []struct {
		e     gridline.CalendarEdit
		field string
	}{
		{gridline.CalendarEdit{Date: "2024-13-01", Type: gridline.DayHoliday}, "date"},
		{gridline.CalendarEdit{Date: "2024-11-09", Type: "weekend"}, "type"},
	} {
		wantField(t, ref.SaveCalendarDay(ctx, &c.e), c.field)
	}
	wantAudit(t, f.db, "category", 3)
	wantAudit(t, f.db, "calendar", 2)
}
