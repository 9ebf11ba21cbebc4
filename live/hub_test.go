package live_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/live"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// intake takes a case in at (lon, lat); the grid must be there.
func intake(t *testing.T, s gridline.Services, lon, lat float64) *gridline.Ticket {
	t.Helper()
	tk := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "路灯不亮", Lon: &lon, Lat: &lat}
	if _, err := s.Tickets.CreateTicket(context.Background(), tk); err != nil {
		t.Fatal(err)
	}
	return tk
}

func setup(t *testing.T) (gridline.Services, *live.Hub) {
	t.Helper()
	db := storetest.Open(t)
	s := storetest.Services(t, db)
	ctx := context.Background()
	rows, err := demo.Regions()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Regions.ImportRegions(ctx, rows); err != nil {
		t.Fatal(err)
	}
	g := &gridline.Grid{Name: "第1网格", CommunityCode: "370812001002", Geometry: square(116.80, 35.55, 0.01)}
	if err := s.Grids.CreateGrid(ctx, g); err != nil {
		t.Fatal(err)
	}
	h := live.New(s)
	h.Buffer = 2
	h.MaxStreams = 2
	if err := h.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return s, h
}

// TestHubBounds: a stream whose reader falls behind its buffer is dropped
// (the hub never waits for it) while another goes on; streams beyond the
// maximum are refused.
func TestHubBounds(t *testing.T) {
	s, h := setup(t)
	ctx := context.Background()
	slow, err := h.Subscribe(ctx, -1)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := h.Subscribe(ctx, -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Subscribe(ctx, -1); gridline.ErrorCode(err) != gridline.EUNAVAILABLE {
		t.Fatalf("third stream: %v, want EUNAVAILABLE", err)
	}
	for range 3 {
		intake(t, s, 116.805, 35.555)
		if err := h.Follow(ctx); err != nil {
			t.Fatal(err)
		}
		if m, err := fast.Next(ctx, time.Second); err != nil || m == nil || m.Kind != "ticket" {
			t.Fatalf("fast: %v %v", m, err)
		}
	}
	for range 2 { // what it had queued
		if m, err := slow.Next(ctx, time.Second); err != nil || m == nil {
			t.Fatalf("slow: %v %v", m, err)
		}
	}
	if _, err := slow.Next(ctx, time.Second); !errors.Is(err, live.ErrDropped) {
		t.Fatalf("slow after its buffer: %v, want ErrDropped", err)
	}
	if n, _, dropped := h.Stats(); n != 1 || dropped != 1 {
		t.Fatalf("streams %d dropped %d", n, dropped)
	}
	// Its place is free again, and it resumes from its last position
	// with nothing lost.
	again, err := h.Subscribe(ctx, slow.Seq())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if m, err := again.Next(ctx, time.Second); err != nil || m == nil {
			t.Fatalf("resumed %d: %v %v", i, m, err)
		}
	}
	if m, err := again.Next(ctx, 50*time.Millisecond); err != nil || m != nil {
		t.Fatalf("after the replay: %v %v, want a heartbeat (nil)", m, err)
	}
}

// TestHubFollowsCommits: with the Committed hint a case reaches an open
// stream without anyone calling Follow, well within a second.
func TestHubFollowsCommits(t *testing.T) {
	s, h := setup(t)
	ctx := context.Background()
	st, err := h.Subscribe(ctx, -1)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tk := intake(t, s, 116.805, 35.555)
	m, err := st.Next(ctx, 2*time.Second)
	if err != nil || m == nil || m.Ticket == nil || m.Ticket.ID != tk.ID {
		t.Fatalf("next: %+v %v", m, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v", d)
	}
}

// countingTickets counts the hub's reads of cases.
type countingTickets struct {
	gridline.TicketService
	reads atomic.Int64
}

func (c *countingTickets) FindTicketSummaries(ctx context.Context, ids []int64) ([]*gridline.Ticket, error) {
	c.reads.Add(1)
	return c.TicketService.FindTicketSummaries(ctx, ids)
}

// TestHubIdle: with no stream open the hub follows the feed without
// reading the cases, and a stream that comes back with its last position
// still gets every case since, replayed from the feed.
func TestHubIdle(t *testing.T) {
	s, h := setup(t)
	ctx := context.Background()
	counted := &countingTickets{TicketService: h.Tickets}
	h.Tickets = counted
	st, err := h.Subscribe(ctx, -1)
	if err != nil {
		t.Fatal(err)
	}
	seen := st.Seq()
	st.Close()
	var want []int64
	for range 3 {
		want = append(want, intake(t, s, 116.805, 35.555).ID)
		if err := h.Follow(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := counted.reads.Load(); n != 0 {
		t.Errorf("the hub read cases %d times with no stream open", n)
	}
	again, err := h.Subscribe(ctx, seen)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	for i, id := range want {
		m, err := again.Next(ctx, time.Second)
		if err != nil || m == nil || m.Ticket == nil || m.Ticket.ID != id {
			t.Fatalf("replayed %d: %+v %v, want case %d", i, m, err, id)
		}
	}
	// And a case after it comes live.
	tk := intake(t, s, 116.805, 35.555)
	if err := h.Follow(ctx); err != nil {
		t.Fatal(err)
	}
	if m, err := again.Next(ctx, time.Second); err != nil || m == nil || m.Ticket == nil || m.Ticket.ID != tk.ID {
		t.Fatalf("live: %+v %v, want case %d", m, err, tk.ID)
	}
}

func square(lon, lat, d float64) gridline.Polygon {
	return gridline.Polygon{{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}
}
