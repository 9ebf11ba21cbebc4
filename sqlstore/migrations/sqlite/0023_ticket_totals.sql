-- 0023_ticket_totals.sql (sqlite): exact counts of cases for the case list's
-- totals (docs/benchmarks.md, "The list over a real million after
-- listmillion"). Keep in step with the other dialect (schema_test compares them).

-- ticket_totals counts the cases: all of them (dim ''), and by status,
-- channel, category (the full code) and lead unit (its id in decimal),
-- each key's count spread over 8 stripes (the case id modulo 8) that a read
-- sums. Kept by intake, actions and imports in their transactions
-- (sqlstore/ticket_totals.go); filled here from the cases there are.
CREATE TABLE ticket_totals (
	dim    TEXT NOT NULL,
	key    TEXT NOT NULL,
	stripe INTEGER NOT NULL,
	n      BIGINT NOT NULL,
	PRIMARY KEY (dim, key, stripe)
) WITHOUT ROWID;

INSERT INTO ticket_totals (dim, key, stripe, n)
	SELECT '', '', id % 8, COUNT(*) FROM tickets GROUP BY id % 8;
INSERT INTO ticket_totals (dim, key, stripe, n)
	SELECT 'status', status, id % 8, COUNT(*) FROM tickets GROUP BY status, id % 8;
INSERT INTO ticket_totals (dim, key, stripe, n)
	SELECT 'channel', channel, id % 8, COUNT(*) FROM tickets GROUP BY channel, id % 8;
INSERT INTO ticket_totals (dim, key, stripe, n)
	SELECT 'category', category, id % 8, COUNT(*) FROM tickets GROUP BY category, id % 8;
INSERT INTO ticket_totals (dim, key, stripe, n)
	SELECT 'unit', CAST(lead_unit_id AS TEXT), id % 8, COUNT(*) FROM tickets
	WHERE lead_unit_id IS NOT NULL GROUP BY lead_unit_id, id % 8;
