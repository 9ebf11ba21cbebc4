-- 0019_text_search.sql (sqlite): an index for the case list's text filter,
-- and one for a region's cases of a period (docs/benchmarks.md, "The case
-- list over a million cases"). Keep in step with the other dialect.

-- ticket_grams holds each case's text as the terms of sqlstore/textsearch.go
-- (character bigrams, folded, in base 36), rowid = the case's id. Contentless
-- and detail=none: only which cases have each term, no copy of the text and
-- no positions; the filter checks its candidates with LIKE. Written with the
-- case (intake, ImportTickets); the cases there are now by Go code run right
-- after this file (migrate.go, backfillTicketGrams). A virtual table, so the
-- schema comparison (schema_test.go) does not see it.
CREATE VIRTUAL TABLE ticket_grams USING fts5(grams, content = '', detail = none, tokenize = 'ascii');

-- A town's cases of a month, in whatever status: the town's index alone
-- read all its cases (43,754) for the dates.
CREATE INDEX tickets_town_created_idx ON tickets (town_code, created_at);
