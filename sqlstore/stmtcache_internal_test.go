package sqlstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestSharedStmts: on SQLite a data statement is parsed for the pool
// after the first transaction that runs it and shared by the later ones,
// with the same results; schema changes and statements whose preparation
// fails are not shared.
func TestSharedStmts(t *testing.T) {
	ctx := context.Background()
	db := NewDB("sqlite:" + filepath.Join(t.TempDir(), "s.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const q = `SELECT COUNT(*) FROM regions WHERE level = $1`
	count := func(writable bool) int {
		t.Helper()
		tx, err := db.BeginTx(ctx, writable)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		var n int
		if err := tx.QueryRowContext(ctx, q, "county").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS scratch (x)`); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return n
	}
	shared := func(c *sharedStmts, q string) (st bool, known bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		s, ok := c.m[q]
		return s != nil, ok
	}
	for _, writable := range []bool{true, false} {
		c, _ := db.shared(writable)
		first := count(writable)
		// The preparation runs in the background after the transaction.
		deadline := time.Now().Add(5 * time.Second)
		for st, _ := shared(c, q); !st; st, _ = shared(c, q) {
			if time.Now().After(deadline) {
				t.Fatalf("writable %v: the statement was not shared", writable)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if got := count(writable); got != first {
			t.Fatalf("writable %v: %d regions through the shared statement, %d before", writable, got, first)
		}
		if _, known := shared(c, `CREATE TEMP TABLE IF NOT EXISTS scratch (x)`); known {
			t.Fatalf("writable %v: a schema change was shared", writable)
		}
	}
	// A statement that fails to prepare is remembered as not to share.
	c, pool := db.shared(true)
	const bad = `SELECT nothing FROM no_such_table`
	if c.get(bad) != nil {
		t.Fatal("a new statement came back shared")
	}
	c.prepare(pool)
	deadline := time.Now().Add(5 * time.Second)
	for _, known := shared(c, bad); !known; _, known = shared(c, bad) {
		if time.Now().After(deadline) {
			t.Fatal("the failed statement was not recorded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st, _ := shared(c, bad); st || c.get(bad) != nil {
		t.Fatal("a statement that does not prepare was shared")
	}
}
