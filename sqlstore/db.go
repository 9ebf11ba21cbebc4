// Package sqlstore implements Gridline's services on SQLite (the embedded
// default, pure Go) and PostgreSQL with one set of hand-written SQL. The few
// differences between the two live in dialect.go and the driver files.
package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridline/gridline"
)

// DB is a Gridline database. Open it, use its services, Close it.
type DB struct {
	// DSN is "sqlite:PATH" (or a bare path) or a postgres:// URL.
	DSN string
	// Now is the clock; tests replace it to run at a fixed time.
	Now gridline.Clock
	// NoAutoMigrate leaves the schema alone on Open (PostgreSQL operators
	// who migrate explicitly with `gridline migrate`).
	NoAutoMigrate bool
	// WriteWait is how long a write on SQLite waits for another process
	// (e.g. `gridline import` on the same file) to release the database
	// before it fails with EUNAVAILABLE; 0 means 30 s.
	WriteWait time.Duration

	dialect dialect
	// write is the pool for write transactions. On SQLite it holds one
	// connection, so writers queue in Go instead of failing with
	// SQLITE_BUSY; on PostgreSQL it is the same pool as read.
	write *sql.DB
	read  *sql.DB
	// committed is the highest change-feed seq this process has
	// committed: in-process readers of the feed compare it with their
	// position to see that they are behind without asking the database.
	committed atomic.Int64
	// committedBy is the same per entity (string → *atomic.Int64), so a
	// reader that follows grids is not woken by every case written.
	committedBy sync.Map
	// refs caches the catalogue and calendar in use (reference.go).
	refs refCache
	// writeStmts and readStmts are the statements shared by the
	// transactions of each SQLite pool (stmtcache.go).
	writeStmts, readStmts sharedStmts
	// stopCheckpoints ends the SQLite checkpointer; checkpoints is
	// closed when it has.
	stopCheckpoints context.CancelFunc
	checkpoints     chan struct{}
}

// CommittedSeqOf returns the highest change-feed seq this process has
// committed for any of the given entities (0 before the first).
func (db *DB) CommittedSeqOf(entities ...string) int64 {
	var max int64
	for _, e := range entities {
		if v, ok := db.committedBy.Load(e); ok {
			max = maxInt64(max, v.(*atomic.Int64).Load())
		}
	}
	return max
}

func maxInt64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// raise sets a to v unless it already holds more.
func raise(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// CommittedSeq returns the highest change-feed seq committed through db
// by this process (0 before the first). Changes by other processes are
// not counted: readers still poll the feed for those.
func (db *DB) CommittedSeq() int64 { return db.committed.Load() }

// NewDB returns a DB for dsn; call Open before use.
func NewDB(dsn string) *DB {
	return &DB{DSN: dsn, Now: func() time.Time { return time.Now() }}
}

// Open connects and, unless NoAutoMigrate, applies pending migrations.
func (db *DB) Open(ctx context.Context) (err error) {
	switch {
	case strings.HasPrefix(db.DSN, "postgres://"), strings.HasPrefix(db.DSN, "postgresql://"):
		db.dialect = postgresDialect
		db.read, err = openPostgres(db.DSN)
		db.write = db.read
	case strings.Contains(db.DSN, "://") && !strings.HasPrefix(db.DSN, "sqlite://"):
		scheme, _, _ := strings.Cut(db.DSN, "://")
		return gridline.Errorf(gridline.EINVALID, "database %s://…: unsupported; use sqlite:PATH or postgres://…", scheme)
	default:
		// sqlite:PATH, sqlite:///abs/path, or a bare path.
		path := strings.TrimPrefix(strings.TrimPrefix(db.DSN, "sqlite:"), "//")
		db.dialect = sqliteDialect
		db.read, db.write, err = openSQLite(path)
	}
	if err != nil {
		return err
	}
	if err := db.read.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("connect to %s database: %w", db.dialect.name, err)
	}
	if !db.NoAutoMigrate {
		if err := db.Migrate(ctx); err != nil {
			db.Close()
			return err
		}
	}
	if db.dialect == sqliteDialect {
		cctx, cancel := context.WithCancel(context.Background())
		db.stopCheckpoints, db.checkpoints = cancel, make(chan struct{})
		go db.checkpoint(cctx)
	}
	return nil
}

