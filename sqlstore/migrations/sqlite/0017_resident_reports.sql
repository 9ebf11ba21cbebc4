-- 0017_resident_reports.sql (sqlite): the residents' page (随手拍). Keep in step with the
-- other dialect (schema_test compares them).

-- One row per case a resident reported on the page: the hash of the follow code
-- that proves the case is theirs (the code itself is never stored), where it was
-- reported (what the per-place limit counts: the address as given, the point),
-- and their rating once made. The reporter's phone stays on the ticket, masked
-- like every reporter's; the per-phone limit counts through it.
CREATE TABLE resident_reports (
	ticket_id      BIGINT NOT NULL PRIMARY KEY REFERENCES tickets (id),
	follow_hash    TEXT NOT NULL,
	address        TEXT NOT NULL DEFAULT '',
	lon            REAL,
	lat            REAL,
	reported_at    TIMESTAMP NOT NULL,
	rating         TEXT NOT NULL DEFAULT '' CHECK (rating IN ('', 'satisfied', 'basic', 'unsatisfied')),
	rating_comment TEXT NOT NULL DEFAULT '',
	rated_at       TIMESTAMP
);
-- The limits count the last day's and hour's reports.
CREATE INDEX resident_reports_reported_idx ON resident_reports (reported_at);
