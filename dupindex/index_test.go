package dupindex_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"

	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/dupindex"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
	"github.com/paulmach/orb"
)

var ctx = gridline.WithActor(context.Background(), gridline.Actor{Name: "test"})

// phrases are the incidents the random cases report, by category: each
// in a few wordings, so that neighbours score above the threshold and
// below it.
var phrases = []struct {
	cat   string
	texts []string
}{
	{"0115", []string{"小区门口路灯不亮了，晚上出行很不方便", "路灯坏了，夜间不亮", "一盏路灯夜里不亮，请尽快修"}},
	{"0101", []string{"井盖丢失，路上有个大坑很危险", "窨井盖破损，行人容易踩空", "马路中间井盖松动"}},
	{"10102", []string{"垃圾桶旁边堆满了垃圾，几天没人清运", "生活垃圾堆放没人清理，味道很大"}},
	{"20501", []string{"晚上工地施工噪音太大，影响休息", "夜间施工扰民，噪声很大"}},
	{"", []string{"门口有人乱停车堵住通道", "楼道里堆放杂物"}},
}

// randomCase returns a case around two streets of Yanzhou that straddle
// place-cell edges (116.81, 35.55), reported within days before now.
func randomCase(r *rand.Rand, now time.Time, days float64) *gridline.Ticket {
	p := phrases[r.IntN(len(phrases))]
	lon := 116.805 + r.Float64()*0.012
	lat := 35.546 + r.Float64()*0.008
	at := now.Add(-time.Duration(r.Float64() * days * float64(24*time.Hour))).Truncate(time.Second)
	return &gridline.Ticket{Channel: gridline.ChannelHotline, Text: p.texts[r.IntN(len(p.texts))], Category: p.cat,
		Lon: &lon, Lat: &lat, ReportedAt: at}
}

func create(tb testing.TB, s gridline.Services, t *gridline.Ticket) *gridline.Ticket {
	tb.Helper()
	if created, err := s.Tickets.CreateTicket(ctx, t); err != nil || !created {
		tb.Fatalf("create: %v %v", created, err)
	}
	return t
}

func act(tb testing.TB, s gridline.Services, id int64, r gridline.TicketActionRequest) {
	tb.Helper()
	if _, err := s.Tickets.ActOnTicket(ctx, id, r); err != nil {
		tb.Fatalf("%s %d: %v", r.Action, id, err)
	}
}

// setup returns the services over a new database, its store, and an
// index over them, built.
func setup(tb testing.TB) (*sqlstore.DB, gridline.Services, gridline.DuplicateStore, *dupindex.Index) {
	db := storetest.Open(tb)
	s := storetest.Services(tb, db)
	mustGrid(tb, db, s)
	store := s.Duplicates.(gridline.DuplicateStore)
	x := dupindex.New(store, s.Events)
	x.Committed = func() int64 { return db.CommittedSeqOf(dupindex.Entities...) }
	return db, s, store, x
}

// same checks that the index and the store give the same candidates of
// t, and returns them.
func same(tb testing.TB, x *dupindex.Index, store gridline.DuplicateStore, t *gridline.Ticket) []gridline.DuplicateCandidate {
	tb.Helper()
	got, err := x.FindDuplicatesOf(ctx, t)
	if err != nil {
		tb.Fatal(err)
	}
	want, err := store.FindDuplicatesOf(ctx, t)
	if err != nil {
		tb.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		tb.Fatalf("candidates of %q at %v:\nindex %+v\nstore %+v", t.Text, t.ReportedAt, got, want)
	}
	return got
}

func ids(cs []gridline.DuplicateCandidate) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func has(cs []gridline.DuplicateCandidate, id int64) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

