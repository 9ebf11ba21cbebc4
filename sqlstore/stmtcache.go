package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// sharedStmts are the statements prepared once on a SQLite pool and used
// by every transaction on it (Tx.StmtContext finds a statement prepared
// on the transaction's connection and uses it as it is): SQLite spends
// much of a small statement's time parsing it, and intake's transactions
// run the same few dozen statements thousands of times a second. A
// statement is prepared after the transaction that first used it, in the
// background: the writer pool's one connection is the transaction's
// while it runs. (pgx caches statements on its own.)
//
// One SQL text is one compiled statement on a connection, as in an InTx
// transaction's own cache: a transaction must not run a query again while
// it still reads the rows of the same text (a loop over rows that runs the
// same query inside would reset the statement under it). Nothing in the
// store does; read the rows first, then run the queries.
type sharedStmts struct {
	mu        sync.Mutex
	m         map[string]*sql.Stmt // nil value: not to be shared (its preparation failed)
	pending   map[string]bool
	preparing bool
	closed    bool
	// running is the background preparation, waited for by close: a
	// statement being prepared holds a connection the pool's Close would
	// otherwise leave behind, holding the database.
	running sync.WaitGroup
}

// maxSharedStmts bounds a pool's shared statements; statements with
// variable IN lists or row counts beyond it are parsed per use.
const maxSharedStmts = 512

// shareable reports whether q is worth sharing: data statements, not
// schema changes or transaction control.
func shareable(q string) bool {
	q = strings.TrimSpace(q)
	if len(q) < 6 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "SELECT", "INSERT", "UPDATE", "DELETE":
		return true
	}
	return strings.EqualFold(q[:4], "WITH")
}

// get returns q's shared statement, or nil; a shareable statement not yet
// shared is noted, to be prepared after the transaction.
func (c *sharedStmts) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st
	}
	if !c.closed && !c.pending[q] && len(c.m)+len(c.pending) < maxSharedStmts && shareable(q) {
		if c.pending == nil {
			c.pending = map[string]bool{}
		}
		c.pending[q] = true
	}
	return nil
}

// prepare prepares the noted statements on pool in the background, one
// run at a time; a run goes on until nothing is noted, so a statement
// noted while it runs is not left waiting for another transaction.
func (c *sharedStmts) prepare(pool *sql.DB) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.preparing || c.closed || len(c.pending) == 0 {
		return
	}
	c.preparing = true
	c.running.Add(1)
	go func() {
		defer c.running.Done()
		for {
			c.mu.Lock()
			var q string
			for q = range c.pending {
				break
			}
			if q == "" || c.closed {
				c.preparing = false
				c.mu.Unlock()
				return
			}
			c.mu.Unlock()
			st, err := pool.PrepareContext(context.Background(), q)
			c.mu.Lock()
			delete(c.pending, q)
			switch {
			case c.closed:
				if err == nil {
					st.Close()
				}
			case err != nil:
				c.set(q, nil)
			default:
				c.set(q, st)
			}
			c.mu.Unlock()
		}
	}()
}

// set records q's statement; c.mu is held.
func (c *sharedStmts) set(q string, st *sql.Stmt) {
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
}

// close closes the shared statements, once the background preparation
// has stopped; none are shared afterwards.
func (c *sharedStmts) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.running.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		if st != nil {
			st.Close()
		}
	}
	c.m, c.pending = nil, nil
}
