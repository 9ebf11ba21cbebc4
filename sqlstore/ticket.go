package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// TicketService implements gridline.TicketService.
type TicketService struct {
	db  *DB
	loc gridline.LocateService
	// Compounds, when set, answers intake's question of which compound a
	// case lies in (a cache: cache.Compounds); nil reads the store.
	Compounds gridline.CompoundOutliner
	// intake gathers concurrent intakes into shared transactions.
	intake intakeQueue
}

// NewTicketService returns a TicketService over db that locates with loc
// and counts working time on the calendar in use (ReferenceService).
func NewTicketService(db *DB, loc gridline.LocateService) *TicketService {
	return &TicketService{db: db, loc: loc}
}

var _ gridline.TicketService = (*TicketService)(nil)

// calendar returns the working calendar deadlines count on now: the
// official one with the admins' edits.
func (s *TicketService) calendar() *gridline.Calendar { return s.db.calendar() }

// catalogue returns the category catalogue in use, with the admins' edits.
func (s *TicketService) catalogue() *gridline.Catalogue { return s.db.catalogue() }

const ticketColumns = `t.id, t.number, t.channel, t.external_id, t.text, t.category, t.status, t.version, t.lon, t.lat,
	t.address, t.county_code, t.town_code, t.community_code, t.grid_code, COALESCE(g.name, ''), COALESCE(c.name, ''),
	COALESCE(w.name, ''), t.reporter_name, t.reporter_phone, t.reporter_confidential, t.reported_at, t.lead_unit_id,
	t.deadline, t.base_deadline, t.merged_into, t.closed_at, t.warning, t.escalated_to, t.compound_id, t.created_by,
	t.created_at, t.updated_at, t.building_id, t.entrance, t.floor, COALESCE(tb.name, ''), COALESCE(tb.floors, 0),
	COALESCE(tb.height_m, 0), COALESCE(tbc.name, '')`

const ticketFrom = `tickets t LEFT JOIN grids g ON g.code = t.grid_code
	LEFT JOIN regions c ON c.code = t.community_code LEFT JOIN regions w ON w.code = t.town_code
	LEFT JOIN buildings tb ON tb.id = t.building_id LEFT JOIN compounds tbc ON tbc.id = tb.compound_id`

