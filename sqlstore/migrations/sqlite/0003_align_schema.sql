-- 0003_align_schema.sql (sqlite): grid_layers.code refuses NULL, as it does on PostgreSQL.
-- Keep in step with ../postgres/0003_align_schema.sql.
--
-- SQLite lets a PRIMARY KEY column of a rowid table hold NULL unless it is
-- INTEGER or declared NOT NULL (a bug kept for compatibility), and it cannot
-- add NOT NULL to an existing column: the table is rebuilt.
--
-- Migrations run in a transaction, where PRAGMA foreign_keys cannot be turned
-- off, and renaming grid_layers would make grids.layer follow the new name.
-- So the rows are copied aside, the table dropped and recreated under its own
-- name, and the rows put back; deferring foreign keys lets grids.layer point
-- nowhere in between, and SQLite checks them again at COMMIT (the pragma
-- ends with the transaction). A NULL code, which Gridline never writes,
-- fails the migration rather than being dropped silently.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE grid_layers_0003 AS SELECT code, name, name_en, sort_order, created_at FROM grid_layers;
DROP TABLE grid_layers;
CREATE TABLE grid_layers (
	code       TEXT NOT NULL PRIMARY KEY,
	name       TEXT NOT NULL,
	name_en    TEXT NOT NULL DEFAULT '',
	sort_order INTEGER NOT NULL DEFAULT 0,
	created_at TIMESTAMP NOT NULL
);
INSERT INTO grid_layers (code, name, name_en, sort_order, created_at)
	SELECT code, name, name_en, sort_order, created_at FROM grid_layers_0003;
DROP TABLE grid_layers_0003;
