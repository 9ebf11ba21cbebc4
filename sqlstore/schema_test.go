package sqlstore_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestAlignSchemaRebuildSQLite applies 0003_align_schema.sql to a SQLite
// database holding grids, as an upgrade does: the rebuilt grid_layers
// keeps its rows, grids.layer still refers to it, and NULL codes are
// refused.
func TestAlignSchemaRebuildSQLite(t *testing.T) {
	const rebuild = "0003_align_schema.sql"
	// Production's pragmas: foreign keys on, one connection.
	db := openRaw(t, "sqlite", "file:"+filepath.Join(t.TempDir(), "upgrade.db")+"?_pragma=foreign_keys(1)&_time_format=sqlite")
	db.SetMaxOpenConns(1)
	names, err := filepath.Glob("migrations/sqlite/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	for _, name := range names {
		if filepath.Base(name) >= rebuild {
			break
		}
		body, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, q := range []string{
		`INSERT INTO grid_layers (code, name, name_en, sort_order, created_at) VALUES ('safety', '平安网格', 'Safety grid', 3, $1)`,
		`INSERT INTO regions (code, name, level, updated_at) VALUES ('370812001002', '韦园社区', 'village', $1)`,
		`INSERT INTO grids (code, name, layer, community_code, town_code, county_code, area_m2, geometry,
			min_lon, min_lat, max_lon, max_lat, created_at, updated_at)
			VALUES ('g1', 'g1', 'safety', '370812001002', '370812001', '370812', 1, '{}', 0, 0, 1, 1, $1, $1)`,
	} {
		if _, err := db.ExecContext(ctx, q, at); err != nil {
			t.Fatalf("seed: %v\n%s", err, q)
		}
	}
	layers := func() [][]any {
		var out [][]any
		query(t, db, `SELECT code, name, name_en, sort_order, created_at FROM grid_layers ORDER BY code`, func(r *sql.Rows) error {
			var code, name, nameEn string
			var order int
			var created time.Time
			err := r.Scan(&code, &name, &nameEn, &order, &created)
			out = append(out, []any{code, name, nameEn, order, created})
			return err
		})
		return out
	}
	before := layers()

	body, err := os.ReadFile("migrations/sqlite/" + rebuild)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		t.Fatalf("%s: %v", rebuild, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit %s: %v", rebuild, err)
	}

	if diff := cmp.Diff(before, layers()); diff != "" {
		t.Errorf("grid_layers rows changed (-before +after):\n%s", diff)
	}
	query(t, db, `SELECT "table", parent FROM pragma_foreign_key_check`, func(r *sql.Rows) error {
		var tab, parent string
		err := r.Scan(&tab, &parent)
		t.Errorf("foreign key broken: %s → %s", tab, parent)
		return err
	})
	for _, q := range []string{
		`INSERT INTO grid_layers (code, name, created_at) VALUES (NULL, 'x', CURRENT_TIMESTAMP)`,
		`DELETE FROM grid_layers WHERE code = 'safety'`,
		`UPDATE grids SET layer = 'none' WHERE code = 'g1'`,
	} {
		if _, err := db.ExecContext(ctx, q); err == nil {
			t.Errorf("after %s, %s succeeds", rebuild, q)
		}
	}
}

func openRaw(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// query runs q and calls each for every row, failing the test on errors.
func query(t *testing.T, db *sql.DB, q string, each func(*sql.Rows) error, args ...any) {
	t.Helper()
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}
