package sqlstore

import (
	"context"
	"sync"

	"github.com/gridline/gridline"
)

// maxIntakeBatch bounds how many cases one transaction takes in, so a
// batch's latency stays a few milliseconds.
const maxIntakeBatch = 64

// intakeQueue is group commit for intake. A write transaction costs a
// fixed amount however little it writes (on SQLite the pages of the
// tickets table and its indexes, the events and audit tables and their
// indexes, rewritten to the WAL at every commit; on PostgreSQL a commit
// and WAL flush), and SQLite has one writer, so concurrent intakes wait
// for each other anyway. Instead of each waiting for its own transaction,
// the cases that arrive while a batch is written are written together by
// the next one. There is no timer and no goroutine of its own: a request
// that finds no batch running leads one (a lone request goes straight
// through), and the leader of a batch that leaves others waiting hands
// the lead to the first of them.
type intakeQueue struct {
	mu      sync.Mutex
	queue   []*intakeRequest
	leading bool
}

// intakeRequest is one case waiting for its batch.
type intakeRequest struct {
	ctx     context.Context
	t       *gridline.Ticket
	created bool
	err     error
	// wake says done (true) or lead the next batch (false).
	wake chan bool
}

// errIntakeAborted is the answer of a case whose batch stopped before
// its turn (a panic in the batch's leader).
var errIntakeAborted = gridline.Errorf(gridline.EINTERNAL, "The case was not taken in; try again.")

// take queues t and returns when its batch has committed or failed; run
// writes a batch and sets each request's created and err.
func (q *intakeQueue) take(ctx context.Context, t *gridline.Ticket, run func([]*intakeRequest)) (bool, error) {
	r := &intakeRequest{ctx: ctx, t: t, wake: make(chan bool, 1)}
	q.mu.Lock()
	q.queue = append(q.queue, r)
	if q.leading {
		q.mu.Unlock()
		if done := <-r.wake; done {
			return r.created, r.err
		}
		q.mu.Lock()
	}
	q.leading = true
	n := min(len(q.queue), maxIntakeBatch)
	batch := make([]*intakeRequest, n)
	copy(batch, q.queue)
	q.queue = append(q.queue[:0], q.queue[n:]...)
	q.mu.Unlock()
	for _, o := range batch {
		o.err = errIntakeAborted // until run says otherwise
	}

	func() {
		defer func() {
			// A panic fails the batch rather than leaving its requests
			// waiting forever; it goes on up in the leader.
			if p := recover(); p != nil {
				q.finish(batch, r)
				panic(p)
			}
		}()
		run(batch)
	}()
	q.finish(batch, r)
	return r.created, r.err
}

// finish wakes the batch's requests other than the leader me, and hands
// the lead to the first request still waiting, if any.
func (q *intakeQueue) finish(batch []*intakeRequest, me *intakeRequest) {
	for _, o := range batch {
		if o != me {
			o.wake <- true
		}
	}
	q.mu.Lock()
	if len(q.queue) > 0 {
		q.queue[0].wake <- false
	} else {
		q.leading = false
	}
	q.mu.Unlock()
}
