-- 0016_idempotency_checks.sql (sqlite): idempotency keys of intakes and
-- actions (a phone's offline queue sends each exactly once), the place an
-- action was taken from (verify, self_handle, check_report), the photos an
-- action brought, and on-site check tasks (核查任务). Keep in step with
-- ../postgres/0016_idempotency_checks.sql (schema_test compares them).

-- One row per account and key: the request's fingerprint, the case it
-- wrote and the answer it got (body empty until the answer is saved). Rows
-- older than gridline.IdempotencyRetention are purged.
CREATE TABLE idempotency_keys (
	user_id     BIGINT NOT NULL,
	idem_key    TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	ticket_id   BIGINT NOT NULL,
	status      INTEGER NOT NULL,
	body        BLOB,
	created_at  TIMESTAMP NOT NULL,
	PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Where the actor stood, and how far from the case's place (metres).
ALTER TABLE ticket_events ADD COLUMN lon REAL;
ALTER TABLE ticket_events ADD COLUMN lat REAL;
ALTER TABLE ticket_events ADD COLUMN distance_m REAL;

-- The event a photo came with (nil: intake).
ALTER TABLE ticket_photos ADD COLUMN event_id BIGINT;

-- A check task: asked by check_request, answered by check_report.
CREATE TABLE ticket_checks (
	id              INTEGER PRIMARY KEY,
	ticket_id       BIGINT NOT NULL REFERENCES tickets (id),
	request_event   BIGINT NOT NULL,
	requested_at    TIMESTAMP NOT NULL,
	answer_event    BIGINT,
	answered_at     TIMESTAMP,
	finding         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ticket_checks_ticket_idx ON ticket_checks (ticket_id);
CREATE INDEX ticket_checks_open_idx ON ticket_checks (ticket_id) WHERE answered_at IS NULL;
