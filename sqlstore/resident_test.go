package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore"
)

// residentReport takes a resident's report at lon/lat with phone.
func residentReport(tb testing.TB, f *fixture, lon, lat float64, phone, text string) *gridline.ResidentReceipt {
	tb.Helper()
	rc, err := f.s.Residents.ReportAsResident(ctx, &gridline.ResidentReport{Text: text, Lon: &lon, Lat: &lat, Phone: phone})
	if err != nil {
		tb.Fatalf("report: %v", err)
	}
	return rc
}

// TestResidentReportFollowRate: a resident reports, follows with the code
// (a wrong one looks like an unknown number), the case is handled, the
// public reply shows and the internal note does not, the rating becomes the
// case's callback event once, and the KPIs count it.
func TestResidentReportFollowRate(t *testing.T) {
	f := newFixture(t)
	unit := f.mustUnit(t, gridline.UnitDepartment, "区住建局", "370812")
	rc := residentReport(t, f, 116.805, 35.555, "138-1234-5678", "小区门口路灯不亮，晚上很黑")
	if rc.Number == "" || len(rc.FollowCode) != gridline.FollowCodeLen || rc.Case.Stage != gridline.StageReceived {
		t.Fatalf("receipt = %+v", rc)
	}
	tks, _, err := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{})
	if err != nil || len(tks) != 1 {
		t.Fatalf("tickets = %v, %v", tks, err)
	}
	tk := tks[0]
	// The phone is stored as every reporter's, without separators; the
	// actor is the resident, not whoever called.
	if tk.Channel != gridline.ChannelSnapReport || tk.Reporter.Phone != "13812345678" || tk.GridCode != f.g1.Code || tk.CreatedBy != nil {
		t.Fatalf("ticket = %+v", tk)
	}
	full, err := f.s.Tickets.FindTicketByID(ctx, tk.ID)
	if err != nil || full.Timeline[0].Actor != sqlstore.ResidentActor {
		t.Fatalf("timeline = %+v, %v", full.Timeline, err)
	}

	// Following: the code proves it, in any case and with dashes; a
	// wrong code and an unknown number give the same answer.
	pc, err := f.s.Residents.FollowCase(ctx, rc.Number, strings.ToLower(rc.FollowCode[:5])+"-"+rc.FollowCode[5:])
	if err != nil || pc.Number != rc.Number || !strings.HasPrefix(pc.Community, "韦园社区") || pc.Rateable || pc.CategoryName == "" {
		t.Fatalf("follow = %+v, %v", pc, err)
	}
	_, errWrong := f.s.Residents.FollowCase(ctx, rc.Number, "ZZZZZZZZZZ")
	_, errNone := f.s.Residents.FollowCase(ctx, "370812-20000101-000001", rc.FollowCode)
	wantCode(t, errWrong, gridline.ENOTFOUND)
	if gridline.ErrorMessage(errWrong) != gridline.ErrorMessage(errNone) {
		t.Fatalf("wrong code %q, unknown number %q", errWrong, errNone)
	}
	// Or the whole phone number it was reported with, as typed; never a
	// part of it, nor another number.
	for _, phone := range []string{"13812345678", "138 1234 5678"} {
		if pc, err := f.s.Residents.FollowCase(ctx, rc.Number, phone); err != nil || pc.Number != rc.Number {
			t.Fatalf("follow by phone %q: %+v, %v", phone, pc, err)
		}
	}
	for _, phone := range []string{"5678", "12345678", "13812345679", ""} {
		_, err := f.s.Residents.FollowCase(ctx, rc.Number, phone)
		wantCode(t, err, gridline.ENOTFOUND)
	}
	// A case not reported on the page is not followed there.
	other := mustTicket(t, f, 116.806, 35.556, "井盖缺失")
	_, err = f.s.Residents.FollowCase(ctx, other.Number, rc.FollowCode)
	wantCode(t, err, gridline.ENOTFOUND)

	// Not rateable before the reply.
	_, err = f.s.Residents.RateCase(ctx, rc.Number, rc.FollowCode, gridline.ResidentRating{Satisfaction: gridline.OutcomeSatisfied})
	wantCode(t, err, gridline.ECONFLICT)

	deadline := time.Now().Add(72 * time.Hour)
	for _, r := range []gridline.TicketActionRequest{
		{Action: gridline.ActionFile},
		{Action: gridline.ActionDispatch, LeadUnit: &unit.ID, Deadline: &deadline},
		{Action: gridline.ActionSign},
		{Action: gridline.ActionReply, Opinion: "已更换路灯灯泡，恢复照明", Note: "内部：供应商延误两天"},
		{Action: gridline.ActionVerify, Outcome: gridline.OutcomePassed},
	} {
		act(t, f, tk.ID, r)
	}
	pc, err = f.s.Residents.FollowCase(ctx, rc.Number, rc.FollowCode)
	if err != nil || pc.Stage != gridline.StageReplied || !pc.Rateable || len(pc.Replies) != 1 || pc.Replies[0].Text != "已更换路灯灯泡，恢复照明" {
		t.Fatalf("follow after reply = %+v, %v", pc, err)
	}

	_, err = f.s.Residents.RateCase(ctx, rc.Number, rc.FollowCode, gridline.ResidentRating{Satisfaction: "great"})
	wantField(t, err, "satisfaction")
	_, err = f.s.Residents.RateCase(ctx, rc.Number, "WRONGCODE2", gridline.ResidentRating{Satisfaction: gridline.OutcomeBasic})
	wantCode(t, err, gridline.ENOTFOUND)
	pc, err = f.s.Residents.RateCase(ctx, rc.Number, rc.FollowCode, gridline.ResidentRating{Satisfaction: gridline.OutcomeBasic, Comment: "修得还算及时"})
	if err != nil || pc.Stage != gridline.StageClosed || pc.Rateable || pc.Rating == nil || pc.Rating.Satisfaction != gridline.OutcomeBasic {
		t.Fatalf("rate = %+v, %v", pc, err)
	}
	_, err = f.s.Residents.RateCase(ctx, rc.Number, rc.FollowCode, gridline.ResidentRating{Satisfaction: gridline.OutcomeSatisfied})
	wantCode(t, err, gridline.ECONFLICT)

	// The rating is the case's callback on its timeline: the resident
	// contacted, the comment an internal note, closed by it.
	full, err = f.s.Tickets.FindTicketByID(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := full.Timeline[len(full.Timeline)-1]
	if full.Status != gridline.StatusClosed || last.Action != gridline.ActionCallback || last.Outcome != gridline.OutcomeBasic ||
		last.Actor != sqlstore.ResidentActor || last.Contacted == nil || !*last.Contacted || !strings.Contains(last.Note, "修得还算及时") || last.Opinion != "" {
		t.Fatalf("last event = %+v (status %s)", last, full.Status)
	}
	rep, err := f.s.KPIs.KPIs(ctx, gridline.KPIFilter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), By: "channel"})
	if err != nil {
		t.Fatal(err)
	}
	var snap *gridline.KPIRow
	for i := range rep.Rows {
		if rep.Rows[i].Key == string(gridline.ChannelSnapReport) {
			snap = &rep.Rows[i]
		}
	}
	if snap == nil || snap.Counts.Callbacks != 1 || snap.Counts.Basic != 1 || snap.Counts.Contacted != 1 || snap.Counts.Resolved != 1 {
		t.Fatalf("snap_report KPI row = %+v", snap)
	}
	wantAudit(t, f.db, "resident_report", 2) // the report and the rating
}

