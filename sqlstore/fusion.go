package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/gridline/gridline"
)

// FusionService implements gridline.FusionService: it reads the period's
// hotline cases and the grid findings near them in place and time, and
// classifies each case with the domain's rule (gridline.ClassifyFusion),
// the duplicate finder's.
type FusionService struct {
	db *DB
}

// NewFusionService returns a FusionService over db.
func NewFusionService(db *DB) *FusionService { return &FusionService{db: db} }

var _ gridline.FusionService = (*FusionService)(nil)

// fusionHotline is a hotline case of the comparison with its group codes.
type fusionHotline struct {
	gridline.FusionCase
	town, community, grid string
}

const fusionCols = `id, number, channel, status, category, text, lon, lat, reported_at, merged_into`

// scanFusion scans fusionCols.
func scanFusion(rows *sql.Rows, c *gridline.FusionCase, extra ...any) error {
	var lon, lat sql.NullFloat64
	var merged sql.NullInt64
	if err := rows.Scan(append([]any{&c.ID, &c.Number, &c.Channel, &c.Status, &c.Category, &c.Text, &lon, &lat,
		&c.ReportedAt, &merged}, extra...)...); err != nil {
		return err
	}
	c.ReportedAt = c.ReportedAt.UTC()
	c.Located = lon.Valid && lat.Valid
	c.Lon, c.Lat, c.MergedInto = lon.Float64, lat.Float64, merged.Int64
	return nil
}

// fusionScanCells is the number of place cells from which every finding
// of the window is read, not only those in the cells (which the index
// (reported_at, place_cell, …) tells apart before a row is read).
const fusionScanCells = 100

// fusionChunk bounds the IN lists of one query.
const fusionChunk = 500

