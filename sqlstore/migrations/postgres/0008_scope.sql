-- 0008_scope.sql (postgres): what the scope predicates need (issue 9), and
-- the audit log's origin and append-only guard. Keep in step with
-- ../sqlite/0008_scope.sql (schema_test compares them).

-- compound_id is the compound whose outline holds the case (found at
-- intake): a property company sees the cases of its compounds. Cases
-- taken in before this migration have none.
ALTER TABLE tickets ADD COLUMN compound_id BIGINT REFERENCES compounds (id);
-- created_by is the account that took the case in: a resident's or an
-- external system's own cases. No foreign key: accounts live in their own
-- migration, and a case outlives the account that reported it.
ALTER TABLE tickets ADD COLUMN created_by BIGINT;
CREATE INDEX tickets_compound_idx ON tickets (compound_id, id);
CREATE INDEX tickets_created_by_idx ON tickets (created_by, id);
CREATE INDEX tickets_town_idx ON tickets (town_code, id);

-- addr is where the request came from.
ALTER TABLE audit_log ADD COLUMN addr TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- The audit log is append-only: no statement may change or remove a row
-- (TRUNCATE included).
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