// scanTickets reads rows of ticketColumns and closes them.
func scanTickets(rows *sql.Rows) ([]*gridline.Ticket, error) {
	defer rows.Close()
	var out []*gridline.Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// setPlace sets t's point and floor from a row's nullable columns.
func setPlace(t *gridline.Ticket, lon, lat sql.NullFloat64, floor sql.NullInt64) {
	if lon.Valid && lat.Valid {
		t.Lon, t.Lat = &lon.Float64, &lat.Float64
	}
	if floor.Valid {
		f := int(floor.Int64)
		t.Floor = &f
	}
}

func scanTicket(rows *sql.Rows) (*gridline.Ticket, error) {
	var t gridline.Ticket
	var lon, lat sql.NullFloat64
	var deadline, base, closed sql.NullTime
	var floor sql.NullInt64
	var b gridline.TicketBuilding
	err := rows.Scan(&t.ID, &t.Number, &t.Channel, &t.ExternalID, &t.Text, &t.Category, &t.Status, &t.Version, &lon, &lat,
		&t.Address, &t.CountyCode, &t.TownCode, &t.CommunityCode, &t.GridCode, &t.Grid.Name, &t.Community.Name,
		&t.Town.Name, &t.Reporter.Name, &t.Reporter.Phone, &t.Reporter.Confidential, &t.ReportedAt, &t.LeadUnitID,
		&deadline, &base, &t.MergedInto, &closed, &t.Warning, &t.EscalatedTo, &t.CompoundID, &t.CreatedBy, &t.CreatedAt,
		&t.UpdatedAt, &t.BuildingID, &t.Entrance, &floor, &b.Name, &b.Floors, &b.HeightM, &b.CompoundName)
	if err != nil {
		return nil, err
	}
	if t.BuildingID != nil {
		b.ID = *t.BuildingID
		t.Building = &b
	}
	setPlace(&t, lon, lat, floor)
	if deadline.Valid {
		d := deadline.Time.UTC()
		t.Deadline = &d
	}
	if base.Valid {
		b := base.Time.UTC()
		t.BaseDeadline = &b
	}
	if closed.Valid {
		c := closed.Time.UTC()
		t.ClosedAt = &c
	}
	t.Grid.Code, t.Community.Code, t.Town.Code = t.GridCode, t.CommunityCode, t.TownCode
	t.ReportedAt, t.CreatedAt, t.UpdatedAt = t.ReportedAt.UTC(), t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return &t, nil
}

// FindTicketByID implements gridline.TicketService.
func (s *TicketService) FindTicketByID(ctx context.Context, id int64) (*gridline.Ticket, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findTicketByID(ctx, tx, id)
}

func findTicketByID(ctx context.Context, tx *Tx, id int64) (*gridline.Ticket, error) {
	ts, _, err := findTickets(ctx, tx, gridline.TicketFilter{ID: &id})
	if err != nil {
		return nil, err
	} else if len(ts) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Case %d not found.", id)
	}
	t := ts[0]
	rows, err := tx.QueryContext(ctx, `SELECT id, ticket_id, at, actor, unit_id, action, from_status, to_status, outcome, opinion, note,
		contacted, resolved, lon, lat, distance_m FROM ticket_events WHERE ticket_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e gridline.TicketEvent
		if err := rows.Scan(&e.ID, &e.TicketID, &e.At, &e.Actor, &e.UnitID, &e.Action, &e.From, &e.To, &e.Outcome,
			&e.Opinion, &e.Note, &e.Contacted, &e.Resolved, &e.Lon, &e.Lat, &e.DistanceM); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		t.Timeline = append(t.Timeline, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close() // one connection: the photo query comes after
	if t.Photos, err = findTicketPhotos(ctx, tx, id); err != nil {
		return nil, err
	}
	if err := findAssignments(ctx, tx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// FindTicketSummaries implements gridline.TicketService: in one read
// transaction, the cases a chunk of ids at a time and their assignments in
// one query per chunk, each from its own table alone (no join: a summary
// names no place or unit).
func (s *TicketService) FindTicketSummaries(ctx context.Context, ids []int64) ([]*gridline.Ticket, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	byID := make(map[int64]*gridline.Ticket, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		w, _ := ticketWhere(ctx, tx, gridline.TicketFilter{})
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		ph := placeholders(len(w.args)+1, len(chunk))
		w.conds, w.args = append(w.conds, "t.id IN ("+ph+")"), append(w.args, args...)
		rows, err := tx.QueryContext(ctx, `SELECT t.id, t.number, t.status, t.warning, t.channel, t.category, t.lon, t.lat,
			t.county_code, t.town_code, t.community_code, t.grid_code, t.reported_at, t.building_id, t.floor, t.created_by,
			t.lead_unit_id, t.compound_id FROM tickets t`+w.String(), w.args...)
		if err != nil {
			return nil, translate(tx.db.dialect, err)
		}
		for rows.Next() {
			var t gridline.Ticket
			var lon, lat sql.NullFloat64
			var floor sql.NullInt64
			if err := rows.Scan(&t.ID, &t.Number, &t.Status, &t.Warning, &t.Channel, &t.Category, &lon, &lat,
				&t.CountyCode, &t.TownCode, &t.CommunityCode, &t.GridCode, &t.ReportedAt, &t.BuildingID, &floor,
				&t.CreatedBy, &t.LeadUnitID, &t.CompoundID); err != nil {
				rows.Close()
				return nil, err
			}
			setPlace(&t, lon, lat, floor)
			t.ReportedAt = t.ReportedAt.UTC()
			byID[t.ID] = &t
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		rows, err = tx.QueryContext(ctx, `SELECT a.ticket_id, a.unit_id, a.role FROM ticket_assignments a
			WHERE a.ticket_id IN (`+placeholders(1, len(chunk))+`) ORDER BY a.ticket_id, `+assignmentRowOrder, args...)
		if err != nil {
			return nil, translate(tx.db.dialect, err)
		}
		for rows.Next() {
			var id int64
			a := &gridline.TicketAssignment{}
			if err := rows.Scan(&id, &a.UnitID, &a.Role); err != nil {
				rows.Close()
				return nil, err
			}
			if t := byID[id]; t != nil {
				t.Assignments = append(t.Assignments, a)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]*gridline.Ticket, 0, len(byID))
	for _, id := range ids {
		if t, ok := byID[id]; ok {
			out = append(out, t)
			delete(byID, id) // an id given twice: its case once
		}
	}
	return out, nil
}

// FindTickets implements gridline.TicketService.
func (s *TicketService) FindTickets(ctx context.Context, f gridline.TicketFilter) ([]*gridline.Ticket, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findTickets(ctx, tx, f)
}

func findTickets(ctx context.Context, tx *Tx, f gridline.TicketFilter) ([]*gridline.Ticket, int, error) {
	w, categoryAt := ticketWhere(ctx, tx, f)
	if f.BeforeID != nil {
		w.add("t.id < ?", *f.BeforeID)
		rows, err := tx.QueryContext(ctx, `SELECT `+ticketColumns+` FROM `+ticketFrom+w.String()+
			` ORDER BY t.id DESC`+limitOffset(f.Limit, f.Offset), w.args...)
		if err != nil {
			return nil, 0, translate(tx.db.dialect, err)
		}
		out, err := scanTickets(rows)
		return out, 0, err
	}
	// The total from the kept counts where they hold it (ticket_totals.go),
	// or from the text index alone where it is exact.
	total := -1
	if dim, key, hi, ok := totalsFor(ctx, f); ok {
		n, err := readTotal(ctx, tx, dim, key, hi)
		if err != nil {
			return nil, 0, err
		}
		total = n
		if dim == totalDay && !tx.db.dialect.isPostgres() {
			// SQLite pages a period from the range of created_at, sorted
			// by id: a month's 78,000 cases for a page of the newest. Cases
			// are numbered as they come, so when few came after the period
			// (the days' counts say) its page is soon found walking the ids
			// back from the newest instead: the created_at index is hidden.
			after, err := readTotal(ctx, tx, totalDay, hi, "9")
			if err != nil {
				return nil, 0, err
			}
			if after < periodWalkRows {
				page := w
				page.conds = slices.Clone(w.conds)
				for i, c := range page.conds {
					page.conds[i] = strings.ReplaceAll(c, "t.created_at", "+t.created_at")
				}
				return findTicketPage(ctx, tx, page, w, f.Limit, f.Offset, total, 0)
			}
		}
	} else if q, region, ok := textOnly(ctx, f); ok {
		return findTextPage(ctx, tx, q, region, f.Limit, f.Offset, f.TotalBound())
	}
	if categoryAt < 0 {
		return findTicketPage(ctx, tx, w, w, f.Limit, f.Offset, total, f.TotalBound())
	}
	// A prefix is a range of the index (category, id), not in id order: a
	// page of a large selection (a main class, a few per cent of all
	// cases) is found faster walking the ids backwards, a page of a small
	// one from the range. The count, which the range makes cheap, decides;
	// a text search's count stops at its bound, and past it is large.
	if total < 0 {
		var err error
		if total, err = countTickets(ctx, tx, w, f.TotalBound()); err != nil {
			return nil, 0, err
		}
	}
	page := w
	if total > categoryRangeRows || (f.TotalBound() > 0 && total > f.TotalBound()) {
		page.conds = slices.Clone(w.conds)
		page.conds[categoryAt] = strings.ReplaceAll(page.conds[categoryAt], "t.category", "(t.category || '')")
	}
	return findTicketPage(ctx, tx, page, w, f.Limit, f.Offset, total, f.TotalBound())
}

// countTickets counts the selection w, or with bound > 0 up to bound+1 of
// it: a text search's count stops there (gridline.TextTotalBound).
func countTickets(ctx context.Context, tx *Tx, w where, bound int) (int, error) {
	q := `SELECT COUNT(*) FROM tickets t` + w.String()
	if bound > 0 {
		q = `SELECT COUNT(*) FROM (SELECT 1 FROM tickets t` + w.String() + ` LIMIT ` + strconv.Itoa(bound+1) + `) s`
	}
	var n int
	if err := tx.QueryRowContext(ctx, q, w.args...).Scan(&n); err != nil {
		return 0, translate(tx.db.dialect, err)
	}
	return n, nil
}

// ticketWhere returns the selection of f in the caller's scope (alias t),
// and where in it the category's condition is (-1 for none). f's paging
// fields are not read.
func ticketWhere(ctx context.Context, tx *Tx, f gridline.TicketFilter) (w where, categoryAt int) {
	if sc, ok := scopeFor(ctx, gridline.ResourceTickets, gridline.ActRead); ok {
		cond, args := ticketScope(sc)
		w.add(cond, args...)
	}
	if f.ID != nil {
		w.add("t.id = ?", *f.ID)
	}
	if f.Status != nil {
		cond := "t.status = ?"
		if !tx.db.dialect.isPostgres() && !f.Status.Open() {
			// Most cases end closed. Without statistics SQLite took a
			// final status for selective and counted a town's closed
			// cases of a month through it: 968,000 table lookups.
			cond = "likelihood(t.status = ?, 0.9)"
		}
		w.add(cond, string(*f.Status))
	}
	if f.Channel != nil {
		w.add("t.channel = ?", string(*f.Channel))
	}
	categoryAt = -1
	if f.Category != nil {
		lo, hi := prefixRange(*f.Category)
		categoryAt = len(w.conds)
		w.add("t.category >= ? AND t.category < ?", lo, hi)
	}
	if f.Within != nil {
		cond, args := regionCases(*f.Within)
		w.add(cond, args...)
	}
	if f.GridCode != nil {
		w.add("t.grid_code = ?", *f.GridCode)
	}
	if f.BuildingID != nil {
		w.add("t.building_id = ?", *f.BuildingID)
	}
	if f.AtBuilding {
		w.add("t.building_id IS NOT NULL")
	}
	if f.CheckOpen {
		w.add("EXISTS (SELECT 1 FROM ticket_checks k WHERE k.ticket_id = t.id AND k.answered_at IS NULL)")
	}
	if f.CreatedBy != nil {
		w.add("t.created_by = ?", *f.CreatedBy)
	}
	if f.UnitID != nil {
		w.add("t.lead_unit_id = ?", *f.UnitID)
	}
	if f.Overdue {
		w.add("t.deadline < ?", tx.now)
	}
	if f.Overdue || f.Open {
		var open []any
		for _, st := range gridline.TicketStatuses {
			if st.Open() {
				open = append(open, string(st))
			}
		}
		w.add("t.status IN ("+placeholders(len(w.args)+1, len(open))+")", open...)
	}
	if f.Warning != nil {
		w.add("t.warning = ?", string(*f.Warning))
	}
	if f.From != nil {
		w.add("t.created_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		w.add("t.created_at < ?", f.To.UTC())
	}
	if f.Query != nil && *f.Query != "" {
		// The index narrows the candidates, the LIKE decides, unless the
		// index alone is exact for q (textsearch.go).
		cond, arg := gramCondition(tx.db.dialect, *f.Query, filterRegionTerm(f))
		if cond != "" {
			w.add(cond, arg)
		}
		if cond == "" || !gramExact(*f.Query) {
			w.add(`lower(t.text) LIKE lower(?) ESCAPE '\'`, containsPattern(*f.Query))
		}
	}
	return w, categoryAt
}

