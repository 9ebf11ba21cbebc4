-- 0020_ticket_building.sql (postgres): a case at its building, entrance and floor
-- (issue 7: "building/entrance/floor where known"). Keep in step with the other
-- dialect (schema_test compares them).

-- building_id is the building the case is in or at, given at intake or found from
-- a standard address or a QR door plate; entrance is the entrance unit's number
-- within it (0: not known), as entrances and addresses number them; floor is
-- 1..the entrance's floors (NULL: not known; the foundation has no basements).
-- A building with cases is not deleted (DeleteBuilding: ECONFLICT), so no
-- ON DELETE action.
ALTER TABLE tickets ADD COLUMN building_id BIGINT REFERENCES buildings (id);
ALTER TABLE tickets ADD COLUMN entrance INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN floor INTEGER;
-- A building's cases (its page in the command centre; the delete check).
CREATE INDEX tickets_building_idx ON tickets (building_id, id);
