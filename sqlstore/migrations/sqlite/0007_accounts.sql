-- 0007_accounts.sql (sqlite): accounts, their grants, sessions and API
-- tokens (issue 9). Keep in step with the other dialect. Usernames are
-- stored lower case; passwords as argon2id PHC strings; session and API
-- tokens only as their SHA-256 (hex).
CREATE TABLE users (
	id                  INTEGER PRIMARY KEY,
	username            TEXT NOT NULL UNIQUE,
	password_hash       TEXT NOT NULL,
	name                TEXT NOT NULL,
	phone               TEXT NOT NULL DEFAULT '',
	disabled            BOOLEAN NOT NULL DEFAULT false,
	person_id           BIGINT REFERENCES people (id),
	-- failed_logins counts consecutive failures; locked_until refuses
	-- logins until then (AuthPolicy).
	failed_logins       INTEGER NOT NULL DEFAULT 0,
	locked_until        TIMESTAMP,
	password_changed_at TIMESTAMP NOT NULL,
	created_at          TIMESTAMP NOT NULL,
	updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX users_person_idx ON users (person_id);

-- user_grants are gridline.Grant rows: a role at a region or grid code,
-- at a unit, or district-wide (both empty).
CREATE TABLE user_grants (
	id      INTEGER PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role    TEXT NOT NULL,
	region  TEXT NOT NULL DEFAULT '',
	unit_id BIGINT REFERENCES units (id)
);
CREATE INDEX user_grants_user_idx ON user_grants (user_id);
CREATE INDEX user_grants_unit_idx ON user_grants (unit_id);

CREATE TABLE sessions (
	id           INTEGER PRIMARY KEY,
	token_hash   TEXT NOT NULL UNIQUE,
	user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf         TEXT NOT NULL,
	created_at   TIMESTAMP NOT NULL,
	last_seen_at TIMESTAMP NOT NULL,
	expires_at   TIMESTAMP NOT NULL,
	revoked_at   TIMESTAMP
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- api_tokens.grants is a JSON array of grants, a subset of the user's;
-- '[]' means all of them.
CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	prefix       TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,
	grants       TEXT NOT NULL DEFAULT '[]',
	created_at   TIMESTAMP NOT NULL,
	expires_at   TIMESTAMP NOT NULL,
	last_used_at TIMESTAMP,
	revoked_at   TIMESTAMP
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
