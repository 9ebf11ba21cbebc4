-- 0001_init.sql (sqlite): regions, grids, places, organisation, workforce, audit log.
-- Keep in step with ../postgres/0001_init.sql: same tables, same columns.
CREATE TABLE regions (
	code        TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	level       TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'town', 'village')),
	parent_code TEXT,
	geometry    TEXT,
	updated_at  TIMESTAMP NOT NULL
) WITHOUT ROWID; -- the code is the key: one B-tree instead of two, for fast national imports
CREATE INDEX regions_parent_idx ON regions (parent_code);

CREATE TABLE grid_layers (
	code       TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	name_en    TEXT NOT NULL DEFAULT '',
	sort_order INTEGER NOT NULL DEFAULT 0,
	created_at TIMESTAMP NOT NULL
);

CREATE TABLE grids (
	id             INTEGER PRIMARY KEY,
	code           TEXT NOT NULL UNIQUE,
	name           TEXT NOT NULL,
	layer          TEXT NOT NULL REFERENCES grid_layers (code),
	community_code TEXT NOT NULL REFERENCES regions (code),
	town_code      TEXT NOT NULL,
	county_code    TEXT NOT NULL,
	area_m2        REAL NOT NULL,
	geometry       TEXT NOT NULL,
	min_lon        REAL NOT NULL,
	min_lat        REAL NOT NULL,
	max_lon        REAL NOT NULL,
	max_lat        REAL NOT NULL,
	note           TEXT NOT NULL DEFAULT '',
	created_at     TIMESTAMP NOT NULL,
	updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX grids_layer_bbox_idx ON grids (layer, min_lon, max_lon);
CREATE INDEX grids_community_idx ON grids (community_code);

CREATE TABLE units (
	id          INTEGER PRIMARY KEY,
	kind        TEXT NOT NULL CHECK (kind IN ('department', 'property', 'other')),
	name        TEXT NOT NULL,
	short_name  TEXT NOT NULL DEFAULT '',
	phone       TEXT NOT NULL DEFAULT '',
	region_code TEXT NOT NULL DEFAULT '',
	party_led   BOOLEAN NOT NULL DEFAULT false,
	created_at  TIMESTAMP NOT NULL,
	updated_at  TIMESTAMP NOT NULL,
	UNIQUE (kind, name)
);

CREATE TABLE people (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL,
	phone       TEXT NOT NULL DEFAULT '',
	team        TEXT NOT NULL,
	role        TEXT NOT NULL DEFAULT '',
	unit_id     BIGINT REFERENCES units (id),
	region_code TEXT NOT NULL DEFAULT '',
	created_at  TIMESTAMP NOT NULL,
	updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX people_team_idx ON people (team);
CREATE INDEX people_region_idx ON people (region_code);
CREATE INDEX people_unit_idx ON people (unit_id);

CREATE TABLE points (
	id             INTEGER PRIMARY KEY,
	name           TEXT NOT NULL,
	kind           TEXT NOT NULL DEFAULT '',
	lon            REAL NOT NULL,
	lat            REAL NOT NULL,
	county_code    TEXT NOT NULL,
	town_code      TEXT NOT NULL,
	community_code TEXT NOT NULL,
	grid_code      TEXT NOT NULL REFERENCES grids (code),
	cadre_id       BIGINT REFERENCES people (id),
	note           TEXT NOT NULL DEFAULT '',
	created_at     TIMESTAMP NOT NULL,
	updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX points_grid_idx ON points (grid_code);
CREATE INDEX points_community_idx ON points (community_code);
CREATE INDEX points_cadre_idx ON points (cadre_id);

CREATE TABLE compounds (
	id               INTEGER PRIMARY KEY,
	name             TEXT NOT NULL,
	property_unit_id BIGINT REFERENCES units (id),
	geometry         TEXT,
	lon              REAL NOT NULL,
	lat              REAL NOT NULL,
	county_code      TEXT NOT NULL,
	town_code        TEXT NOT NULL,
	community_code   TEXT NOT NULL,
	grid_code        TEXT REFERENCES grids (code),
	households       INTEGER NOT NULL DEFAULT 0,
	built_year       INTEGER NOT NULL DEFAULT 0,
	created_at       TIMESTAMP NOT NULL,
	updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX compounds_grid_idx ON compounds (grid_code);
CREATE INDEX compounds_community_idx ON compounds (community_code);
CREATE INDEX compounds_unit_idx ON compounds (property_unit_id);

CREATE TABLE buildings (
	id             INTEGER PRIMARY KEY,
	compound_id    BIGINT REFERENCES compounds (id),
	name           TEXT NOT NULL,
	number         INTEGER NOT NULL DEFAULT 0,
	floors         INTEGER NOT NULL,
	height_m       REAL NOT NULL DEFAULT 0,
	footprint      TEXT NOT NULL,
	lon            REAL NOT NULL,
	lat            REAL NOT NULL,
	county_code    TEXT NOT NULL,
	town_code      TEXT NOT NULL,
	community_code TEXT NOT NULL,
	grid_code      TEXT REFERENCES grids (code),
	created_at     TIMESTAMP NOT NULL,
	updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX buildings_compound_idx ON buildings (compound_id);
CREATE INDEX buildings_grid_idx ON buildings (grid_code);
CREATE INDEX buildings_community_idx ON buildings (community_code);

CREATE TABLE addresses (
	id             INTEGER PRIMARY KEY,
	code           TEXT NOT NULL UNIQUE,
	full_name      TEXT NOT NULL,
	building_id    BIGINT REFERENCES buildings (id) ON DELETE CASCADE,
	entrance_no    INTEGER NOT NULL DEFAULT 0,
	lon            REAL NOT NULL,
	lat            REAL NOT NULL,
	county_code    TEXT NOT NULL,
	town_code      TEXT NOT NULL,
	community_code TEXT NOT NULL,
	grid_code      TEXT,
	qr_token       TEXT NOT NULL UNIQUE,
	created_at     TIMESTAMP NOT NULL
);
CREATE INDEX addresses_building_idx ON addresses (building_id);
CREATE INDEX addresses_community_idx ON addresses (community_code);

CREATE TABLE entrances (
	id          INTEGER PRIMARY KEY,
	building_id BIGINT NOT NULL REFERENCES buildings (id) ON DELETE CASCADE,
	number      INTEGER NOT NULL,
	floors      INTEGER NOT NULL,
	households  INTEGER NOT NULL DEFAULT 0,
	address_id  BIGINT REFERENCES addresses (id) ON DELETE SET NULL,
	UNIQUE (building_id, number)
);

CREATE TABLE party_orgs (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL,
	level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 6),
	parent_id   BIGINT REFERENCES party_orgs (id),
	path        TEXT NOT NULL,
	region_code TEXT NOT NULL,
	grid_code   TEXT REFERENCES grids (code),
	compound_id BIGINT REFERENCES compounds (id),
	building_id BIGINT REFERENCES buildings (id),
	leader_id   BIGINT REFERENCES people (id) ON DELETE SET NULL,
	created_at  TIMESTAMP NOT NULL,
	updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX party_orgs_parent_idx ON party_orgs (parent_id);
CREATE INDEX party_orgs_path_idx ON party_orgs (path);
CREATE INDEX party_orgs_region_idx ON party_orgs (region_code);

CREATE TABLE assignments (
	id             INTEGER PRIMARY KEY,
	person_id      BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	target         TEXT NOT NULL CHECK (target IN ('grid', 'point', 'compound', 'unit', 'party_org')),
	target_id      BIGINT NOT NULL,
	role           TEXT NOT NULL DEFAULT '',
	county_code    TEXT NOT NULL DEFAULT '',
	town_code      TEXT NOT NULL DEFAULT '',
	community_code TEXT NOT NULL DEFAULT '',
	grid_code      TEXT NOT NULL DEFAULT '',
	created_at     TIMESTAMP NOT NULL,
	UNIQUE (person_id, target, target_id, role)
);
CREATE INDEX assignments_target_idx ON assignments (target, target_id);
CREATE INDEX assignments_grid_idx ON assignments (grid_code);
CREATE INDEX assignments_community_idx ON assignments (community_code);

CREATE TABLE audit_log (
	id         INTEGER PRIMARY KEY,
	at         TIMESTAMP NOT NULL,
	actor      TEXT NOT NULL,
	action     TEXT NOT NULL,
	entity     TEXT NOT NULL,
	entity_key TEXT NOT NULL,
	detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_key);

INSERT INTO grid_layers (code, name, name_en, sort_order, created_at) VALUES
	('comprehensive', '全科网格', 'Comprehensive grid', 1, CURRENT_TIMESTAMP),
	('party', '党建网格', 'Party-building grid', 2, CURRENT_TIMESTAMP);
