// Package dupindex answers duplicate lookups from memory: it holds the
// recent cases that can be candidates (reported within the longest
// duplicate window of now, and a margin), by place cell (a fifth of the
// store's cell's side) and report time, each with its text's fingerprint
// made once, and follows the change feed to keep them
// current. It replaces only the store's reading of the cases around a
// probe and their fingerprinting: the rule is gridline.DuplicateRuleFor
// and the ranking gridline.RankDuplicates, as on the store's path.
//
// A lookup first catches up with the feed up to what this process has
// committed (the Committed hint), so a case taken in just before is a
// candidate of the next; other processes' changes arrive within Interval.
// A probe whose window reaches before what the index holds (an old case),
// and every lookup while the index is not built, go to the store.
//
// Memory: about Span's cases, each its text, fingerprint and a few
// fields — 1.3 KB on the demo's texts (docs/benchmarks.md) — and at most
// MaxEntries of them: past that the index stops serving and the store
// answers, rather than grow without bound.
package dupindex

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridline/gridline"
)

// Entities are the feed entities the index follows: one case, and a bulk
// import of cases (which reloads it).
var Entities = []string{"ticket", "tickets"}

// Defaults of the Index's settings.
const (
	DefaultInterval = 250 * time.Millisecond
	// DefaultMargin is held beyond the longest window: a probe reported a
	// little before now (a case typed in late) is still served.
	DefaultMargin = 24 * time.Hour
	// DefaultMaxEntries bounds the memory at about 500 MB (1.3 KB a
	// case, docs/benchmarks.md): four times the 100,000 open cases of
	// issue 8's district.
	DefaultMaxEntries = 400_000
)

// evictEvery is how far the horizon moves before old cases are dropped.
const evictEvery = time.Minute

// retryFull is how long an index that found too many cases waits before
// loading them again.
const retryFull = 10 * time.Minute

// Index is a gridline.DuplicateService over Store that answers from the
// recent cases it holds. Set the fields, then Open; an Index not opened
// (or not built yet) passes every lookup to Store.
type Index struct {
	Store  gridline.DuplicateStore
	Events gridline.EventService
	// Committed, when set, returns the highest feed seq this process has
	// committed for Entities (sqlstore.DB.CommittedSeqOf): a lookup that
	// finds the index behind it catches up first.
	Committed func() int64
	// Now is the clock the horizon follows; nil means time.Now.
	Now func() time.Time
	// Span is how far back from now the index holds cases; 0 means the
	// catalogue's longest window and DefaultMargin.
	Span       time.Duration
	Interval   time.Duration // 0: DefaultInterval
	MaxEntries int           // 0: DefaultMaxEntries
	Logger     *slog.Logger

	follow gate         // one follower at a time: Follow, catch-ups, builds
	seq    int64        // feed position reflected, under follow
	seqNow atomic.Int64 // the same, read without the lock

	mu sync.RWMutex
	// cells holds the cases by place cell, each cell's by report time
	// then id; byID the same entries by id. Entries are never changed in
	// place (lookups rank them outside the lock): a change replaces one.
	cells   map[int64][]*entry
	byID    map[int64]*entry
	horizon time.Time           // every candidate reported at or after it is held
	cat     *gridline.Catalogue // the fingerprints' catalogue
	built   bool                // false: every lookup goes to Store
	// full is set when the recent cases were more than MaxEntries: the
	// index then holds none, every lookup goes to Store, and a build is
	// tried again after retryFull.
	full      bool
	fullSince time.Time

	stop context.CancelFunc
	done chan struct{}

	hits, misses atomic.Int64
}

// entry is a case held, fingerprinted with the index's catalogue.
type entry struct {
	c    *gridline.DuplicateCase
	cell int64
}

var _ gridline.DuplicateService = (*Index)(nil)

// New returns an Index over store, following events.
func New(store gridline.DuplicateStore, events gridline.EventService) *Index {
	return &Index{Store: store, Events: events}
}