// periodWalkRows is how many cases taken in after a period SQLite may walk
// past to page the period by id (findTickets).
const periodWalkRows = 20000

// categoryRangeRows is the size of a category's selection above which its
// page walks the ids rather than sorting the range.
const categoryRangeRows = 20000

// findTicketPage returns a page of the selection w, newest first, and its
// true total: total if it is known already (≥ 0), else counted over the
// same selection written as count, up to bound+1 when bound > 0. The page
// and the total are two queries in one snapshot: a
// window count over the selection would join and materialise every
// selected case (seconds over a million) to return a hundred; the page
// alone walks an index (code, id) backwards and stops at its last row,
// and the count reads the tickets table's indexes only, no joins. A
// short page gives the total without counting.
func findTicketPage(ctx context.Context, tx *Tx, w, count where, limit, offset, total, bound int) ([]*gridline.Ticket, int, error) {
	if offset < 0 {
		return nil, 0, gridline.FieldErrorf("offset", "must not be negative")
	}
	// The page's ids first, from the indexes alone where they cover the
	// filter; then those cases whole with their names. Joined and sorted
	// whole, a selection of 80,000 cases took seconds.
	rows, err := tx.QueryContext(ctx, `SELECT `+ticketColumns+` FROM `+ticketFrom+` WHERE t.id IN (`+
		pageIDsQuery(w, limit, offset)+`) ORDER BY t.id DESC`, w.args...)
	if err != nil {
		return nil, 0, translate(tx.db.dialect, err)
	}
	// Read and closed before the count: one connection per read on SQLite.
	out, err := scanTickets(rows)
	if err != nil {
		return nil, 0, err
	}
	if total >= 0 {
		return out, total, nil // counted already
	}
	if (limit <= 0 || len(out) < limit) && (len(out) > 0 || offset == 0) {
		return out, offset + len(out), nil
	}
	total, err = countTickets(ctx, tx, count, bound)
	return out, total, err
}

// pageIDsQuery selects the ids of a page of the selection w, newest first.
func pageIDsQuery(w where, limit, offset int) string {
	return `SELECT t.id FROM tickets t` + w.String() + ` ORDER BY t.id DESC` + limitOffset(limit, offset)
}

// IntakeSuggestions is how many category suggestions intake makes when no
// category is given (t.Suggestions), as many as its answer shows.
const IntakeSuggestions = 3

// CreateTicket implements gridline.TicketService. The case is located
// before the transaction, from the committed grids.
func (s *TicketService) CreateTicket(ctx context.Context, t *gridline.Ticket) (bool, error) {
	return s.createWith(ctx, t, nil)
}

// createWith is CreateTicket that calls also, when not nil, in the
// transaction that takes a new case in, before the commit: a record that
// belongs with the case (an Open311 request) is written with it or not
// at all.
func (s *TicketService) createWith(ctx context.Context, t *gridline.Ticket, also func(context.Context, *Tx) error) (bool, error) {
	t.Normalize()
	if err := t.Validate(); err != nil {
		return false, err
	}
	if err := t.CheckReportedAt(s.db.Now()); err != nil {
		return false, err
	}
	p := gridline.PrincipalFrom(ctx)
	if err := gridline.CheckIntake(p, t.Channel); err != nil {
		return false, err
	}
	t.CreatedBy, t.CompoundID = nil, nil
	if p != nil && p.User != nil {
		id := p.User.ID
		t.CreatedBy = &id
	}
	if t.Category != "" {
		c, ok := s.catalogue().Category(t.Category)
		if !ok {
			return false, gridline.FieldErrorf("category", "unknown category %q", t.Category)
		} else if c.IsMain() {
			return false, gridline.FieldErrorf("category", "%s %s is a main class; choose one of its sub-classes", c.Code, c.Name)
		}
	} else if sug := s.catalogue().Suggest(t.Text, IntakeSuggestions); len(sug) > 0 {
		// The text's best match, for a person to confirm or correct; the
		// others go with it to the intake's answer.
		t.Category, t.Suggestions = sug[0].Code, sug
	}
	t.Status = gridline.StatusUnlocated
	t.RegionPath = gridline.RegionPath{}
	building, err := s.placeInBuilding(ctx, t)
	if err != nil {
		return false, err
	}
	if t.Lon != nil {
		l, ok, err := s.locate(ctx, *t.Lon, *t.Lat)
		if err != nil {
			return false, err
		}
		if ok {
			t.RegionPath, t.Status = gridline.PathOf(l.Grid.Code), gridline.StatusReceived
			t.Grid, t.Community, t.Town = gridline.PlaceName(l.Grid), gridline.PlaceName(l.Community), gridline.PlaceName(l.Town)
			if building != nil && building.CompoundID != nil {
				// The building says whose compound it is, even at a point
				// in the street outside its outline.
				id := *building.CompoundID
				t.CompoundID = &id
			} else if t.CompoundID, err = s.compoundAt(ctx, t.GridCode, *t.Lon, *t.Lat); err != nil {
				return false, err
			}
		}
	}
	created, err := s.createTicket(ctx, t, also)
	if errors.Is(err, gridline.ErrIdempotentReplay) {
		return false, err
	}
	if gridline.ErrorCode(err) == gridline.ECONFLICT && t.ExternalID != "" {
		// Another request took the same external number in meanwhile.
		return s.findExternal(ctx, t)
	}
	return created, err
}

