-- 0031_intake_pages.sql (postgres): the indexes that put each new case on a
-- page of its own. Counted in the WAL under intake load (docs/benchmarks.md):
-- 7.5 pages written a case, of which 1.25 in (place_cell, reported_at, …) —
-- a new case's cell is anywhere in the district, so each lands on another
-- page — and 0.86 in (community_code, id).
--
-- The duplicate finder's and the hotline–grid comparison's index now leads
-- with the time reported: new cases go to its end, and both ask a window of
-- time (a few days, a month) first, then the cells within it, which the
-- index holds too.
--
-- A community's cases are its grids' cases (a grid's code begins with its
-- community's), so a community is a range of the grid index: a few grids,
-- a few thousand cases a year at the most, sorted by id for a page. Keep in
-- step with the other dialect.
DROP INDEX tickets_place_cell_idx;
CREATE INDEX tickets_reported_place_idx ON tickets (reported_at, place_cell, lon, lat);
DROP INDEX tickets_community_idx;
