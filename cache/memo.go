package cache

import (
	"context"
	"sync"

	"github.com/gridline/gridline"
)

// maxEntries bounds a memo: its keys come from clients (region codes,
// filters), so they are not a fixed set. Past it the memo starts afresh.
const maxEntries = 1024

// memo keeps answers by key, each with the change-feed position it was
// computed at. The zero value is ready to use.
type memo[K comparable] struct {
	mu      sync.Mutex
	entries map[K]*entry
}

type entry struct {
	seq   int64
	ready chan struct{}
	val   any
	err   error
}

// get answers k from the memo if it was computed at the feed's current
// position, else computes it (once for all concurrent callers). The
// position is read before computing: a change racing the computation
// moves the feed past it, and the next call computes again.
func (m *memo[K]) get(ctx context.Context, events gridline.EventService, k K, compute func(context.Context) (any, error)) (any, error) {
	seq, err := events.LastEventSeq(ctx)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.entries == nil || len(m.entries) >= maxEntries {
		m.entries = map[K]*entry{}
	}
	e := m.entries[k]
	if e == nil || e.seq != seq {
		e = &entry{seq: seq, ready: make(chan struct{})}
		m.entries[k] = e
		m.mu.Unlock()
		// The computation belongs to every waiter: one caller leaving
		// must not cancel it for the others.
		e.val, e.err = compute(context.WithoutCancel(ctx))
		if e.err != nil {
			m.mu.Lock()
			if m.entries[k] == e {
				delete(m.entries, k) // errors are not kept
			}
			m.mu.Unlock()
		}
		close(e.ready)
	} else {
		m.mu.Unlock()
	}
	select {
	case <-e.ready:
		return e.val, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