// compoundAt returns the compound of grid that holds (lon, lat), or nil,
// from Compounds when set.
func (s *TicketService) compoundAt(ctx context.Context, grid string, lon, lat float64) (*int64, error) {
	if s.Compounds == nil || grid == "" {
		return compoundAt(ctx, s.db.read, grid, lon, lat)
	}
	cs, err := s.Compounds.GridCompoundOutlines(ctx, grid)
	if err != nil {
		return nil, err
	}
	return gridline.CompoundContaining(cs, lon, lat), nil
}

// locate finds the grid of a point from the locate index; a point in no
// grid is not an error.
func (s *TicketService) locate(ctx context.Context, lon, lat float64) (gridline.Location, bool, error) {
	if s.loc == nil {
		return gridline.Location{}, false, errors.New("tickets: no locate service")
	}
	// No forced refresh: intake is the hot path, and the index follows
	// this process's grid changes at once and other processes' within the
	// follower's interval. A case located a moment too early at worst
	// waits as unlocated for a person.
	l, err := s.loc.Locate(lon, lat, "")
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		return gridline.Location{}, false, nil
	} else if err != nil {
		return gridline.Location{}, false, err
	}
	return l, true, nil
}

func (s *TicketService) createTicket(ctx context.Context, t *gridline.Ticket, also func(context.Context, *Tx) error) (bool, error) {
	if _, inTx := ctx.Value(txKey{}).(*Tx); inTx || also != nil {
		// A bulk load's InTx is one transaction already; a case with more
		// to write in its transaction (also: an Open311 request's row) is
		// rare. On PostgreSQL too intakes share transactions: each takes
		// the day's counter row (the daily number) and holds its lock to
		// the commit, so concurrent intakes wait for each other there
		// anyway, one commit each; a batch pays the wait and the commit
		// once (docs/benchmarks.md, "Intake after intake2").
		return s.createTicketAlone(ctx, t, also)
	}
	return s.intake.take(ctx, t, s.createBatch)
}

