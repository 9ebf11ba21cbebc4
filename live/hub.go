// Package live pushes the changes of cases to open command-centre screens
// (GET /api/v1/stream, Server-Sent Events). Its Hub follows the change
// feed like the locate service does: it reads the feed after its position,
// at once when this process has committed a case (the Committed hint) and
// every Interval for other processes' changes, turns each case event into
// one [gridline.LiveMessage] (the case loaded once, whoever watches) and
// fans it out to the streams whose principal may read that case.
//
// It is bounded: at most MaxStreams streams; each has a queue of Buffer
// messages, and a stream whose reader falls that far behind is dropped
// rather than slowing the hub (its client reconnects with the last seq it
// saw and is replayed from the feed).
package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridline/gridline"
)

// Entities are the feed entities the hub follows: one case, and a bulk
// import of cases.
var Entities = []string{"ticket", "tickets"}

// Defaults of the Hub's bounds.
const (
	DefaultInterval   = 250 * time.Millisecond
	DefaultMaxStreams = 1000
	DefaultBuffer     = 256
	// DefaultReplay is how many past messages the hub keeps for
	// reconnecting streams; one further behind is replayed from the
	// feed, up to MaxReplay events, and told to reset beyond that.
	DefaultReplay = 4096
	MaxReplay     = 10000
)

// ErrDropped is returned by Next for a stream that fell too far behind or
// whose hub closed.
var ErrDropped = errors.New("live: stream dropped")

// Hub is the live stream's fan-out. Set the fields, then Open.
type Hub struct {
	Events  gridline.EventService
	Tickets gridline.TicketService
	// Committed, when set, returns the highest feed seq this process has
	// committed for Entities (sqlstore.DB.CommittedSeqOf): the hub polls
	// it every few milliseconds (an atomic load) and reads the feed as
	// soon as it moves.
	Committed  func() int64
	Interval   time.Duration // 0: DefaultInterval
	MaxStreams int           // 0: DefaultMaxStreams
	Buffer     int           // 0: DefaultBuffer
	Logger     *slog.Logger

	follow sync.Mutex // one Follow at a time
	mu     sync.Mutex
	seq    int64 // feed position fanned out, under mu
	// ring holds the messages after position ringFrom, up to seq: the
	// last DefaultReplay of them, oldest first.
	ring     []*item
	ringFrom int64
	streams  map[*stream]struct{}
	closed   bool
	wake     chan struct{}
	stop     context.CancelFunc
	done     chan struct{}

	delivered atomic.Int64
	dropped   atomic.Int64
}

var _ gridline.LiveService = (*Hub)(nil)

// New returns a Hub over s's events and cases.
func New(s gridline.Services) *Hub { return &Hub{Events: s.Events, Tickets: s.Tickets} }

func (h *Hub) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// Open starts following the feed from its newest event until Close.
func (h *Hub) Open(ctx context.Context) error {
	seq, err := h.Events.LastEventSeq(ctx)
	if err != nil {
		return fmt.Errorf("live: read the feed position: %w", err)
	}
	h.mu.Lock()
	h.seq, h.ringFrom = seq, seq
	h.streams = map[*stream]struct{}{}
	h.wake = make(chan struct{}, 1)
	h.mu.Unlock()
	every := h.Interval
	if every <= 0 {
		every = DefaultInterval
	}
	fctx, cancel := context.WithCancel(context.Background())
	h.stop, h.done = cancel, make(chan struct{})
	go func() {
		defer close(h.done)
		poll := time.NewTicker(every)
		defer poll.Stop()
		hint := time.NewTicker(10 * time.Millisecond)
		defer hint.Stop()
		for {
			select {
			case <-fctx.Done():
				return
			case <-poll.C:
			case <-h.wake:
			case <-hint.C:
				if h.Committed == nil || h.Committed() <= h.position() {
					continue
				}
			}
			if err := h.Follow(fctx); err != nil && fctx.Err() == nil {
				h.logger().Warn("follow the change feed for the live stream", slog.Any("err", err))
			}
		}
	}()
	return nil
}

// Close stops following the feed and drops every stream.
func (h *Hub) Close() {
	if h.stop != nil {
		h.stop()
		<-h.done
		h.stop = nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.streams {
		s.drop()
	}
	h.streams = nil
}

// Wake makes the follower read the feed now (tests).
func (h *Hub) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// idle reports whether no stream is open.
func (h *Hub) idle() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.streams) == 0
}

