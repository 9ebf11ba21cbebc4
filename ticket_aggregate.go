package gridline

import (
	"context"
	"math"
)

// The groupings of a case aggregate (TicketAggregateFilter.By).
var TicketAggregateBys = []string{"grid", "community", "town", "status", "category", "channel", "day", "tile", "case"}

// MaxAggregateZoom is the finest tile zoom an aggregate groups by.
const MaxAggregateZoom = 20

// MaxAggregateCases is the most cases an aggregate by "case" returns.
const MaxAggregateCases = 5000

// TicketAggregateFilter selects the cases of an aggregate and how they
// are grouped. By is one of TicketAggregateBys: a region or grid code,
// a status, a sub-class, a channel, a day (China time, YYYY-MM-DD, on the
// intake time), a map cell ("tile": Z's tile cut in 8×8 cells, key
// "x/y" of the cell in degrees, see [AggregateCell]) or the cases
// themselves ("case": each placed case, at most Limit, newest first).
type TicketAggregateFilter struct {
	By string
	// Z is the map's zoom for By "tile", 0–MaxAggregateZoom.
	Z int
	// BBox keeps the cases placed within [west, south, east, north].
	BBox *[4]float64
	// Filter selects the cases as GET /api/v1/tickets does (its paging
	// fields are not read).
	Filter TicketFilter
	// Limit bounds By "case" (0: MaxAggregateCases).
	Limit int
}

// Validate checks f, naming the bad field.
func (f *TicketAggregateFilter) Validate() error {
	ok := false
	for _, b := range TicketAggregateBys {
		ok = ok || b == f.By
	}
	if !ok {
		return FieldErrorf("by", "want one of grid, community, town, status, category, channel, day, tile, case")
	}
	if f.Z < 0 || f.Z > MaxAggregateZoom {
		return FieldErrorf("z", "want a zoom from 0 to %d", MaxAggregateZoom)
	}
	if b := f.BBox; b != nil {
		if b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 || b[0] > b[2] || b[1] > b[3] ||
			math.IsNaN(b[0]+b[1]+b[2]+b[3]) {
			return FieldErrorf("bbox", "want west,south,east,north in degrees, west ≤ east and south ≤ north")
		}
	}
	if f.Limit < 0 || f.Limit > MaxAggregateCases {
		return FieldErrorf("limit", "want 1 to %d", MaxAggregateCases)
	}
	if f.By == "case" && f.BBox == nil {
		return FieldErrorf("bbox", "by case needs the map's bbox: individual cases are for a zoomed-in view")
	}
	return nil
}

// AggregateCell returns the size in degrees of a map cell at zoom z: an
// eighth of a web-map tile's width (64 px of a 512-px tile), in both
// longitude and latitude. Cells are numbered from (-180, -90).
func AggregateCell(z int) float64 { return 360 / math.Exp2(float64(z)+3) }

// TicketAggregateRow is one group of an aggregate: how many cases, how
// many of them open, and how many open with a yellow or a red light (a
// closed case keeps its last light; it is not counted here); Lon and Lat are the
// mean place of its placed cases (By tile) or the case's place (By case,
// with its Status and Warning).
type TicketAggregateRow struct {
	Key     string       `json:"key"`
	Count   int          `json:"count"`
	Open    int          `json:"open"`
	Yellow  int          `json:"yellow"`
	Red     int          `json:"red"`
	Lon     *float64     `json:"lon,omitempty"`
	Lat     *float64     `json:"lat,omitempty"`
	Status  TicketStatus `json:"status,omitempty"`
	Warning WarningLevel `json:"warning,omitempty"`
}

// TicketAggregate is an aggregate's answer: the groups, ordered by key
// (By case: newest first), and the total of their counts. Truncated says
// that By case had more cases than its limit.
type TicketAggregate struct {
	By        string               `json:"by"`
	Z         *int                 `json:"z,omitempty"`
	Rows      []TicketAggregateRow `json:"rows"`
	Total     int                  `json:"total"`
	Truncated bool                 `json:"truncated,omitempty"`
}

// TicketAggregateService counts cases by group, in the caller's scope of
// the cases (what GET /api/v1/tickets would list).
type TicketAggregateService interface {
	// AggregateTickets returns EINVALID for a bad filter.
	AggregateTickets(ctx context.Context, f TicketAggregateFilter) (*TicketAggregate, error)
}