// checkpointEvery is how often the checkpointer copies what this process
// committed since into the database file. Often, so each checkpoint is
// small: its fsync stalls the writer's WAL writes on ext4 while it runs,
// and at 64 intakes at once checkpoints every 200 ms (a 6,000-page copy
// each) made the slowest intakes 120–130 ms against 70 ms at 50 ms
// (docs/benchmarks.md, "Intake's tail").
const checkpointEvery = 50 * time.Millisecond

// checkpoint copies the SQLite WAL into the database from a reading
// connection while this process writes (a passive checkpoint: it never
// waits for, nor stops, the writer or readers), so that commits rarely
// reach the writer's own, blocking, threshold. It ends when ctx does.
func (db *DB) checkpoint(ctx context.Context) {
	defer close(db.checkpoints)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var done int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if seq := db.committed.Load(); seq != done {
			done = seq
			// A failure (a busy database, another process's
			// checkpoint) is retried at the next tick; the writer's
			// threshold bounds the WAL meanwhile.
			db.read.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.name }

// Close closes the pools.
func (db *DB) Close() error {
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
		<-db.checkpoints
		db.stopCheckpoints = nil
	}
	db.writeStmts.close()
	db.readStmts.close()
	var err error
	if db.write != nil && db.write != db.read {
		err = db.write.Close()
	}
	if db.read != nil {
		if e := db.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Tx is a transaction that carries the time it started, so every row it
// writes has the same timestamp.
type Tx struct {
	*sql.Tx
	// conn holds the connection of a PostgreSQL write transaction, for
	// the bulk copies that need the driver's connection (copyRows); nil
	// on SQLite.
	conn     *sql.Conn
	db       *DB
	now      time.Time
	writable bool
	nested   bool // part of an InTx transaction: Commit and Rollback are InTx's
	// load marks a transaction of InLoadTx: a bulk load into a database
	// nobody else uses yet (see there).
	load  bool
	cache stmts // nil: no caching
	// events are the change-feed entries of this transaction and audits
	// the actors of their audit rows, written just before commit (see
	// flush); shared with nested transactions.
	events *[]gridline.Event
	audits *[]auditWho
	// kpiDirty holds the cases whose KPI rollups refreshKPIs brings up to
	// date before commit, true for those taken in by this transaction (no
	// stored contribution yet); shared with nested transactions.
	kpiDirty *map[int64]bool
	// kpiWritten holds, for cases taken in by this transaction and not
	// touched since, what their KPIs read as it was written (the case row
	// and its first event), so refreshKPIs need not read it back; shared
	// with nested transactions.
	kpiWritten *map[int64]*kpiWritten
	// grams are the texts of the cases this transaction took in, indexed
	// for the text filter (writeTicketGrams) in one statement before
	// commit: SQLite's full-text table writes its pending terms out as a
	// new segment at every statement savepoint after them, so a case's
	// terms indexed where it was written made a segment (and merges) a
	// case, 12 % of intake's CPU. Shared with nested transactions.
	grams *gramQueue
	// totals holds the transaction's differences of ticket_totals,
	// written before commit (flushTotals); shared with nested
	// transactions.
	totals *map[totalKey]int64
	// kpiCal, when set, is the working calendar this transaction's
	// rollups are computed on: a calendar edit's, before the cached one
	// is dropped at commit.
	kpiCal *gridline.Calendar
}

// stmts caches the statements prepared in one transaction (shared by
// the transactions nested in it). SQLite spends most of a small query's
// time parsing it; a bulk load in InTx runs the same few queries tens of
// thousands of times. (pgx caches statements on its own.)
type stmts map[string]*sql.Stmt

// maxCachedStmts bounds a transaction's cache; queries with variable IN
// lists beyond it are prepared per use.
const maxCachedStmts = 512

// shared returns the shared statements of the pool of a transaction
// (writable or not), and the pool; nil on PostgreSQL.
func (db *DB) shared(writable bool) (*sharedStmts, *sql.DB) {
	switch {
	case db.dialect.isPostgres():
		return nil, nil
	case writable:
		return &db.writeStmts, db.write
	}
	return &db.readStmts, db.read
}

// stmt returns a prepared statement for q, or nil to run q directly: the
// transaction's own, else the pool's shared one, else (with a cache) one
// prepared now.
func (tx *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if st, ok := tx.cache[q]; ok {
		return st
	}
	if sh, _ := tx.db.shared(tx.writable); sh != nil {
		if shared := sh.get(q); shared != nil {
			st := tx.Tx.StmtContext(ctx, shared)
			if tx.cache != nil && len(tx.cache) < maxCachedStmts {
				tx.cache[q] = st
			}
			return st
		}
	}
	if tx.cache == nil || len(tx.cache) >= maxCachedStmts {
		return nil
	}
	st, err := tx.Tx.PrepareContext(ctx, q)
	if err != nil {
		return nil // let the direct call report the error
	}
	tx.cache[q] = st
	return st
}

// QueryContext runs a query through the statement cache.
func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, q, args...)
}

