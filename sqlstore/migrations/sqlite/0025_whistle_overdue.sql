-- 0025_whistle_overdue.sql (sqlite): the deadline scheduler flags the units a
-- whistle called that did not report in time (吹哨报到). Keep in step with the
-- other dialect (schema_test compares them).

-- overdue_at is when the scheduler found the unit past the whistle's
-- report_by without a report: set once, kept after a late report.
ALTER TABLE whistle_units ADD COLUMN overdue_at TIMESTAMP;
-- The units the scheduler still has to look at: not reported, not flagged.
CREATE INDEX whistle_units_due_idx ON whistle_units (whistle_id) WHERE reported_at IS NULL AND overdue_at IS NULL;
-- The ranking and the period filter read whistles by when they were blown.
CREATE INDEX whistles_blown_idx ON whistles (blown_at, id);