// createTicketAlone takes in one case in a transaction of its own (or the
// caller's InTx), with also's writes in the same transaction.
func (s *TicketService) createTicketAlone(ctx context.Context, t *gridline.Ticket, also func(context.Context, *Tx) error) (bool, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	created, err := createTicketIn(ctx, tx, t)
	if err != nil || !created {
		return created, err
	}
	if also != nil {
		if err := also(ctx, tx); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	answerCreated(t)
	return true, nil
}

// createBatch takes in a batch of cases in one write transaction, a
// savepoint each: a case that fails rolls back alone, with its audit row
// and feed event, and the others commit. The commit is the batch's; if it
// fails, every case of the batch gets its error.
func (s *TicketService) createBatch(batch []*intakeRequest) {
	if len(batch) == 1 {
		r := batch[0]
		r.created, r.err = s.createTicketAlone(r.ctx, r.t, nil)
		return
	}
	// The batch must not die with the request that happens to lead it.
	tx, err := s.db.BeginTx(context.WithoutCancel(batch[0].ctx), true)
	if err != nil {
		for _, r := range batch {
			r.err = err
		}
		return
	}
	defer tx.Rollback()
	if !s.db.dialect.isPostgres() {
		tx.cache = stmts{} // each statement parsed once a batch
	}
	var ok []*intakeRequest
	for _, r := range batch {
		if r.err = r.ctx.Err(); r.err != nil {
			continue // its client left before its turn
		}
		ctx := context.WithoutCancel(r.ctx)
		if _, err = tx.exec(ctx, `SAVEPOINT intake`); err != nil {
			break
		}
		events, audits, grams := len(*tx.events), len(*tx.audits), tx.grams.len()
		r.created, r.err = createTicketIn(ctx, tx, r.t)
		if r.err != nil {
			*tx.events, *tx.audits = (*tx.events)[:events], (*tx.audits)[:audits]
			tx.grams.truncate(grams)
			if _, err = tx.exec(ctx, `ROLLBACK TO SAVEPOINT intake`); err != nil {
				break
			}
		}
		if _, err = tx.exec(ctx, `RELEASE SAVEPOINT intake`); err != nil {
			break
		}
		if r.err == nil && r.created {
			ok = append(ok, r)
		}
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		// The transaction broke or did not commit: nothing of it stands.
		for _, r := range batch {
			if r.err == nil || r.err == errIntakeAborted {
				r.created, r.err = false, err
			}
		}
		return
	}
	for _, r := range ok {
		answerCreated(r.t)
	}
}

// answerCreated completes a case just taken in for the answer, built from
// what was written rather than read back: intake is the hot path. The
// names came with the location.
func answerCreated(t *gridline.Ticket) {
	t.Timeline = []*gridline.TicketEvent{t.Timeline[0]}
	t.Photos = listedPhotos(t.Photos)
	t.Grid.Code, t.Community.Code, t.Town.Code = t.GridCode, t.CommunityCode, t.TownCode
}

// externalLookup finds a case by its channel and external number.
// external_id <> ” lets the planner use the partial unique index
// tickets_external_idx (a bound parameter proves nothing to it): without
// it every intake with an external number read all the channel's cases.
const externalLookup = `SELECT id FROM tickets WHERE channel = $1 AND external_id <> '' AND external_id = $2`

// createTicketIn writes a case, its first event, photos and audit row in
// tx. A known external number is not an error: it reads the case back
// into t and reports false.
func createTicketIn(ctx context.Context, tx *Tx, t *gridline.Ticket) (bool, error) {
	if err := checkIdempotent(ctx, tx, t.Idempotency); err != nil {
		return false, err
	}
	if t.ExternalID != "" {
		var id int64
		err := tx.QueryRowContext(ctx, externalLookup,
			string(t.Channel), t.ExternalID).Scan(&id)
		if err == nil {
			got, err := findTicketByID(ctx, tx, id)
			if gridline.ErrorCode(err) == gridline.ENOTFOUND {
				return false, externalTaken(t)
			} else if err != nil {
				return false, err
			}
			*t = *got
			return false, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return false, translate(tx.db.dialect, err)
		}
	}
	county := t.CountyCode
	if county == "" {
		// An unlocated case is numbered in the deployment's county.
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MIN(code), '000000') FROM regions WHERE level = 'county'`).
			Scan(&county); err != nil {
			return false, translate(tx.db.dialect, err)
		}
	}
	day := tx.now.In(gridline.ChinaTime).Format("20060102")
	var seq int
	if err := tx.QueryRowContext(ctx, `INSERT INTO ticket_counters (county_code, day, seq) VALUES ($1, $2, 1)
		ON CONFLICT (county_code, day) DO UPDATE SET seq = ticket_counters.seq + 1 RETURNING seq`, county, day).Scan(&seq); err != nil {
		return false, translate(tx.db.dialect, err)
	}
	t.Number = gridline.TicketNumber(county, tx.now, seq)
	t.Version = 1
	if t.ReportedAt.IsZero() {
		t.ReportedAt = tx.now
	}
	t.ReportedAt = t.ReportedAt.UTC()
	t.CreatedAt, t.UpdatedAt = tx.now, tx.now
	t.LeadUnitID, t.Deadline, t.MergedInto, t.ClosedAt = nil, nil, nil, nil
	err := tx.QueryRowContext(ctx, `INSERT INTO tickets (number, channel, external_id, text, category, status, version, lon, lat,
		address, county_code, town_code, community_code, grid_code, reporter_name, reporter_phone, reporter_confidential,
		reported_at, created_at, updated_at, compound_id, created_by, place_cell, building_id, entrance, floor)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
		RETURNING id`,
		t.Number, string(t.Channel), t.ExternalID, t.Text, t.Category, string(t.Status), t.Version, t.Lon, t.Lat,
		t.Address, t.CountyCode, t.TownCode, t.CommunityCode, t.GridCode, t.Reporter.Name, t.Reporter.Phone,
		t.Reporter.Confidential, t.ReportedAt, t.CreatedAt, t.UpdatedAt, t.CompoundID, t.CreatedBy, placeCell(t.Lon, t.Lat),
		t.BuildingID, t.Entrance, t.Floor).Scan(&t.ID)
	if err != nil {
		return false, translate(tx.db.dialect, err)
	}
	tx.newKPICase(t.ID)
	tx.queueGrams(t.ID, t.Text, t.RegionPath)
	first := &gridline.TicketEvent{TicketID: t.ID, Action: "create", To: t.Status}
	if err := addTicketEvent(ctx, tx, first); err != nil {
		return false, err
	}
	if err := addTicketPhotos(ctx, tx, t.ID, t.Photos); err != nil {
		return false, err
	}
	if err := tx.record(ctx, "create", "ticket", auditKey(t.ID), ""); err != nil {
		return false, err
	}
	if err := takeIdempotencyKey(ctx, tx, t.Idempotency, t.ID); err != nil {
		return false, err
	}
	// Last, after everything that can fail: a batch's case that fails
	// rolls back to its savepoint, and must not be counted.
	tx.countTicket(totalCaseOf(t), +1)
	t.Timeline = []*gridline.TicketEvent{first}
	tx.writtenKPICase(t, first)
	return true, nil
}

func (s *TicketService) findExternal(ctx context.Context, t *gridline.Ticket) (bool, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var id int64
	if err := tx.QueryRowContext(ctx, externalLookup,
		string(t.Channel), t.ExternalID).Scan(&id); err != nil {
		return false, translate(tx.db.dialect, err)
	}
	got, err := findTicketByID(ctx, tx, id)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		return false, externalTaken(t)
	} else if err != nil {
		return false, err
	}
	*t = *got
	return false, nil
}

// externalTaken is the answer to an intake whose external number names a
// case the caller may not see: another sender's.
func externalTaken(t *gridline.Ticket) error {
	return &gridline.Error{Code: gridline.ECONFLICT,
		Message: fmt.Sprintf("The external number %q is taken on channel %s by another sender.", t.ExternalID, t.Channel),
		Fields:  map[string]string{"external_id": "taken on this channel"}}
}

func addTicketEvent(ctx context.Context, tx *Tx, e *gridline.TicketEvent) error {
	e.At, e.Actor = tx.now, gridline.ActorFrom(ctx).Name
	tx.touchKPIs(e.TicketID) // a step may count (kpi_rollup.go)
	return tx.QueryRowContext(ctx, `INSERT INTO ticket_events (ticket_id, at, actor, unit_id, action, from_status, to_status,
		outcome, opinion, note, contacted, resolved, lon, lat, distance_m)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		e.TicketID, e.At, e.Actor, e.UnitID, string(e.Action), string(e.From), string(e.To), string(e.Outcome),
		e.Opinion, e.Note, e.Contacted, e.Resolved, e.Lon, e.Lat, e.DistanceM).Scan(&e.ID)
}

