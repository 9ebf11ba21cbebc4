package gridline

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultWhistleReportWithin is how long the departments a whistle calls
// have to report (吹哨报到: "report within 30 minutes"). The store's
// WhistleService takes another if a district sets one.
const DefaultWhistleReportWithin = 30 * time.Minute

// WhistleStatus is where a whistle stands.
type WhistleStatus string

// Whistle statuses.
const (
	WhistleWaiting  WhistleStatus = "waiting"  // some called units have not reported
	WhistleReported WhistleStatus = "reported" // every called unit has reported
	WhistleRated    WhistleStatus = "rated"    // the street has rated every called unit
)

// WhistleStatuses lists every whistle status in order.
var WhistleStatuses = []WhistleStatus{WhistleWaiting, WhistleReported, WhistleRated}

// Valid reports whether s is a known whistle status.
func (s WhistleStatus) Valid() bool { return slices.Contains(WhistleStatuses, s) }

// Timeline entries of whistles and meetings on a case: annotations, like
// the master_ entries, that keep its status and version.
const (
	ActionWhistle       TicketAction = "whistle"        // 吹哨: units called to the case
	ActionWhistleReport TicketAction = "whistle_report" // 报到: a called unit reported
	ActionWhistleRate   TicketAction = "whistle_rate"   // the street rated the units
	// ActionWhistleOverdue is the deadline scheduler's: a called unit had
	// not reported by the whistle's report_by.
	ActionWhistleOverdue TicketAction = "whistle_overdue"
	ActionMeeting        TicketAction = "meeting" // a coordination meeting decided on the case
)

// Whistle is a 吹哨报到: a street or grid calls departments to a case it
// cannot solve alone; each must report by ReportBy; the street rates them
// afterwards.
type Whistle struct {
	ID           int64  `json:"id"`
	TicketID     int64  `json:"ticket_id"`
	TicketNumber string `json:"ticket_number"`
	// TownCode and CommunityCode are the case's, when the whistle was
	// blown: the street that blew it.
	TownCode      string        `json:"town_code"`
	CommunityCode string        `json:"community_code"`
	Reason        string        `json:"reason"`
	BlownBy       string        `json:"blown_by"`
	BlownAt       time.Time     `json:"blown_at"`
	ReportBy      time.Time     `json:"report_by"`
	Status        WhistleStatus `json:"status"`
	RatedAt       *time.Time    `json:"rated_at"`
	Units         []WhistleUnit `json:"units"`
	UpdatedAt     time.Time     `json:"updated_at"`
}

// WhistleUnit is one unit a whistle called, its report and its rating.
type WhistleUnit struct {
	UnitID     int64      `json:"unit"`
	Name       string     `json:"name"`
	ReportedAt *time.Time `json:"reported_at"`
	Note       string     `json:"note"`
	// Late is true for a report after the whistle's ReportBy; Overdue for
	// a unit that has not reported and is past it, at the time of reading.
	Late    bool `json:"late"`
	Overdue bool `json:"overdue"`
	// OverdueAt is when the deadline scheduler flagged the unit overdue
	// (within its interval of ReportBy), kept after a late report; nil if
	// it reported in time or the scheduler has not run since.
	OverdueAt *time.Time `json:"overdue_at"`
	Score     *int       `json:"score"`
	Comment   string     `json:"comment"`
}

// MaxWhistleUnits bounds the units one whistle calls.
const MaxWhistleUnits = 20

// WhistleRequest blows a whistle on a case.
type WhistleRequest struct {
	Units  []int64 `json:"units"`
	Reason string  `json:"reason"`
}

// Validate checks the units (one to MaxWhistleUnits, each once) and the
// reason.
func (r *WhistleRequest) Validate() error {
	r.Reason = strings.TrimSpace(r.Reason)
	if len(r.Units) == 0 {
		return FieldErrorf("units", "name at least one unit to call")
	}
	if len(r.Units) > MaxWhistleUnits {
		return FieldErrorf("units", "%d units; a whistle calls at most %d", len(r.Units), MaxWhistleUnits)
	}
	if err := checkIDs("units", r.Units); err != nil {
		return err
	}
	if r.Reason == "" {
		return FieldErrorf("reason", "is required: what the street cannot solve alone")
	}
	return CheckText("reason", r.Reason, MaxNoteLen)
}

