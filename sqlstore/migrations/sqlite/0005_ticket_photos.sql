-- 0005_ticket_photos.sql (sqlite): the photos of cases, in the database
-- beside their case (see docs/api.md, "Photos", for why not in files).
-- Keep in step with ../postgres/0005_ticket_photos.sql (schema_test compares them).
CREATE TABLE ticket_photos (
	id         INTEGER PRIMARY KEY,
	ticket_id  BIGINT NOT NULL REFERENCES tickets (id),
	seq        INTEGER NOT NULL,
	mime       TEXT NOT NULL,
	size       INTEGER NOT NULL,
	sha256     TEXT NOT NULL,
	width      INTEGER NOT NULL,
	height     INTEGER NOT NULL,
	created_at TIMESTAMP NOT NULL,
	-- data comes last: SQLite keeps a large value in a chain of overflow
	-- pages, and a column after it could only be read by walking the chain.
	data       BLOB NOT NULL,
	UNIQUE (ticket_id, seq)
);
