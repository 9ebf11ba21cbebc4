package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
)

//go:embed migrations
var migrationsFS embed.FS

// migrationCode is the Go part of a migration, run in its transaction
// right after its SQL: the data it computes with the domain's rules.
var migrationCode = map[string]func(context.Context, *Tx) error{
	"0018_kpi_rollups.sql":   backfillKPIRollups,
	"0019_text_search.sql":   backfillTicketGrams,
	"0023_ticket_totals.sql": backfillTicketTotals,
	"0028_text_regions.sql":  backfillTicketGrams,
	"0029_period_totals.sql": backfillTicketTotals,
}

// migrationNames lists the migration files of a dialect in order.
func migrationNames(d dialect) ([]string, error) {
	names, err := fs.Glob(migrationsFS, "migrations/"+d.name+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for i := range names {
		names[i] = names[i][len("migrations/"+d.name+"/"):]
	}
	return names, nil
}

// Migrate applies every migration not yet recorded in schema_migrations,
// one transaction per file, in name order. Applied files are never edited;
// changes come as new files with the same name in both dialects.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := migrationNames(db.dialect)
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := db.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

func (db *DB) migrateFile(ctx context.Context, name string) error {
	tx, err := db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.dialect.isPostgres() {
		// Two servers starting at once must not both migrate.
		if err := tx.lockKey(ctx, "gridline:migrate"); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = $1`, name).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	body, err := migrationsFS.ReadFile("migrations/" + db.dialect.name + "/" + name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if fn := migrationCode[name]; fn != nil {
		if err := fn(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, name); err != nil {
		return err
	}
	return tx.Commit()
}

// PendingMigrations returns the names of migrations not yet applied.
func (db *DB) PendingMigrations(ctx context.Context) ([]string, error) {
	names, err := migrationNames(db.dialect)
	if err != nil {
		return nil, err
	}
	applied := map[string]bool{}
	rows, err := db.read.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err == nil {
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return nil, err
			}
			applied[s] = true
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, n := range names {
		if !applied[n] {
			out = append(out, n)
		}
	}
	return out, nil
}
