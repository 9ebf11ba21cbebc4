package gridline_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

// TestKPIFigures pins each formula on hand-made counts.
func TestKPIFigures(t *testing.T) {
	c := gridline.KPICounts{
		Received: 200, ReceivedClosed: 180,
		Closed: 190, ClosedOnTime: 171, OpenOverdue: 10,
		Due: 150, Reworks: 3,
		Dispatches: 160, Returns: 8,
		Signs: 152, SignedOnTime: 140,
		HandlingDays: 190 * 2.83, HandlingWorkingDays: 190 * 2.1,
		Callbacks: 100, Contacted: 96, Resolved: 90, Satisfied: 85, Basic: 10,
	}
	f := c.Figures(gridline.DefaultKPIWeights)
	want := map[string]struct {
		got  *float64
		want float64
	}{
		"on_time_rate":              {f.OnTimeRate, 171.0 / 200},
		"closure_rate":              {f.ClosureRate, 180.0 / 200},
		"rework_rate":               {f.ReworkRate, 3.0 / 150},
		"return_rate":               {f.ReturnRate, 8.0 / 160},
		"dispatch_accuracy":         {f.DispatchAccuracy, 152.0 / 160},
		"timely_sign_rate":          {f.TimelySignRate, 140.0 / 152},
		"avg_handling_days":         {f.AvgHandlingDays, 2.83},
		"avg_handling_working_days": {f.AvgHandlingWorkingDays, 2.1},
		"response_rate":             {f.ResponseRate, 0.96},
		"resolution_rate":           {f.ResolutionRate, 0.90},
		"satisfaction_rate":         {f.SatisfactionRate, 0.94},
		"composite":                 {f.Composite, 0.1*0.96 + 0.5*0.90 + 0.4*0.94},
		"yanzhou_satisfaction":      {f.YanzhouSatisfaction, 0.95},
	}
	for name, w := range want {
		if w.got == nil || math.Abs(*w.got-w.want) > 1e-12 {
			t.Errorf("%s = %v, want %g", name, deref(w.got), w.want)
		}
	}
}

// TestKPIEmpty: no cases gives no rates (null), not 0 % or 100 %.
func TestKPIEmpty(t *testing.T) {
	f := gridline.KPICounts{}.Figures(gridline.DefaultKPIWeights)
	if f.OnTimeRate != nil || f.Composite != nil || f.SatisfactionRate != nil || f.AvgHandlingDays != nil {
		t.Fatalf("empty counts gave rates: %+v", f)
	}
	var total gridline.KPICounts
	total.Add(gridline.KPICounts{Closed: 1, ClosedOnTime: 1})
	total.Add(gridline.KPICounts{OpenOverdue: 1})
	if r := total.Figures(gridline.DefaultKPIWeights).OnTimeRate; r == nil || *r != 0.5 {
		t.Fatalf("total on-time rate = %v, want 0.5", deref(r))
	}
}

func TestKPIWeights(t *testing.T) {
	if err := gridline.DefaultKPIWeights.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		w    gridline.KPIWeights
		says string // the message names the wrong weight
	}{
		{gridline.KPIWeights{Response: 0.2, Resolution: 0.5, Satisfaction: 0.4, Basic: 0.9}, "add up to 1, got 1.1"},
		{gridline.KPIWeights{Response: -0.1, Resolution: 0.7, Satisfaction: 0.4, Basic: 0.9}, "the response weight"},
		{gridline.KPIWeights{Response: 0.1, Resolution: 0.5, Satisfaction: 0.4, Basic: 1.5}, "the basic weight"},
	} {
		err := c.w.Validate()
		var e *gridline.Error
		if !errors.As(err, &e) || e.Code != gridline.EINVALID {
			t.Errorf("%+v: %v, want EINVALID", c.w, err)
			continue
		}
		// The field is the query parameter the weights come in.
		if _, ok := e.Fields["weights"]; !ok || len(e.Fields) != 1 || !strings.Contains(e.Message+e.Fields["weights"], c.says) {
			t.Errorf("%+v: %+v, want the field weights saying %q", c.w, e, c.says)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestIsRework(t *testing.T) {
	for _, c := range []struct {
		a        gridline.TicketAction
		o        gridline.Outcome
		from, to gridline.TicketStatus
		want     bool
	}{
		{gridline.ActionVerify, gridline.OutcomeFailed, gridline.StatusVerifying, gridline.StatusHandling, true},
		{gridline.ActionVerify, gridline.OutcomePassed, gridline.StatusVerifying, gridline.StatusCallback, false},
		{gridline.ActionReopen, "", gridline.StatusClosed, gridline.StatusHandling, true},
		{gridline.ActionCallback, gridline.OutcomeUnsatisfied, gridline.StatusCallback, gridline.StatusHandling, true},
		// A resident's rating of a closed case sends nothing back.
		{gridline.ActionCallback, gridline.OutcomeUnsatisfied, gridline.StatusClosed, gridline.StatusClosed, false},
		{gridline.ActionCallback, gridline.OutcomeSatisfied, gridline.StatusCallback, gridline.StatusClosed, false},
		{gridline.ActionReturn, "", gridline.StatusDispatched, gridline.StatusFiled, false},
	} {
		if got := gridline.IsRework(c.a, c.o, c.from, c.to); got != c.want {
			t.Errorf("IsRework(%s, %s, %s→%s) = %v", c.a, c.o, c.from, c.to, got)
		}
	}
}
