-- 0026_meeting_topic.sql (sqlite): a coordination meeting's topic and the people
-- who attended (issue 8: "record the cases discussed, attendees"). Keep in
-- step with the other dialect (schema_test compares them).

-- topic is what the meeting was called for ('' for meetings recorded before
-- it existed); attendees is a JSON array of free-text names with their posts
-- ("张三（城管局副局长）"), beside the attending units of meeting_units: the
-- people need not have accounts.
ALTER TABLE meetings ADD COLUMN topic TEXT NOT NULL DEFAULT '';
ALTER TABLE meetings ADD COLUMN attendees TEXT NOT NULL DEFAULT '[]';
