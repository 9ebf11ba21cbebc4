package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gridline/gridline"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// openSQLite opens the read pool and the single-connection write pool.
func openSQLite(path string) (read, write *sql.DB, err error) {
	if path == "" {
		return nil, nil, fmt.Errorf("sqlite: empty database path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, nil, fmt.Errorf("sqlite: create directory for database: %w", err)
		}
	}
	// busy_timeout must come first so the other pragmas wait for locks
	// too; _time_format=sqlite stores times in a format SQLite's own date
	// functions parse. A write waits a second at a time for another
	// process's lock; BeginTx retries up to DB.WriteWait.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(1000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "cache_size(-65536)")
	q.Set("_time_format", "sqlite")
	base := "file:" + path + "?"
	// The writer keeps its statement journals in memory: a savepoint
	// (intake's group commit takes one per case) or a statement that may
	// fail midway copies every page it first changes there, and a temp
	// file made that a write system call per page. They hold at most the
	// pages one statement or savepoint changes.
	// The writer checkpoints the WAL itself only past 64 MB: the
	// checkpointer (DB.checkpoint) copies it into the database from a
	// reading connection meanwhile, so a commit does not stop to copy
	// and sync a thousand pages (the tail of intake's latency).
	write, err = sql.Open("sqlite", base+q.Encode()+"&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(16384)&_txlock=immediate")
	if err != nil {
		return nil, nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxLifetime(0)
	read, err = sql.Open("sqlite", base+q.Encode())
	if err != nil {
		write.Close()
		return nil, nil, err
	}
	read.SetMaxOpenConns(max(4, runtime.NumCPU()*2))
	read.SetMaxIdleConns(max(4, runtime.NumCPU()*2))
	return read, write, nil
}

// translateSQLite maps SQLite result codes to domain errors.
func translateSQLite(err error) (error, bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err, false
	}
	if se.Code()&0xff == sqlite3.SQLITE_BUSY {
		return &wrapped{errBusy, err}, true
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &wrapped{gridline.Errorf(gridline.ECONFLICT, "The record already exists."), err}, true
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return &wrapped{gridline.Errorf(gridline.EINVALID, "A referenced record does not exist or is still in use."), err}, true
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return &wrapped{gridline.Errorf(gridline.EINVALID, "A value is missing or out of range."), err}, true
	}
	return err, false
}

// errBusy is what a write gets when another process holds the database
// longer than DB.WriteWait: a 503 to retry, not a server error.
var errBusy = gridline.Errorf(gridline.EUNAVAILABLE, "The database is busy with another process's write; try again shortly.")
