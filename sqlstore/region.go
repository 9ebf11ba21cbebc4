package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gridline/gridline"
)

// RegionService implements gridline.RegionService.
type RegionService struct{ db *DB }

// NewRegionService returns a RegionService over db.
func NewRegionService(db *DB) *RegionService { return &RegionService{db: db} }

var _ gridline.RegionService = (*RegionService)(nil)

// FindRegionByCode implements gridline.RegionService.
func (s *RegionService) FindRegionByCode(ctx context.Context, code string) (*gridline.Region, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rs, _, err := findRegions(ctx, tx, gridline.RegionFilter{Codes: []string{code}, Geometry: true})
	if err != nil {
		return nil, err
	} else if len(rs) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Region %s not found.", code)
	}
	return rs[0], nil
}

// FindRegions implements gridline.RegionService.
func (s *RegionService) FindRegions(ctx context.Context, f gridline.RegionFilter) ([]*gridline.Region, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findRegions(ctx, tx, f)
}

func findRegions(ctx context.Context, tx *Tx, f gridline.RegionFilter) ([]*gridline.Region, int, error) {
	var w where
	if f.ParentCode != nil {
		w.add("parent_code = ?", *f.ParentCode)
	}
	if f.Within != nil {
		lo, hi := prefixRange(*f.Within)
		w.add("code > ? AND code < ?", lo, hi)
	}
	if f.Level != nil {
		w.add("level = ?", string(*f.Level))
	}
	if len(f.Codes) > 0 {
		args := make([]any, len(f.Codes))
		for i, c := range f.Codes {
			args[i] = c
		}
		w.add("code IN ("+strings.Repeat("?, ", len(args)-1)+"?)", args...)
	}
	geom := "NULL"
	if f.Geometry {
		geom = "geometry"
	}
	return findPage(ctx, tx, `code, name, level, COALESCE(parent_code, ''), `+geom, "regions", w, "code", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.Region, error) {
			var r gridline.Region
			var g sql.NullString
			if err := rows.Scan(&r.Code, &r.Name, &r.Level, &r.ParentCode, &g, total); err != nil {
				return nil, err
			}
			if g.Valid && g.String != "" {
				if err := json.Unmarshal([]byte(g.String), &r.Geometry); err != nil {
					return nil, fmt.Errorf("region %s geometry: %w", r.Code, err)
				}
			}
			return &r, nil
		})
}

// ImportRegions implements gridline.RegionService. Rows go in as
// multi-row upserts inside one transaction: all or nothing.
func (s *RegionService) ImportRegions(ctx context.Context, rows []gridline.RegionRow) (gridline.RegionImport, error) {
	var res gridline.RegionImport
	// Validation reads, and runs before the write transaction, so the
	// single writer is held only for the upserts (other processes' writes
	// wait that much less). Regions are never deleted, so a parent found
	// now is still there when the rows go in.
	rtx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return res, err
	}
	err = gridline.ValidateRegions(rows, func(codes []string) (map[string]bool, error) {
		return existingRegions(ctx, rtx, codes)
	})
	rtx.Rollback()
	if err != nil {
		return res, err
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	var before, after int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM regions`).Scan(&before); err != nil {
		return res, err
	}
	if err := upsertRegions(ctx, tx, rows); err != nil {
		return res, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM regions`).Scan(&after); err != nil {
		return res, err
	}
	res = gridline.RegionImport{Rows: len(rows), Inserted: after - before, Updated: len(rows) - (after - before)}
	detail := fmt.Sprintf(`{"rows":%d,"inserted":%d,"updated":%d}`, res.Rows, res.Inserted, res.Updated)
	if err := tx.record(ctx, "import", "regions", rows[0].Code, detail); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

func existingRegions(ctx context.Context, tx *Tx, codes []string) (map[string]bool, error) {
	found := map[string]bool{}
	for start := 0; start < len(codes); start += 500 {
		part := codes[start:min(start+500, len(codes))]
		args := make([]any, len(part))
		for i, c := range part {
			args[i] = c
		}
		rows, err := tx.QueryContext(ctx, `SELECT code FROM regions WHERE code IN (`+placeholders(1, len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return nil, err
			}
			found[c] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// SetRegionGeometry implements gridline.RegionService.
func (s *RegionService) SetRegionGeometry(ctx context.Context, code string, g gridline.Polygon) error {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := setRegionGeometry(ctx, tx, code, g); err != nil {
		return err
	}
	return tx.Commit()
}

func setRegionGeometry(ctx context.Context, tx *Tx, code string, g gridline.Polygon) error {
	var geom any
	if len(g) > 0 {
		if err := g.Validate(); err != nil {
			return gridline.FieldErrorf("geometry", "%s", gridline.ErrorMessage(err))
		}
		b, err := json.Marshal(g)
		if err != nil {
			return err
		}
		geom = string(b)
	}
	res, err := tx.exec(ctx, `UPDATE regions SET geometry = $1, updated_at = $2 WHERE code = $3`, geom, tx.now, code)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gridline.Errorf(gridline.ENOTFOUND, "Region %s not found.", code)
	}
	return tx.record(ctx, "set_geometry", "region", code, "")
}

// regionNames returns code → name for the given codes.
func regionNames(ctx context.Context, tx *Tx, codes []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(codes); start += 500 {
		part := codes[start:min(start+500, len(codes))]
		args := make([]any, len(part))
		for i, c := range part {
			args[i] = c
		}
		rows, err := tx.QueryContext(ctx, `SELECT code, name FROM regions WHERE code IN (`+placeholders(1, len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c, n string
			if err := rows.Scan(&c, &n); err != nil {
				rows.Close()
				return nil, err
			}
			out[c] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// upsertRegions writes rows with a prepared multi-row upsert reused for
// every full batch. The batch is small on SQLite, whose parameter lookup
// by name is linear in the number of parameters of a statement.
func upsertRegions(ctx context.Context, tx *Tx, rows []gridline.RegionRow) error {
	const cols = 5
	batch := tx.db.dialect.bulkRows
	stmtFor := func(n int) string {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO regions (code, name, level, parent_code, updated_at) VALUES `)
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(" + placeholders(i*cols+1, cols) + ")")
		}
		sb.WriteString(` ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
			parent_code = excluded.parent_code, updated_at = excluded.updated_at`)
		return sb.String()
	}
	full, err := tx.PrepareContext(ctx, stmtFor(batch))
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, batch*cols)
	for start := 0; start < len(rows); start += batch {
		part := rows[start:min(start+batch, len(rows))]
		args = args[:0]
		for _, r := range part {
			var parent any
			if r.ParentCode != "" {
				parent = r.ParentCode
			}
			args = append(args, r.Code, r.Name, string(r.Level), parent, tx.now)
		}
		if len(part) == batch {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, stmtFor(len(part)), args...)
		}
		if err != nil {
			return fmt.Errorf("import regions (rows from line %d): %w", part[0].Line, translate(tx.db.dialect, err))
		}
	}
	return nil
}
