-- 0010_duplicates.sql (sqlite): the duplicate finder's place cells, whistles
-- (吹哨报到) and coordination meetings (工单协调会). Keep in step with the
-- other dialect (schema_test compares them).

-- place_cell is gridline.DuplicateCell(lon, lat): the finder reads the cells
-- a case's radius touches within its time window through this index, which
-- also holds the place, so the cases of those cells outside the radius's box
-- are never read from the table.
ALTER TABLE tickets ADD COLUMN place_cell BIGINT;
UPDATE tickets SET place_cell = CAST((lat + 90) * 100 AS INTEGER) * 100000 + CAST((lon + 180) * 100 AS INTEGER)
	WHERE lon IS NOT NULL AND lat IS NOT NULL;
CREATE INDEX tickets_place_cell_idx ON tickets (place_cell, reported_at, lon, lat);
-- The cases merged into a master, which its reply and callback reach.
CREATE INDEX tickets_merged_idx ON tickets (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE whistles (
	id             INTEGER PRIMARY KEY,
	ticket_id      BIGINT NOT NULL REFERENCES tickets (id),
	town_code      TEXT NOT NULL DEFAULT '',
	community_code TEXT NOT NULL DEFAULT '',
	reason         TEXT NOT NULL,
	blown_by       TEXT NOT NULL,
	blown_at       TIMESTAMP NOT NULL,
	report_by      TIMESTAMP NOT NULL,
	status         TEXT NOT NULL,
	rated_at       TIMESTAMP,
	updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX whistles_ticket_idx ON whistles (ticket_id, id);
CREATE INDEX whistles_town_idx ON whistles (town_code, id);
CREATE INDEX whistles_status_idx ON whistles (status, id);

CREATE TABLE whistle_units (
	whistle_id  BIGINT NOT NULL REFERENCES whistles (id),
	unit_id     BIGINT NOT NULL REFERENCES units (id),
	reported_at TIMESTAMP,
	note        TEXT NOT NULL DEFAULT '',
	late        BOOLEAN NOT NULL DEFAULT false,
	score       INTEGER,
	comment     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (whistle_id, unit_id)
);
CREATE INDEX whistle_units_unit_idx ON whistle_units (unit_id, whistle_id);

CREATE TABLE meetings (
	id         INTEGER PRIMARY KEY,
	held_at    TIMESTAMP NOT NULL,
	place      TEXT NOT NULL,
	chair      TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX meetings_held_idx ON meetings (held_at, id);

CREATE TABLE meeting_units (
	meeting_id BIGINT NOT NULL REFERENCES meetings (id),
	unit_id    BIGINT NOT NULL REFERENCES units (id),
	PRIMARY KEY (meeting_id, unit_id)
);

CREATE TABLE meeting_items (
	id           INTEGER PRIMARY KEY,
	meeting_id   BIGINT NOT NULL REFERENCES meetings (id),
	ticket_id    BIGINT NOT NULL REFERENCES tickets (id),
	lead_unit_id BIGINT NOT NULL REFERENCES units (id),
	-- co_units is a JSON array of unit ids, each checked when written.
	co_units     TEXT NOT NULL DEFAULT '[]',
	plan         TEXT NOT NULL,
	deadline     TIMESTAMP
);
CREATE INDEX meeting_items_meeting_idx ON meeting_items (meeting_id, id);
CREATE INDEX meeting_items_ticket_idx ON meeting_items (ticket_id, id);
