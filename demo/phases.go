package demo

import (
	"context"
	"time"
)

// PhaseFunc is told of each phase of Load and LoadHistory as it ends:
// its name and how long it took.
type PhaseFunc func(phase string, took time.Duration)

type phaseKey struct{}

// WithPhases returns a context with which Load and LoadHistory report
// their phases to fn (for the start-up log; `gridline demo`).
func WithPhases(ctx context.Context, fn PhaseFunc) context.Context {
	return context.WithValue(ctx, phaseKey{}, fn)
}

// phaseTimer returns a function that reports the phase just ended, timed
// from the previous call (the first from now), to ctx's PhaseFunc, if any.
func phaseTimer(ctx context.Context) func(phase string) {
	fn, _ := ctx.Value(phaseKey{}).(PhaseFunc)
	last := time.Now()
	return func(phase string) {
		if fn == nil {
			return
		}
		now := time.Now()
		fn(phase, now.Sub(last))
		last = now
	}
}
