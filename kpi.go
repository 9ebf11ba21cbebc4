package gridline

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"
)

// KPICounts are the counts one row of a KPI report is made of: one group
// (a unit, grid, community, town, category or channel) over one period.
// The store counts them from the case events; Figures turns them into the
// rates, so every figure is defined here once. A case counts for its lead
// unit.
type KPICounts struct {
	// Received counts the cases received in the period, less those merged
	// into another or voided; ReceivedClosed those of them closed by the
	// period's end.
	Received       int `json:"received"`
	ReceivedClosed int `json:"received_closed"`
	// Closed counts the cases closed in the period; ClosedOnTime those of
	// them closed by their deadline (extensions included).
	Closed       int `json:"closed"`
	ClosedOnTime int `json:"closed_on_time"`
	// OpenOverdue counts the cases open at the period's end and past their
	// deadline.
	OpenOverdue int `json:"open_overdue"`
	// Due counts the cases whose deadline fell in the period; Reworks the
	// failed verifications and reopenings in the period.
	Due     int `json:"due"`
	Reworks int `json:"reworks"`
	// Dispatches counts dispatches and redispatches in the period; Returns
	// the returns (退单) of them.
	Dispatches int `json:"dispatches"`
	Returns    int `json:"returns"`
	// Signs counts sign-offs in the period; SignedOnTime those within the
	// sign-off limit.
	Signs        int `json:"signs"`
	SignedOnTime int `json:"signed_on_time"`
	// HandlingDays and HandlingWorkingDays sum, over the Closed cases, the
	// time from receipt to closure in natural days and in working days.
	HandlingDays        float64 `json:"handling_days"`
	HandlingWorkingDays float64 `json:"handling_working_days"`
	// Callbacks counts the valid callbacks in the period (one per case:
	// the last); of them Contacted reached the reporter, Resolved were
	// said to be resolved, Satisfied and Basic rated 满意 and 基本满意.
	Callbacks int `json:"callbacks"`
	Contacted int `json:"contacted"`
	Resolved  int `json:"resolved"`
	Satisfied int `json:"satisfied"`
	Basic     int `json:"basic"`
}

// Add adds the counts of o to c, for totals.
func (c *KPICounts) Add(o KPICounts) {
	c.Received += o.Received
	c.ReceivedClosed += o.ReceivedClosed
	c.Closed += o.Closed
	c.ClosedOnTime += o.ClosedOnTime
	c.OpenOverdue += o.OpenOverdue
	c.Due += o.Due
	c.Reworks += o.Reworks
	c.Dispatches += o.Dispatches
	c.Returns += o.Returns
	c.Signs += o.Signs
	c.SignedOnTime += o.SignedOnTime
	c.HandlingDays += o.HandlingDays
	c.HandlingWorkingDays += o.HandlingWorkingDays
	c.Callbacks += o.Callbacks
	c.Contacted += o.Contacted
	c.Resolved += o.Resolved
	c.Satisfied += o.Satisfied
	c.Basic += o.Basic
}

// KPIWeights weigh the composite of the three callback rates (Beijing's
// 接诉即办 assessment: 0.1 response, 0.5 resolution, 0.4 satisfaction) and
// how much a 基本满意 counts in the satisfaction rate (0.9).
type KPIWeights struct {
	Response     float64 `json:"response"`
	Resolution   float64 `json:"resolution"`
	Satisfaction float64 `json:"satisfaction"`
	Basic        float64 `json:"basic"`
}

// DefaultKPIWeights are Beijing's.
var DefaultKPIWeights = KPIWeights{Response: 0.1, Resolution: 0.5, Satisfaction: 0.4, Basic: 0.9}

// Validate checks that the weights are fractions and the composite's sum
// to 1 (within rounding), so the composite stays a fraction too. Errors
// name the field "weights", the query parameter they come in, and say in
// the message which weight is wrong.
func (w KPIWeights) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"response", w.Response}, {"resolution", w.Resolution}, {"satisfaction", w.Satisfaction}, {"basic", w.Basic}} {
		if math.IsNaN(f.v) || f.v < 0 || f.v > 1 {
			return FieldErrorf("weights", "the %s weight must be between 0 and 1, got %g", f.name, f.v)
		}
	}
	if sum := w.Response + w.Resolution + w.Satisfaction; math.Abs(sum-1) > 1e-9 {
		return FieldErrorf("weights", "the response, resolution and satisfaction weights must add up to 1, got %g", sum)
	}
	return nil
}