func (x *Index) logger() *slog.Logger {
	if x.Logger != nil {
		return x.Logger
	}
	return slog.Default()
}

func (x *Index) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

// span returns how far back the index holds cases under cat.
func (x *Index) span(cat *gridline.Catalogue) time.Duration {
	if x.Span > 0 {
		return x.Span
	}
	return gridline.MaxDuplicateWindow(cat) + DefaultMargin
}

// Open builds the index in the background and follows the feed until
// Close. Lookups go to the store until the index is built: startup does
// not wait for it.
func (x *Index) Open(ctx context.Context) error {
	every := x.Interval
	if every <= 0 {
		every = DefaultInterval
	}
	fctx, cancel := context.WithCancel(context.Background())
	x.stop, x.done = cancel, make(chan struct{})
	go func() {
		defer close(x.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			start := time.Now()
			built := x.Built()
			if err := x.Follow(fctx); err != nil && fctx.Err() == nil {
				x.logger().Warn("follow the change feed for the duplicate index", slog.Any("err", err))
			} else if !built && x.Built() {
				n, _, _ := x.Stats()
				x.logger().Info("duplicate index built", "cases", n, "took", time.Since(start).Round(time.Millisecond))
			}
			select {
			case <-fctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// Close stops following the feed.
func (x *Index) Close() {
	if x.stop != nil {
		x.stop()
		<-x.done
		x.stop = nil
	}
}

// Built reports whether the index answers lookups.
func (x *Index) Built() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.built && !x.full
}

// Stats returns how many cases the index holds and how many lookups it
// answered and passed to the store.
func (x *Index) Stats() (cases int, hits, misses int64) {
	x.mu.RLock()
	cases = len(x.byID)
	x.mu.RUnlock()
	return cases, x.hits.Load(), x.misses.Load()
}

// Horizon returns the time from which the index holds every case that can
// be a candidate.
func (x *Index) Horizon() time.Time {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.horizon
}

// Seq returns the feed position the index reflects.
func (x *Index) Seq() int64 { return x.seqNow.Load() }

// Follow brings the index up to the feed: it builds it when not built (or
// the catalogue changed, or the feed was pruned past it, or cases were
// imported in bulk), else loads the cases the feed's events name, and
// drops the cases older than the horizon. The follower calls it; tests
// may too.
func (x *Index) Follow(ctx context.Context) error {
	x.follow.enter(context.WithoutCancel(ctx), nil)
	defer x.follow.leave()
	return x.followLocked(ctx)
}

// catchUp follows the feed if this process has committed a change the
// index does not reflect yet. Lookups that find another follower at work
// wait for it to finish and look again (a batch of intakes asks at once:
// one of them reads the batch's cases, the others find them held).
func (x *Index) catchUp(ctx context.Context) error {
	if x.Committed == nil {
		return nil
	}
	want := x.Committed()
	caughtUp := func() bool { return want <= x.seqNow.Load() }
	if caughtUp() {
		return nil
	}
	if in, err := x.follow.enter(ctx, caughtUp); !in {
		return err
	}
	defer x.follow.leave()
	if caughtUp() {
		return nil
	}
	return x.followLocked(ctx)
}

// gate lets one goroutine in at a time. Unlike a mutex's, its waiters are
// woken together when the one inside leaves, and those that find their
// wait over (done) go away without entering: a sync.Mutex hands itself
// to each waiter in turn, each of which must be scheduled to find there
// is nothing left to do, a convoy that under a full CPU took milliseconds
// behind every batch of intakes.
type gate struct {
	mu   sync.Mutex
	busy chan struct{} // closed when the one inside leaves; nil: none inside
}

// enter returns true once the caller is inside; false when done (if not
// nil) reports true after a wait, or with ctx's error.
func (g *gate) enter(ctx context.Context, done func() bool) (bool, error) {
	for {
		g.mu.Lock()
		if g.busy == nil {
			g.busy = make(chan struct{})
			g.mu.Unlock()
			return true, nil
		}
		busy := g.busy
		g.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return false, ctx.Err()
		}
		if done != nil && done() {
			return false, nil
		}
	}
}

// leave lets the waiters go.
func (g *gate) leave() {
	g.mu.Lock()
	close(g.busy)
	g.busy = nil
	g.mu.Unlock()
}

func (x *Index) followLocked(ctx context.Context) error {
	cat := x.Store.DuplicateCatalogue()
	x.mu.RLock()
	built, stale := x.built, x.cat != cat
	retry := x.full && x.now().Sub(x.fullSince) >= retryFull
	x.mu.RUnlock()
	if !built || stale || retry {
		return x.build(ctx, cat)
	}
	x.evict(cat)
	for {
		evs, err := x.Events.FindEvents(ctx, gridline.EventFilter{After: x.seq, Entities: Entities, Limit: 1000})
		if gridline.ErrorCode(err) == gridline.ECONFLICT {
			return x.build(ctx, cat) // pruned past us
		} else if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		var ids []int64
		seen := map[int64]bool{}
		for _, e := range evs {
			if e.Entity == "tickets" {
				// A bulk import: its cases are not named one by one.
				return x.build(ctx, cat)
			}
			if id, err := strconv.ParseInt(e.Key, 10, 64); err == nil && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		x.mu.RLock()
		full := x.full
		x.mu.RUnlock()
		if !full { // a full index holds nothing to update
			cs, err := x.Store.FindDuplicateCases(ctx, ids)
			if err != nil {
				return err
			}
			for _, c := range cs {
				c.Fingerprint(cat)
			}
			x.apply(ids, cs)
		}
		x.seq = evs[len(evs)-1].Seq
		x.seqNow.Store(x.seq)
		if len(evs) < 1000 {
			return nil
		}
	}
}

// apply puts cs in the index and takes out the other ids: each of ids is
// held afterwards only if it is in cs, can be a candidate and is not
// older than the horizon.
func (x *Index) apply(ids []int64, cs []*gridline.DuplicateCase) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.full {
		return
	}
	for _, id := range ids {
		x.remove(id)
	}
	for _, c := range cs {
		if gridline.DuplicateTarget(c.Status) && !c.ReportedAt.Before(x.horizon) {
			x.insert(c)
		}
	}
	x.checkFull()
}

// checkFull empties the index when it holds more than MaxEntries cases.
// x.mu is held for writing.
func (x *Index) checkFull() {
	if len(x.byID) <= x.maxEntries() {
		return
	}
	x.logger().Warn("too many recent cases for the duplicate index: lookups go to the store", "max", x.maxEntries())
	x.cells, x.byID = map[int64][]*entry{}, map[int64]*entry{}
	x.full, x.fullSince = true, x.now()
}

func (x *Index) maxEntries() int {
	if x.MaxEntries > 0 {
		return x.MaxEntries
	}
	return DefaultMaxEntries
}

// build loads every recent case into new maps and swaps them in. The feed
// position is read first: a change racing the load is then also a newer
// event, which the next Follow applies again, never a missed one.
func (x *Index) build(ctx context.Context, cat *gridline.Catalogue) error {
	seq, err := x.Events.LastEventSeq(ctx)
	if err != nil {
		return err
	}
	horizon := x.now().Add(-x.span(cat)).UTC()
	nx := &Index{cells: map[int64][]*entry{}, byID: map[int64]*entry{}}
	max := x.maxEntries()
	var after int64
	for len(nx.byID) <= max {
		page, err := x.Store.FindRecentDuplicateCases(ctx, horizon, after, 5000)
		if err != nil {
			return fmt.Errorf("load the recent cases: %w", err)
		}
		for _, c := range page {
			c.Fingerprint(cat)
			nx.insert(c)
		}
		if len(page) < 5000 {
			break
		}
		after = page[len(page)-1].ID
	}
	x.mu.Lock()
	x.cells, x.byID, x.horizon, x.cat, x.built, x.full = nx.cells, nx.byID, horizon, cat, true, false
	x.checkFull()
	x.mu.Unlock()
	x.seq = seq
	x.seqNow.Store(seq)
	return nil
}

// evict drops the cases reported before the new horizon, once it has
// moved evictEvery.
func (x *Index) evict(cat *gridline.Catalogue) {
	horizon := x.now().Add(-x.span(cat)).UTC()
	x.mu.RLock()
	due := horizon.Sub(x.horizon) >= evictEvery
	x.mu.RUnlock()
	if !due {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for cell, es := range x.cells {
		n, _ := slices.BinarySearchFunc(es, horizon, func(e *entry, t time.Time) int { return e.c.ReportedAt.Compare(t) })
		if n == 0 {
			continue
		}
		for _, e := range es[:n] {
			delete(x.byID, e.c.ID)
		}
		if n == len(es) {
			delete(x.cells, cell)
		} else {
			x.cells[cell] = slices.Delete(es, 0, n)
		}
	}
	x.horizon = horizon
}

// fineCellSize is the side of the index's cells in degrees, about 220 m
// north–south and 180 m east–west in Shandong: a fifth of the store's
// (gridline.DuplicateCellSize). The store's index reads only the rows in
// the box and disc; the index's cells, all of whose cases within the
// window are tested, must be small for its scan to read about as few.
const fineCellSize = 0.002

// fineCellXY returns the column and row of the index's cell that holds
// lon/lat.
func fineCellXY(lon, lat float64) (x, y int64) {
	return int64(math.Floor((lon + 180) / fineCellSize)), int64(math.Floor((lat + 90) / fineCellSize))
}

// fineCell returns the key of the index's cell that holds lon/lat.
func fineCell(lon, lat float64) int64 {
	x, y := fineCellXY(lon, lat)
	return y<<32 | x
}

// fineCells yields the keys of the cells from column x0, row y0 to x1, y1.
func fineCells(x0, y0, x1, y1 int64) func(yield func(int64) bool) {
	return func(yield func(int64) bool) {
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				if !yield(y<<32 | x) {
					return
				}
			}
		}
	}
}

// cmpEntry orders a cell's entries: by report time, then id.
func cmpEntry(e *entry, at time.Time, id int64) int {
	if c := e.c.ReportedAt.Compare(at); c != 0 {
		return c
	}
	switch {
	case e.c.ID < id:
		return -1
	case e.c.ID > id:
		return 1
	}
	return 0
}

// insert holds c, fingerprinted, replacing the entry of its id. x.mu is
// held for writing.
func (x *Index) insert(c *gridline.DuplicateCase) {
	x.remove(c.ID)
	e := &entry{c: c, cell: fineCell(c.Lon, c.Lat)}
	es := x.cells[e.cell]
	i, _ := slices.BinarySearchFunc(es, e, func(a, b *entry) int { return cmpEntry(a, b.c.ReportedAt, b.c.ID) })
	x.cells[e.cell] = slices.Insert(es, i, e)
	x.byID[c.ID] = e
}

// remove drops the entry of id, if held. x.mu is held for writing.
func (x *Index) remove(id int64) {
	e, ok := x.byID[id]
	if !ok {
		return
	}
	delete(x.byID, id)
	es := x.cells[e.cell]
	if i, ok := slices.BinarySearchFunc(es, e, func(a, b *entry) int { return cmpEntry(a, b.c.ReportedAt, b.c.ID) }); ok {
		es = slices.Delete(es, i, i+1)
	}
	if len(es) == 0 {
		delete(x.cells, e.cell)
	} else {
		x.cells[e.cell] = es
	}
}

// FindDuplicatesOf implements gridline.DuplicateService.
func (x *Index) FindDuplicatesOf(ctx context.Context, t *gridline.Ticket) ([]gridline.DuplicateCandidate, error) {
	if t.Lon == nil || t.Lat == nil {
		return []gridline.DuplicateCandidate{}, nil
	}
	c := &gridline.DuplicateCase{ID: t.ID, Number: t.Number, Channel: t.Channel, Status: t.Status, Category: t.Category,
		Text: t.Text, Lon: *t.Lon, Lat: *t.Lat, ReportedAt: t.ReportedAt.UTC()}
	if got, ok := x.find(ctx, c, 0); ok {
		return got, nil
	}
	x.misses.Add(1)
	return x.Store.FindDuplicatesOf(ctx, t)
}

// FindDuplicates implements gridline.DuplicateService. The probe is the
// case as the index holds it; a case it does not hold (old, without a
// place, merged, voided, rejected or unknown) goes to the store.
func (x *Index) FindDuplicates(ctx context.Context, id int64) ([]gridline.DuplicateCandidate, error) {
	if got, ok := x.find(ctx, nil, id); ok {
		return got, nil
	}
	x.misses.Add(1)
	return x.Store.FindDuplicates(ctx, id)
}

// find ranks the candidates of c, or of the held case id when c is nil,
// from the index; ok is false when the index cannot answer.
func (x *Index) find(ctx context.Context, c *gridline.DuplicateCase, id int64) (_ []gridline.DuplicateCandidate, ok bool) {
	if !x.Built() {
		return nil, false
	}
	if err := x.catchUp(ctx); err != nil {
		x.logger().Warn("catch up with the change feed for the duplicate index", slog.Any("err", err))
		return nil, false
	}
	cat := x.Store.DuplicateCatalogue()
	x.mu.RLock()
	if !x.built || x.full || x.cat != cat {
		x.mu.RUnlock()
		return nil, false
	}
	if c == nil {
		e, held := x.byID[id]
		if !held {
			x.mu.RUnlock()
			return nil, false
		}
		// Held cases are fingerprinted already: the ranking reads the
		// probe without writing to it.
		c = e.c
	} else if e, held := x.byID[c.ID]; held {
		// A case just taken in is held already (the catch-up above read
		// it): its fingerprint is the probe's.
		c.AdoptFingerprint(e.c)
	}
	rule := gridline.DuplicateBounds(cat, c)
	from, to := c.ReportedAt.Add(-rule.Window), c.ReportedAt.Add(rule.Window)
	if from.Before(x.horizon) {
		x.mu.RUnlock()
		return nil, false
	}
	// The same bounds as the store's reading: the window, the box and the
	// disc (the store's cells are those the box touches); the ranking
	// applies the rule exactly.
	box := gridline.DuplicateBox(c.Lon, c.Lat, rule.Radius)
	kx, ky, r2 := gridline.DuplicateDisc(c.Lon, c.Lat, rule.Radius)
	var others []*gridline.DuplicateCase
	x0, y0 := fineCellXY(box[0], box[1])
	x1, y1 := fineCellXY(box[2], box[3])
collect:
	for cell := range fineCells(x0, y0, x1, y1) {
		es := x.cells[cell]
		i, _ := slices.BinarySearchFunc(es, from, func(e *entry, t time.Time) int { return e.c.ReportedAt.Compare(t) })
		for _, e := range es[i:] {
			o := e.c
			if o.ReportedAt.After(to) {
				break
			}
			if o.ID == c.ID || o.Lon < box[0] || o.Lat < box[1] || o.Lon > box[2] || o.Lat > box[3] {
				continue
			}
			if dx, dy := (o.Lon-c.Lon)*kx, (o.Lat-c.Lat)*ky; dx*dx+dy*dy > r2 {
				continue
			}
			others = append(others, o)
			if len(others) >= gridline.MaxDuplicateRows {
				break collect
			}
		}
	}
	x.mu.RUnlock()
	x.hits.Add(1)
	return gridline.RankDuplicatesCached(cat, nil, c, others, gridline.MaxDuplicates), true
}