// FusionDaily implements gridline.FusionService.
func (s *FusionService) FusionDaily(ctx context.Context, f gridline.FusionFilter) (*gridline.FusionReport, error) {
	if len(f.Classes) == 0 {
		f.Classes = gridline.DefaultFusionClasses
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	cat := s.db.catalogue()
	if err := gridline.CheckFusionClasses(cat, f.Classes); err != nil {
		return nil, err
	}
	from := f.From.UTC()
	end := f.To.AddDate(0, 0, 1).UTC()
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	// The hotline cases of the period, in the caller's scope. Voided and
	// rejected cases were no incident; merged ones count (their master
	// may be the grid's finding).
	var w where
	w.add("t.channel = ?", string(gridline.ChannelHotline))
	w.add("t.reported_at >= ?", from)
	w.add("t.reported_at < ?", end)
	w.add("t.status NOT IN (?, ?)", string(gridline.StatusVoided), string(gridline.StatusRejected))
	if sc, ok := scopeFor(ctx, gridline.ResourceKPIs, gridline.ActRead); ok {
		// The cases the caller's KPIs cover, a unit's co-handled ones
		// too: a department sees what its grid workers missed there.
		cond, args := ticketScope(sc)
		w.add(cond, args...)
	}
	rows, err := tx.QueryContext(ctx, `SELECT t.id, t.number, t.channel, t.status, t.category, t.text, t.lon, t.lat,
		t.reported_at, t.merged_into, t.town_code, t.community_code, t.grid_code FROM tickets t`+w.String()+
		` ORDER BY t.reported_at, t.id`, w.args...)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	var hot []*fusionHotline
	cells := map[int64]bool{}
	for rows.Next() {
		h := &fusionHotline{}
		if err := scanFusion(rows, &h.FusionCase, &h.town, &h.community, &h.grid); err != nil {
			rows.Close()
			return nil, err
		}
		if !gridline.InFusionClasses(cat, h.Category, f.Classes) {
			continue
		}
		hot = append(hot, h)
		if h.Located {
			for _, c := range gridline.DuplicateCells(h.Lon, h.Lat, gridline.DuplicateRuleFor(cat, h.Category).Radius) {
				cells[c] = true
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	findings, err := s.findings(ctx, tx, hot, cells, from.Add(-gridline.FusionWindow(f.Classes)), end.Add(gridline.FusionWindow(f.Classes)))
	if err != nil {
		return nil, err
	}
	byCell := map[int64][]*gridline.FusionCase{}
	byMaster := map[int64][]*gridline.FusionCase{}
	byID := map[int64]*gridline.FusionCase{}
	for _, g := range findings {
		byID[g.ID] = g
		if g.Located {
			c := gridline.DuplicateCell(g.Lon, g.Lat)
			byCell[c] = append(byCell[c], g)
		}
		if g.MergedInto != 0 {
			byMaster[g.MergedInto] = append(byMaster[g.MergedInto], g)
		}
	}

	keys, err := s.groupKeys(ctx, tx, f.By, hot)
	if err != nil {
		return nil, err
	}
	counts := map[string]*gridline.FusionCounts{}
	rep := &gridline.FusionReport{From: f.From.In(gridline.ChinaTime).Format(time.DateOnly),
		To: f.To.In(gridline.ChinaTime).Format(time.DateOnly), By: f.By, Classes: f.Classes,
		Rows: []gridline.FusionRow{}, Misses: []gridline.FusionMiss{}}
	var cand []*gridline.FusionCase
	for i, h := range hot {
		cand = cand[:0]
		if g := byID[h.MergedInto]; g != nil {
			cand = append(cand, g)
		}
		cand = append(cand, byMaster[h.ID]...)
		if h.MergedInto != 0 {
			cand = append(cand, byMaster[h.MergedInto]...)
		}
		if h.Located {
			for _, c := range gridline.DuplicateCells(h.Lon, h.Lat, gridline.DuplicateRuleFor(cat, h.Category).Radius) {
				cand = append(cand, byCell[c]...)
			}
		}
		out, _ := gridline.ClassifyFusion(cat, &h.FusionCase, cand)
		c := counts[keys[i]]
		if c == nil {
			c = &gridline.FusionCounts{}
			counts[keys[i]] = c
		}
		switch {
		case !h.Located && out == gridline.FusionMissed:
			c.Unlocated++
		default:
			c.Count(out)
			if out == gridline.FusionMissed && h.Located {
				if len(rep.Misses) < gridline.FusionMaxMisses {
					rep.Misses = append(rep.Misses, gridline.FusionMiss{ID: h.ID, Number: h.Number, Category: h.Category,
						Lon: h.Lon, Lat: h.Lat, ReportedAt: h.ReportedAt})
				} else {
					rep.MissesTruncated = true
				}
			}
		}
	}
	names, err := s.groupNames(ctx, tx, f.By, counts)
	if err != nil {
		return nil, err
	}
	ks := make([]string, 0, len(counts))
	for k := range counts {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	var total gridline.FusionCounts
	for _, k := range ks {
		c := *counts[k]
		total.Add(c)
		name := names[k]
		if name == "" {
			name = k
		}
		rep.Rows = append(rep.Rows, gridline.FusionRow{Key: k, Name: name, FusionCounts: c, Rate: c.Rate()})
	}
	rep.Total = gridline.FusionRow{Key: "", Name: "合计", FusionCounts: total, Rate: total.Rate()}
	return rep, nil
}

// findings reads the grid findings that may match the hotline cases: in
// the cells their radii touch within [from, to), and those merged with
// them (wherever they are). Findings are read whatever the caller's
// scope: only the hotline cases in scope are reported on.
func (s *FusionService) findings(ctx context.Context, tx *Tx, hot []*fusionHotline, cells map[int64]bool, from, to time.Time) ([]*gridline.FusionCase, error) {
	seen := map[int64]bool{}
	var out []*gridline.FusionCase
	base := []any{string(gridline.StatusVoided), string(gridline.StatusRejected)}
	for _, ch := range gridline.FusionGridChannels {
		base = append(base, string(ch))
	}
	chans := placeholders(3, len(gridline.FusionGridChannels))
	read := func(cond string, args []any) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+fusionCols+` FROM tickets WHERE status NOT IN ($1, $2) AND channel IN (`+
			chans+`) AND `+cond, args...)
		if err != nil {
			return translate(tx.db.dialect, err)
		}
		defer rows.Close()
		for rows.Next() {
			g := &gridline.FusionCase{}
			if err := scanFusion(rows, g); err != nil {
				return err
			}
			if !seen[g.ID] {
				seen[g.ID] = true
				out = append(out, g)
			}
		}
		return rows.Err()
	}
	n := len(base)
	list := make([]int64, 0, len(cells))
	for c := range cells {
		list = append(list, c)
	}
	slices.Sort(list)
	if len(list) > fusionScanCells {
		// Most of the city: one pass over the window, without testing
		// each finding's cell against a list of hundreds.
		args := append(slices.Clone(base), from, to)
		if err := read(fmt.Sprintf("reported_at >= $%d AND reported_at < $%d AND place_cell IS NOT NULL", n+1, n+2), args); err != nil {
			return nil, err
		}
		list = nil
	}
	for start := 0; start < len(list); start += fusionChunk {
		part := list[start:min(start+fusionChunk, len(list))]
		args := append(slices.Clone(base), from, to)
		for _, c := range part {
			args = append(args, c)
		}
		if err := read(fmt.Sprintf("reported_at >= $%d AND reported_at < $%d AND place_cell IN (%s)", n+1, n+2,
			placeholders(n+3, len(part))), args); err != nil {
			return nil, err
		}
	}
	// Merge links: the masters of merged hotline cases, and the findings
	// merged into a hotline case or into such a master.
	var ids, masters []int64
	for _, h := range hot {
		ids = append(ids, h.ID)
		if h.MergedInto != 0 {
			ids = append(ids, h.MergedInto)
			masters = append(masters, h.MergedInto)
		}
	}
	for _, q := range []struct {
		col string
		ids []int64
	}{{"id", masters}, {"merged_into", ids}} {
		for start := 0; start < len(q.ids); start += fusionChunk {
			part := q.ids[start:min(start+fusionChunk, len(q.ids))]
			args := slices.Clone(base)
			for _, id := range part {
				args = append(args, id)
			}
			if err := read(q.col+" IN ("+placeholders(n+1, len(part))+")", args); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// groupKeys returns each hotline case's group key. A worker is the grid
// worker (专职网格员) first assigned to the case's grid.
func (s *FusionService) groupKeys(ctx context.Context, tx *Tx, by string, hot []*fusionHotline) ([]string, error) {
	keys := make([]string, len(hot))
	var workers map[string]string
	if by == "worker" {
		workers = map[string]string{}
		rows, err := tx.QueryContext(ctx, `SELECT a.grid_code, p.id FROM assignments a JOIN people p ON p.id = a.person_id
			WHERE a.target = $1 AND p.team = $2 ORDER BY a.id`, string(gridline.TargetGrid), string(gridline.TeamGridWorker))
		if err != nil {
			return nil, translate(tx.db.dialect, err)
		}
		for rows.Next() {
			var grid string
			var id int64
			if err := rows.Scan(&grid, &id); err != nil {
				rows.Close()
				return nil, err
			}
			if _, ok := workers[grid]; !ok {
				workers[grid] = fmt.Sprint(id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for i, h := range hot {
		switch by {
		case "town":
			keys[i] = h.town
		case "community":
			keys[i] = h.community
		case "grid":
			keys[i] = h.grid
		case "worker":
			if h.grid != "" {
				keys[i] = workers[h.grid]
			}
		case "day":
			keys[i] = h.ReportedAt.In(gridline.ChinaTime).Format(time.DateOnly)
		}
	}
	return keys, nil
}

// groupNames names the groups; "" is 无网格 / 未定.
func (s *FusionService) groupNames(ctx context.Context, tx *Tx, by string, counts map[string]*gridline.FusionCounts) (map[string]string, error) {
	names := map[string]string{"": "未定"}
	var keys []string
	for k := range counts {
		if k != "" {
			keys = append(keys, k)
		}
	}
	var q string
	switch by {
	case "day":
		for _, k := range keys {
			names[k] = k
		}
		return names, nil
	case "grid":
		q = `SELECT code, name FROM grids`
	case "worker":
		q = `SELECT CAST(id AS TEXT), name FROM people WHERE team = '` + string(gridline.TeamGridWorker) + `'`
	default:
		rn, err := regionNames(ctx, tx, keys)
		if err != nil {
			return nil, err
		}
		for k, v := range rn {
			names[k] = v
		}
		return names, nil
	}
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, n string
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		if counts[k] != nil {
			names[k] = n
		}
	}
	return names, rows.Err()
}
