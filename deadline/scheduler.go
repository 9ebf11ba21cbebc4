// Package deadline runs the supervision of case deadlines inside
// `gridline serve`: at start and then at a fixed interval it asks the case
// service to raise the yellow and red lights that are due and escalate red
// cases, and the whistle service to flag the units a whistle called that
// have not reported in time (吹哨报到). The deadlines and lights live in
// the database, so nothing is lost across restarts, and a run that finds
// nothing due changes nothing.
package deadline

import (
	"context"
	"log/slog"
	"time"

	"github.com/gridline/gridline"
)

// DefaultInterval is how often the scheduler runs: lights are set within
// a minute of becoming due.
const DefaultInterval = time.Minute

// Scheduler supervises deadlines until Close.
type Scheduler struct {
	Tickets gridline.TicketService
	// Whistles, if set, has its overdue reports flagged on every run.
	Whistles gridline.WhistleService
	Interval time.Duration // 0 means DefaultInterval
	Logger   *slog.Logger

	stop context.CancelFunc
	done chan struct{}
}

// Open runs the supervision once and then every Interval in the
// background.
func (s *Scheduler) Open() {
	every := s.Interval
	if every <= 0 {
		every = DefaultInterval
	}
	ctx, cancel := context.WithCancel(gridline.WithActor(context.Background(), gridline.Actor{Name: "scheduler"}))
	s.stop, s.done = cancel, make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.run(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (s *Scheduler) run(ctx context.Context) {
	n, err := s.Tickets.Supervise(ctx)
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	if err != nil && ctx.Err() == nil {
		log.Warn("supervise deadlines", slog.Any("err", err))
	} else if n != (gridline.Supervision{}) {
		log.Info("deadlines supervised", slog.Int("yellow", n.Yellow), slog.Int("red", n.Red), slog.Int("escalated", n.Escalated))
	}
	if s.Whistles == nil {
		return
	}
	if k, err := s.Whistles.SuperviseWhistles(ctx); err != nil && ctx.Err() == nil {
		log.Warn("supervise whistles", slog.Any("err", err))
	} else if k > 0 {
		log.Info("whistle reports overdue", slog.Int("units", k))
	}
}

// Close stops the scheduler and waits for a running pass to end.
func (s *Scheduler) Close() {
	if s.stop != nil {
		s.stop()
		<-s.done
		s.stop = nil
	}
}
