package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

// placePath returns the region path of an object at pt, by the rules on
// gridline.PointService: a named grid (gridCode) must contain pt; prefer
// (the grid the object is in, or its compound's) is kept while it contains
// pt; otherwise the locate service chooses. field names the location in
// errors: lon, geometry or footprint.
func placePath(ctx context.Context, tx *Tx, loc gridline.LocateService, gridCode, prefer string, pt orb.Point, field string) (gridline.RegionPath, error) {
	return placePathWith(ctx, loc, func(code string) (*gridline.Grid, error) { return findGridByCode(ctx, tx, code) },
		gridCode, prefer, pt, field)
}

// placePathWith is placePath reading grids with find (findGridByCode, or
// a bulk write's cache of it).
func placePathWith(ctx context.Context, loc gridline.LocateService, find func(code string) (*gridline.Grid, error),
	gridCode, prefer string, pt orb.Point, field string) (gridline.RegionPath, error) {
	if gridCode != "" {
		g, err := find(gridCode)
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return gridline.RegionPath{}, gridline.FieldErrorf("grid_code", "no grid %s", gridCode)
		} else if err != nil {
			return gridline.RegionPath{}, err
		}
		if !g.Geometry.Contains(pt) {
			return gridline.RegionPath{}, gridline.FieldErrorf(field, "(%.6f, %.6f) lies outside grid %s", pt[0], pt[1], gridCode)
		}
		return g.Path(), nil
	}
	if prefer != "" {
		g, err := find(prefer)
		if err != nil && gridline.ErrorCode(err) != gridline.ENOTFOUND {
			return gridline.RegionPath{}, err
		}
		if err == nil && g.Geometry.Contains(pt) {
			return g.Path(), nil
		}
	}
	if loc == nil {
		return gridline.RegionPath{}, fmt.Errorf("place at (%g, %g): no locate service to find its grid", pt[0], pt[1])
	}
	// The index follows committed changes only: it is refreshed outside
	// this transaction, and its answer is read back inside it.
	if err := loc.Refresh(outsideTx{ctx}); err != nil {
		return gridline.RegionPath{}, fmt.Errorf("refresh the locate index: %w", err)
	}
	l, err := loc.Locate(pt[0], pt[1], "")
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		return gridline.RegionPath{}, gridline.FieldErrorf(field, "(%.6f, %.6f) lies in no grid", pt[0], pt[1])
	} else if err != nil {
		return gridline.RegionPath{}, err
	}
	g, err := find(l.Grid.Code)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		return gridline.RegionPath{}, gridline.Errorf(gridline.ECONFLICT, "Grid %s was deleted meanwhile; try again.", l.Grid.Code)
	} else if err != nil {
		return gridline.RegionPath{}, err
	}
	return g.Path(), nil
}

// containsPattern returns a LIKE pattern (with ESCAPE '\') matching values
// that contain q literally.
func containsPattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// placeWhere adds the filters shared by points, compounds, buildings and
// addresses; alias prefixes the columns and nameCol is what Query searches.
func placeWhere(w *where, f gridline.PlaceFilter, alias, nameCol string) {
	if f.ID != nil {
		w.add(alias+"id = ?", *f.ID)
	}
	if f.Within != nil {
		lo, hi := prefixRange(*f.Within)
		w.add(alias+"community_code >= ? AND "+alias+"community_code < ?", lo, hi)
	}
	if f.GridCode != nil {
		w.add(alias+"grid_code = ?", *f.GridCode)
	}
	if f.Query != nil && *f.Query != "" {
		w.add("lower("+alias+nameCol+`) LIKE lower(?) ESCAPE '\'`, containsPattern(*f.Query))
	}
}

func auditKey(id int64) string { return strconv.FormatInt(id, 10) }

// checkRef returns EINVALID naming field unless table (a constant) has a
// row with id; noun names such a row in the message.
func checkRef(ctx context.Context, tx *Tx, field, table, noun string, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = $1`, id).Scan(&n); err != nil {
		return translate(tx.db.dialect, err)
	} else if n == 0 {
		return gridline.FieldErrorf(field, "no %s %d", noun, id)
	}
	return nil
}

// refCount is a kind of row that keeps another from being deleted: a
// COUNT query over the id ($1), and the ECONFLICT message, formatted with
// the id and the count.
type refCount struct{ query, msg string }

// deleteRow deletes row id of table and audits it as entity, unless one
// of refs still counts rows: the first that does is ECONFLICT.
func deleteRow(ctx context.Context, tx *Tx, table, entity string, id int64, detail string, refs ...refCount) error {
	for _, r := range refs {
		var n int
		if err := tx.QueryRowContext(ctx, r.query, id).Scan(&n); err != nil {
			return translate(tx.db.dialect, err)
		} else if n > 0 {
			return gridline.Errorf(gridline.ECONFLICT, r.msg, id, n)
		}
	}
	if _, err := tx.exec(ctx, `DELETE FROM `+table+` WHERE id = $1`, id); err != nil {
		return err
	}
	return tx.record(ctx, "delete", entity, auditKey(id), detail)
}

// gridCache returns findGridByCode remembering its answers, for a bulk
// write that places many objects in few grids within one transaction.
func gridCache(ctx context.Context, tx *Tx) func(code string) (*gridline.Grid, error) {
	type answer struct {
		g   *gridline.Grid
		err error
	}
	seen := map[string]answer{}
	return func(code string) (*gridline.Grid, error) {
		if a, ok := seen[code]; ok {
			return a.g, a.err
		}
		g, err := findGridByCode(ctx, tx, code)
		if err == nil || gridline.ErrorCode(err) == gridline.ENOTFOUND {
			seen[code] = answer{g, err}
		}
		return g, err
	}
}
