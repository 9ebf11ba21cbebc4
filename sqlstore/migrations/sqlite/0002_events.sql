-- 0002_events.sql (sqlite): the change feed and its readers' positions.
-- Keep in step with ../postgres/0002_events.sql.

-- events is append-only: one row per change, written in the transaction of
-- the change. seq only grows and, because event rows are inserted just
-- before commit while the writer is serialised, a reader that has seen seq
-- n never later finds a committed event below n.
CREATE TABLE events (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: never reuse a pruned seq
	at         TIMESTAMP NOT NULL,
	entity     TEXT NOT NULL,
	action     TEXT NOT NULL,
	entity_key TEXT NOT NULL,
	detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_at_idx ON events (at);

-- event_cursors keeps the position of each durable feed reader.
CREATE TABLE event_cursors (
	name       TEXT NOT NULL PRIMARY KEY, -- NOT NULL: SQLite would take NULL in a TEXT key
	seq        BIGINT NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
