package sqlstore_test

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

var ctx = context.Background()

// TestPostgresVariant says out loud when the PostgreSQL run is skipped.
func TestPostgresVariant(t *testing.T) {
	if !storetest.Postgres() {
		t.Skipf("PostgreSQL variant skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the suite on PostgreSQL", storetest.EnvPostgresDSN)
	}
	db := storetest.Open(t)
	if db.Dialect() != "postgres" {
		t.Fatalf("dialect = %s", db.Dialect())
	}
}

// TestMigrationNames checks that both dialects have the same migrations.
func TestMigrationNames(t *testing.T) {
	list := func(d string) []string {
		ents, err := os.ReadDir("migrations/" + d)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range ents {
			out = append(out, e.Name())
		}
		sort.Strings(out)
		return out
	}
	sq, pg := list("sqlite"), list("postgres")
	if len(sq) == 0 {
		t.Fatal("no migrations")
	}
	if diff := cmp.Diff(sq, pg); diff != "" {
		t.Fatalf("migration names differ (-sqlite +postgres):\n%s", diff)
	}
}

func TestMigrateIdempotent(t *testing.T) {
	db := storetest.Open(t)
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	pending, err := db.PendingMigrations(ctx)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending = %v, %v", pending, err)
	}
}

// TestClock checks that writes take their time from DB.Now, so deadline
// logic can be tested at a fixed instant, and that times round-trip in UTC.
func TestClock(t *testing.T) {
	db := storetest.Open(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CST", 8*3600))
	db.Now = func() time.Time { return at }
	if err := sqlstore.NewGridLayerService(db).CreateGridLayer(ctx, &gridline.GridLayer{Code: "test", Name: "测试"}); err != nil {
		t.Fatal(err)
	}
	ls, err := sqlstore.NewGridLayerService(db).FindGridLayers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.Code == "test" {
			if _, off := l.CreatedAt.Zone(); !l.CreatedAt.Equal(at) || off != 0 {
				t.Fatalf("created_at = %v, want %v in UTC", l.CreatedAt, at)
			}
			return
		}
	}
	t.Fatal("layer not found")
}
