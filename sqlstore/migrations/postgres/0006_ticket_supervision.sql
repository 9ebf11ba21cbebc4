-- 0006_ticket_supervision.sql (postgres): the supervision state of a case,
-- kept by the deadline scheduler. Keep in step with the other dialect.
ALTER TABLE tickets ADD COLUMN warning TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN warn_at TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN escalated_to TEXT NOT NULL DEFAULT '';
-- base_deadline is the deadline set at dispatch: extensions are bounded from it.
ALTER TABLE tickets ADD COLUMN base_deadline TIMESTAMPTZ;
CREATE INDEX tickets_deadline_idx ON tickets (deadline);
