-- 0029_period_totals.sql (postgres): ticket_totals counts the cases by the
-- day they were taken in (dim 'day', China time), so a list of a period and
-- nothing else sums days instead of counting cases (sqlstore/ticket_totals.go).
-- The counts are filled again, days included, by Go code run right after this
-- file (migrate.go, backfillTicketTotals). Keep in step with the other dialect.

-- A town's cases of a period in a status, counted and paged from the index
-- alone: it carries the status and id (not keys: the same keys as SQLite's).
-- Before, PostgreSQL counted a town's closed cases of a month by reading the
-- month's 78,000 cases (90 ms of the 115 ms the list took over a million).
DROP INDEX tickets_town_created_idx;
CREATE INDEX tickets_town_created_idx ON tickets (town_code, created_at) INCLUDE (status, id);
