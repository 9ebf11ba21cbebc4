package gridline

import (
	"context"
	"time"
)

// Event is one entry of the change feed: a change to a stored object,
// written in the same transaction as the change itself, so the feed holds
// exactly the committed changes. Seq only grows, and events become
// visible in Seq order: a reader that has seen Seq n never later finds a
// new event below n. Whatever keeps state derived from the database (the
// locate index, caches, live streams, outbound webhooks) follows the feed.
type Event struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Entity string    `json:"entity"` // grid, grid_layer, region, point, …
	Action string    `json:"action"` // create, update, delete, import, …
	Key    string    `json:"key"`    // the object's code or id
	Detail string    `json:"detail,omitempty"`
}

// EventFilter selects events after a position, oldest first.
type EventFilter struct {
	After    int64    // events with Seq > After
	Entities []string // only these entities; empty means all
	Limit    int      // at most this many; 0 means 1,000
}

// EventService reads the change feed and keeps the positions of durable
// readers, so a reader resumes after a restart with nothing missed or
// repeated.
type EventService interface {
	// FindEvents returns events after f.After in Seq order. Returns
	// ECONFLICT if events after f.After have been pruned: the reader
	// must rebuild its state from the stored objects and resume from
	// LastEventSeq.
	FindEvents(ctx context.Context, f EventFilter) ([]*Event, error)
	// LastEventSeq returns the Seq of the newest event, 0 if none.
	LastEventSeq(ctx context.Context) (int64, error)
	// FindEventCursor returns the saved position of the named reader, 0
	// if it has none.
	FindEventCursor(ctx context.Context, reader string) (int64, error)
	// SaveEventCursor saves the position of the named reader.
	SaveEventCursor(ctx context.Context, reader string, seq int64) error
	// PruneEvents deletes events older than before, keeping every event a
	// saved cursor has not read yet. It returns how many were deleted.
	PruneEvents(ctx context.Context, before time.Time) (int, error)
}