// TestResidentRateClosed: a case closed without a callback is rated after
// closing; it stays closed and the rating is its callback.
func TestResidentRateClosed(t *testing.T) {
	f := newFixture(t)
	rc := residentReport(t, f, 116.805, 35.555, "13912345678", "楼道堆放杂物")
	tks, _, _ := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{})
	act(t, f, tks[0].ID, gridline.TicketActionRequest{Action: gridline.ActionSelfHandle, Opinion: "网格员已现场清理",
		Photos: []*gridline.Photo{testJPEG(t, 1, 10)}})
	pc, err := f.s.Residents.RateCase(ctx, rc.Number, rc.FollowCode, gridline.ResidentRating{Satisfaction: gridline.OutcomeUnsatisfied, Resolved: ptr(false)})
	if err != nil || pc.Stage != gridline.StageClosed || pc.Replies[0].Text != "网格员已现场清理" {
		t.Fatalf("rate = %+v, %v", pc, err)
	}
	full, _ := f.s.Tickets.FindTicketByID(ctx, tks[0].ID)
	last := full.Timeline[len(full.Timeline)-1]
	if full.Status != gridline.StatusClosed || last.Action != gridline.ActionCallback || last.From != gridline.StatusClosed ||
		last.Outcome != gridline.OutcomeUnsatisfied || last.Resolved == nil || *last.Resolved {
		t.Fatalf("last event = %+v", last)
	}
	// Counted as the case's callback, unsatisfied and unresolved, and no
	// rework: nothing was sent back.
	rep, err := f.s.KPIs.KPIs(ctx, gridline.KPIFilter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), By: "channel"})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Total.Counts; c.Callbacks != 1 || c.Contacted != 1 || c.Resolved != 0 || c.Satisfied+c.Basic != 0 || c.Reworks != 0 {
		t.Fatalf("KPI counts %+v", c)
	}
}