// QueryRowContext runs a single-row query through the statement cache.
func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, q, args...)
}

// ExecContext runs a statement through the statement cache.
func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := tx.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, q, args...)
}

// Commit commits, unless the transaction is nested in InTx.
func (tx *Tx) Commit() error {
	if tx.nested {
		return nil
	}
	if err := tx.writeGrams(context.Background()); err != nil {
		return err
	}
	if err := tx.refreshKPIs(context.Background()); err != nil {
		return err
	}
	if err := tx.flushTotals(context.Background()); err != nil {
		return fmt.Errorf("ticket totals: %w", err)
	}
	seqs, err := tx.flush(context.Background())
	if err != nil {
		return err
	}
	err = tx.Tx.Commit()
	if tx.conn != nil {
		tx.conn.Close()
	}
	tx.shareStmts()
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	for entity, seq := range seqs {
		raise(&tx.db.committed, seq)
		v, _ := tx.db.committedBy.LoadOrStore(entity, new(atomic.Int64))
		raise(v.(*atomic.Int64), seq)
	}
	return nil
}

// Rollback rolls back, unless the transaction is nested in InTx (whose
// caller sees the error and rolls back the whole).
func (tx *Tx) Rollback() error {
	if tx.nested {
		return nil
	}
	err := tx.Tx.Rollback()
	if tx.conn != nil {
		tx.conn.Close()
	}
	if !errors.Is(err, sql.ErrTxDone) {
		tx.shareStmts()
	}
	return err
}

// shareStmts prepares for the pool the statements this transaction was
// the first to run, now that it has let go of its connection.
func (tx *Tx) shareStmts() {
	if sh, pool := tx.db.shared(tx.writable); sh != nil {
		sh.prepare(pool)
	}
}

type txKey struct{}

// outsideTx is a context that does not carry an InTx transaction: what
// runs with it sees only committed data (the locate index must never be
// built from a transaction that may still roll back).
type outsideTx struct{ context.Context }

// Value implements context.Context.
func (c outsideTx) Value(key any) any {
	if _, ok := key.(txKey); ok {
		return nil
	}
	return c.Context.Value(key)
}

// InTx runs fn with every service call on db made with fn's context in
// one write transaction: all of fn's writes commit together or not at all.
// Bulk loads (the demo, large imports) use it to avoid a commit per row.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	tx, err := db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if !db.dialect.isPostgres() {
		tx.cache = stmts{}
	}
	if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		return err
	}
	return tx.Commit()
}

// InLoadTx is InTx for a bulk load into a database that nobody else
// reads or writes until it commits, as `gridline demo` fills an empty one
// before it serves. On PostgreSQL an import into empty tables may then
// build their indexes and check their foreign keys once, after the rows,
// instead of row by row (importing cases: ticket_events' two foreign keys
// were half of that table's time), and write the KPI rollups without
// merging; the commit does not wait for the disk (synchronous_commit
// off: a crash just after it loses the load, which is started again).
// It takes the locks that needs (ACCESS EXCLUSIVE on the tables rebuilt),
// which is why it is for loads that nobody waits on. Elsewhere it is
// InTx.
func (db *DB) InLoadTx(ctx context.Context, fn func(ctx context.Context) error) error {
	tx, err := db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tx.load = true
	if !db.dialect.isPostgres() {
		tx.cache = stmts{}
	} else if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
		return translate(db.dialect, err)
	}
	if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		return err
	}
	return tx.Commit()
}

