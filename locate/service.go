package locate

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

// Service keeps an [Index] in step with the stored grids: it builds the
// index on Open and rebuilds it whenever the change feed shows a change to
// grids, layers or region names — whoever made it, this process or
// another. It implements [gridline.LocateService].
type Service struct {
	Grids   gridline.GridService
	Layers  gridline.GridLayerService
	Regions gridline.RegionService
	Events  gridline.EventService
	// Interval is how often Open's follower reads the feed; 0 means
	// DefaultInterval.
	Interval time.Duration
	// Committed, when set, returns the highest feed seq this process has
	// committed for the Entities (sqlstore.DB.CommittedSeqOf). A lookup that finds the index
	// behind it refreshes first, so a grid written through this process
	// is located at once; other processes' changes arrive within
	// Interval.
	Committed func() int64
	Logger    *slog.Logger

	idx    atomic.Pointer[Index]
	mu     sync.Mutex   // serialises refreshes
	seq    int64        // feed position the index reflects, under mu
	seqNow atomic.Int64 // the same, for lookups that take no lock
	stop   context.CancelFunc
	done   chan struct{}
}

var _ gridline.LocateService = (*Service)(nil)

// DefaultInterval is how often the follower reads the feed: changes made
// by other processes reach the index within about this long.
const DefaultInterval = 250 * time.Millisecond

// Entities are the feed entities that change what the index answers.
var Entities = []string{"grid", "grid_layer", "region", "regions"}

var followed = map[string]bool{}

func init() {
	for _, e := range Entities {
		followed[e] = true
	}
}

// Open builds the index and starts following the feed until Close.
func (s *Service) Open(ctx context.Context) error {
	if err := s.Refresh(ctx); err != nil {
		return fmt.Errorf("build locate index: %w", err)
	}
	every := s.Interval
	if every <= 0 {
		every = DefaultInterval
	}
	fctx, cancel := context.WithCancel(context.Background())
	s.stop, s.done = cancel, make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-fctx.Done():
				return
			case <-t.C:
			}
			if err := s.Refresh(fctx); err != nil && fctx.Err() == nil {
				s.logger().Warn("follow the change feed for the locate index", slog.Any("err", err))
			}
		}
	}()
	return nil
}

// Close stops following the feed.
func (s *Service) Close() {
	if s.stop != nil {
		s.stop()
		<-s.done
		s.stop = nil
	}
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Locate implements gridline.LocateService.
func (s *Service) Locate(lon, lat float64, layer string) (gridline.Location, error) {
	return s.index().Locate(lon, lat, layer)
}

// LocateEach implements gridline.LocateService: every point is located
// in one snapshot of the index.
func (s *Service) LocateEach(pts []orb.Point, layer string, fn func(i int, loc *gridline.Location)) error {
	return s.index().LocateEach(pts, layer, fn)
}

// index returns the current index, refreshed first if this process has
// committed a change it does not reflect yet.
func (s *Service) index() *Index {
	if s.Committed != nil && s.Committed() > s.seqNow.Load() {
		if err := s.Refresh(context.Background()); err != nil {
			s.logger().Warn("refresh the locate index", slog.Any("err", err))
		}
	}
	return s.idx.Load()
}

// Len implements gridline.LocateService.
func (s *Service) Len() int { return s.idx.Load().Len() }

// Seq returns the feed position the index reflects.
func (s *Service) Seq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// Refresh implements gridline.LocateService: it reads the feed from the
// index's position and rebuilds the index if any event changes grids,
// layers or region names. Lookups go on against the old index meanwhile;
// the new one is swapped in atomically.
func (s *Service) Refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idx.Load() == nil {
		return s.rebuild(ctx)
	}
	changed := false
	for {
		evs, err := s.Events.FindEvents(ctx, gridline.EventFilter{After: s.seq, Limit: 5000})
		if gridline.ErrorCode(err) == gridline.ECONFLICT {
			return s.rebuild(ctx) // the feed was pruned past us
		} else if err != nil {
			return err
		}
		for _, e := range evs {
			changed = changed || followed[e.Entity]
			s.seq = e.Seq
		}
		s.seqNow.Store(s.seq)
		if len(evs) < 5000 {
			break
		}
	}
	if changed {
		return s.rebuild(ctx)
	}
	return nil
}

// rebuild loads every grid into a new index. The feed position is read
// first: a change racing the load is then also a newer event, which the
// next refresh sees, never a missed one.
func (s *Service) rebuild(ctx context.Context) error {
	seq, err := s.Events.LastEventSeq(ctx)
	if err != nil {
		return err
	}
	grids, _, err := s.Grids.FindGrids(ctx, gridline.GridFilter{})
	if err != nil {
		return err
	}
	layers, err := s.Layers.FindGridLayers(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var codes []string
	for _, g := range grids {
		for _, c := range []string{g.CommunityCode, g.TownCode, g.CountyCode} {
			if !seen[c] {
				seen[c] = true
				codes = append(codes, c)
			}
		}
	}
	names := make(map[string]string, len(codes))
	for start := 0; start < len(codes); start += 500 {
		rs, _, err := s.Regions.FindRegions(ctx, gridline.RegionFilter{Codes: codes[start:min(start+500, len(codes))]})
		if err != nil {
			return err
		}
		for _, r := range rs {
			names[r.Code] = r.Name
		}
	}
	s.idx.Store(NewIndex(grids, layers, names))
	s.seq = seq
	s.seqNow.Store(seq)
	return nil
}

// New returns a Service that reads grids, layers, region names and the
// feed through s. Set Committed and Logger before Open where wanted.
func New(s gridline.Services) *Service {
	return &Service{Grids: s.Grids, Layers: s.Layers, Regions: s.Regions, Events: s.Events}
}