// TestResidentLimits: the per-phone and per-place limits, counted in the
// database, with the time until a report is taken again.
func TestResidentLimits(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	f.db.Now = func() time.Time { return now }
	f.s.Residents.(*sqlstore.ResidentService).Limits = gridline.ResidentLimits{PerPhoneDay: 3, PerPlaceHour: 2, PlaceRadius: 30}

	// One place, two phones: the third report within 30 m in the hour is
	// refused, one 100 m away is not.
	residentReport(t, f, 116.805, 35.555, "13800000001", "路面塌陷")
	now = now.Add(10 * time.Minute)
	residentReport(t, f, 116.8051, 35.5551, "13800000002", "路面塌陷一个坑")
	_, err := f.s.Residents.ReportAsResident(ctx, &gridline.ResidentReport{Text: "路面有坑", Lon: ptr(116.8052), Lat: ptr(35.5550), Phone: "13800000003"})
	wantCode(t, err, gridline.ERATELIMITED)
	if fl := gridline.ErrorFields(err); fl["limit"] != "place" || fl["max"] != "2" || fl["retry_after"] != "3001" || !strings.Contains(gridline.ErrorMessage(err), "地点") {
		t.Fatalf("place limit: %v %v", err, fl)
	}
	residentReport(t, f, 116.806, 35.555, "13800000003", "路面有坑")
	// The same address counts as the same place wherever the pin is.
	_, err = f.s.Residents.ReportAsResident(ctx, &gridline.ResidentReport{Text: "垃圾", Address: "韦园小区5号楼", Lon: ptr(116.8051), Lat: ptr(35.5579), Phone: "13800000004"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Residents.ReportAsResident(ctx, &gridline.ResidentReport{Text: "垃圾没人收", Address: "韦园小区5号楼", Lon: ptr(116.8035), Lat: ptr(35.5579), Phone: "13800000005"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Residents.ReportAsResident(ctx, &gridline.ResidentReport{Text: "垃圾", Address: "韦园小区5号楼", Lon: ptr(116.809), Lat: ptr(35.559), Phone: "13800000006"})
	wantCode(t, err, gridline.ERATELIMITED)

	// One phone, three reports in a day at different places; the fourth
	// is refused until the first is a day old; typed with dashes it is
	// the same number.
	for i, lon := range []float64{116.801, 116.802, 116.803} {
		now = now.Add(time.Hour)
		residentReport(t, f, lon, 35.551, "13900000009", "问题"+string(rune('一'+i)))
	}
	now = now.Add(time.Hour)
	_, err = f.s.Residents.ReportAsResident(ctx, &gridline.ResidentReport{Text: "又一个问题", Lon: ptr(116.807), Lat: ptr(35.551), Phone: "139-0000-0009"})
	wantCode(t, err, gridline.ERATELIMITED)
	if fl := gridline.ErrorFields(err); fl["limit"] != "phone" || fl["retry_after"] != "75601" {
		t.Fatalf("phone limit: %v", fl)
	}
	now = now.Add(21*time.Hour + time.Second)
	residentReport(t, f, 116.807, 35.551, "13900000009", "又一个问题")

	// Bad phones are named; a refused report leaves no case behind.
	_, err = f.s.Residents.ReportAsResident(ctx, &gridline.ResidentReport{Text: "x", Lon: ptr(116.807), Lat: ptr(35.551), Phone: "12345678"})
	wantField(t, err, "phone")
	_, err = f.s.Residents.ReportAsResident(ctx, &gridline.ResidentReport{Text: "x", Lon: ptr(116.807), Lat: ptr(35.551)})
	wantField(t, err, "phone")
	_, n, err := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{})
	if err != nil || n != 9 {
		t.Fatalf("%d cases, %v; want 9", n, err)
	}
}

// TestResidentReportQR: a door plate's token places the report at its
// address; an unknown token is named.
func TestResidentReportQR(t *testing.T) {
	f := newFixture(t)
	c := f.mustCompound(t, "韦园花园", square(116.802, 35.552, 0.004), f.g1.Code)
	b := f.mustBuilding(t, &gridline.Building{CompoundID: &c.ID, Name: "5号楼", Number: 5, Floors: 6,
		Footprint: square(116.803, 35.553, 0.0004), Entrances: []*gridline.Entrance{{Number: 1, Households: 12}}})
	addrs, _, err := f.s.Addresses.FindAddresses(ctx, gridline.PlaceFilter{BuildingID: &b.ID})
	if err != nil || len(addrs) != 1 {
		t.Fatal(addrs, err)
	}
	rc, err := f.s.Residents.ReportAsResident(ctx, &gridline.ResidentReport{Text: "单元门禁坏了", QR: addrs[0].QRToken, Phone: "13700001111"})
	if err != nil || rc.Case.Address != addrs[0].FullName || !strings.HasPrefix(rc.Case.Community, "韦园社区") {
		t.Fatalf("receipt %+v, %v", rc, err)
	}
	_, err = f.s.Residents.ReportAsResident(ctx, &gridline.ResidentReport{Text: "x", QR: "nope", Phone: "13700001111"})
	wantField(t, err, "qr")
}
