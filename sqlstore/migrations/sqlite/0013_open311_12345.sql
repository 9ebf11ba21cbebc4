-- 0013_open311_12345.sql (sqlite): Open311 service requests and the outbox of status
-- webhooks to the 12345 platform. Keep in step with the other dialect (schema_test
-- compares them).

-- One row per case an Open311 client reported: what GET requests.{json,xml}
-- lists (public, without personal data), the token the POST answered and
-- the photo link the client sent. The case itself is an ordinary ticket.
CREATE TABLE open311_requests (
	ticket_id    BIGINT NOT NULL PRIMARY KEY REFERENCES tickets (id),
	token        TEXT NOT NULL UNIQUE,
	service_code TEXT NOT NULL,
	media_url    TEXT NOT NULL DEFAULT '',
	user_id      BIGINT NOT NULL REFERENCES users (id),
	requested_at TIMESTAMP NOT NULL
);
CREATE INDEX open311_requests_requested_idx ON open311_requests (requested_at, ticket_id);

-- Who hears of status changes: the 12345 platform's endpoint, with the
-- secret the bodies are signed with, for the cases of its channels
-- (",hotline," …: a case with an external number on one of them).
CREATE TABLE webhook_subscribers (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	url        TEXT NOT NULL,
	secret     TEXT NOT NULL,
	channels   TEXT NOT NULL,
	active     BOOLEAN NOT NULL DEFAULT true,
	created_at TIMESTAMP NOT NULL
);

-- The outbox: one row per status change and subscriber, written in the
-- transaction of the change, sent by the worker of gridline serve until
-- the subscriber answers 2xx. next_at is when it is due (a send in flight
-- holds it a lease ahead), so a restart resumes where it stopped.
CREATE TABLE webhook_deliveries (
	id            INTEGER PRIMARY KEY,
	subscriber_id BIGINT NOT NULL REFERENCES webhook_subscribers (id),
	ticket_id     BIGINT NOT NULL REFERENCES tickets (id),
	body          TEXT NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
	attempts      INTEGER NOT NULL DEFAULT 0,
	next_at       TIMESTAMP NOT NULL,
	last_error    TEXT NOT NULL DEFAULT '',
	created_at    TIMESTAMP NOT NULL,
	delivered_at  TIMESTAMP
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_at);
CREATE INDEX webhook_deliveries_subscriber_idx ON webhook_deliveries (subscriber_id, id);
