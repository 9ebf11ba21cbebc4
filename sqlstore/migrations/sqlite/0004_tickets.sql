-- 0004_tickets.sql (sqlite): cases (工单), their timelines and numbering.
-- Keep in step with ../postgres/0004_tickets.sql (schema_test compares them).
CREATE TABLE tickets (
	id                    INTEGER PRIMARY KEY,
	number                TEXT NOT NULL UNIQUE,
	channel               TEXT NOT NULL,
	external_id           TEXT NOT NULL DEFAULT '',
	text                  TEXT NOT NULL,
	category              TEXT NOT NULL DEFAULT '',
	status                TEXT NOT NULL,
	version               INTEGER NOT NULL,
	lon                   REAL,
	lat                   REAL,
	address               TEXT NOT NULL DEFAULT '',
	county_code           TEXT NOT NULL DEFAULT '',
	town_code             TEXT NOT NULL DEFAULT '',
	community_code        TEXT NOT NULL DEFAULT '',
	grid_code             TEXT NOT NULL DEFAULT '',
	reporter_name         TEXT NOT NULL DEFAULT '',
	reporter_phone        TEXT NOT NULL DEFAULT '',
	reporter_confidential BOOLEAN NOT NULL DEFAULT false,
	reported_at           TIMESTAMP NOT NULL,
	lead_unit_id          BIGINT REFERENCES units (id),
	deadline              TIMESTAMP,
	merged_into           BIGINT REFERENCES tickets (id),
	closed_at             TIMESTAMP,
	created_at            TIMESTAMP NOT NULL,
	updated_at            TIMESTAMP NOT NULL
);
-- The same external number on one channel is one case (idempotent intake).
CREATE UNIQUE INDEX tickets_external_idx ON tickets (channel, external_id) WHERE external_id <> '';
CREATE INDEX tickets_status_idx ON tickets (status, id);
CREATE INDEX tickets_community_idx ON tickets (community_code, id);
CREATE INDEX tickets_grid_idx ON tickets (grid_code, id);
CREATE INDEX tickets_lead_idx ON tickets (lead_unit_id, id);

CREATE TABLE ticket_events (
	id          INTEGER PRIMARY KEY,
	ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
	at          TIMESTAMP NOT NULL,
	actor       TEXT NOT NULL,
	unit_id     BIGINT REFERENCES units (id),
	action      TEXT NOT NULL,
	from_status TEXT NOT NULL DEFAULT '',
	to_status   TEXT NOT NULL,
	outcome     TEXT NOT NULL DEFAULT '',
	opinion     TEXT NOT NULL DEFAULT '',
	note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);

-- ticket_counters numbers each county's cases per day (370812-20231114-000123).
CREATE TABLE ticket_counters (
	county_code TEXT NOT NULL,
	day         TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	PRIMARY KEY (county_code, day)
);
