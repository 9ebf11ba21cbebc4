package sqlstore

import (
	"context"
	"fmt"
	"strings"
)

// NewDirectKPIService returns a KPIService that always answers with the
// direct query, the reference the rollups are tested against.
func NewDirectKPIService(db *DB) *KPIService { return &KPIService{db: db, direct: true} }

// DumpKPIRollups returns the rollups' non-zero rows and every fact, as
// text, in key order.
func DumpKPIRollups(ctx context.Context, db *DB) ([]string, error) {
	tx, err := db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var out []string
	for _, q := range []string{
		`SELECT 'day', dim, key, day, 0, ` + strings.Join(kpiCols, ", ") + ` FROM kpi_days ORDER BY dim, key, day`,
		`SELECT 'span', dim, key, lo, hi, ` + strings.Join(kpiCols, ", ") + ` FROM kpi_spans ORDER BY dim, key, lo, hi`,
	} {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var kind, key string
			var dim, a, b int64
			var v kvec
			dst := []any{&kind, &dim, &key, &a, &b}
			for i := range v {
				dst = append(dst, &v[i])
			}
			if err := rows.Scan(dst...); err != nil {
				rows.Close()
				return nil, err
			}
			if !v.zero() {
				out = append(out, fmt.Sprint(kind, dim, key, a, b, v))
			}
		}
		rows.Close()
	}
	rows, err := tx.QueryContext(ctx, `SELECT ticket_id, unit_key, grid, community, town, category, channel, cells FROM kpi_facts ORDER BY ticket_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var k [7]string
		if err := rows.Scan(&id, &k[0], &k[1], &k[2], &k[3], &k[4], &k[5], &k[6]); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprint("fact", id, k))
	}
	return out, rows.Err()
}

// RebuildKPIRollups empties the rollups and fills them again as
// migration 0018 does.
func RebuildKPIRollups(ctx context.Context, db *DB) error {
	tx, err := db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range []string{"kpi_facts", "kpi_days", "kpi_spans"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
			return err
		}
	}
	if err := backfillKPIRollups(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}
