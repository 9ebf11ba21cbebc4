-- 0028_text_regions.sql (postgres): the text index holds each case's place
-- too — its town, community and grid codes as terms (sqlstore/textsearch.go,
-- regionTerms) — so a text search within a town or grid intersects two lists
-- in the GIN index. Keep in step with the other dialect.

-- Emptied here; every case is indexed again, text and place, by Go code run
-- right after this file (migrate.go, backfillTicketGrams), which builds the
-- GIN index again after the rows.
DROP INDEX ticket_grams_idx;
TRUNCATE ticket_grams;
