-- 0013_open311.sql (postgres): the service requests taken in through Open311
-- GeoReport v2. Keep in step with the other dialect (schema_test compares
-- them).

-- One row per case an Open311 client reported: what GET requests.{json,xml}
-- lists (public, without personal data), the token the POST answered and
-- the photo link the client sent. The case itself is an ordinary ticket.
CREATE TABLE open311_requests (
	ticket_id    BIGINT NOT NULL PRIMARY KEY REFERENCES tickets (id),
	token        TEXT NOT NULL UNIQUE,
	service_code TEXT NOT NULL,
	media_url    TEXT NOT NULL DEFAULT '',
	user_id      BIGINT NOT NULL REFERENCES users (id),
	requested_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX open311_requests_requested_idx ON open311_requests (requested_at, ticket_id);
