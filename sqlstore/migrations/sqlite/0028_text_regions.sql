-- 0028_text_regions.sql (sqlite): the text index holds each case's place
-- too — its town, community and grid codes as terms (sqlstore/textsearch.go,
-- regionTerms) — so a text search within a town or grid intersects two lists
-- in the index. Keep in step with the other dialect.

-- Emptied here; every case is indexed again, text and place, by Go code run
-- right after this file (migrate.go, backfillTicketGrams).
INSERT INTO ticket_grams (ticket_grams) VALUES ('delete-all');