// TestIndexEquivalent takes in random placed cases (several categories,
// over four months, some voided, rejected, merged or further in the loop)
// and checks that the index answers every probe exactly as the store:
// new cases and the stored ones by id; then that a case voided, merged or
// rejected drops out, imported cases come in, a case taken in just
// before is found, and a probe older than the index goes to the store.
func TestIndexEquivalent(t *testing.T) {
	_, s, store, x := setup(t)
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	var stored []*gridline.Ticket
	for i := 0; i < 300; i++ {
		stored = append(stored, create(t, s, randomCase(r, now, 120)))
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, image.NewGray(image.Rect(0, 0, 4, 3)), nil); err != nil {
		t.Fatal(err)
	}
	photo, err := gridline.CleanPhoto(1, jb.Bytes()) // a case handled on the spot shows it
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range stored[:60] {
		switch i % 4 {
		case 0:
			act(t, s, c.ID, gridline.TicketActionRequest{Action: gridline.ActionVoid, Opinion: "测试"})
		case 1:
			act(t, s, c.ID, gridline.TicketActionRequest{Action: gridline.ActionReject, Opinion: "测试"})
		case 2:
			act(t, s, c.ID, gridline.TicketActionRequest{Action: gridline.ActionMerge, Into: &stored[len(stored)-1-i].ID})
		case 3:
			act(t, s, c.ID, gridline.TicketActionRequest{Action: gridline.ActionSelfHandle, Opinion: "已处理",
				Photos: []*gridline.Photo{photo}})
		}
	}
	// Cases taken in outside every grid (unlocated), placed by hand.
	for i := 0; i < 20; i++ {
		c := randomCase(r, now, 20)
		*c.Lon += 0.05
		create(t, s, c)
		act(t, s, c.ID, gridline.TicketActionRequest{Action: gridline.ActionLocate, Lon: ptr(*c.Lon - 0.05), Lat: c.Lat})
		stored = append(stored, c)
	}
	if err := x.Follow(ctx); err != nil {
		t.Fatal(err)
	}
	n, _, _ := x.Stats()
	if n < 100 || n > 250 {
		t.Fatalf("the index holds %d cases; want the last two months' candidates (an ongoing report's reach), about half of 260", n)
	}

	found := 0
	for i := 0; i < 300; i++ {
		p := randomCase(r, now, 1)
		found += len(same(t, x, store, p))
	}
	for _, c := range stored {
		got, err := x.FindDuplicates(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := store.FindDuplicates(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("candidates of case %d:\nindex %+v\nstore %+v", c.ID, got, want)
		}
		found += len(got)
	}
	_, hits, misses := x.Stats()
	t.Logf("%d cases held, %d candidates, %d lookups answered by the index, %d by the store", n, found, hits, misses)
	if found < 100 || hits < 350 || misses == 0 {
		t.Fatalf("%d candidates, %d hits, %d misses: the comparison must cover real candidates, mostly from the index, and old cases from the store", found, hits, misses)
	}

	// A case taken in just before a lookup is a candidate of it: no
	// Follow between them.
	lamp := create(t, s, &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "建设路口路灯不亮了，晚上很黑",
		Category: "0115", Lon: ptr(116.8301), Lat: ptr(35.5701)})
	probe := &gridline.Ticket{Channel: gridline.ChannelGridPatrol, Text: "建设路口一盏路灯夜间不亮", Category: "0115",
		Lon: ptr(116.8302), Lat: ptr(35.5702), ReportedAt: time.Now()}
	if got := same(t, x, store, probe); !has(got, lamp.ID) {
		t.Fatalf("the case just taken in is not a candidate: %v", ids(got))
	}
	// Voided, merged, rejected: each drops out at once.
	for _, a := range []gridline.TicketActionRequest{
		{Action: gridline.ActionVoid, Opinion: "测试"},
		{Action: gridline.ActionReject, Opinion: "测试"},
		{Action: gridline.ActionMerge},
	} {
		c := create(t, s, &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "建设路口路灯坏了不亮",
			Category: "0115", Lon: ptr(116.8300), Lat: ptr(35.5700)})
		if got := same(t, x, store, probe); !has(got, c.ID) {
			t.Fatalf("%s: the new case %d is not a candidate: %v", a.Action, c.ID, ids(got))
		}
		if a.Action == gridline.ActionMerge {
			a.Into = &lamp.ID
		}
		act(t, s, c.ID, a)
		if got := same(t, x, store, probe); has(got, c.ID) {
			t.Fatalf("after %s the case %d is still a candidate: %v", a.Action, c.ID, ids(got))
		}
	}
	// Imported cases come in.
	at := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	imp := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "建设路口的路灯晚上不亮", Category: "0115",
		Status: gridline.StatusReceived, Lon: ptr(116.8303), Lat: ptr(35.5700), ReportedAt: at, RegionPath: lamp.RegionPath,
		Timeline: []*gridline.TicketEvent{{Action: gridline.ActionCreate, To: gridline.StatusReceived, At: at}}}
	if err := s.Tickets.ImportTickets(ctx, []*gridline.Ticket{imp}); err != nil {
		t.Fatal(err)
	}
	if got := same(t, x, store, probe); !has(got, imp.ID) {
		t.Fatalf("the imported case %d is not a candidate: %v", imp.ID, ids(got))
	}
	// A probe whose window reaches before the index: the store answers.
	_, _, misses = x.Stats()
	old := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "路灯不亮", Category: "0115", Lon: ptr(116.81),
		Lat: ptr(35.55), ReportedAt: x.Horizon().Add(29 * 24 * time.Hour)}
	same(t, x, store, old)
	if _, _, m := x.Stats(); m != misses+1 {
		t.Fatalf("a probe older than the index: %d lookups passed to the store, want 1", m-misses)
	}
}