// ActOnTicket implements gridline.TicketService. The case's row is locked
// for the transaction (PostgreSQL; SQLite has one writer), so of two
// concurrent actions one runs after the other and sees its result: the
// second is refused if the loop no longer allows it or its version is
// stale, and no update is lost.
func (s *TicketService) ActOnTicket(ctx context.Context, id int64, r gridline.TicketActionRequest) (*gridline.Ticket, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var path gridline.RegionPath
	if r.Action == gridline.ActionLocate {
		l, ok, err := s.locate(ctx, *r.Lon, *r.Lat)
		if err != nil {
			return nil, err
		} else if !ok {
			return nil, gridline.FieldErrorf("lon", "(%.6f, %.6f) lies in no grid", *r.Lon, *r.Lat)
		}
		path = gridline.PathOf(l.Grid.Code)
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := s.act(ctx, tx, id, r, path)
	if err != nil {
		return nil, err
	}
	return t, tx.Commit()
}

// act takes one step of the loop inside tx, the request validated and an
// unlocated case's place (path) found: ActOnTicket's work, and a
// meeting's dispatch.
func (s *TicketService) act(ctx context.Context, tx *Tx, id int64, r gridline.TicketActionRequest,
	path gridline.RegionPath) (*gridline.Ticket, error) {
	if err := tx.lockRow(ctx, "tickets", "id", id); err != nil {
		return nil, err
	}
	// After the lock: of two sends of one key, the second sees the
	// first's and changes nothing.
	if err := checkIdempotent(ctx, tx, r.Idempotency); err != nil {
		return nil, err
	}
	t, err := findTicketByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := checkTicketAction(ctx, tx, t, r.Action); err != nil {
		return nil, err
	}
	if r.Version != nil && *r.Version != t.Version {
		return nil, &gridline.Error{Code: gridline.ECONFLICT,
			Message: fmt.Sprintf("Case %s has changed (version %d, not %d); reload it and try again.", t.Number, t.Version, *r.Version),
			Fields:  map[string]string{"version": fmt.Sprint(t.Version), "status": string(t.Status)}}
	}
	role, unit, err := actingAs(ctx, tx, t, r.Action)
	if err != nil {
		return nil, err
	}
	to, err := gridline.NextStatusIn(t.Timeline, t.Status, r.Action, r.Outcome, role)
	if err != nil {
		return nil, err
	}
	if role == gridline.AssignCo {
		co, err := s.coAct(ctx, tx, t, r, unit)
		if err != nil {
			return nil, err
		}
		return co, takeIdempotencyKey(ctx, tx, r.Idempotency, id)
	}
	was, place := totalCaseOf(t), t.RegionPath
	if err := s.apply(ctx, tx, t, r, path, to); err != nil {
		return nil, err
	}
	from := t.Status
	t.Status, t.Version = to, t.Version+1
	if to == gridline.StatusClosed && from != gridline.StatusClosed {
		t.ClosedAt = &tx.now
	} else if from == gridline.StatusClosed && to != gridline.StatusClosed {
		t.ClosedAt = nil
	}
	var warnAt *time.Time
	if t.Deadline != nil {
		w := s.calendar().WarnAt(*t.Deadline).UTC()
		warnAt = &w
	}
	if _, err := tx.exec(ctx, `UPDATE tickets SET status = $1, version = $2, lead_unit_id = $3, deadline = $4, merged_into = $5,
		closed_at = $6, lon = $7, lat = $8, county_code = $9, town_code = $10, community_code = $11, grid_code = $12,
		warning = $13, warn_at = $14, escalated_to = $15, base_deadline = $16, updated_at = $17, place_cell = $18 WHERE id = $19`,
		string(t.Status), t.Version, t.LeadUnitID, t.Deadline, t.MergedInto, t.ClosedAt, t.Lon, t.Lat,
		t.CountyCode, t.TownCode, t.CommunityCode, t.GridCode, string(t.Warning), warnAt, t.EscalatedTo, t.BaseDeadline,
		tx.now, placeCell(t.Lon, t.Lat), id); err != nil {
		return nil, err
	}
	tx.recountTicket(was, totalCaseOf(t))
	// A case located (or moved) is found within its new place.
	if err := reindexTicketGrams(ctx, tx, id, t.Text, place, t.RegionPath); err != nil {
		return nil, err
	}
	if err := s.applyAssignments(ctx, tx, t, r); err != nil {
		return nil, err
	}
	e := &gridline.TicketEvent{TicketID: id, Action: r.Action, From: from, To: to, Outcome: r.Outcome, Opinion: r.Opinion,
		Note: r.Note, UnitID: t.LeadUnitID}
	if r.Action == gridline.ActionCallback {
		e.Contacted, e.Resolved = r.Contacted, r.Resolved
	}
	if r.Action == gridline.ActionRate {
		e.Note = joinNote(fmt.Sprintf("评价协办单位 %d：%d 分", *r.Unit, *r.Rating), r.Note)
	}
	if r.Lon != nil && gridline.TakesPlace(r.Action) {
		e.Lon, e.Lat = r.Lon, r.Lat
		if t.Lon != nil && t.Lat != nil {
			d := math.Round(gridline.DistanceM(*r.Lon, *r.Lat, *t.Lon, *t.Lat))
			e.DistanceM = &d
		}
	}
	if err := addTicketEvent(ctx, tx, e); err != nil {
		return nil, err
	}
	if err := addActionPhotos(ctx, tx, id, e.ID, r.Photos); err != nil {
		return nil, err
	}
	if err := recordCheck(ctx, tx, t, r.Action, e); err != nil {
		return nil, err
	}
	if err := takeIdempotencyKey(ctx, tx, r.Idempotency, id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, string(r.Action), "ticket", auditKey(id), ""); err != nil {
		return nil, err
	}
	if from != to && t.ExternalID != "" {
		if err := enqueueStatus(ctx, tx, t, e); err != nil {
			return nil, err
		}
	}
	if relay := gridline.MasterRelay(r.Action); relay != "" {
		if err := relayToMerged(ctx, tx, t, e, relay); err != nil {
			return nil, err
		}
	}
	// Read back as the system: the action may have taken the case out of
	// its actor's scope (a department returning it).
	return findTicketByID(unscoped(ctx), tx, id)
}

// checkTicketAction returns EFORBIDDEN unless ctx's principal may take
// action on case t, which it can see: its role must allow the action, and
// the case must lie where the role may take it (a department signs only
// what was dispatched to its unit). The loop then says whether the status
// allows it.
func checkTicketAction(ctx context.Context, tx *Tx, t *gridline.Ticket, action gridline.TicketAction) error {
	p := gridline.PrincipalFrom(ctx)
	if p == nil || p.System {
		return nil
	}
	act := gridline.Action(action)
	if err := gridline.Authorize(p, gridline.ResourceTickets, act); err != nil {
		return err
	}
	ok, err := ticketInScope(ctx, tx, t.ID, gridline.ScopeOf(p, gridline.ResourceTickets, act))
	if err != nil {
		return err
	} else if !ok {
		return gridline.Errorf(gridline.EFORBIDDEN, "Case %s is not yours to %s: your role may %s only the cases %s.",
			t.Number, action, action, scopeWords(gridline.ScopeOf(p, gridline.ResourceTickets, act)))
	}
	return nil
}

// RevealReporter implements gridline.TicketService.
func (s *TicketService) RevealReporter(ctx context.Context, id int64) (*gridline.Reporter, error) {
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := findTicketByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if p := gridline.PrincipalFrom(ctx); p != nil && !p.System {
		if err := gridline.Authorize(p, gridline.ResourceTickets, gridline.ActReveal); err != nil {
			return nil, err
		}
		if ok, err := ticketInScope(ctx, tx, id, gridline.ScopeOf(p, gridline.ResourceTickets, gridline.ActReveal)); err != nil {
			return nil, err
		} else if !ok {
			return nil, gridline.Errorf(gridline.EFORBIDDEN, "Your role may reveal the reporters of the cases %s only.",
				scopeWords(gridline.ScopeOf(p, gridline.ResourceTickets, gridline.ActReveal)))
		}
		if t.Reporter.Confidential {
			if ok, err := ticketInScope(ctx, tx, id, gridline.ConfidentialScope(p)); err != nil {
				return nil, err
			} else if !ok {
				return nil, gridline.Errorf(gridline.EFORBIDDEN, "The reporter of case %s asked to stay confidential: only the command centre may reveal them.", t.Number)
			}
		}
	}
	if err := tx.audit(ctx, "reveal", "ticket", auditKey(id), "reporter"); err != nil {
		return nil, err
	}
	r := t.Reporter
	return &r, tx.Commit()
}

// scopeWords says where a scope reaches, for messages.
func scopeWords(s gridline.Scope) string {
	var parts []string
	if len(s.Regions) > 0 {
		parts = append(parts, "in "+strings.Join(s.Regions, ", "))
	}
	if len(s.Units) > 0 {
		parts = append(parts, "dispatched to your unit")
	}
	if s.Creator != 0 {
		parts = append(parts, "you took in")
	}
	if len(parts) == 0 {
		return "of nobody"
	}
	return strings.Join(parts, " or ")
}

// apply checks and applies what an action changes besides the status.
func (s *TicketService) apply(ctx context.Context, tx *Tx, t *gridline.Ticket, r gridline.TicketActionRequest,
	path gridline.RegionPath, to gridline.TicketStatus) error {
	switch r.Action {
	case gridline.ActionLocate:
		t.Lon, t.Lat, t.RegionPath = r.Lon, r.Lat, path
	case gridline.ActionMerge:
		if *r.Into == t.ID {
			return gridline.FieldErrorf("into", "a case cannot be merged into itself")
		}
		master, err := findTicketByID(ctx, tx, *r.Into)
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return gridline.FieldErrorf("into", "no case %d", *r.Into)
		} else if err != nil {
			return err
		}
		if master.Status == gridline.StatusMerged || master.Status == gridline.StatusVoided {
			return gridline.FieldErrorf("into", "case %s is %s; merge into its master instead", master.Number, master.Status)
		}
		t.MergedInto = r.Into
	case gridline.ActionUnmerge:
		t.MergedInto = nil
	case gridline.ActionDispatch, gridline.ActionRedispatch:
		if err := checkRef(ctx, tx, "lead_unit", "units", "unit", *r.LeadUnit); err != nil {
			return err
		}
		if err := checkDispatchLevel(ctx, tx, r.Action, *r.LeadUnit); err != nil {
			return err
		}
		if err := checkCoUnitRefs(ctx, tx, r.Action, r.CoUnits); err != nil {
			return err
		}
		if r.Deadline != nil && !r.Deadline.After(tx.now) {
			return gridline.FieldErrorf("deadline", "%s is not in the future", r.Deadline.UTC().Format(time.RFC3339))
		}
		t.LeadUnitID = r.LeadUnit
		d := tx.now
		if r.Deadline != nil {
			d = r.Deadline.UTC()
		} else {
			// No deadline of its own: the category's time limit, or the
			// hotline profile's reply window.
			limit := gridline.ShandongHotline.Reply
			if c, ok := s.catalogue().Category(t.Category); ok && c.TimeLimit.Amount > 0 {
				limit = c.TimeLimit
			}
			var err error
			if d, err = s.calendar().Deadline(tx.now, limit); err != nil {
				return err
			}
			d = d.UTC()
		}
		t.Deadline, t.BaseDeadline, t.Warning, t.EscalatedTo = &d, &d, gridline.WarningNone, ""
	case gridline.ActionReturn:
		if last := lastDispatch(t); !last.IsZero() {
			until, err := gridline.ShandongHotline.ReturnUntil(s.calendar(), last)
			if err != nil {
				return err
			}
			if tx.now.After(until) {
				return gridline.FieldErrorf("action", "a case may be returned within %s of dispatch, until %s; it is the unit's to handle now",
					gridline.ShandongHotline.Return, until.In(gridline.ChinaTime).Format("2006-01-02 15:04"))
			}
		}
		t.LeadUnitID, t.Deadline, t.BaseDeadline, t.Warning, t.EscalatedTo = nil, nil, nil, gridline.WarningNone, ""
	case gridline.ActionRate:
		if err := checkRate(t, r); err != nil {
			return err
		}
		return rate(ctx, tx, t, r)
	case gridline.ActionExtendRequest, gridline.ActionExtendDeny:
		if err := gridline.CheckExtension(t, r.Action); err != nil {
			return err
		}
	case gridline.ActionExtendApprove:
		if err := gridline.CheckExtension(t, r.Action); err != nil {
			return err
		}
		if !r.Deadline.After(tx.now) {
			return gridline.FieldErrorf("deadline", "%s is a deadline in the past: an extension must end in the future",
				r.Deadline.UTC().Format(time.RFC3339))
		}
		if t.Deadline != nil && !r.Deadline.After(*t.Deadline) {
			return gridline.FieldErrorf("deadline", "must be after the current deadline %s", t.Deadline.Format(time.RFC3339))
		}
		if t.BaseDeadline != nil {
			until, err := gridline.ShandongHotline.ExtendUntil(s.calendar(), *t.BaseDeadline)
			if err != nil {
				return err
			}
			if r.Deadline.After(until) {
				return gridline.FieldErrorf("deadline", "extensions add at most %s to the deadline set at dispatch: at most %s",
					gridline.ShandongHotline.MaxExtension, until.In(gridline.ChinaTime).Format("2006-01-02 15:04"))
			}
		}
		d := r.Deadline.UTC()
		t.Deadline, t.Warning, t.EscalatedTo = &d, gridline.WarningNone, ""
	}
	return nil
}

