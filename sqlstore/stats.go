package sqlstore

import (
	"context"
	"math"

	"github.com/gridline/gridline"
)

// StatsService implements gridline.StatsService with a handful of
// aggregate queries per figure set; no rows are loaded one by one.
type StatsService struct{ db *DB }

// NewStatsService returns a StatsService over db.
func NewStatsService(db *DB) *StatsService { return &StatsService{db: db} }

var _ gridline.StatsService = (*StatsService)(nil)

func teamCounts() map[gridline.Team]int {
	m := make(map[gridline.Team]int, len(gridline.Teams))
	for _, t := range gridline.Teams {
		m[t] = 0
	}
	return m
}

// peopleWhere selects the people of a region: those whose region_code lies
// in it, or who hold an assignment in it (see personWithin). "" selects
// everyone.
func peopleWhere(region string) where {
	var w where
	if region != "" {
		personWithin(&w, "p.", region)
	}
	return w
}

// peopleByTeam counts the people of a region per team.
func peopleByTeam(ctx context.Context, tx *Tx, region string) (map[gridline.Team]int, int, error) {
	w := peopleWhere(region)
	out, total := teamCounts(), 0
	var team gridline.Team
	var n int
	err := eachRow(ctx, tx, `SELECT p.team, COUNT(*) FROM people p`+w.String()+` GROUP BY p.team`, w.args,
		[]any{&team, &n}, func() {
			out[team] += n
			total += n
		})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// eachRow runs q and calls fn after scanning each row into dest.
func eachRow(ctx context.Context, tx *Tx, q string, args []any, dest []any, fn func()) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		fn()
	}
	return rows.Err()
}

// beginStats checks region and opens the read transaction of a report.
// A scoped caller's region is narrowed to its scope (scopeRegion).
func (s *StatsService) beginStats(ctx context.Context, region *string) (*Tx, error) {
	for _, c := range *region {
		if c < '0' || c > '9' {
			return nil, gridline.FieldErrorf("region", "must be a region code or its prefix, got %q", *region)
		}
	}
	r, err := scopeRegion(ctx, gridline.ResourceStats, *region)
	if err != nil {
		return nil, err
	}
	*region = r
	return s.db.BeginTx(ctx, false)
}

