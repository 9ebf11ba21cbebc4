-- 0018_kpi_rollups.sql (postgres): the KPI rollups (docs/benchmarks.md, "KPIs over a
-- million cases"). Keep in step with the other dialect (schema_test compares them).
-- Written in the transaction of every change to a case (sqlstore/kpi_rollup.go);
-- the rows are backfilled from the cases and their timelines by Go code run
-- right after this file (migrate.go, backfillKPIRollups).

-- kpi_facts holds each case's contribution as it was last written: its
-- group keys and its cells (encoded), so a change subtracts the old and
-- adds the new.
CREATE TABLE kpi_facts (
	ticket_id  BIGINT NOT NULL PRIMARY KEY,
	unit_key   TEXT NOT NULL,
	grid       TEXT NOT NULL,
	community  TEXT NOT NULL,
	town       TEXT NOT NULL,
	category   TEXT NOT NULL,
	channel    TEXT NOT NULL,
	cells      TEXT NOT NULL
);

-- kpi_days sums, per grouping (dim 0–5: unit, grid, community, town,
-- category, channel), key and day (China time, days since 1970-01-01),
-- the counts whose first day is that day.
CREATE TABLE kpi_days (
	dim                  INTEGER NOT NULL,
	day                  INTEGER NOT NULL,
	key                  TEXT NOT NULL,
	received             BIGINT NOT NULL DEFAULT 0,
	received_closed      BIGINT NOT NULL DEFAULT 0,
	closed               BIGINT NOT NULL DEFAULT 0,
	closed_on_time       BIGINT NOT NULL DEFAULT 0,
	open_overdue         BIGINT NOT NULL DEFAULT 0,
	due                  BIGINT NOT NULL DEFAULT 0,
	reworks              BIGINT NOT NULL DEFAULT 0,
	dispatches           BIGINT NOT NULL DEFAULT 0,
	returns              BIGINT NOT NULL DEFAULT 0,
	signs                BIGINT NOT NULL DEFAULT 0,
	signed_on_time       BIGINT NOT NULL DEFAULT 0,
	handling_us          BIGINT NOT NULL DEFAULT 0,
	handling_working_us  BIGINT NOT NULL DEFAULT 0,
	callbacks            BIGINT NOT NULL DEFAULT 0,
	contacted            BIGINT NOT NULL DEFAULT 0,
	resolved             BIGINT NOT NULL DEFAULT 0,
	satisfied            BIGINT NOT NULL DEFAULT 0,
	basic                BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (dim, day, key)
);

-- kpi_spans holds what depends on the period's end: counts to take back
-- (and cases open and overdue) when the end falls in (lo, hi]. cls is the
-- bit length of hi - lo (31: open-ended), so a period's end finds its spans
-- by a short range of lo per class.
CREATE TABLE kpi_spans (
	dim                  INTEGER NOT NULL,
	key                  TEXT NOT NULL,
	lo                   INTEGER NOT NULL,
	hi                   INTEGER NOT NULL,
	cls                  INTEGER NOT NULL,
	received             BIGINT NOT NULL DEFAULT 0,
	received_closed      BIGINT NOT NULL DEFAULT 0,
	closed               BIGINT NOT NULL DEFAULT 0,
	closed_on_time       BIGINT NOT NULL DEFAULT 0,
	open_overdue         BIGINT NOT NULL DEFAULT 0,
	due                  BIGINT NOT NULL DEFAULT 0,
	reworks              BIGINT NOT NULL DEFAULT 0,
	dispatches           BIGINT NOT NULL DEFAULT 0,
	returns              BIGINT NOT NULL DEFAULT 0,
	signs                BIGINT NOT NULL DEFAULT 0,
	signed_on_time       BIGINT NOT NULL DEFAULT 0,
	handling_us          BIGINT NOT NULL DEFAULT 0,
	handling_working_us  BIGINT NOT NULL DEFAULT 0,
	callbacks            BIGINT NOT NULL DEFAULT 0,
	contacted            BIGINT NOT NULL DEFAULT 0,
	resolved             BIGINT NOT NULL DEFAULT 0,
	satisfied            BIGINT NOT NULL DEFAULT 0,
	basic                BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (dim, key, lo, hi)
);
CREATE INDEX kpi_spans_cls_idx ON kpi_spans (dim, cls, lo);
