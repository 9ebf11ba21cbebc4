-- 0011_counits.sql (sqlite): each unit's assignment on a case (lead and
-- co-units), the callback's recorded fields, and the admins' edits to the
-- category catalogue and the working calendar. Keep in step with the other
-- dialect (schema_test compares them).

-- ticket_assignments holds the units of a case's current dispatch: one
-- lead and any co-units, each with its own deadline, sign-off, reply and
-- (for a co-unit) the lead's rating of its cooperation. A redispatch or a
-- return replaces them; the timeline keeps what was.
CREATE TABLE ticket_assignments (
	ticket_id      BIGINT NOT NULL REFERENCES tickets (id),
	unit_id        BIGINT NOT NULL REFERENCES units (id),
	role           TEXT NOT NULL,
	assigned_at    TIMESTAMP NOT NULL,
	deadline       TIMESTAMP NOT NULL,
	warn_at        TIMESTAMP NOT NULL,
	warning        TEXT NOT NULL DEFAULT '',
	signed_at      TIMESTAMP,
	replied_at     TIMESTAMP,
	reply          TEXT NOT NULL DEFAULT '',
	rating         INTEGER,
	rating_opinion TEXT NOT NULL DEFAULT '',
	rated_at       TIMESTAMP,
	PRIMARY KEY (ticket_id, unit_id)
);
-- A department's scope: the cases its unit leads or co-handles.
CREATE INDEX ticket_assignments_unit_idx ON ticket_assignments (unit_id, ticket_id);
-- The scheduler's lights on co-units that have not replied.
CREATE INDEX ticket_assignments_warn_idx ON ticket_assignments (warn_at) WHERE role = 'co' AND replied_at IS NULL;

-- A callback's answers as recorded: reached the reporter, resolved. NULL
-- on older events, whose figures are derived from the satisfaction.
ALTER TABLE ticket_events ADD COLUMN contacted BOOLEAN;
ALTER TABLE ticket_events ADD COLUMN resolved BOOLEAN;

-- category_edits are the admins' changes to the shipped catalogue, by
-- sub-class code: a new class, or a shipped one's name, time limit, lead
-- units or deactivation. The catalogue in use is the shipped one with
-- these applied.
CREATE TABLE category_edits (
	code        TEXT NOT NULL PRIMARY KEY,
	parent_code TEXT NOT NULL,
	name        TEXT NOT NULL,
	name_en     TEXT NOT NULL DEFAULT '',
	limit_amount INTEGER NOT NULL,
	limit_unit  TEXT NOT NULL,
	leads       TEXT NOT NULL DEFAULT '{}',
	active      BOOLEAN NOT NULL DEFAULT true,
	updated_by  TEXT NOT NULL,
	updated_at  TIMESTAMP NOT NULL
);

-- calendar_edits are the admins' holidays and adjusted working days,
-- over the official calendar: a day here replaces the shipped one's type.
CREATE TABLE calendar_edits (
	day        TEXT NOT NULL PRIMARY KEY,
	type       TEXT NOT NULL,
	name       TEXT NOT NULL DEFAULT '',
	updated_by TEXT NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
