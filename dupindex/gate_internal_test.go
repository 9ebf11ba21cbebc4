package dupindex

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGate: one goroutine inside at a time; the waiters whose wait the
// one inside ended go away without entering, the others enter one by
// one; a waiter whose context ends stops waiting.
func TestGate(t *testing.T) {
	var g gate
	if in, err := g.enter(context.Background(), nil); !in {
		t.Fatal(err)
	}
	var served atomic.Bool
	var inside, entered, done atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Half wait for what the first one inside does; half have
			// work of their own.
			var wait func() bool
			if i%2 == 0 {
				wait = served.Load
			}
			switch in, err := g.enter(context.Background(), wait); {
			case in:
				if inside.Add(1) != 1 {
					t.Error("two inside at once")
				}
				entered.Add(1)
				time.Sleep(100 * time.Microsecond)
				inside.Add(-1)
				g.leave()
			case err == nil:
				done.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond) // all waiting
	served.Store(true)
	g.leave()
	wg.Wait()
	if entered.Load() != 20 || done.Load() != 20 {
		t.Fatalf("entered %d, done without entering %d; want 20 and 20", entered.Load(), done.Load())
	}

	if in, err := g.enter(context.Background(), nil); !in {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if in, err := g.enter(ctx, nil); in || err != context.DeadlineExceeded {
		t.Fatalf("waiting past its context: %v", err)
	}
	g.leave()
}