// Overview implements gridline.StatsService. region is a code prefix; ""
// means everything. Towns, villages, grids, points, compounds, buildings,
// addresses and party organisations count when their (community) code lies
// in the region; people as in peopleWhere. Departments and property
// companies count when they serve the region: their region_code lies in it,
// is one of its ancestors (a district department serves every town of the
// district), or is empty (serves everywhere).
func (s *StatsService) Overview(ctx context.Context, region string) (*gridline.Overview, error) {
	tx, err := s.beginStats(ctx, &region)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	lo, hi := prefixRange(region)
	o := &gridline.Overview{RegionCode: region, Grids: map[string]int{}, PartyOrgs: map[int]int{}}
	var key string
	var n int

	// Streets (街道) and residents' committees (社区) are told apart by
	// their codes, by the domain's rule: the codes come to Go.
	var code string
	if err := eachRow(ctx, tx, `SELECT level, code FROM regions WHERE level IN ('town', 'village') AND code >= $1 AND code < $2`,
		[]any{lo, hi}, []any{&key, &code}, func() {
			if key == string(gridline.LevelTown) {
				o.Towns++
				if gridline.IsStreet(code) {
					o.Streets++
				}
			} else {
				o.Villages++
				if gridline.IsResidentsCommittee(code) {
					o.Communities++
				}
			}
		}); err != nil {
		return nil, err
	}

	if err := eachRow(ctx, tx, `SELECT l.code, COUNT(g.id) FROM grid_layers l
		LEFT JOIN grids g ON g.layer = l.code AND g.community_code >= $1 AND g.community_code < $2
		GROUP BY l.code`, []any{lo, hi}, []any{&key, &n}, func() {
		o.Grids[key] = n
		o.GridsTotal += n
	}); err != nil {
		return nil, err
	}

	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM points WHERE community_code >= $1 AND community_code < $2),
		(SELECT COUNT(*) FROM compounds WHERE community_code >= $1 AND community_code < $2),
		(SELECT COUNT(*) FROM buildings WHERE community_code >= $1 AND community_code < $2),
		(SELECT COUNT(*) FROM addresses WHERE community_code >= $1 AND community_code < $2)`, lo, hi).
		Scan(&o.Points, &o.Compounds, &o.Buildings, &o.Addresses); err != nil {
		return nil, translate(tx.db.dialect, err)
	}

	if o.People, o.PeopleTotal, err = peopleByTeam(ctx, tx, region); err != nil {
		return nil, err
	}

	var w where
	if region != "" {
		cond := "region_code = '' OR region_code >= ? AND region_code < ?"
		args := []any{lo, hi}
		for _, a := range gridline.AncestorCodes(region) {
			cond += " OR region_code = ?"
			args = append(args, a)
		}
		w.add("("+cond+")", args...)
	}
	if err := eachRow(ctx, tx, `SELECT kind, COUNT(*) FROM units`+w.String()+` GROUP BY kind`, w.args, []any{&key, &n}, func() {
		switch gridline.UnitKind(key) {
		case gridline.UnitDepartment:
			o.Departments = n
		case gridline.UnitProperty:
			o.Property = n
		}
	}); err != nil {
		return nil, err
	}

	for l := 1; l <= 6; l++ {
		o.PartyOrgs[l] = 0
	}
	var level int
	if err := eachRow(ctx, tx, `SELECT level, COUNT(*) FROM party_orgs WHERE region_code >= $1 AND region_code < $2 GROUP BY level`,
		[]any{lo, hi}, []any{&level, &n}, func() { o.PartyOrgs[level] = n }); err != nil {
		return nil, err
	}
	return o, nil
}

// Workforce implements gridline.StatsService. People are those of
// peopleWhere, each counted once. A person belongs to the town of their
// region_code or, when that is coarser than a town, to the town of their
// first assignment that has one; ByTown lists every town in the region,
// people or not. Urban grid workers are the grid workers and property
// staff assigned to a grid in the region that lies in a residents'
// committee (社区) of a street (街道): villagers' committees that happen
// to belong to a street are rural, as in the seed's 34.43 %.
func (s *StatsService) Workforce(ctx context.Context, region string) (*gridline.WorkforceStats, error) {
	tx, err := s.beginStats(ctx, &region)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	lo, hi := prefixRange(region)
	ws := &gridline.WorkforceStats{RegionCode: region, ByTown: []gridline.TownWorkforce{}}
	if ws.ByTeam, ws.Total, err = peopleByTeam(ctx, tx, region); err != nil {
		return nil, err
	}

	townIdx := map[string]int{}
	var town, name string
	if err := eachRow(ctx, tx, `SELECT code, name FROM regions WHERE level = 'town' AND code >= $1 AND code < $2 ORDER BY code`,
		[]any{lo, hi}, []any{&town, &name}, func() {
			townIdx[town] = len(ws.ByTown)
			ws.ByTown = append(ws.ByTown, gridline.TownWorkforce{Town: gridline.Named{Code: town, Name: name},
				Street: gridline.IsStreet(town), People: teamCounts()})
		}); err != nil {
		return nil, err
	}
	w := peopleWhere(region)
	var team gridline.Team
	// A person's town is that of their region code (gridline.PathOf), or
	// of their first assignment that has one when the code is coarser.
	var regionCode, firstTown string
	if err := eachRow(ctx, tx, `SELECT p.team, p.region_code, COALESCE((SELECT a.town_code FROM assignments a
		WHERE a.person_id = p.id AND a.town_code <> '' ORDER BY a.id LIMIT 1), '')
		FROM people p`+w.String(), w.args, []any{&team, &regionCode, &firstTown}, func() {
		town := gridline.PathOf(regionCode).TownCode
		if town == "" {
			town = firstTown
		}
		if i, ok := townIdx[town]; ok {
			ws.ByTown[i].People[team]++
			ws.ByTown[i].Total++
		}
	}); err != nil {
		return nil, err
	}

	// Whether a grid is urban is the domain's rule on its community code;
	// a person counts once however many urban grids they work in.
	urban := map[int64]bool{}
	var id int64
	var community string
	if err := eachRow(ctx, tx, `SELECT DISTINCT p.id, p.team, a.community_code FROM people p
		JOIN assignments a ON a.person_id = p.id AND a.target = 'grid'
		WHERE p.team IN ($1, $2) AND a.community_code >= $3 AND a.community_code < $4`,
		[]any{string(gridline.TeamGridWorker), string(gridline.TeamPropertyStaff), lo, hi}, []any{&id, &team, &community}, func() {
			if urban[id] || !gridline.IsUrbanCommunity(community) {
				return
			}
			urban[id] = true
			ws.UrbanGridWorkers++
			if team == gridline.TeamPropertyStaff {
				ws.UrbanPropertyStaff++
			}
		}); err != nil {
		return nil, err
	}
	if ws.UrbanGridWorkers > 0 {
		ws.PropertyShare = math.Round(10000*float64(ws.UrbanPropertyStaff)/float64(ws.UrbanGridWorkers)) / 100
	}
	return ws, nil
}
