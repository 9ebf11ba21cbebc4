package gridline

import (
	"context"
	"slices"
	"strings"
	"time"
)

// FusionOutcome is what the daily hotline–grid comparison found for one
// hotline case.
type FusionOutcome string

// Fusion outcomes.
const (
	// FoundFirst: a matching grid finding was reported at or before the
	// call (未诉先办).
	FoundFirst FusionOutcome = "found_first"
	// FoundLater: the first matching grid finding came after the call,
	// within the class's duplicate window.
	FoundLater FusionOutcome = "found_later"
	// FusionMissed: no grid finding matches.
	FusionMissed FusionOutcome = "missed"
)

// DefaultFusionClasses are the main classes of the catalogue compared by
// default: the city-management classes, that is every 部件 class (01–06)
// and the city-management 事件 classes 101–105 (市容环境, 宣传广告,
// 施工管理, 突发事件, 街面秩序). The livelihood classes 201–206 (物业,
// 供暖, 水电气, 劳动保障, 噪声, 纠纷) are left out: a grid worker on the
// street cannot see them before someone complains. gridline serve and
// demo take another list with -fusion-classes.
var DefaultFusionClasses = []string{"01", "02", "03", "04", "05", "06", "101", "102", "103", "104", "105"}

// FusionGridChannels are the grid's own channels, whose cases are grid
// findings: the grid workers' patrols and the grid centre's video patrol.
// Residents' snapshots, hazard reports and property reports are not the
// grid's finding, so a hotline case that follows them is not 未诉先办.
var FusionGridChannels = []Channel{ChannelGridPatrol, ChannelVideoPatrol}

// FusionGroupings are what a comparison can be grouped by; "day" keys
// each row by the calls' day (YYYY-MM-DD, China time), so that a month's
// trend is one request. Days without calls have no row.
var FusionGroupings = []string{"town", "community", "grid", "worker", "day"}

// FusionMaxDays is the longest period of one comparison.
const FusionMaxDays = 31

// FusionMaxMisses bounds the missed cases an answer lists for the map.
const FusionMaxMisses = 500

// FusionCase is a case as the comparison sees it: what the duplicate
// finder compares, and the master it was merged into (0 if none).
type FusionCase struct {
	DuplicateCase
	MergedInto int64
	// Located is false for a case without a point.
	Located bool
}

// FusionLinked reports whether hotline case h and grid finding g were
// merged by a person: one into the other, or both into one master. A
// merge is a person's decision and matches whatever the scores say.
func FusionLinked(h, g *FusionCase) bool {
	return h.MergedInto == g.ID || g.MergedInto == h.ID || h.MergedInto != 0 && h.MergedInto == g.MergedInto
}

// FusionMatch reports whether grid finding g is the same incident as
// hotline case h: merged together, or a duplicate candidate by the
// duplicate finder's rule (h's class radius and window, text, category;
// score at or above DuplicateThreshold).
func FusionMatch(cat *Catalogue, h, g *FusionCase) bool {
	if FusionLinked(h, g) {
		return true
	}
	if !h.Located || !g.Located || !DuplicateTarget(g.Status) && g.Status != StatusMerged {
		return false
	}
	score, _, ok := ScoreDuplicate(cat, &h.DuplicateCase, &g.DuplicateCase)
	return ok && score >= DuplicateThreshold
}

// ClassifyFusion classifies hotline case h against grid findings: found
// first if any match was reported at or before h, found later if a match
// came after, missed otherwise. It returns the match that decided (the
// earliest), nil when missed.
func ClassifyFusion(cat *Catalogue, h *FusionCase, findings []*FusionCase) (FusionOutcome, *FusionCase) {
	var best *FusionCase
	// The rule's bounds, once: most findings a store offers lie outside
	// them, and ScoreDuplicate (which checks them again) need not see them.
	rule := DuplicateRuleFor(cat, h.Category)
	box := DuplicateBox(h.Lon, h.Lat, rule.Radius)
	for _, g := range findings {
		if g.ID == h.ID || g.Status == StatusVoided || g.Status == StatusRejected {
			continue
		}
		if best != nil && !g.ReportedAt.Before(best.ReportedAt) {
			continue // an earlier match already decides
		}
		if !FusionLinked(h, g) && (g.Lon < box[0] || g.Lat < box[1] || g.Lon > box[2] || g.Lat > box[3] ||
			g.ReportedAt.Before(h.ReportedAt.Add(-rule.Window)) || g.ReportedAt.After(h.ReportedAt.Add(rule.Window))) {
			continue
		}
		if FusionMatch(cat, h, g) {
			best = g
		}
	}
	switch {
	case best == nil:
		return FusionMissed, nil
	case !best.ReportedAt.After(h.ReportedAt):
		return FoundFirst, best
	}
	return FoundLater, best
}

