-- 0032_text_merges.sql (postgres): nothing to do. The other dialect's text
-- index (SQLite's FTS5) now merges its segments a few pages a commit rather
-- than in one large merge every few hundred leaves; PostgreSQL's GIN index
-- (ticket_grams_idx) folds its pending list in on its own terms. Kept so
-- that both dialects have the same migrations.
SELECT 1;