func (h *Hub) position() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seq
}

// Stats returns how many streams are open, how many messages were queued
// to streams, and how many streams were dropped for falling behind.
func (h *Hub) Stats() (streams int, delivered, dropped int64) {
	h.mu.Lock()
	streams = len(h.streams)
	h.mu.Unlock()
	return streams, h.delivered.Load(), h.dropped.Load()
}

// Follow reads the feed after the hub's position and fans out what it
// finds. The follower calls it; tests may too.
//
// With no stream open it only moves its position to the feed's newest
// event and empties its ring: nobody is there to read the messages, and a
// stream that comes back with an older position is replayed from the
// feed (Subscribe), as one further behind than the ring always was. Under
// intake load with no screen open, reading each case back for messages
// nobody read was a tenth of the server's allocations.
func (h *Hub) Follow(ctx context.Context) error {
	h.follow.Lock()
	defer h.follow.Unlock()
	if h.idle() {
		last, err := h.Events.LastEventSeq(ctx)
		if err != nil {
			return err
		}
		h.mu.Lock()
		idle := len(h.streams) == 0
		if idle && last > h.seq {
			// seq order is commit order (docs/architecture.md, the change
			// feed): no event at or below last can appear later.
			h.seq, h.ring, h.ringFrom = last, nil, last
		}
		h.mu.Unlock()
		if idle {
			return nil
		}
		// A stream came in meanwhile: it starts from the position before
		// this Follow, so fan out as usual.
	}
	from := h.position()
	msgs, last, err := h.read(ctx, from, 0)
	if err != nil {
		return err
	}
	if last == from {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq = last
	for _, it := range msgs {
		h.ring = append(h.ring, it)
		for s := range h.streams {
			s.offer(it)
		}
		h.delivered.Add(int64(len(h.streams)))
	}
	if n := len(h.ring) - DefaultReplay; n > 0 {
		h.ringFrom = h.ring[n-1].msg.Seq
		h.ring = append(h.ring[:0:0], h.ring[n:]...)
	}
	return nil
}

// item is a message with the case it tells of, for the scope check.
type item struct {
	msg *gridline.LiveMessage
	t   *gridline.Ticket
}

// read turns the feed's case events after seq after into messages, up to
// seq upto (0: the newest). A pruned feed gives one reset message, and so
// does a replay (upto > 0) of more than MaxReplay events.
func (h *Hub) read(ctx context.Context, after, upto int64) ([]*item, int64, error) {
	var out []*item
	sys := gridline.WithPrincipal(ctx, &gridline.Principal{System: true})
	last := after
	for {
		evs, err := h.Events.FindEvents(ctx, gridline.EventFilter{After: last, Entities: Entities, Limit: 1000})
		if gridline.ErrorCode(err) == gridline.ECONFLICT {
			seq, err := h.Events.LastEventSeq(ctx)
			if err != nil {
				return nil, after, err
			}
			if upto > 0 {
				seq = upto
			}
			return []*item{{msg: &gridline.LiveMessage{Seq: seq, Kind: "reset"}}}, seq, nil
		} else if err != nil {
			return nil, after, err
		}
		// The page's cases in one read (a case named twice is read once).
		var ids []int64
		for _, e := range evs {
			if upto > 0 && e.Seq > upto {
				break
			}
			if e.Entity == "ticket" {
				if id, err := strconv.ParseInt(e.Key, 10, 64); err == nil {
					ids = append(ids, id)
				}
			}
		}
		cases := map[int64]*gridline.Ticket{}
		if len(ids) > 0 {
			ts, err := h.Tickets.FindTicketSummaries(sys, ids)
			if err != nil {
				return nil, after, err
			}
			for _, t := range ts {
				cases[t.ID] = t
			}
		}
		for _, e := range evs {
			if upto > 0 && e.Seq > upto {
				return out, last, nil
			}
			last = e.Seq
			if upto > 0 && len(out) >= MaxReplay {
				return []*item{{msg: &gridline.LiveMessage{Seq: upto, Kind: "reset"}}}, upto, nil
			}
			it := &item{msg: &gridline.LiveMessage{Seq: e.Seq, Kind: "reset", Action: e.Action}}
			if e.Entity == "ticket" {
				id, err := strconv.ParseInt(e.Key, 10, 64)
				if err != nil {
					continue
				}
				t, ok := cases[id]
				if !ok {
					continue // gone
				}
				// Kept for the scope check only: what it reads, not the
				// timeline, photos or text (the ring holds thousands).
				kept := &gridline.Ticket{ID: t.ID, RegionPath: t.RegionPath, CreatedBy: t.CreatedBy,
					LeadUnitID: t.LeadUnitID, Assignments: t.Assignments}
				it.msg.Kind, it.msg.Ticket, it.t = "ticket", gridline.LiveTicketOf(t), kept
			}
			out = append(out, it)
		}
		if len(evs) < 1000 {
			return out, last, nil
		}
	}
}

// Subscribe implements gridline.LiveService for the principal in ctx.
// Messages up to the hub's position come from its ring, or from the feed
// when after is older than the ring; newer ones as the hub fans them out.
func (h *Hub) Subscribe(ctx context.Context, after int64) (gridline.LiveStream, error) {
	p := gridline.PrincipalFrom(ctx)
	scope := gridline.Scope{All: true}
	if p != nil && !p.System {
		scope = gridline.ScopeOf(p, gridline.ResourceTickets, gridline.ActRead)
	}
	buf := h.Buffer
	if buf <= 0 {
		buf = DefaultBuffer
	}
	max := h.MaxStreams
	if max <= 0 {
		max = DefaultMaxStreams
	}
	s := &stream{h: h, p: p, scope: scope, ch: make(chan *item, buf), gone: make(chan struct{})}
	h.mu.Lock()
	if h.closed || h.streams == nil {
		h.mu.Unlock()
		return nil, gridline.Errorf(gridline.EUNAVAILABLE, "The live stream is not running.")
	}
	if len(h.streams) >= max {
		h.mu.Unlock()
		return nil, gridline.Errorf(gridline.EUNAVAILABLE, "Too many live streams are open (%d); try again later.", max)
	}
	cur := h.seq
	if after < 0 || after > cur {
		after = cur
	}
	s.start = after
	h.streams[s] = struct{}{}
	fromRing := after >= h.ringFrom
	if fromRing {
		for _, it := range h.ring {
			if it.msg.Seq > after {
				s.backlog = append(s.backlog, it)
			}
		}
	}
	h.mu.Unlock()
	if !fromRing {
		// Older than the ring: replay from the feed up to where the
		// fan-out took over.
		items, _, err := h.read(ctx, after, cur)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.backlog = items
	}
	return s, nil
}

// stream is one subscriber.
type stream struct {
	h       *Hub
	p       *gridline.Principal
	scope   gridline.Scope
	start   int64
	backlog []*item
	ch      chan *item
	gone    chan struct{}
	once    sync.Once
}

func (s *stream) Seq() int64 { return s.start }

// offer queues it without waiting; a full queue drops the stream. Called
// under the hub's lock.
func (s *stream) offer(it *item) {
	select {
	case s.ch <- it:
	default:
		s.h.dropped.Add(1)
		delete(s.h.streams, s)
		s.drop()
	}
}

func (s *stream) drop() { s.once.Do(func() { close(s.gone) }) }

// Close implements gridline.LiveStream.
func (s *stream) Close() {
	s.h.mu.Lock()
	if s.h.streams != nil {
		delete(s.h.streams, s)
	}
	s.h.mu.Unlock()
	s.drop()
}

// Next implements gridline.LiveStream.
func (s *stream) Next(ctx context.Context, wait time.Duration) (*gridline.LiveMessage, error) {
	for len(s.backlog) > 0 {
		it := s.backlog[0]
		s.backlog = s.backlog[1:]
		if s.visible(ctx, it) {
			return it.msg, nil
		}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		// What was queued before a drop is still delivered.
		select {
		case it := <-s.ch:
			if s.visible(ctx, it) {
				return it.msg, nil
			}
			continue
		default:
		}
		select {
		case it := <-s.ch:
			if s.visible(ctx, it) {
				return it.msg, nil
			}
		case <-s.gone:
			return nil, ErrDropped
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
			return nil, nil
		}
	}
}

// visible reports whether the stream's principal may read the case of it.
// The scope decides from the case itself where it can (regions, creator,
// units); a property company's scope asks the store, under the principal.
func (s *stream) visible(ctx context.Context, it *item) bool {
	if it.t == nil {
		return true
	}
	if in, ok := s.scope.InScope(it.t); ok {
		return in
	}
	_, err := s.h.Tickets.FindTicketByID(gridline.WithPrincipal(ctx, s.p), it.t.ID)
	return err == nil
}
