package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gridline/gridline"
)

// DuplicateService implements gridline.DuplicateService.
type DuplicateService struct {
	db *DB
	// fingerprints keeps the texts' fingerprints of the cases lookups
	// read: at intake each new case's neighbours are the previous ones'.
	fingerprints *gridline.FingerprintCache
}

// duplicateFingerprints is about how many fingerprints a DuplicateService
// keeps (about a kilobyte each): a busy hour's intake.
const duplicateFingerprints = 8192

// NewDuplicateService returns a DuplicateService over db that reads rules
// and vocabulary from the catalogue in use (the admins' edits applied).
func NewDuplicateService(db *DB) *DuplicateService {
	return &DuplicateService{db: db, fingerprints: gridline.NewFingerprintCache(duplicateFingerprints)}
}

var _ gridline.DuplicateStore = (*DuplicateService)(nil)

// maxDuplicateRows bounds what one lookup reads: a city centre holds a
// few dozen cases within a radius and a month; more than this would be a
// flood of one incident, where any of them is as good a candidate.
const maxDuplicateRows = gridline.MaxDuplicateRows

// placeCell is the place cell of a case, NULL without a place.
func placeCell(lon, lat *float64) *int64 {
	if lon == nil || lat == nil {
		return nil
	}
	c := gridline.DuplicateCell(*lon, *lat)
	return &c
}

// FindDuplicates implements gridline.DuplicateService.
func (s *DuplicateService) FindDuplicates(ctx context.Context, id int64) ([]gridline.DuplicateCandidate, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var c gridline.DuplicateCase
	var lon, lat sql.NullFloat64
	err = tx.QueryRowContext(ctx, `SELECT id, number, channel, status, category, text, lon, lat, reported_at
		FROM tickets WHERE id = $1`, id).Scan(&c.ID, &c.Number, &c.Channel, &c.Status, &c.Category, &c.Text, &lon, &lat,
		&c.ReportedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Case %d not found.", id)
	} else if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	if !lon.Valid || !lat.Valid {
		return []gridline.DuplicateCandidate{}, nil
	}
	c.Lon, c.Lat = lon.Float64, lat.Float64
	return s.find(ctx, tx, &c)
}

// FindDuplicatesOf implements gridline.DuplicateService.
func (s *DuplicateService) FindDuplicatesOf(ctx context.Context, t *gridline.Ticket) ([]gridline.DuplicateCandidate, error) {
	if t.Lon == nil || t.Lat == nil {
		return []gridline.DuplicateCandidate{}, nil
	}
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c := gridline.DuplicateCase{ID: t.ID, Number: t.Number, Channel: t.Channel, Status: t.Status, Category: t.Category,
		Text: t.Text, Lon: *t.Lon, Lat: *t.Lat, ReportedAt: t.ReportedAt}
	return s.find(ctx, tx, &c)
}

// find reads the cases in the cells c's radius touches, within its window,
// and ranks them. The index (reported_at, place_cell, lon, lat) makes it
// one range scan of the window that reads only the rows in the radius.
func (s *DuplicateService) find(ctx context.Context, tx *Tx, c *gridline.DuplicateCase) ([]gridline.DuplicateCandidate, error) {
	rule := gridline.DuplicateBounds(s.db.catalogue(), c)
	cells := gridline.DuplicateCells(c.Lon, c.Lat, rule.Radius)
	box := gridline.DuplicateBox(c.Lon, c.Lat, rule.Radius)
	kx, ky, r2 := gridline.DuplicateDisc(c.Lon, c.Lat, rule.Radius)
	args := []any{c.ReportedAt.Add(-rule.Window).UTC(), c.ReportedAt.Add(rule.Window).UTC(), c.ID,
		string(gridline.StatusMerged), string(gridline.StatusVoided), string(gridline.StatusRejected),
		box[0], box[1], box[2], box[3], c.Lon, c.Lat, kx, ky, r2}
	for _, cell := range cells {
		args = append(args, cell)
	}
	// The box and the disc keep the cells' other cases in the database:
	// both are tested on the index's lon and lat before a row is read, so
	// only the rows within the radius are read, with their texts (the
	// disc spares the box's corners, a fifth of its area).
	rows, err := tx.QueryContext(ctx, duplicateWindowQuery(len(cells)), args...)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	others, err := scanDuplicateCases(rows)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	return gridline.RankDuplicatesCached(s.db.catalogue(), s.fingerprints, c, others, gridline.MaxDuplicates), nil
}