// KPIFigures are the rates of one KPI row, fractions 0–1. A rate whose
// denominator is zero is null: no cases is not 0 % nor 100 %.
type KPIFigures struct {
	// OnTimeRate 按期办结率 = ClosedOnTime ÷ (Closed + OpenOverdue).
	OnTimeRate *float64 `json:"on_time_rate"`
	// ClosureRate 结案率 = ReceivedClosed ÷ Received.
	ClosureRate *float64 `json:"closure_rate"`
	// ReworkRate 返工率 = Reworks ÷ Due.
	ReworkRate *float64 `json:"rework_rate"`
	// ReturnRate 退单率 = Returns ÷ Dispatches.
	ReturnRate *float64 `json:"return_rate"`
	// DispatchAccuracy 准确派遣率 = (Dispatches − Returns) ÷ Dispatches.
	DispatchAccuracy *float64 `json:"dispatch_accuracy"`
	// TimelySignRate 签收及时率 = SignedOnTime ÷ Signs.
	TimelySignRate *float64 `json:"timely_sign_rate"`
	// AvgHandlingDays 平均办理时长 = HandlingDays ÷ Closed, in days (not a
	// fraction); AvgHandlingWorkingDays the same in working days.
	AvgHandlingDays        *float64 `json:"avg_handling_days"`
	AvgHandlingWorkingDays *float64 `json:"avg_handling_working_days"`
	// ResponseRate 响应率 = Contacted ÷ Callbacks.
	ResponseRate *float64 `json:"response_rate"`
	// ResolutionRate 解决率 = Resolved ÷ Callbacks.
	ResolutionRate *float64 `json:"resolution_rate"`
	// SatisfactionRate 满意率 = (Satisfied + Basic weight × Basic) ÷
	// Callbacks.
	SatisfactionRate *float64 `json:"satisfaction_rate"`
	// Composite = Response weight × ResponseRate + Resolution weight ×
	// ResolutionRate + Satisfaction weight × SatisfactionRate.
	Composite *float64 `json:"composite"`
	// YanzhouSatisfaction, the seed's "satisfaction above 99 %" =
	// (Satisfied + Basic) ÷ Callbacks.
	YanzhouSatisfaction *float64 `json:"yanzhou_satisfaction"`
}

// Figures computes the rates of c with weights w.
func (c KPICounts) Figures(w KPIWeights) KPIFigures {
	f := KPIFigures{
		OnTimeRate:             ratio(float64(c.ClosedOnTime), c.Closed+c.OpenOverdue),
		ClosureRate:            ratio(float64(c.ReceivedClosed), c.Received),
		ReworkRate:             ratio(float64(c.Reworks), c.Due),
		ReturnRate:             ratio(float64(c.Returns), c.Dispatches),
		DispatchAccuracy:       ratio(float64(c.Dispatches-c.Returns), c.Dispatches),
		TimelySignRate:         ratio(float64(c.SignedOnTime), c.Signs),
		AvgHandlingDays:        ratio(c.HandlingDays, c.Closed),
		AvgHandlingWorkingDays: ratio(c.HandlingWorkingDays, c.Closed),
		ResponseRate:           ratio(float64(c.Contacted), c.Callbacks),
		ResolutionRate:         ratio(float64(c.Resolved), c.Callbacks),
		SatisfactionRate:       ratio(float64(c.Satisfied)+w.Basic*float64(c.Basic), c.Callbacks),
		YanzhouSatisfaction:    ratio(float64(c.Satisfied+c.Basic), c.Callbacks),
	}
	if c.Callbacks > 0 {
		v := w.Response**f.ResponseRate + w.Resolution**f.ResolutionRate + w.Satisfaction**f.SatisfactionRate
		f.Composite = &v
	}
	return f
}

// ratio returns n ÷ d, or nil when d is zero.
func ratio(n float64, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := n / float64(d)
	return &v
}

// SignWithin is how soon after a dispatch the lead unit must sign for
// the sign-off to be timely (签收及时): two working hours.
const SignWithin = 2 * time.Hour

// KPIGroupings are what a KPI report can be grouped by.
var KPIGroupings = []string{"unit", "grid", "community", "town", "category", "channel"}

// KPIFilter selects a KPI report: the period [From, To) and the grouping.
type KPIFilter struct {
	From, To time.Time
	By       string
	Weights  KPIWeights
}

// Validate checks the period and grouping.
func (f *KPIFilter) Validate() error {
	if f.From.IsZero() || f.To.IsZero() {
		return FieldErrorf("from", "from and to are required (RFC 3339)")
	}
	if !f.To.After(f.From) {
		return FieldErrorf("to", "must be after from")
	}
	if f.To.Sub(f.From) > 3*366*24*time.Hour {
		return FieldErrorf("to", "a period of at most three years")
	}
	if !slices.Contains(KPIGroupings, f.By) {
		return FieldErrorf("by", "must be one of %s, got %q", strings.Join(KPIGroupings, ", "), f.By)
	}
	return f.Weights.Validate()
}

// KPIRow is one group of a KPI report: its key (a unit id, a code, a
// channel), its name, the counts and the figures made of them.
type KPIRow struct {
	Key    string    `json:"key"`
	Name   string    `json:"name"`
	Counts KPICounts `json:"counts"`
	KPIFigures
}

// KPIReport is a KPI report: one row per group, ordered by key, and the
// total over all of them (not an average of the rows' rates).
type KPIReport struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	By    string    `json:"by"`
	Rows  []KPIRow  `json:"rows"`
	Total KPIRow    `json:"total"`
}

// KPIService computes KPI reports from the cases and their timelines.
type KPIService interface {
	// KPIs returns EINVALID for a bad filter.
	KPIs(ctx context.Context, f KPIFilter) (*KPIReport, error)
}

// IsRework reports whether a timeline step sends a case back to be
// handled again (the rework of DESIGN §5): a failed verification, a
// reopening, or an unsatisfied callback that moved the case. An
// unsatisfied callback that left it where it was (a resident's rating of
// a closed case) sent nothing back. The KPI query and its rollups both
// count by it.
func IsRework(a TicketAction, o Outcome, from, to TicketStatus) bool {
	switch {
	case a == ActionVerify && o == OutcomeFailed, a == ActionReopen:
		return true
	case a == ActionCallback && o == OutcomeUnsatisfied:
		return from != to
	}
	return false
}
