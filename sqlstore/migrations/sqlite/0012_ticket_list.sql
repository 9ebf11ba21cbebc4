-- 0012_ticket_list.sql (sqlite): indexes for the case list's filters over a
-- million cases (docs/benchmarks.md, "The case list over a million cases").
-- Keep in step with the other dialect (schema_test compares them).

-- A page is the newest cases of a selection: an index (column, id) hands
-- them in order for an equality, and counts the selection without the table.
CREATE INDEX tickets_channel_idx ON tickets (channel, id);
-- A category filter is a code prefix (a main class or a sub-class): the
-- index counts the range; the page walks the ids backwards instead.
CREATE INDEX tickets_category_idx ON tickets (category, id);
-- Received from … to: the range's count.
CREATE INDEX tickets_created_idx ON tickets (created_at);
-- Overdue: open statuses (a few of a million cases) past their deadline.
CREATE INDEX tickets_status_deadline_idx ON tickets (status, deadline);
