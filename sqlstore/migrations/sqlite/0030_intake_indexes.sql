-- 0030_intake_indexes.sql (sqlite): every index on tickets is written by
-- every intake, ~2.5 % of its cost each (docs/benchmarks.md). A new case
-- has no lead unit and no deadline yet, and most have no building or
-- compound: their indexes now hold only the cases that have one, so intake
-- writes four fewer. Every query on these columns compares them (=, IN, <,
-- IS NOT NULL), which both databases take as implying the index's
-- condition, so the lists, scopes, overdue filter and scheduler read the
-- same indexes as before. tickets_deadline_idx goes: the overdue filter and
-- the scheduler ask open statuses, which (status, deadline) serves. Keep in
-- step with the other dialect.
DROP INDEX tickets_deadline_idx;
DROP INDEX tickets_status_deadline_idx;
CREATE INDEX tickets_status_deadline_idx ON tickets (status, deadline) WHERE deadline IS NOT NULL;
DROP INDEX tickets_lead_idx;
CREATE INDEX tickets_lead_idx ON tickets (lead_unit_id, id) WHERE lead_unit_id IS NOT NULL;
DROP INDEX tickets_building_idx;
CREATE INDEX tickets_building_idx ON tickets (building_id, id) WHERE building_id IS NOT NULL;
DROP INDEX tickets_compound_idx;
CREATE INDEX tickets_compound_idx ON tickets (compound_id, id) WHERE compound_id IS NOT NULL;