// checkDispatchLevel returns EFORBIDDEN unless ctx's principal may
// dispatch to unit: a role that dispatches within a region (a street)
// names only units of that region (its offices, communities, property
// companies); the district's departments are the command centre's to
// dispatch to.
func checkDispatchLevel(ctx context.Context, tx *Tx, action gridline.TicketAction, unit int64) error {
	sc, ok := scopeFor(ctx, gridline.ResourceTickets, gridline.Action(action))
	if !ok {
		return nil
	}
	var region, name string
	if err := tx.QueryRowContext(ctx, `SELECT region_code, name FROM units WHERE id = $1`, unit).Scan(&region, &name); err != nil {
		return translate(tx.db.dialect, err)
	}
	for _, r := range sc.Regions {
		if strings.HasPrefix(region, r) {
			return nil
		}
	}
	return &gridline.Error{Code: gridline.EFORBIDDEN,
		Message: fmt.Sprintf("Your role dispatches to the units of %s; %s serves %s: ask the command centre.", strings.Join(sc.Regions, ", "), name, cmp.Or(region, "everywhere")),
		Fields:  map[string]string{"lead_unit": "outside your region"}}
}

// lastDispatch returns when the case was last dispatched, from its
// timeline; zero if never.
func lastDispatch(t *gridline.Ticket) time.Time {
	for i := len(t.Timeline) - 1; i >= 0; i-- {
		if a := t.Timeline[i].Action; a == gridline.ActionDispatch || a == gridline.ActionRedispatch {
			return t.Timeline[i].At
		}
	}
	return time.Time{}
}

