package gridline

import (
	"context"
	"time"
)

// LiveTicket is what the live stream tells a command centre about a case
// that changed: enough to place, colour and count it, never its text or
// its reporter (the screen fetches the case itself when someone opens it).
type LiveTicket struct {
	ID            int64        `json:"id"`
	Number        string       `json:"number"`
	Status        TicketStatus `json:"status"`
	Warning       WarningLevel `json:"warning"`
	Channel       Channel      `json:"channel"`
	Category      string       `json:"category,omitempty"`
	Lon           *float64     `json:"lon"`
	Lat           *float64     `json:"lat"`
	TownCode      string       `json:"town_code"`
	CommunityCode string       `json:"community_code"`
	GridCode      string       `json:"grid_code,omitempty"`
	ReportedAt    time.Time    `json:"reported_at"`
	// BuildingID and Floor place a case at its building and floor (the
	// command centre's 3D view); absent for a case at no building.
	BuildingID *int64 `json:"building_id,omitempty"`
	Floor      *int   `json:"floor,omitempty"`
}

// LiveMessage is one message of the live stream. Seq is the change feed's
// position (the SSE id a reconnecting screen sends back as Last-Event-ID).
// Kind is "ticket" (one case changed: Action names the change, Ticket the
// case as it is now) or "reset" (too much changed at once, e.g. an import,
// or the feed was pruned past the reader: refetch everything).
type LiveMessage struct {
	Seq    int64       `json:"seq"`
	Kind   string      `json:"kind"`
	Action string      `json:"action,omitempty"`
	Ticket *LiveTicket `json:"ticket,omitempty"`
}

// LiveTicketOf returns the live summary of t.
func LiveTicketOf(t *Ticket) *LiveTicket {
	return &LiveTicket{ID: t.ID, Number: t.Number, Status: t.Status, Warning: t.Warning, Channel: t.Channel,
		Category: t.Category, Lon: t.Lon, Lat: t.Lat, TownCode: t.TownCode, CommunityCode: t.CommunityCode,
		GridCode: t.GridCode, ReportedAt: t.ReportedAt, BuildingID: t.BuildingID, Floor: t.Floor}
}

// LiveService pushes the changes of cases to open screens as they are
// committed, each screen seeing only the cases its principal (in ctx) may
// read.
type LiveService interface {
	// Subscribe opens a stream of the messages after seq after; a
	// negative after starts at the newest change. Returns EUNAVAILABLE
	// when the service holds its maximum of streams.
	Subscribe(ctx context.Context, after int64) (LiveStream, error)
}

// LiveStream is one open stream. Next and Close are called from one
// goroutine.
type LiveStream interface {
	// Seq is the position the stream started from.
	Seq() int64
	// Next returns the next message, or nil when wait passes without one
	// (time for a heartbeat). It returns an error when the stream was
	// dropped (the reader was too slow, or the service closed) or ctx is
	// done: the client reconnects with the last Seq it saw.
	Next(ctx context.Context, wait time.Duration) (*LiveMessage, error)
	Close()
}

// InScope reports whether scope s admits the case t, by the rules the
// store applies in SQL (sqlstore/scope.go) for what t carries: its region
// path, its creator, its lead unit and the units of its assignments (when
// loaded). ok is false when s has a part that t alone cannot decide (the
// compounds of property companies): ask the store then.
func (s Scope) InScope(t *Ticket) (in, ok bool) {
	if s.All {
		return true, true
	}
	for _, code := range s.Regions {
		switch len(code) {
		case GridCodeLen:
			in = t.GridCode == code
		case 12:
			in = t.CommunityCode == code
		case 9:
			in = t.TownCode == code
		default:
			in = len(t.CountyCode) >= len(code) && t.CountyCode[:len(code)] == code
		}
		if in {
			return true, true
		}
	}
	if s.Creator != 0 && t.CreatedBy != nil && *t.CreatedBy == s.Creator {
		return true, true
	}
	for _, u := range s.Units {
		if t.LeadUnitID != nil && *t.LeadUnitID == u {
			return true, true
		}
		for _, a := range t.Assignments {
			if a.UnitID == u {
				return true, true
			}
		}
	}
	return false, len(s.PropertyUnits) == 0
}
