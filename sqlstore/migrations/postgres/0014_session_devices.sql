-- 0011_session_devices.sql (postgres): where a session signed in from and with
-- what browser, for the list of a user's devices (my account). Keep in
-- step with the other dialect.
ALTER TABLE sessions ADD COLUMN addr TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