// FusionWindow returns the longest duplicate window of the classes and
// their sub-classes: the comparison reads grid findings this far either
// side of its period.
func FusionWindow(classes []string) time.Duration {
	w := DefaultDuplicateRule.Window
	for code, r := range DuplicateRules {
		for _, c := range classes {
			// A sub-class's code starts with its main class's.
			if strings.HasPrefix(code, c) && r.Window > w {
				w = r.Window
			}
		}
	}
	return w
}

// FusionFilter selects a comparison: the days From to To (both included,
// China time), the grouping and the classes.
type FusionFilter struct {
	From, To time.Time // midnights, China time
	By       string
	Classes  []string
}

// Validate checks the period and grouping.
func (f *FusionFilter) Validate() error {
	if f.From.IsZero() || f.To.IsZero() {
		return FieldErrorf("date", "date, or from and to, are required (YYYY-MM-DD)")
	}
	if f.To.Before(f.From) {
		return FieldErrorf("to", "must not be before from")
	}
	if days := int(f.To.Sub(f.From)/(24*time.Hour)) + 1; days > FusionMaxDays {
		return FieldErrorf("to", "a period of at most %d days, got %d", FusionMaxDays, days)
	}
	if !slices.Contains(FusionGroupings, f.By) {
		return FieldErrorf("by", "must be one of %s, got %q", strings.Join(FusionGroupings, ", "), f.By)
	}
	if len(f.Classes) == 0 {
		return FieldErrorf("classes", "at least one main class to compare")
	}
	return nil
}

// FusionCounts are the counts of one row of a comparison.
type FusionCounts struct {
	// Hotline counts the located hotline cases of the period in the
	// comparison classes; FoundFirst + FoundLater + Missed = Hotline.
	Hotline    int `json:"hotline"`
	FoundFirst int `json:"found_first"`
	FoundLater int `json:"found_later"`
	Missed     int `json:"missed"`
	// Unlocated counts the hotline cases in the classes without a point
	// and not merged with a grid finding: nothing to compare, so they are
	// outside Hotline and the rate.
	Unlocated int `json:"unlocated"`
}

// Add adds o to c, for totals.
func (c *FusionCounts) Add(o FusionCounts) {
	c.Hotline += o.Hotline
	c.FoundFirst += o.FoundFirst
	c.FoundLater += o.FoundLater
	c.Missed += o.Missed
	c.Unlocated += o.Unlocated
}

// Count counts one hotline case's outcome.
func (c *FusionCounts) Count(o FusionOutcome) {
	c.Hotline++
	switch o {
	case FoundFirst:
		c.FoundFirst++
	case FoundLater:
		c.FoundLater++
	default:
		c.Missed++
	}
}

// Rate is 未诉先办率 = FoundFirst ÷ Hotline, nil without hotline cases.
func (c FusionCounts) Rate() *float64 { return ratio(float64(c.FoundFirst), c.Hotline) }

// FusionRow is one group of a comparison.
type FusionRow struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	FusionCounts
	Rate *float64 `json:"rate"`
}

// FusionMiss is a missed hotline case, for the map.
type FusionMiss struct {
	ID         int64     `json:"id"`
	Number     string    `json:"number"`
	Category   string    `json:"category"`
	Lon        float64   `json:"lon"`
	Lat        float64   `json:"lat"`
	ReportedAt time.Time `json:"reported_at"`
}

// FusionReport is a comparison: rows ordered by key, the total, and the
// missed cases (at most FusionMaxMisses, earliest first; MissesTruncated
// says when there were more).
type FusionReport struct {
	From            string       `json:"from"`
	To              string       `json:"to"`
	By              string       `json:"by"`
	Classes         []string     `json:"classes"`
	Rows            []FusionRow  `json:"rows"`
	Total           FusionRow    `json:"total"`
	Misses          []FusionMiss `json:"misses"`
	MissesTruncated bool         `json:"misses_truncated"`
}

// FusionService compares the hotline's cases with the grid's findings.
type FusionService interface {
	// FusionDaily returns EINVALID for a bad filter.
	FusionDaily(ctx context.Context, f FusionFilter) (*FusionReport, error)
}

// InFusionClasses reports whether category code of cat falls in one of
// the main classes.
func InFusionClasses(cat *Catalogue, code string, classes []string) bool {
	m := mainClass(cat, code)
	return m != "" && slices.Contains(classes, m)
}

// CheckFusionClasses checks that every code of classes is a main class of
// cat.
func CheckFusionClasses(cat *Catalogue, classes []string) error {
	for _, c := range classes {
		if mainClass(cat, c) != c {
			return FieldErrorf("classes", "%q is not a main class of the catalogue", c)
		}
	}
	return nil
}