// superviseBatch bounds one transaction of Supervise, so the single
// writer is never held long.
const superviseBatch = 500

// Supervise implements gridline.TicketService. Lights change without a
// new version: they annotate a case, they do not act on it, so a person's
// next action is not refused as stale because the scheduler ran.
func (s *TicketService) Supervise(ctx context.Context) (gridline.Supervision, error) {
	var total gridline.Supervision
	for {
		n, done, err := s.superviseOnce(ctx)
		total.Yellow += n.Yellow
		total.Red += n.Red
		total.Escalated += n.Escalated
		if err != nil || done {
			return total, err
		}
	}
}

// superviseQuery selects a batch of open cases (statuses $3… , n of them)
// due a warning at $1 or overdue at $2: the index (status, deadline) of
// the cases with a deadline, per open status.
func superviseQuery(n int) string {
	return `SELECT t.id, t.deadline, t.warning, t.county_code, t.town_code, t.community_code,
		COALESCE(u.region_code, '') FROM tickets t LEFT JOIN units u ON u.id = t.lead_unit_id
		WHERE t.deadline IS NOT NULL AND (t.warning = '' AND t.warn_at <= $1 OR t.warning <> 'red' AND t.deadline < $2)
		AND t.status IN (` + placeholders(3, n) + `) ORDER BY t.id` + limitOffset(superviseBatch, 0)
}

func (s *TicketService) superviseOnce(ctx context.Context) (gridline.Supervision, bool, error) {
	var n gridline.Supervision
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return n, false, err
	}
	defer tx.Rollback()
	open := []any{tx.now, tx.now}
	for _, st := range gridline.TicketStatuses {
		if st.Open() {
			open = append(open, string(st))
		}
	}
	rows, err := tx.QueryContext(ctx, superviseQuery(len(open)-2), open...)
	if err != nil {
		return n, false, translate(tx.db.dialect, err)
	}
	type due struct {
		id       int64
		deadline time.Time
		warning  gridline.WarningLevel
		path     gridline.RegionPath
		unit     string
	}
	var todo []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.deadline, &d.warning, &d.path.CountyCode, &d.path.TownCode, &d.path.CommunityCode, &d.unit); err != nil {
			rows.Close()
			return n, false, err
		}
		todo = append(todo, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, false, err
	}
	for _, d := range todo {
		level := gridline.WarningAt(s.calendar(), d.deadline, tx.now)
		escalated := ""
		if level == gridline.WarningRed {
			escalated = gridline.EscalationTarget(d.path, len(d.unit) == 6)
		}
		if _, err := tx.exec(ctx, `UPDATE tickets SET warning = $1, escalated_to = $2 WHERE id = $3`,
			string(level), escalated, d.id); err != nil {
			return n, false, err
		}
		e := &gridline.TicketEvent{TicketID: d.id, Action: gridline.TicketAction(level), To: "", Note: escalated}
		if err := addTicketEvent(gridline.WithActor(ctx, gridline.Actor{Name: "scheduler"}), tx, e); err != nil {
			return n, false, err
		}
		if err := tx.record(gridline.WithActor(ctx, gridline.Actor{Name: "scheduler"}), string(level), "ticket", auditKey(d.id), escalated); err != nil {
			return n, false, err
		}
		if level == gridline.WarningRed {
			n.Red++
			n.Escalated++
		} else {
			n.Yellow++
		}
	}
	coDone, err := s.superviseCoUnits(ctx, tx, &n)
	if err != nil {
		return n, false, err
	}
	return n, len(todo) < superviseBatch && coDone, tx.Commit()
}

// relayToMerged leaves the master's event e on every case merged into it,
// directly or through a case merged in turn, as entry relay: its public
// opinion and outcome, and the master's number in the note. The merged
// cases keep their status and version; the entry is their reporters' news.
func relayToMerged(ctx context.Context, tx *Tx, master *gridline.Ticket, e *gridline.TicketEvent, relay gridline.TicketAction) error {
	seen := map[int64]bool{master.ID: true}
	next := []int64{master.ID}
	var external []*gridline.Ticket
	for len(next) > 0 {
		var merged []int64
		for _, id := range next {
			rows, err := tx.QueryContext(ctx, `SELECT id, number, external_id, channel FROM tickets WHERE merged_into = $1 ORDER BY id`, id)
			if err != nil {
				return translate(tx.db.dialect, err)
			}
			for rows.Next() {
				var m gridline.Ticket
				if err := rows.Scan(&m.ID, &m.Number, &m.ExternalID, &m.Channel); err != nil {
					rows.Close()
					return err
				}
				if !seen[m.ID] {
					seen[m.ID] = true
					merged = append(merged, m.ID)
					if m.ExternalID != "" {
						// The platform the merged case came from hears
						// the master's news too.
						external = append(external, &m)
					}
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		for _, id := range merged {
			ev := &gridline.TicketEvent{TicketID: id, Action: relay, From: gridline.StatusMerged, To: gridline.StatusMerged,
				Outcome: e.Outcome, Opinion: e.Opinion, Note: master.Number, UnitID: e.UnitID}
			if err := addTicketEvent(ctx, tx, ev); err != nil {
				return err
			}
			if err := tx.record(ctx, string(relay), "ticket", auditKey(id), master.Number); err != nil {
				return err
			}
		}
		next = merged
	}
	for _, m := range external {
		if err := enqueueRelay(ctx, tx, m, master, e, relay); err != nil {
			return err
		}
	}
	return nil
}