// checkIDs returns EINVALID naming field[i] for an id that is not positive
// or repeats an earlier one.
func checkIDs(field string, ids []int64) error {
	for i, id := range ids {
		if id <= 0 {
			return FieldErrorf(indexed(field, i), "%d is not a unit id", id)
		}
		if slices.Contains(ids[:i], id) {
			return FieldErrorf(indexed(field, i), "unit %d is named twice", id)
		}
	}
	return nil
}

func indexed(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// WhistleReport is a called unit's report (报到): it has arrived, or
// answered, with a note.
type WhistleReport struct {
	Unit int64  `json:"unit"`
	Note string `json:"note"`
}

// Validate checks the unit and the note.
func (r *WhistleReport) Validate() error {
	r.Note = strings.TrimSpace(r.Note)
	if r.Unit <= 0 {
		return FieldErrorf("unit", "is required: the unit reporting")
	}
	return CheckText("note", r.Note, MaxNoteLen)
}

// WhistleRating is the street's rating of one called unit: a score from 1
// (did not help) to 5 (solved it).
type WhistleRating struct {
	Unit    int64  `json:"unit"`
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// WhistleRate rates called units.
type WhistleRate struct {
	Ratings []WhistleRating `json:"ratings"`
}

// Validate checks each rating: a unit once, a score 1–5, a comment within
// MaxNoteLen.
func (r *WhistleRate) Validate() error {
	if len(r.Ratings) == 0 {
		return FieldErrorf("ratings", "rate at least one unit")
	}
	if len(r.Ratings) > MaxWhistleUnits {
		return FieldErrorf("ratings", "%d ratings; a whistle calls at most %d units", len(r.Ratings), MaxWhistleUnits)
	}
	ids := make([]int64, len(r.Ratings))
	for i := range r.Ratings {
		g := &r.Ratings[i]
		g.Comment = strings.TrimSpace(g.Comment)
		ids[i] = g.Unit
		f := indexed("ratings", i)
		if g.Unit <= 0 {
			return FieldErrorf(f+".unit", "is required: the unit rated")
		}
		if slices.Contains(ids[:i], g.Unit) {
			return FieldErrorf(f+".unit", "unit %d is rated twice", g.Unit)
		}
		if g.Score < 1 || g.Score > 5 {
			return FieldErrorf(f+".score", "%d is not a score from 1 to 5", g.Score)
		}
		if err := CheckText(f+".comment", g.Comment, MaxNoteLen); err != nil {
			return err
		}
	}
	return nil
}

// WhistleOpen reports whether a case in status s can be whistled on: it is
// placed and still open.
func WhistleOpen(s TicketStatus) bool { return s.Open() && s != StatusUnlocated }

// WhistleFilter selects whistles, newest first.
type WhistleFilter struct {
	Status   *WhistleStatus
	UnitID   *int64  // a called unit
	Town     *string // the town (street) code
	TicketID *int64
	// Overdue keeps the whistles with a unit that has not reported and is
	// past ReportBy, at the time of reading (WhistleUnit.Overdue).
	Overdue bool
	// From and To bound when the whistle was blown: From ≤ BlownAt < To.
	From, To *time.Time
	Offset   int
	Limit    int
}

// WhistleService keeps whistles. Each change writes its timeline entry on
// the case, its audit row and its change-feed event in one transaction.
type WhistleService interface {
	// BlowWhistle calls units to case ticketID. Returns ENOTFOUND for an
	// unknown case, ECONFLICT for a case that is not open, EINVALID naming
	// units[i] for an unknown unit.
	BlowWhistle(ctx context.Context, ticketID int64, r WhistleRequest) (*Whistle, error)
	// FindWhistleByID returns a whistle with its units, or ENOTFOUND.
	FindWhistleByID(ctx context.Context, id int64) (*Whistle, error)
	// FindWhistles returns a page of whistles, newest first, and the total.
	FindWhistles(ctx context.Context, f WhistleFilter) ([]*Whistle, int, error)
	// ReportWhistle records a called unit's report, late after ReportBy.
	// Returns EINVALID naming unit for a unit not called, ECONFLICT for a
	// unit that has reported already or a whistle already rated.
	ReportWhistle(ctx context.Context, id int64, r WhistleReport) (*Whistle, error)
	// RateWhistle records the street's ratings; the whistle is rated once
	// every called unit has a score. Returns EINVALID naming
	// ratings[i].unit for a unit not called, ECONFLICT for one rated
	// already.
	RateWhistle(ctx context.Context, id int64, r WhistleRate) (*Whistle, error)
	// RankWhistleUnits tallies, for each unit called by a whistle blown
	// in [from, to) (either open) that the caller may see, what it did,
	// and ranks the units by RankWhistleUnits.
	RankWhistleUnits(ctx context.Context, from, to *time.Time) (*WhistleRanking, error)
	// SuperviseWhistles flags the called units that have not reported by
	// their whistle's ReportBy (WhistleUnit.OverdueAt), each with a
	// whistle_overdue entry on the case's timeline, an audit row and a
	// change-feed event, and returns how many. Rated whistles are closed
	// and left alone. A second run at the same time changes nothing.
	SuperviseWhistles(ctx context.Context) (int, error)
}

// WhistleTally is what one unit did on the whistles of a period that
// called it: the store's aggregate, before RankWhistleUnits.
type WhistleTally struct {
	UnitID int64  `json:"unit"`
	Name   string `json:"name"`
	// Called is the whistles that called the unit; each is exactly one of
	// OnTime (reported by ReportBy), Late (reported after it), Overdue
	// (not reported, past it) and Waiting (not reported, still within it),
	// at the time of reading.
	Called  int `json:"called"`
	OnTime  int `json:"on_time"`
	Late    int `json:"late"`
	Overdue int `json:"overdue"`
	Waiting int `json:"waiting"`
	// Rated is how many of them the street scored, ScoreSum the sum of
	// the scores.
	Rated    int `json:"rated"`
	ScoreSum int `json:"score_sum"`
}

// WhistleRank is a unit's line of the ranking: its tally, its rates and
// its place.
type WhistleRank struct {
	WhistleTally
	// MeanScore is ScoreSum / Rated (1–5); nil if no whistle was rated.
	MeanScore *float64 `json:"mean_score"`
	// OnTimeRate is OnTime / (Called − Waiting): of the whistles whose
	// time is up, the share reported in time; nil if none is.
	OnTimeRate *float64 `json:"on_time_rate"`
	// Rank is 1 for the best; units equal on both MeanScore and
	// OnTimeRate share a rank and the next rank skips (1, 2, 2, 4).
	Rank int `json:"rank"`
}

// WhistleRanking is the department ranking of whistle-and-report over a
// period, as of At.
type WhistleRanking struct {
	From *time.Time    `json:"from"`
	To   *time.Time    `json:"to"`
	At   time.Time     `json:"at"`
	Rows []WhistleRank `json:"rows"`
}

// RankWhistleUnits computes the rates of each tally and orders the units:
// by mean score, highest first (the issue: the street's ratings feed the
// ranking, and a score is the street's judgement of the whole response),
// then by on-time rate (reporting within the time is the duty a whistle
// sets), then by whistles received (more evidence first), then by name.
// A unit without a score comes after every unit with one, and without an
// on-time rate after every unit with one at the same score: no data is
// not a good mark. Rank ties units equal on score and rate.
func RankWhistleUnits(ts []WhistleTally) []WhistleRank {
	rows := make([]WhistleRank, len(ts))
	for i, t := range ts {
		r := WhistleRank{WhistleTally: t}
		if t.Rated > 0 {
			v := float64(t.ScoreSum) / float64(t.Rated)
			r.MeanScore = &v
		}
		if due := t.Called - t.Waiting; due > 0 {
			v := float64(t.OnTime) / float64(due)
			r.OnTimeRate = &v
		}
		rows[i] = r
	}
	slices.SortStableFunc(rows, func(a, b WhistleRank) int {
		if c := compareRank(a, b); c != 0 {
			return c
		}
		if a.Called != b.Called {
			return b.Called - a.Called
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return int(a.UnitID - b.UnitID)
	})
	for i := range rows {
		if i > 0 && compareRank(rows[i-1], rows[i]) == 0 {
			rows[i].Rank = rows[i-1].Rank
		} else {
			rows[i].Rank = i + 1
		}
	}
	return rows
}

// compareRank orders a before b (−1) when it ranks higher on mean score,
// then on-time rate; a missing value ranks below any value.
func compareRank(a, b WhistleRank) int {
	if c := compareDesc(a.MeanScore, b.MeanScore); c != 0 {
		return c
	}
	return compareDesc(a.OnTimeRate, b.OnTimeRate)
}

func compareDesc(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	case *a > *b:
		return -1
	case *a < *b:
		return 1
	}
	return 0
}
