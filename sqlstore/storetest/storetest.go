// Package storetest opens real databases for tests: a SQLite file in the
// test's temp dir, or, when GRIDLINE_TEST_POSTGRES_DSN is set, a fresh
// schema on that PostgreSQL server. Running the suite once without and
// once with the variable covers both dialects.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/cache"
	"github.com/gridline/gridline/locate"
	"github.com/gridline/gridline/sqlstore"
)

// EnvPostgresDSN names the variable that switches tests to PostgreSQL.
const EnvPostgresDSN = "GRIDLINE_TEST_POSTGRES_DSN"

// Postgres reports whether tests run on PostgreSQL.
func Postgres() bool { return os.Getenv(EnvPostgresDSN) != "" }

// Dialect returns the dialect tests run on.
func Dialect() string {
	if Postgres() {
		return "postgres"
	}
	return "sqlite"
}

// DSN returns a DSN for a new, empty database and registers its cleanup.
func DSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvPostgresDSN)
	if base == "" {
		return "sqlite:" + filepath.Join(tb.TempDir(), "test.db")
	}
	schema := fmt.Sprintf("gltest_%d_%d", time.Now().UnixNano(), rand.IntN(1_000_000))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatalf("create test schema on %s: %v", EnvPostgresDSN, err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", EnvPostgresDSN, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns an open, migrated, empty database closed at test end.
func Open(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	return OpenAt(tb, DSN(tb))
}

// OpenAt opens the database at dsn (from DSN), closed at test end. Two
// handles on one DSN behave as two processes sharing a database.
func OpenAt(tb testing.TB, dsn string) *sqlstore.DB {
	tb.Helper()
	db := sqlstore.NewDB(dsn)
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("open %s: %v", Dialect(), err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Services returns every service over db as the binary wires them: the
// reports, case aggregates and credentials cached against the change feed, and a locate service that
// follows db's change feed (refreshed by place writes and by lookups after
// this process's writes; it is not polling, so tests stay deterministic).
func Services(tb testing.TB, db *sqlstore.DB) gridline.Services {
	tb.Helper()
	loc := locate.New(sqlstore.NewServices(db, nil))
	loc.Committed = func() int64 { return db.CommittedSeqOf(locate.Entities...) }
	s := sqlstore.NewServices(db, loc)
	s.Stats = &cache.Stats{Stats: s.Stats, Events: s.Events}
	s.Aggregates = &cache.Aggregates{Aggregates: s.Aggregates, Events: s.Events}
	s.Routes = cache.NewRouter(s, func() int64 { return db.CommittedSeqOf(cache.RouteEntities...) })
	s.Gazetteers = &cache.Gazetteers{Services: s, Committed: func() int64 { return db.CommittedSeqOf(cache.GazetteerEntities...) }}
	s.Auth = &cache.Auth{AuthService: s.Auth, Now: func() time.Time { return db.Now() },
		Committed: func() int64 { return db.CommittedSeqOf(cache.AuthEntities...) }}
	return s
}
