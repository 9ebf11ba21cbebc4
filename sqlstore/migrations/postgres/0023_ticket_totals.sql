-- 0023_ticket_totals.sql (postgres): exact counts of cases for the case list's
-- totals (docs/benchmarks.md, "The list over a real million after
-- listmillion"). Keep in step with the other dialect (schema_test compares them).

-- ticket_totals counts the cases: all of them (dim ''), and by status,
-- channel, category (the full code) and lead unit (its id in decimal),
-- each key's count spread over 8 stripes (the case id modulo 8) that a read
-- sums. Kept by intake, actions and imports in their transactions
-- (sqlstore/ticket_totals.go); filled from the cases there are by Go code run
-- right after this file (migrate.go, backfillTicketTotals).
CREATE TABLE ticket_totals (
	dim    TEXT NOT NULL,
	key    TEXT NOT NULL,
	stripe INTEGER NOT NULL,
	n      BIGINT NOT NULL,
	PRIMARY KEY (dim, key, stripe)
);