// BeginTx starts a write transaction (writable true) or a read one.
//
// Inside [DB.InTx] it returns the surrounding transaction instead, whose
// Commit and Rollback then belong to InTx alone.
func (db *DB) BeginTx(ctx context.Context, writable bool) (*Tx, error) {
	if outer, ok := ctx.Value(txKey{}).(*Tx); ok && outer.db == db {
		return &Tx{Tx: outer.Tx, conn: outer.conn, db: db, now: outer.now, writable: outer.writable, nested: true, load: outer.load,
			cache: outer.cache, events: outer.events, audits: outer.audits, kpiDirty: outer.kpiDirty,
			kpiWritten: outer.kpiWritten, grams: outer.grams, totals: outer.totals}, nil
	}
	pool := db.read
	if writable {
		pool = db.write
	}
	var opts *sql.TxOptions
	if !writable && db.dialect.isPostgres() {
		// One snapshot for all the queries of a read: a report's parts
		// add up even while others write. (SQLite's WAL readers already
		// read one snapshot.)
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	var conn *sql.Conn
	var tx *sql.Tx
	var err error
	if writable && db.dialect.isPostgres() {
		// A connection of its own, so bulk copies can reach the driver's
		// connection inside the transaction (copyRows).
		if conn, err = pool.Conn(ctx); err != nil {
			return nil, translate(db.dialect, err)
		}
		if tx, err = conn.BeginTx(ctx, opts); err != nil {
			conn.Close()
		}
	} else {
		tx, err = pool.BeginTx(ctx, opts)
	}
	if writable && !db.dialect.isPostgres() {
		// Each try waits busy_timeout for the lock; keep trying while
		// another process writes, up to WriteWait.
		wait := cmp.Or(db.WriteWait, 30*time.Second)
		for start := time.Now(); err != nil && errors.Is(translate(db.dialect, err), errBusy) && time.Since(start) < wait; {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
			tx, err = pool.BeginTx(ctx, opts)
		}
	}
	if err != nil {
		return nil, translate(db.dialect, err)
	}
	return &Tx{Tx: tx, conn: conn, db: db, now: db.Now().UTC().Truncate(time.Microsecond), writable: writable,
		events: new([]gridline.Event), audits: new([]auditWho), kpiDirty: &map[int64]bool{},
		kpiWritten: &map[int64]*kpiWritten{}, grams: &gramQueue{}, totals: &map[totalKey]int64{}}, nil
}

// exec runs a statement and translates driver errors.
func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := tx.ExecContext(ctx, q, args...)
	return res, translate(tx.db.dialect, err)
}

// record notes a change inside the transaction: a row of the audit log
// (who did it) and an event of the change feed (what changed, for the
// readers that follow it). Every write calls it, so both are complete and
// roll back with the write. Both are queued and written together just
// before commit (flush): a bulk load in InTx records tens of thousands of
// changes, and a statement each was a round trip each on PostgreSQL.
func (tx *Tx) record(ctx context.Context, action, entity, key, detail string) error {
	*tx.events = append(*tx.events, gridline.Event{At: tx.now, Entity: entity, Action: action, Key: key, Detail: detail})
	*tx.audits = append(*tx.audits, whoOf(ctx))
	if entity == "ticket" {
		// Every change to a case may move its KPIs (kpi_rollup.go).
		if id, err := strconv.ParseInt(key, 10, 64); err == nil {
			tx.touchKPIs(id)
		}
	}
	return nil
}

var auditColumns = []string{"at", "actor", "action", "entity", "entity_key", "detail", "addr"}

// auditWho is who made a change and from where, for its audit row.
type auditWho struct{ actor, addr string }

func whoOf(ctx context.Context) auditWho {
	w := auditWho{actor: gridline.ActorFrom(ctx).Name}
	if p := gridline.PrincipalFrom(ctx); p != nil {
		w.addr = p.Addr
	}
	if w.addr == "" {
		w.addr = gridline.ClientFrom(ctx).Addr
	}
	return w
}

