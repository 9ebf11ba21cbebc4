package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

func mustEvents(tb testing.TB, s gridline.EventService, after int64) []*gridline.Event {
	tb.Helper()
	evs, err := s.FindEvents(ctx, gridline.EventFilter{After: after, Limit: 10000})
	if err != nil {
		tb.Fatal(err)
	}
	return evs
}

// TestEventsWrittenWithTheirChange checks that a committed write appends
// its event and a failed write none, with seq growing.
func TestEventsWrittenWithTheirChange(t *testing.T) {
	f := newFixture(t)
	events := sqlstore.NewEventService(f.db)
	last, err := events.LastEventSeq(ctx)
	if err != nil || last == 0 {
		t.Fatalf("last seq = %d, %v; the fixture's grids should have events", last, err)
	}
	u := f.mustUnit(t, gridline.UnitDepartment, "城管局", "370812")
	evs := mustEvents(t, events, last)
	if len(evs) != 1 || evs[0].Entity != "unit" || evs[0].Action != "create" || evs[0].Key != fmt.Sprint(u.ID) || evs[0].Seq <= last {
		t.Fatalf("events after the unit: %+v", evs)
	}
	// A write that fails (duplicate name) leaves neither a row nor an event.
	wantCode(t, f.s.Units.CreateUnit(ctx, &gridline.Unit{Kind: gridline.UnitDepartment, Name: "城管局"}), gridline.ECONFLICT)
	if evs := mustEvents(t, events, evs[0].Seq); len(evs) != 0 {
		t.Fatalf("a failed write left events: %+v", evs)
	}
	// The CommittedSeq hints follow this process's commits, per entity.
	got, _ := events.LastEventSeq(ctx)
	if f.db.CommittedSeq() != got || f.db.CommittedSeqOf("unit") != got || f.db.CommittedSeqOf("grid") >= got {
		t.Fatalf("CommittedSeq = %d, of unit %d, of grid %d; last event %d", f.db.CommittedSeq(), f.db.CommittedSeqOf("unit"),
			f.db.CommittedSeqOf("grid"), got)
	}
}

// TestEventsSurviveRestart checks that a durable reader resumes after a
// restart with no event lost or repeated.
func TestEventsSurviveRestart(t *testing.T) {
	dsn := storetest.DSN(t)
	db := storetest.OpenAt(t, dsn)
	mustImportYanzhou(t, db)
	s := storetest.Services(t, db)
	create := func(s gridline.Services, name string) {
		t.Helper()
		if err := s.Units.CreateUnit(ctx, &gridline.Unit{Kind: gridline.UnitDepartment, Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	create(s, "一")
	create(s, "二")
	var seen []string
	read := func(events gridline.EventService) {
		t.Helper()
		pos, err := events.FindEventCursor(ctx, "test-reader")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range mustEvents(t, events, pos) {
			if e.Entity == "unit" {
				seen = append(seen, e.Key)
			}
			pos = e.Seq
		}
		if err := events.SaveEventCursor(ctx, "test-reader", pos); err != nil {
			t.Fatal(err)
		}
	}
	read(s.Events)
	create(s, "三")
	db.Close()

	db2 := storetest.OpenAt(t, dsn) // the restart
	s2 := storetest.Services(t, db2)
	create(s2, "四")
	read(s2.Events)
	read(s2.Events) // nothing new: nothing repeated
	units, _, err := s2.Units.FindUnits(ctx, gridline.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, u := range units {
		want = append(want, fmt.Sprint(u.ID))
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("reader saw units %v, want each of %v once", seen, want)
	}
}

// TestEventsVisibleInSeqOrder runs concurrent writers while a reader
// follows the feed from its last position: when the writers are done, the
// reader must have seen every event. An event committed with a lower seq
// after the reader passed it would be missed.
func TestEventsVisibleInSeqOrder(t *testing.T) {
	f := newFixture(t)
	events := sqlstore.NewEventService(f.db)
	start, _ := events.LastEventSeq(ctx)
	const writers, each = 8, 15
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				u := &gridline.Unit{Kind: gridline.UnitOther, Name: fmt.Sprintf("单位%d-%d", w, i)}
				if err := f.s.Units.CreateUnit(ctx, u); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	pos, seen := start, map[int64]bool{}
	follow := func() {
		for _, e := range mustEvents(t, events, pos) {
			if e.Seq <= pos || seen[e.Seq] {
				t.Fatalf("event %d came after position %d", e.Seq, pos)
			}
			seen[e.Seq] = true
			pos = e.Seq
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			follow()
		}
	}
	follow()
	if len(seen) != writers*each {
		t.Fatalf("the reader saw %d events of %d", len(seen), writers*each)
	}
}

// TestPruneEvents checks that pruning keeps what durable readers have not
// read and tells a reader behind the prune that it missed events.
func TestPruneEvents(t *testing.T) {
	f := newFixture(t)
	events := sqlstore.NewEventService(f.db)
	first, _ := events.LastEventSeq(ctx)
	if err := events.SaveEventCursor(ctx, "slow", first); err != nil {
		t.Fatal(err)
	}
	f.mustUnit(t, gridline.UnitOther, "甲", "")
	f.mustUnit(t, gridline.UnitOther, "乙", "")
	last, _ := events.LastEventSeq(ctx)
	n, err := events.PruneEvents(ctx, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("nothing pruned")
	}
	// The slow reader still gets what it has not read.
	if evs := mustEvents(t, events, first); len(evs) != 2 {
		t.Fatalf("slow reader got %d events, want 2", len(evs))
	}
	// A reader from the start missed pruned events: 409, then it resumes
	// from the last event.
	_, err = events.FindEvents(ctx, gridline.EventFilter{})
	wantCode(t, err, gridline.ECONFLICT)
	if got, _ := events.LastEventSeq(ctx); got != last {
		t.Fatalf("last seq after prune = %d, want %d", got, last)
	}
	wantCode(t, events.SaveEventCursor(ctx, "#pruned", 0), gridline.EINVALID)
}

// TestWriteWaitsForAnotherProcess: on SQLite a write waits while another
// process (a long `gridline import`) holds the database, and gets
// EUNAVAILABLE — a 503, never a 500 — only past DB.WriteWait (finding 4).
func TestWriteWaitsForAnotherProcess(t *testing.T) {
	if storetest.Postgres() {
		t.Skip("SQLite's single writer only")
	}
	dsn := storetest.DSN(t)
	server, cli := storetest.OpenAt(t, dsn), storetest.OpenAt(t, dsn)
	hold := func(d time.Duration) chan struct{} {
		locked, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			err := cli.InTx(ctx, func(ctx context.Context) error {
				close(locked)
				time.Sleep(d)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
		<-locked
		return done
	}
	units := sqlstore.NewUnitService(server)

	done := hold(1500 * time.Millisecond) // longer than one busy_timeout
	start := time.Now()
	if err := units.CreateUnit(ctx, &gridline.Unit{Kind: gridline.UnitOther, Name: "等一等"}); err != nil {
		t.Fatalf("write while another process held the database for 1.5 s: %v", err)
	}
	if took := time.Since(start); took < time.Second {
		t.Fatalf("the write did not wait (%s)", took)
	}
	<-done

	server.WriteWait = 200 * time.Millisecond
	done = hold(2500 * time.Millisecond)
	err := units.CreateUnit(ctx, &gridline.Unit{Kind: gridline.UnitOther, Name: "等不及"})
	wantCode(t, err, gridline.EUNAVAILABLE)
	<-done
}
