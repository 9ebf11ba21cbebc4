package sqlstore_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore"
)

func countRows(tb testing.TB, db *sqlstore.DB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.QueryRowForTest(ctx, q, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestIdempotentIntake sends the same keyed report twice at once, many
// times over, and checks one case is written per key, the others answered
// with gridline.ErrIdempotentReplay; the same key from another account is
// another request.
func TestIdempotentIntake(t *testing.T) {
	f := newFixture(t)
	worker := as(90, gridline.Grant{Role: gridline.RoleGridWorker, Region: f.g1.Code})
	other := as(91, gridline.Grant{Role: gridline.RoleGridWorker, Region: f.g1.Code})
	lon, lat := 116.805, 35.555
	report := func(key, text string) *gridline.Ticket {
		tk := &gridline.Ticket{Channel: gridline.ChannelGridPatrol, Text: text, Lon: &lon, Lat: &lat,
			Photos: []*gridline.Photo{testJPEG(t, 1, 10)}}
		tk.Idempotency = &gridline.Idempotent{Key: key, Fingerprint: gridline.TicketFingerprint(tk)}
		return tk
	}
	const keys, sends = 8, 3
	var wg sync.WaitGroup
	start := make(chan struct{})
	created := make([]int, keys)
	replays := make([]int, keys)
	var mu sync.Mutex
	for k := range keys {
		for range sends {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tk := report("key-"+itoa(int64(k)), "井盖缺失 "+itoa(int64(k)))
				<-start
				ok, err := f.s.Tickets.CreateTicket(worker, tk)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && ok:
					created[k]++
				case errors.Is(err, gridline.ErrIdempotentReplay):
					replays[k]++
				default:
					t.Errorf("key %d: created %v, %v", k, ok, err)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	for k := range keys {
		if created[k] != 1 || replays[k] != sends-1 {
			t.Errorf("key %d: %d created, %d replays; want 1 and %d", k, created[k], replays[k], sends-1)
		}
		if n := countRows(t, f.db, `SELECT COUNT(*) FROM tickets WHERE text = $1`, "井盖缺失 "+itoa(int64(k))); n != 1 {
			t.Errorf("key %d: %d cases", k, n)
		}
	}
	if n := countRows(t, f.db, `SELECT COUNT(*) FROM ticket_photos`); n != keys {
		t.Errorf("%d photos, want %d", n, keys)
	}

	// What the store remembers: the fingerprint and the case; the answer
	// once saved, and saved once.
	a, err := f.s.Idempotency.FindIdempotent(worker, "key-0")
	if err != nil {
		t.Fatal(err)
	}
	if a.TicketID == 0 || a.Fingerprint != report("key-0", "井盖缺失 0").Idempotency.Fingerprint || a.Body != nil {
		t.Errorf("remembered %+v", a)
	}
	if err := f.s.Idempotency.SaveIdempotentAnswer(worker, "key-0", 201, []byte(`{"first":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Idempotency.SaveIdempotentAnswer(worker, "key-0", 201, []byte(`{"second":1}`)); err != nil {
		t.Fatal(err)
	}
	if a, _ := f.s.Idempotency.FindIdempotent(worker, "key-0"); string(a.Body) != `{"first":1}` || a.Status != 201 {
		t.Errorf("saved %d %s", a.Status, a.Body)
	}
	// Keys are per account.
	if _, err := f.s.Idempotency.FindIdempotent(other, "key-0"); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Errorf("another account's key: %v", err)
	}
	if ok, err := f.s.Tickets.CreateTicket(other, report("key-0", "井盖缺失 0")); err != nil || !ok {
		t.Errorf("same key, another account: %v %v", ok, err)
	}
}

// TestIdempotentAction sends one keyed verify twice at once: one event,
// one version step; the second is a replay, not a 409 from the loop.
func TestIdempotentAction(t *testing.T) {
	f := newFixture(t)
	worker := as(92, gridline.Grant{Role: gridline.RoleGridWorker, Region: f.g1.Code})
	lon, lat := 116.805, 35.555
	tk := &gridline.Ticket{Channel: gridline.ChannelGridPatrol, Text: "垃圾堆放", Lon: &lon, Lat: &lat}
	if _, err := f.s.Tickets.CreateTicket(worker, tk); err != nil {
		t.Fatal(err)
	}
	wlon, wlat := 116.8052, 35.5551
	req := gridline.TicketActionRequest{Action: gridline.ActionSelfHandle, Opinion: "已清理", Lon: &wlon, Lat: &wlat,
		Photos: []*gridline.Photo{testJPEG(t, 1, 10)}}
	req.Idempotency = &gridline.Idempotent{Key: "act-1", Fingerprint: gridline.ActionFingerprint(tk.ID, &req)}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	start := make(chan struct{})
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := req
			<-start
			_, errs[i] = f.s.Tickets.ActOnTicket(worker, tk.ID, r)
		}()
	}
	close(start)
	wg.Wait()
	ok, replay := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, gridline.ErrIdempotentReplay):
			replay++
		default:
			t.Errorf("send: %v", err)
		}
	}
	if ok != 1 || replay != len(errs)-1 {
		t.Errorf("%d taken, %d replays", ok, replay)
	}
	got, err := f.s.Tickets.FindTicketByID(worker, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != gridline.StatusClosed || got.Version != 2 || len(got.Timeline) != 2 {
		t.Fatalf("case %s v%d, %d events", got.Status, got.Version, len(got.Timeline))
	}
	e := got.Timeline[1]
	if e.Lon == nil || *e.Lon != wlon || e.DistanceM == nil || *e.DistanceM < 15 || *e.DistanceM > 30 {
		t.Errorf("event place %v %v %v", e.Lon, e.Lat, e.DistanceM)
	}
	if len(got.Photos) != 1 || got.Photos[0].EventID == nil || *got.Photos[0].EventID != e.ID {
		t.Errorf("photos %+v", got.Photos)
	}
	// A key's retention: after it, the key is free again.
	f.db.Now = func() time.Time { return time.Now().Add(gridline.IdempotencyRetention + time.Hour) }
	if _, err := f.s.Idempotency.FindIdempotent(worker, "act-1"); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Errorf("expired key: %v", err)
	}
	n, err := f.s.Idempotency.(*sqlstore.IdempotencyService).PurgeIdempotencyKeys(ctx)
	if err != nil || n != 1 {
		t.Errorf("purged %d, %v; want 1", n, err)
	}
}

// TestCheckTask asks for an on-site check, answers it from the place
// with a photo, and checks the case's status never moves.
func TestCheckTask(t *testing.T) {
	f := newFixture(t)
	street := as(93, gridline.Grant{Role: gridline.RoleStreet, Region: "370812001"})
	worker := as(94, gridline.Grant{Role: gridline.RoleGridWorker, Region: f.g1.Code})
	far := as(95, gridline.Grant{Role: gridline.RoleGridWorker, Region: f.g2.Code})
	lon, lat := 116.805, 35.555
	tk := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "来电反映小区门口路灯不亮", Lon: &lon, Lat: &lat}
	if _, err := f.s.Tickets.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	report := gridline.TicketActionRequest{Action: gridline.ActionCheckReport, Outcome: gridline.OutcomeConfirmed,
		Note: "现场确认 3 盏路灯不亮", Lon: &lon, Lat: &lat, Photos: []*gridline.Photo{testJPEG(t, 1, 10)}}
	if _, err := f.s.Tickets.ActOnTicket(worker, tk.ID, report); gridline.ErrorCode(err) != gridline.ECONFLICT {
		t.Errorf("report with no check asked: %v", err)
	}
	if _, err := f.s.Tickets.ActOnTicket(worker, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionCheckRequest, Opinion: "请核实"}); gridline.ErrorCode(err) != gridline.EFORBIDDEN {
		t.Errorf("a grid worker asks: %v", err)
	}
	if _, err := f.s.Tickets.ActOnTicket(street, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionCheckRequest}); gridline.ErrorCode(err) != gridline.EINVALID {
		t.Errorf("no note: %v", err)
	}
	ask := gridline.TicketActionRequest{Action: gridline.ActionCheckRequest, Opinion: "请网格员现场核实"}
	if _, err := f.s.Tickets.ActOnTicket(street, tk.ID, ask); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Tickets.ActOnTicket(street, tk.ID, ask); gridline.ErrorCode(err) != gridline.ECONFLICT {
		t.Errorf("second open check: %v", err)
	}
	open := gridline.TicketFilter{CheckOpen: true}
	if ts, _, err := f.s.Tickets.FindTickets(worker, open); err != nil || len(ts) != 1 || ts[0].ID != tk.ID {
		t.Errorf("worker's open checks: %v %v", len(ts), err)
	}
	if ts, _, err := f.s.Tickets.FindTickets(far, open); err != nil || len(ts) != 0 {
		t.Errorf("another grid's worker sees %d checks, %v", len(ts), err)
	}
	if _, err := f.s.Tickets.ActOnTicket(far, tk.ID, report); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Errorf("another grid's worker answers: %v", err)
	}
	bad := report
	bad.Outcome = ""
	if _, err := f.s.Tickets.ActOnTicket(worker, tk.ID, bad); gridline.ErrorCode(err) != gridline.EINVALID {
		t.Errorf("no finding: %v", err)
	}
	got, err := f.s.Tickets.ActOnTicket(worker, tk.ID, report)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != gridline.StatusReceived {
		t.Errorf("status %s after a check", got.Status)
	}
	last := got.Timeline[len(got.Timeline)-1]
	if last.Action != gridline.ActionCheckReport || last.Outcome != gridline.OutcomeConfirmed || last.DistanceM == nil || *last.DistanceM != 0 {
		t.Errorf("answer event %+v", last)
	}
	if ts, _, _ := f.s.Tickets.FindTickets(worker, open); len(ts) != 0 {
		t.Errorf("%d checks open after the answer", len(ts))
	}
	// The loop goes on as before.
	if _, err := f.s.Tickets.ActOnTicket(street, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionFile}); err != nil {
		t.Errorf("file after a check: %v", err)
	}
}

// BenchmarkCreateTicketKeyed is BenchmarkCreateTicket with an
// Idempotency-Key on every intake, and the answer kept afterwards as the
// HTTP layer does (SaveIdempotentAnswer): what a phone's report costs
// over an unkeyed one.
func BenchmarkCreateTicketKeyed(b *testing.B) {
	f := newFixture(b)
	worker := as(96, gridline.Grant{Role: gridline.RoleGridWorker, Region: f.g1.Code})
	var n atomic.Int64
	answer := []byte(`{"ticket":{"id":1}}`)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			lon, lat := 116.8+float64(i%97)/10000, 35.55+float64(i%89)/10000
			t := &gridline.Ticket{Channel: gridline.ChannelGridPatrol, Text: "小区门口路灯不亮", Category: "0115", Lon: &lon, Lat: &lat}
			key := fmt.Sprint("bench-", i)
			t.Idempotency = &gridline.Idempotent{Key: key, Fingerprint: gridline.TicketFingerprint(t)}
			if _, err := f.s.Tickets.CreateTicket(worker, t); err != nil {
				b.Fatal(err)
			}
			if err := f.s.Idempotency.SaveIdempotentAnswer(worker, key, 201, answer); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}
