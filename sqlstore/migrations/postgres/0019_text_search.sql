-- 0019_text_search.sql (postgres): an index for the case list's text filter,
-- and one for a region's cases of a period (docs/benchmarks.md, "The case
-- list over a million cases"). Keep in step with the other dialect.

-- ticket_grams holds each case's text as the terms of sqlstore/textsearch.go
-- (character bigrams, folded, in base 36), a tsvector without positions;
-- the filter checks its candidates with LIKE. Written with the case (intake,
-- ImportTickets); the cases there are now by Go code run right after this
-- file (migrate.go, backfillTicketGrams), which then builds the GIN index
-- ticket_grams_idx (built whole after the rows, not grown row by row). No
-- foreign key: cases are never deleted and the rows are written with them.
-- SQLite's counterpart is a virtual table, so schema_test.go leaves this out.
CREATE TABLE ticket_grams (
	ticket_id BIGINT NOT NULL PRIMARY KEY,
	grams     TSVECTOR NOT NULL
);

-- A town's cases of a month, in whatever status: the town's index alone
-- read all its cases for the dates.
CREATE INDEX tickets_town_created_idx ON tickets (town_code, created_at);