// TestIndexFollowsOtherProcess checks that a case another process takes
// in (a second handle on the database) reaches the index by its
// follower, without this process's hint.
func TestIndexFollowsOtherProcess(t *testing.T) {
	dsn := storetest.DSN(t)
	db := storetest.OpenAt(t, dsn)
	s := storetest.Services(t, db)
	mustGrid(t, db, s)
	store := s.Duplicates.(gridline.DuplicateStore)
	x := dupindex.New(store, s.Events)
	x.Committed = func() int64 { return db.CommittedSeqOf(dupindex.Entities...) }
	x.Interval = 20 * time.Millisecond
	if err := x.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for i := 0; !x.Built(); i++ {
		if i > 500 {
			t.Fatal("the index was not built")
		}
		time.Sleep(10 * time.Millisecond)
	}
	other := storetest.Services(t, storetest.OpenAt(t, dsn))
	lamp := create(t, other, &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "建设路口路灯不亮了，晚上很黑",
		Category: "0115", Lon: ptr(116.8301), Lat: ptr(35.5701)})
	probe := &gridline.Ticket{Channel: gridline.ChannelGridPatrol, Text: "建设路口一盏路灯夜间不亮", Category: "0115",
		Lon: ptr(116.8302), Lat: ptr(35.5702), ReportedAt: time.Now()}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := x.FindDuplicatesOf(ctx, probe)
		if err != nil {
			t.Fatal(err)
		}
		if has(got, lamp.ID) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other process's case %d never reached the index: %v", lamp.ID, ids(got))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, hits, misses := x.Stats(); hits == 0 || misses != 0 {
		t.Fatalf("%d lookups answered by the index, %d by the store; want all by the index", hits, misses)
	}
	// And its void, the same way.
	act(t, other, lamp.ID, gridline.TicketActionRequest{Action: gridline.ActionVoid, Opinion: "测试"})
	for {
		got, err := x.FindDuplicatesOf(ctx, probe)
		if err != nil {
			t.Fatal(err)
		}
		if !has(got, lamp.ID) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other process's void of %d never reached the index", lamp.ID)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mustGrid makes one grid over the test's streets, so cases are located
// (received, not unlocated) and can be moved by hand.
func mustGrid(tb testing.TB, db *sqlstore.DB, s gridline.Services) {
	tb.Helper()
	rows, err := demo.Regions()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := sqlstore.NewRegionService(db).ImportRegions(ctx, rows); err != nil {
		tb.Fatal(err)
	}
	g := &gridline.Grid{Name: "韦园第1网格", Layer: gridline.LayerComprehensive, CommunityCode: "370812001002",
		Geometry: gridline.Polygon{orb.Ring{{116.80, 35.54}, {116.84, 35.54}, {116.84, 35.58}, {116.80, 35.58}, {116.80, 35.54}}}}
	if err := s.Grids.CreateGrid(ctx, g); err != nil {
		tb.Fatal(err)
	}
}

func ptr(f float64) *float64 { return &f }

// TestIndexBounded checks the memory bound: with more recent cases than
// MaxEntries the index holds none and the store answers; once they fit
// (here: a larger bound), it loads them again after a while.
func TestIndexBounded(t *testing.T) {
	_, s, store, x := setup(t)
	r := rand.New(rand.NewPCG(3, 4))
	now := time.Now()
	clock := now
	x.Now = func() time.Time { return clock }
	for i := 0; i < 30; i++ {
		create(t, s, randomCase(r, now, 10))
	}
	x.MaxEntries = 20
	if err := x.Follow(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := x.Stats(); x.Built() || n != 0 {
		t.Fatalf("over the bound: built %v, %d cases held; want none, not answering", x.Built(), n)
	}
	p := randomCase(r, now, 1)
	same(t, x, store, p)
	if _, hits, misses := x.Stats(); hits != 0 || misses != 1 {
		t.Fatalf("over the bound: %d hits, %d misses; want the store to answer", hits, misses)
	}
	x.MaxEntries = 100
	if err := x.Follow(ctx); err != nil {
		t.Fatal(err)
	}
	if x.Built() {
		t.Fatal("loaded again at once; want a pause first")
	}
	clock = clock.Add(11 * time.Minute)
	if err := x.Follow(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := x.Stats(); !x.Built() || n != 30 {
		t.Fatalf("within the bound: built %v, %d cases held; want 30", x.Built(), n)
	}
	same(t, x, store, p)
	if _, hits, _ := x.Stats(); hits != 1 {
		t.Fatalf("within the bound: %d hits, want 1", hits)
	}
}

// TestIndexFollowsTimeAndCatalogue checks that as time passes the index
// drops the cases older than its horizon and still answers as the store,
// and that after an admin's catalogue edit (new vocabulary, so new
// fingerprints) the store answers until the follower rebuilds the index.
func TestIndexFollowsTimeAndCatalogue(t *testing.T) {
	_, s, store, x := setup(t)
	r := rand.New(rand.NewPCG(5, 6))
	now := time.Now()
	clock := now
	x.Now = func() time.Time { return clock }
	for i := 0; i < 150; i++ {
		create(t, s, randomCase(r, now, 80))
	}
	if err := x.Follow(ctx); err != nil {
		t.Fatal(err)
	}
	before, _, _ := x.Stats()
	probe := func(at time.Time) *gridline.Ticket { return randomCase(r, at, 1) }
	// Ten days on: the horizon moves, the cases before it go.
	clock = now.Add(10 * 24 * time.Hour)
	if err := x.Follow(ctx); err != nil {
		t.Fatal(err)
	}
	after, hits0, _ := x.Stats()
	if !x.Horizon().After(now.Add(-52*24*time.Hour)) || after >= before || after == 0 {
		t.Fatalf("ten days on: horizon %v, %d cases held (%d before)", x.Horizon(), after, before)
	}
	found := 0
	for i := 0; i < 100; i++ {
		found += len(same(t, x, store, probe(clock)))
	}
	if _, hits, misses := x.Stats(); hits-hits0 != 100 || misses != 0 || found == 0 {
		t.Fatalf("ten days on: %d of 100 probes answered by the index, %d by the store, %d candidates", hits-hits0, misses, found)
	}

	// A new sub-class: its name's pairs become vocabulary, weighing more.
	leads := gridline.Leads{District: gridline.Lead{Kind: gridline.LeadDepartment, Department: "城管局"},
		Street: gridline.Lead{Kind: gridline.LeadStreet}, Community: gridline.Lead{Kind: gridline.LeadCommunity}}
	if err := s.Reference.SaveCategory(ctx, &gridline.CategoryEdit{Code: "0199", ParentCode: "01", Name: "垃圾清运不及时",
		TimeLimit: gridline.TimeLimit{Amount: 2, Unit: gridline.LimitWorkingDays}, Leads: leads, Active: true}); err != nil {
		t.Fatal(err)
	}
	_, hits0, misses0 := x.Stats()
	p := probe(clock)
	same(t, x, store, p)
	if _, hits, misses := x.Stats(); hits != hits0 || misses != misses0+1 {
		t.Fatalf("after the catalogue edit: %d answered by the index, %d by the store; want the store", hits-hits0, misses-misses0)
	}
	if err := x.Follow(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		same(t, x, store, probe(clock))
	}
	if _, hits, _ := x.Stats(); hits != hits0+50 {
		t.Fatalf("rebuilt after the edit: %d of 50 answered by the index", hits-hits0)
	}
}

// TestIndexConcurrent runs lookups from several goroutines while cases
// are taken in and voided and the follower runs (go test -race): each
// lookup must see the cases committed before it started, and the index
// ends up answering as the store.
func TestIndexConcurrent(t *testing.T) {
	_, s, store, x := setup(t)
	x.Interval = 5 * time.Millisecond
	if err := x.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for !x.Built() {
		time.Sleep(5 * time.Millisecond)
	}
	r := rand.New(rand.NewPCG(7, 8))
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 25; i++ {
				// Taken in, then looked up at once by its neighbour's text:
				// it must be found (read-your-writes under concurrency).
				lon, lat := 116.805+float64(g)*0.003, 35.546+float64(i)*0.0003
				c := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "路灯坏了，夜间不亮", Category: "0115",
					Lon: &lon, Lat: &lat}
				if _, err := s.Tickets.CreateTicket(ctx, c); err != nil {
					done <- err
					return
				}
				p := &gridline.Ticket{Channel: gridline.ChannelGridPatrol, Text: "一盏路灯夜里不亮", Category: "0115",
					Lon: &lon, Lat: &lat, ReportedAt: time.Now()}
				got, err := x.FindDuplicatesOf(ctx, p)
				if err != nil {
					done <- err
					return
				}
				if !has(got, c.ID) {
					done <- fmt.Errorf("case %d taken in just before is not a candidate: %v", c.ID, ids(got))
					return
				}
				if i%5 == 0 {
					if _, err := s.Tickets.ActOnTicket(ctx, c.ID, gridline.TicketActionRequest{Action: gridline.ActionVoid,
						Opinion: "测试"}); err != nil {
						done <- err
						return
					}
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 100; i++ {
		same(t, x, store, randomCase(r, time.Now(), 1))
	}
	if _, hits, misses := x.Stats(); misses != 0 || hits < 200 {
		t.Fatalf("%d lookups answered by the index, %d by the store", hits, misses)
	}
}
