-- 0027_saved_views.sql (sqlite): keep in step with the other dialect (schema_test
-- compares them).

-- saved_views are the named filters a user keeps for a list page (the case
-- list's 保存的视图). query is a JSON object of the page's URL query,
-- parameter → value; the server stores it and hands it back, nothing
-- more. A name is unique per user and page.
CREATE TABLE saved_views (
	id         INTEGER PRIMARY KEY,
	user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	page       TEXT NOT NULL,
	name       TEXT NOT NULL,
	query      TEXT NOT NULL DEFAULT '{}',
	created_at TIMESTAMP NOT NULL,
	UNIQUE (user_id, page, name)
);