// audit writes an audit row that records no change, at once: a reveal of
// personal data. It has no change-feed event (nothing changed), and rolls
// back with the transaction like every other row.
func (tx *Tx) audit(ctx context.Context, action, entity, key, detail string) error {
	w := whoOf(ctx)
	_, err := tx.exec(ctx, `INSERT INTO audit_log (at, actor, action, entity, entity_key, detail, addr)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, tx.now, w.actor, action, entity, key, detail, w.addr)
	return err
}

// flush writes the transaction's audit rows and events as the last thing
// before commit, in bulk. On PostgreSQL a transaction-level lock, held
// until the commit, makes the order of seq the order of commits, so a
// reader never finds a new event behind one it has already read; the lock
// is held only from here to the commit. SQLite's single writer gives the
// same for free. It returns the seq of the last event written per entity.
func (tx *Tx) flush(ctx context.Context) (map[string]int64, error) {
	if tx.events == nil || len(*tx.events) == 0 {
		return nil, nil
	}
	evs, actors := *tx.events, *tx.audits
	if err := copyRows(ctx, tx, "audit_log", auditColumns, len(evs), func(i int, dst []any) []any {
		e := evs[i]
		return append(dst, e.At, actors[i].actor, e.Action, e.Entity, e.Key, e.Detail, actors[i].addr)
	}); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if err := tx.lockKey(ctx, "gridline:events"); err != nil {
		return nil, err
	}
	seqs := map[string]int64{}
	batch := bulkBatch(5)
	args := make([]any, 0, 5*min(batch, len(evs)))
	var got []int64
	for start := 0; start < len(evs); start += batch {
		part := evs[start:min(start+batch, len(evs))]
		args = args[:0]
		for _, e := range part {
			args = append(args, e.At, e.Entity, e.Action, e.Key, e.Detail)
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO events (at, entity, action, entity_key, detail) VALUES `+
			tx.db.dialect.valueRows(len(part), 5)+` RETURNING seq`, args...)
		if err != nil {
			return nil, fmt.Errorf("change feed: %w", translate(tx.db.dialect, err))
		}
		got = got[:0]
		for rows.Next() {
			var s int64
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, err
			}
			got = append(got, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("change feed: %w", translate(tx.db.dialect, err))
		}
		// The rows of one INSERT get their seqs in VALUES order, under the
		// lock; RETURNING need not list them so, hence the sort.
		slices.Sort(got)
		for i, e := range part {
			if i < len(got) {
				seqs[e.Entity] = max(seqs[e.Entity], got[i])
			}
		}
	}
	*tx.events, *tx.audits = (*tx.events)[:0], (*tx.audits)[:0]
	return seqs, nil
}

// prefixRange returns bounds so that `col >= lo AND col < hi` selects codes
// starting with prefix. Codes are digits, and ':' sorts right after '9' in
// byte order (PostgreSQL code columns use COLLATE "C"). A range, unlike
// LIKE, uses the index on both databases.
func prefixRange(prefix string) (lo, hi string) {
	return prefix, prefix + ":"
}

func limitOffset(limit, offset int) string {
	if limit <= 0 {
		limit = -1
	}
	if limit < 0 {
		if offset > 0 {
			// LIMIT ALL is PostgreSQL only; the largest bigint works on both.
			return fmt.Sprintf(" LIMIT 9223372036854775807 OFFSET %d", offset)
		}
		return ""
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, offset)
}

// findPage runs the list query SELECT cols FROM from WHERE w ORDER BY
// order, one page of it, and returns the rows scanned by scan and the
// number of matching rows. scan gets the destination of that number, which
// it scans after cols.
//
// The number comes from COUNT(*) OVER (), which has no row to ride on when
// the page is empty: a page past the end counts the rows with the same
// FROM and WHERE instead. A negative offset is EINVALID on both databases
// (PostgreSQL rejects it, SQLite would ignore it).
func findPage[T any](ctx context.Context, tx *Tx, cols, from string, w where, order string, limit, offset int,
	scan func(rows *sql.Rows, total *int) (*T, error)) ([]*T, int, error) {
	if offset < 0 {
		return nil, 0, gridline.FieldErrorf("offset", "must not be negative")
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+cols+`, COUNT(*) OVER () FROM `+from+w.String()+
		` ORDER BY `+order+limitOffset(limit, offset), w.args...)
	if err != nil {
		return nil, 0, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	var out []*T
	total := 0
	for rows.Next() {
		v, err := scan(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(out) == 0 && offset > 0 {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+from+w.String(), w.args...).Scan(&total); err != nil {
			return nil, 0, translate(tx.db.dialect, err)
		}
	}
	return out, total, nil
}

// where builds a WHERE clause from conditions with $n placeholders.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; each "?" in cond becomes the next $n.
func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// placeholders returns "$from, $from+1, …" n times.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }
