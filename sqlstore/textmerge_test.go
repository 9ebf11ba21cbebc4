package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/gridline/gridline"
)

// TestTextIndexMerges takes in cases one at a time, each its own
// transaction, and checks that SQLite's text index keeps few segments
// (migration 0032 turned FTS5's automerge off: the transactions that write
// the index merge it, mergeTicketGrams) and still finds every case.
// Without those merges FTS5 lets a level grow to 16 segments before it
// merges it (its crisis merge), and a search reads every segment.
func TestTextIndexMerges(t *testing.T) {
	f := newFixture(t)
	if f.db.Dialect() != "sqlite" {
		t.Skip("FTS5's segments are SQLite's; PostgreSQL's GIN index merges its pending list itself")
	}
	const n = 300
	for i := range n {
		mustTicket(t, f, 116.805, 35.555, fmt.Sprintf("路灯不亮 第%d号", i))
	}
	var segments int
	if err := f.db.QueryRowForTest(ctx, `SELECT COUNT(DISTINCT segid) FROM ticket_grams_idx`).Scan(&segments); err != nil {
		t.Fatal(err)
	}
	if segments > 10 {
		t.Errorf("the text index has %d segments after %d transactions, want at most 10", segments, n)
	}
	q := "路灯"
	_, total, err := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{Query: &q, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if total != n {
		t.Errorf("%q finds %d cases, want %d", q, total, n)
	}
}
