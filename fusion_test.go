package gridline_test

import (
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// TestClassifyFusion classifies one hotline call about a street lamp
// against grid findings around it.
func TestClassifyFusion(t *testing.T) {
	cat := gridline.DefaultCatalogue()
	at := time.Date(2026, 6, 10, 2, 0, 0, 0, time.UTC)
	call := &gridline.FusionCase{Located: true, DuplicateCase: gridline.DuplicateCase{ID: 1, Channel: gridline.ChannelHotline,
		Category: "0115", Text: "市民来电反映龙城花园小区门口路灯不亮了，晚上出行很不方便。", Lon: 116.8050, Lat: 35.5550, ReportedAt: at}}
	finding := func(id int64, text, category string, dLon float64, dt time.Duration) *gridline.FusionCase {
		return &gridline.FusionCase{Located: true, DuplicateCase: gridline.DuplicateCase{ID: id, Channel: gridline.ChannelGridPatrol,
			Status: gridline.StatusReceived, Category: category, Text: text, Lon: 116.8050 + dLon, Lat: 35.5550, ReportedAt: at.Add(dt)}}
	}
	lamp := "龙城花园门口一盏路灯夜间不亮。"
	for _, tc := range []struct {
		name     string
		findings []*gridline.FusionCase
		mutate   func(h *gridline.FusionCase, gs []*gridline.FusionCase)
		want     gridline.FusionOutcome
		wantID   int64
	}{
		{"none", nil, nil, gridline.FusionMissed, 0},
		{"before", []*gridline.FusionCase{finding(2, lamp, "0115", 0.0002, -3*time.Hour)}, nil, gridline.FoundFirst, 2},
		{"same instant is first", []*gridline.FusionCase{finding(2, lamp, "0115", 0.0002, 0)}, nil, gridline.FoundFirst, 2},
		{"after", []*gridline.FusionCase{finding(2, lamp, "0115", 0.0002, 20*time.Hour)}, nil, gridline.FoundLater, 2},
		{"earliest decides", []*gridline.FusionCase{finding(2, lamp, "0115", 0, 20*time.Hour), finding(3, lamp, "0115", 0, -5*24*time.Hour)},
			nil, gridline.FoundFirst, 3},
		{"after the window", []*gridline.FusionCase{finding(2, lamp, "0115", 0, 31*24*time.Hour)}, nil, gridline.FusionMissed, 0},
		{"before the window", []*gridline.FusionCase{finding(2, lamp, "0115", 0, -31*24*time.Hour)}, nil, gridline.FusionMissed, 0},
		{"beyond the radius", []*gridline.FusionCase{finding(2, lamp, "0115", 0.003, -time.Hour)}, nil, gridline.FusionMissed, 0},
		{"same place, other problem", []*gridline.FusionCase{finding(2, "龙城花园门口垃圾桶满溢，垃圾堆在路边没人清运。", "10102", 0.0001, -time.Hour)},
			nil, gridline.FusionMissed, 0},
		{"voided finding", []*gridline.FusionCase{finding(2, lamp, "0115", 0, -time.Hour)},
			func(_ *gridline.FusionCase, gs []*gridline.FusionCase) { gs[0].Status = gridline.StatusVoided }, gridline.FusionMissed, 0},
		{"merged finding still found", []*gridline.FusionCase{finding(2, lamp, "0115", 0, -time.Hour)},
			func(_ *gridline.FusionCase, gs []*gridline.FusionCase) {
				gs[0].Status, gs[0].MergedInto = gridline.StatusMerged, 9
			},
			gridline.FoundFirst, 2},
		{"call merged into the finding", []*gridline.FusionCase{finding(2, "王因街道某处井盖缺失", "0101", 0.05, -time.Hour)},
			func(h *gridline.FusionCase, _ []*gridline.FusionCase) { h.MergedInto = 2 }, gridline.FoundFirst, 2},
		{"finding merged into the call", []*gridline.FusionCase{finding(2, "王因街道某处井盖缺失", "0101", 0.05, 2*time.Hour)},
			func(_ *gridline.FusionCase, gs []*gridline.FusionCase) { gs[0].MergedInto = 1 }, gridline.FoundLater, 2},
		{"both merged into one master", []*gridline.FusionCase{finding(2, "王因街道某处井盖缺失", "0101", 0.05, -2*time.Hour)},
			func(h *gridline.FusionCase, gs []*gridline.FusionCase) { h.MergedInto, gs[0].MergedInto = 7, 7 }, gridline.FoundFirst, 2},
		{"unlocated call, no link", []*gridline.FusionCase{finding(2, lamp, "0115", 0, -time.Hour)},
			func(h *gridline.FusionCase, _ []*gridline.FusionCase) { h.Located = false }, gridline.FusionMissed, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := *call
			if tc.mutate != nil {
				tc.mutate(&h, tc.findings)
			}
			got, m := gridline.ClassifyFusion(cat, &h, tc.findings)
			var id int64
			if m != nil {
				id = m.ID
			}
			if got != tc.want || id != tc.wantID {
				t.Errorf("got %s (match %d), want %s (match %d)", got, id, tc.want, tc.wantID)
			}
		})
	}
}

func TestFusionFilter(t *testing.T) {
	day := time.Date(2026, 6, 10, 0, 0, 0, 0, gridline.ChinaTime)
	for _, tc := range []struct {
		f     gridline.FusionFilter
		field string
	}{
		{gridline.FusionFilter{From: day, To: day, By: "town", Classes: gridline.DefaultFusionClasses}, ""},
		{gridline.FusionFilter{From: day, To: day.AddDate(0, 0, 30), By: "worker", Classes: []string{"01"}}, ""},
		{gridline.FusionFilter{To: day, By: "town", Classes: []string{"01"}}, "date"},
		{gridline.FusionFilter{From: day, To: day.AddDate(0, 0, -1), By: "town", Classes: []string{"01"}}, "to"},
		{gridline.FusionFilter{From: day, To: day.AddDate(0, 0, 31), By: "town", Classes: []string{"01"}}, "to"},
		{gridline.FusionFilter{From: day, To: day, By: "unit", Classes: []string{"01"}}, "by"},
		{gridline.FusionFilter{From: day, To: day, By: "grid"}, "classes"},
	} {
		err := tc.f.Validate()
		if _, named := gridline.ErrorFields(err)[tc.field]; tc.field == "" && err != nil || tc.field != "" && !named {
			t.Errorf("%+v: %v, want field %q", tc.f, err, tc.field)
		}
	}
	rate := gridline.FusionCounts{}.Rate()
	if rate != nil {
		t.Errorf("rate without cases: %v, want null", *rate)
	}
	c := gridline.FusionCounts{}
	for _, o := range []gridline.FusionOutcome{gridline.FoundFirst, gridline.FoundLater, gridline.FusionMissed, gridline.FusionMissed} {
		c.Count(o)
	}
	if r := c.Rate(); c.Hotline != 4 || r == nil || *r != 0.25 {
		t.Errorf("counts %+v", c)
	}
}