// duplicateWindowQuery reads the cases reported in [$1, $2] in n place
// cells ($16…) within the box ($7–$10) and the disc around ($11, $12)
// (scales $13, $14, radius² $15), other than case $3 and not in statuses
// $4–$6.
func duplicateWindowQuery(n int) string {
	return `SELECT ` + duplicateCaseColumns + `
		FROM tickets WHERE place_cell IN (` + placeholders(16, n) + `) AND reported_at >= $1 AND reported_at <= $2
		AND lon >= $7 AND lat >= $8 AND lon <= $9 AND lat <= $10
		AND ((lon - $11) * $13) * ((lon - $11) * $13) + ((lat - $12) * $14) * ((lat - $12) * $14) <= $15
		AND id <> $3 AND status NOT IN ($4, $5, $6)` + limitOffset(maxDuplicateRows, 0)
}

// DuplicateCatalogue implements gridline.DuplicateStore.
func (s *DuplicateService) DuplicateCatalogue() *gridline.Catalogue { return s.db.catalogue() }

// duplicateCaseColumns are the columns of a gridline.DuplicateCase.
const duplicateCaseColumns = `id, number, channel, status, category, text, lon, lat, reported_at`

// FindDuplicateCases implements gridline.DuplicateStore.
func (s *DuplicateService) FindDuplicateCases(ctx context.Context, ids []int64) ([]*gridline.DuplicateCase, error) {
	var out []*gridline.DuplicateCase
	for len(ids) > 0 {
		part := ids[:min(len(ids), 1000)]
		ids = ids[len(part):]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		got, err := s.readDuplicateCases(ctx, `SELECT `+duplicateCaseColumns+` FROM tickets
			WHERE id IN (`+placeholders(1, len(part))+`) AND place_cell IS NOT NULL AND lon IS NOT NULL AND lat IS NOT NULL`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// FindRecentDuplicateCases implements gridline.DuplicateStore. It pages
// by id on the primary key, each page a scan from the last id, so
// loading every recent case is one pass over the table.
func (s *DuplicateService) FindRecentDuplicateCases(ctx context.Context, since time.Time, after int64, limit int) ([]*gridline.DuplicateCase, error) {
	return s.readDuplicateCases(ctx, `SELECT `+duplicateCaseColumns+` FROM tickets
		WHERE id > $1 AND reported_at >= $2 AND place_cell IS NOT NULL AND lon IS NOT NULL AND lat IS NOT NULL
		AND status NOT IN ($3, $4, $5) ORDER BY id`+limitOffset(limit, 0), after, since.UTC(),
		string(gridline.StatusMerged), string(gridline.StatusVoided), string(gridline.StatusRejected))
}

// readDuplicateCases reads the cases q selects, duplicateCaseColumns.
func (s *DuplicateService) readDuplicateCases(ctx context.Context, q string, args ...any) ([]*gridline.DuplicateCase, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	out, err := scanDuplicateCases(rows)
	return out, translate(tx.db.dialect, err)
}

// scanDuplicateCases reads rows of duplicateCaseColumns and closes them.
func scanDuplicateCases(rows *sql.Rows) ([]*gridline.DuplicateCase, error) {
	defer rows.Close()
	var out []*gridline.DuplicateCase
	for rows.Next() {
		var o gridline.DuplicateCase
		if err := rows.Scan(&o.ID, &o.Number, &o.Channel, &o.Status, &o.Category, &o.Text, &o.Lon, &o.Lat,
			&o.ReportedAt); err != nil {
			return nil, err
		}
		o.ReportedAt = o.ReportedAt.UTC()
		out = append(out, &o)
	}
	return out, rows.Err()
}
