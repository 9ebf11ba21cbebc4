package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// ticketImportColumns are the columns ImportTickets writes, in the order
// of importRow.
var ticketImportColumns = []string{"id", "number", "channel", "external_id", "text", "category", "status", "version",
	"lon", "lat", "address", "county_code", "town_code", "community_code", "grid_code", "reporter_name", "reporter_phone",
	"reporter_confidential", "reported_at", "lead_unit_id", "deadline", "base_deadline", "merged_into", "closed_at",
	"warning", "warn_at", "escalated_to", "created_at", "updated_at", "compound_id", "place_cell",
	"building_id", "entrance", "floor"}

var ticketEventColumns = []string{"ticket_id", "at", "actor", "unit_id", "action", "from_status", "to_status", "outcome",
	"opinion", "note", "contacted", "resolved"}

var ticketAssignmentColumns = []string{"ticket_id", "unit_id", "role", "assigned_at", "deadline", "warn_at", "warning",
	"signed_at", "replied_at", "reply", "rating", "rating_opinion", "rated_at"}

// ImportTickets implements gridline.TicketService. Everything that can be
// checked without the database is checked first; then, in one
// transaction (the caller's, inside InTx), the references, the IDs and
// numbers, and the rows, written in bulk.
func (s *TicketService) ImportTickets(ctx context.Context, ts []*gridline.Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	for i := range ts {
		if err := s.checkImport(ts, i); err != nil {
			return err
		}
	}
	tx, err := s.db.BeginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkImportRefs(ctx, tx, ts); err != nil {
		return err
	}

	// IDs and numbers follow receipt, so the newest case has the highest
	// ID as it would had each been taken in on its day.
	order := make([]int, len(ts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return ts[order[a]].Timeline[0].At.Before(ts[order[b]].Timeline[0].At) })
	ids, err := reserveTicketIDs(ctx, tx, len(ts))
	if err != nil {
		return err
	}
	idOf := make([]int64, len(ts))
	for k, i := range order {
		idOf[i] = ids[k]
	}
	numbers, err := numberImport(ctx, tx, ts, order)
	if err != nil {
		return err
	}

	rows := make([]importRow, len(order))
	events := 0
	compounds := compoundFinder{q: tx, byGrid: map[string][]gridline.CompoundOutline{}}
	for k, i := range order {
		t := ts[i]
		r := &rows[k]
		r.t, r.id, r.number = t, idOf[i], numbers[i]
		if t.Lon != nil && t.Lat != nil {
			if r.compound, err = compounds.at(ctx, t.GridCode, *t.Lon, *t.Lat); err != nil {
				return err
			}
		}
		if t.MergedInto != nil && *t.MergedInto < 0 {
			r.mergedInto = &idOf[-*t.MergedInto-1]
		} else {
			r.mergedInto = t.MergedInto
		}
		if t.Deadline != nil {
			w := s.calendar().WarnAt(*t.Deadline).UTC()
			r.warnAt = &w
		}
		events += len(t.Timeline)
	}
	// In a load into empty tables (InLoadTx), their indexes and foreign
	// keys are built and checked once, after the rows. Not the text
	// index: on the demo's cases building the GIN index after the rows
	// took longer than growing it (docs/benchmarks.md).
	restore, err := deferIndexes(ctx, tx, "tickets", "ticket_events", "ticket_assignments", "kpi_spans")
	if err != nil {
		return err
	}
	if err := copyRows(ctx, tx, "tickets", ticketImportColumns, len(rows), func(k int, dst []any) []any {
		return rows[k].args(dst)
	}); err != nil {
		return fmt.Errorf("import tickets: %w", err)
	}
	for _, r := range rows {
		c := totalCaseOf(r.t)
		c.id, c.day = r.id, dayKey(r.created()) // the case's created_at is set after the commit
		tx.countTicket(c, +1)
	}
	// The text index, in the same transaction (textsearch.go).
	gramIDs, texts, paths := make([]int64, len(rows)), make([]string, len(rows)), make([]gridline.RegionPath, len(rows))
	for k := range rows {
		gramIDs[k], texts[k], paths[k] = rows[k].id, rows[k].t.Text, rows[k].t.RegionPath
	}
	if err := writeTicketGrams(ctx, tx, gramIDs, texts, paths); err != nil {
		return fmt.Errorf("import ticket text index: %w", err)
	}
	evs := make([]*gridline.TicketEvent, 0, events)
	evID := make([]int64, 0, events)
	for _, r := range rows {
		for _, e := range r.t.Timeline {
			evs = append(evs, e)
			evID = append(evID, r.id)
		}
	}
	actor := gridline.ActorFrom(ctx).Name
	if err := copyRows(ctx, tx, "ticket_events", ticketEventColumns, len(evs), func(k int, dst []any) []any {
		e := evs[k]
		who := e.Actor
		if who == "" {
			who = actor
		}
		return append(dst, evID[k], e.At.UTC(), who, e.UnitID, string(e.Action), string(e.From), string(e.To),
			string(e.Outcome), e.Opinion, e.Note, e.Contacted, e.Resolved)
	}); err != nil {
		return fmt.Errorf("import ticket events: %w", err)
	}
	// The units of each case's current dispatch, where the import gives
	// them (a case without shows its lead from the case row).
	var as []*gridline.TicketAssignment
	var asID []int64
	for _, r := range rows {
		for _, a := range r.t.Assignments {
			as = append(as, a)
			asID = append(asID, r.id)
		}
	}
	if len(as) > 0 {
		cal := s.calendar()
		utc := func(t *time.Time) *time.Time {
			if t == nil {
				return nil
			}
			u := t.UTC()
			return &u
		}
		if err := copyRows(ctx, tx, "ticket_assignments", ticketAssignmentColumns, len(as), func(k int, dst []any) []any {
			a := as[k]
			return append(dst, asID[k], a.UnitID, string(a.Role), a.AssignedAt.UTC(), a.Deadline.UTC(), cal.WarnAt(a.Deadline).UTC(),
				string(a.Warning), utc(a.SignedAt), utc(a.RepliedAt), a.Reply, a.Rating, a.RatingOpinion, utc(a.RatedAt))
		}); err != nil {
			return fmt.Errorf("import ticket assignments: %w", err)
		}
	}
	if err := importKPIs(ctx, tx, rows); err != nil {
		return fmt.Errorf("import tickets: %w", err)
	}
	if err := restoreIndexes(ctx, tx, restore); err != nil {
		return fmt.Errorf("import tickets: %w", err)
	}
	detail := fmt.Sprintf(`{"tickets":%d,"events":%d,"first":%q,"last":%q}`, len(rows), events, rows[0].number,
		rows[len(rows)-1].number)
	if err := tx.record(ctx, "import", "tickets", rows[0].number, detail); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, r := range rows {
		t := r.t
		t.ID, t.Number, t.Version = r.id, r.number, gridline.TimelineVersion(t.Timeline)
		t.CreatedAt, t.UpdatedAt = r.created(), r.updated()
		t.MergedInto = r.mergedInto
		for _, e := range t.Timeline {
			e.TicketID = r.id
		}
	}
	return nil
}

// importKPIs adds the imported cases to the KPI rollups from the rows as
// written, without reading them back (Tx.addImportedKPIs).
func importKPIs(ctx context.Context, tx *Tx, rows []importRow) error {
	d := tx.db.dialect
	cases := make([]kpiCase, len(rows))
	evs := make([][]kpiEvent, len(rows))
	for k := range rows {
		r := &rows[k]
		cases[k] = r.kpiCase(d)
		evs[k] = make([]kpiEvent, len(r.t.Timeline))
		for j, e := range r.t.Timeline {
			evs[k][j] = kpiEvent{action: string(e.Action), outcome: string(e.Outcome), from: string(e.From), to: string(e.To),
				at: d.storedTime(e.At), con: e.Contacted, res: e.Resolved}
		}
	}
	return tx.addImportedKPIs(ctx, cases, evs)
}

// kpiCase is what the KPIs read of the case (kpiCaseColumns) as args
// writes it, times as the database gives them back.
func (r *importRow) kpiCase(d dialect) kpiCase {
	t := r.t
	c := kpiCase{id: r.id, channel: string(t.Channel), category: t.Category, status: string(t.Status),
		town: t.TownCode, community: t.CommunityCode, grid: t.GridCode, created: d.storedTime(r.created())}
	if t.LeadUnitID != nil {
		c.unit = sql.NullInt64{Int64: *t.LeadUnitID, Valid: true}
	}
	if t.Deadline != nil {
		c.deadline = sql.NullTime{Time: d.storedTime(*t.Deadline), Valid: true}
	}
	if t.ClosedAt != nil {
		c.closed = sql.NullTime{Time: d.storedTime(*t.ClosedAt), Valid: true}
	}
	return c
}

// importRow is one case as ImportTickets writes it.
type importRow struct {
	// compound is the compound whose outline holds the case.
	compound   *int64
	t          *gridline.Ticket
	id         int64
	number     string
	mergedInto *int64
	warnAt     *time.Time
}

func (r *importRow) created() time.Time { return r.t.Timeline[0].At.UTC() }

// updated is the time of the last action: lights do not touch a case's
// updated_at, as in Supervise.
func (r *importRow) updated() time.Time {
	tl := r.t.Timeline
	for i := len(tl) - 1; i > 0; i-- {
		if !tl[i].Action.IsLight() {
			return tl[i].At.UTC()
		}
	}
	return r.created()
}

func (r *importRow) args(dst []any) []any {
	t := r.t
	return append(dst, r.id, r.number, string(t.Channel), t.ExternalID, t.Text, t.Category, string(t.Status),
		gridline.TimelineVersion(t.Timeline), t.Lon, t.Lat, t.Address, t.CountyCode, t.TownCode, t.CommunityCode,
		t.GridCode, t.Reporter.Name, t.Reporter.Phone, t.Reporter.Confidential, reportedAt(t), t.LeadUnitID,
		utcPtr(t.Deadline), utcPtr(t.BaseDeadline), r.mergedInto, utcPtr(t.ClosedAt), string(t.Warning), r.warnAt,
		t.EscalatedTo, r.created(), r.updated(), r.compound, placeCell(t.Lon, t.Lat), t.BuildingID, t.Entrance, t.Floor)
}

// reportedAt is when the reporter reported the case; as at intake, the
// time it was taken in when not given.
func reportedAt(t *gridline.Ticket) time.Time {
	if t.ReportedAt.IsZero() {
		return t.Timeline[0].At.UTC()
	}
	return t.ReportedAt.UTC()
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// checkImport checks case i of ts on its own and against the cases before
// it; it names the case in every error.
func (s *TicketService) checkImport(ts []*gridline.Ticket, i int) error {
	t := ts[i]
	fail := func(err error) error { return importError(i, t, err) }
	if t == nil {
		return gridline.FieldErrorf(fmt.Sprintf("tickets[%d]", i), "is missing")
	}
	t.Normalize()
	if err := t.Validate(); err != nil {
		return fail(err)
	}
	if err := t.ValidateTimeline(); err != nil {
		return fail(err)
	}
	if t.Category != "" {
		if c, ok := s.catalogue().Category(t.Category); !ok || c.IsMain() {
			return fail(gridline.FieldErrorf("category", "%q is not a sub-class of the catalogue", t.Category))
		}
	}
	if t.GridCode != "" {
		if p := gridline.PathOf(t.GridCode); len(t.GridCode) != gridline.GridCodeLen || p != t.RegionPath {
			return fail(gridline.FieldErrorf("grid_code", "the region path must be the grid's: %+v", p))
		}
	} else if t.RegionPath != (gridline.RegionPath{}) {
		return fail(gridline.FieldErrorf("county_code", "a case in no grid has no region path"))
	}
	if m := t.MergedInto; m != nil && *m < 0 {
		k := int(-*m - 1)
		if k >= i {
			return fail(gridline.FieldErrorf("merged_into", "%d names case %d of the import, which does not come before this one", *m, k))
		}
		master := ts[k]
		if master.Status == gridline.StatusMerged || master.Status == gridline.StatusVoided {
			return fail(gridline.FieldErrorf("merged_into", "case %d of the import is %s; merge into its master instead", k, master.Status))
		}
		if master.Timeline[0].At.After(t.Timeline[0].At) {
			return fail(gridline.FieldErrorf("merged_into", "case %d of the import was received after its duplicate", k))
		}
	}
	return nil
}

// importError names case i of an import in a domain error's field and
// message.
func importError(i int, t *gridline.Ticket, err error) error {
	e, ok := err.(*gridline.Error)
	if !ok {
		return fmt.Errorf("tickets[%d]: %w", i, err)
	}
	what := fmt.Sprintf("tickets[%d]", i)
	if t != nil && t.ExternalID != "" {
		what += " (" + t.ExternalID + ")"
	}
	out := &gridline.Error{Code: e.Code, Message: what + ": " + e.Message, Fields: map[string]string{}}
	for k, v := range e.Fields {
		out.Fields[fmt.Sprintf("tickets[%d].%s", i, k)] = v
	}
	return out
}

// checkImportRefs checks what the cases refer to in the database: their
// grids, units and stored masters exist (a master neither merged nor
// voided), and their external numbers are not taken yet, in the import or
// before it. The first fault, in the order of ts, fails the import.
func checkImportRefs(ctx context.Context, tx *Tx, ts []*gridline.Ticket) error {
	grids, units, masters := set{}, set{}, set{}
	type ext struct{ channel, id string }
	exts := map[ext]int{}
	for i, t := range ts {
		if t.GridCode != "" {
			grids.add(t.GridCode)
		}
		if t.LeadUnitID != nil {
			units.add(*t.LeadUnitID)
		}
		for _, e := range t.Timeline {
			if e.UnitID != nil {
				units.add(*e.UnitID)
			}
		}
		for _, a := range t.Assignments {
			units.add(a.UnitID)
		}
		if t.MergedInto != nil && *t.MergedInto > 0 {
			masters.add(*t.MergedInto)
		}
		if t.ExternalID != "" {
			k := ext{string(t.Channel), t.ExternalID}
			if j, dup := exts[k]; dup {
				return importError(i, t, gridline.Errorf(gridline.ECONFLICT, "external number %s on %s is also case %d of the import",
					t.ExternalID, t.Channel, j))
			}
			exts[k] = i
		}
	}
	foundGrids, err := existing(ctx, tx, `SELECT code FROM grids WHERE code IN `, nil, grids.list(), scanString)
	if err != nil {
		return err
	}
	foundUnits, err := existing(ctx, tx, `SELECT id FROM units WHERE id IN `, nil, units.list(), scanInt64)
	if err != nil {
		return err
	}
	foundMasters, err := existing(ctx, tx, `SELECT id FROM tickets WHERE status NOT IN ('merged', 'voided') AND id IN `, nil,
		masters.list(), scanInt64)
	if err != nil {
		return err
	}
	for i, t := range ts {
		field, bad := "", any(nil)
		switch {
		case t.GridCode != "" && !foundGrids[t.GridCode]:
			field, bad = "grid_code", t.GridCode
		case t.LeadUnitID != nil && !foundUnits[*t.LeadUnitID]:
			field, bad = "lead_unit_id", *t.LeadUnitID
		case slices.ContainsFunc(t.Assignments, func(a *gridline.TicketAssignment) bool { return !foundUnits[a.UnitID] }):
			field, bad = "assignments", "an unknown unit"
		case t.MergedInto != nil && *t.MergedInto > 0 && !foundMasters[*t.MergedInto]:
			field, bad = "merged_into", *t.MergedInto
		}
		for j, e := range t.Timeline {
			if field == "" && e.UnitID != nil && !foundUnits[*e.UnitID] {
				field, bad = fmt.Sprintf("timeline[%d].unit_id", j), *e.UnitID
			}
		}
		if field != "" {
			return importError(i, t, gridline.FieldErrorf(field, "%v does not exist (or cannot be merged into)", bad))
		}
	}

	var stored int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE external_id <> '' LIMIT 1) x`).
		Scan(&stored); err != nil {
		return translate(tx.db.dialect, err)
	}
	if stored == 0 {
		return nil // an empty store, as for the demo: nothing to ask
	}
	byChannel := map[string]set{}
	for k := range exts {
		if byChannel[k.channel] == nil {
			byChannel[k.channel] = set{}
		}
		byChannel[k.channel].add(k.id)
	}
	taken := map[string]map[any]bool{}
	for channel, ids := range byChannel {
		if taken[channel], err = existing(ctx, tx, `SELECT external_id FROM tickets WHERE channel = $1 AND external_id <> '' AND external_id IN `,
			[]any{channel}, ids.list(), scanString); err != nil {
			return err
		}
	}
	for i, t := range ts {
		if t.ExternalID != "" && taken[string(t.Channel)][t.ExternalID] {
			return importError(i, t, gridline.Errorf(gridline.ECONFLICT, "external number %s on %s is already taken in",
				t.ExternalID, t.Channel))
		}
	}
	return nil
}

// set collects distinct values for existing.
type set map[any]bool

func (s set) add(v any) { s[v] = true }

func (s set) list() []any {
	out := make([]any, 0, len(s))
	for v := range s {
		out = append(out, v)
	}
	return out
}

func scanString(s interface{ Scan(...any) error }) (any, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

func scanInt64(s interface{ Scan(...any) error }) (any, error) {
	var v int64
	err := s.Scan(&v)
	return v, err
}

// existing returns which of vals the query finds: q ends in "IN ", and
// its first parameters are fixed; vals go 500 at a time.
func existing(ctx context.Context, tx *Tx, q string, fixed, vals []any,
	scan func(interface{ Scan(...any) error }) (any, error)) (map[any]bool, error) {
	found := map[any]bool{}
	for start := 0; start < len(vals); start += 500 {
		part := vals[start:min(start+500, len(vals))]
		args := append(append([]any(nil), fixed...), part...)
		rows, err := tx.QueryContext(ctx, q+`(`+placeholders(len(fixed)+1, len(part))+`)`, args...)
		if err != nil {
			return nil, translate(tx.db.dialect, err)
		}
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			found[v] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// reserveTicketIDs returns n new case IDs in increasing order.
func reserveTicketIDs(ctx context.Context, tx *Tx, n int) ([]int64, error) {
	return reserveIDs(ctx, tx, "tickets", n)
}

// reserveIDs returns n new IDs of table (a constant) in increasing order.
// SQLite has one writer, so the IDs after the highest are free;
// PostgreSQL draws them from the column's sequence, as a default would,
// so concurrent writers never take one of them.
func reserveIDs(ctx context.Context, tx *Tx, table string, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if !tx.db.dialect.isPostgres() {
		var top int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&top); err != nil {
			return nil, translate(tx.db.dialect, err)
		}
		for i := int64(1); i <= int64(n); i++ {
			ids = append(ids, top+i)
		}
		return ids, nil
	}
	if tx.load && n > 1 {
		// Nobody else draws from the sequence during a load (InLoadTx):
		// the block after the next value is taken in one step, not n.
		var first int64
		if err := tx.QueryRowContext(ctx, `SELECT nextval(pg_get_serial_sequence('`+table+`', 'id'))`).Scan(&first); err != nil {
			return nil, translate(tx.db.dialect, err)
		}
		if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), $1)`, first+int64(n)-1); err != nil {
			return nil, translate(tx.db.dialect, err)
		}
		for i := int64(0); i < int64(n); i++ {
			ids = append(ids, first+i)
		}
		return ids, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// numberImport numbers the cases as CreateTicket does, county by county
// and day by day in order of receipt. It takes each day's block of
// numbers from ticket_counters in one step, so intake on the same day,
// before or after, gets numbers around the block, never one in it.
func numberImport(ctx context.Context, tx *Tx, ts []*gridline.Ticket, order []int) ([]string, error) {
	var home string
	for _, t := range ts {
		if t.CountyCode == "" {
			// An unlocated case is numbered in the deployment's county.
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MIN(code), '000000') FROM regions WHERE level = 'county'`).
				Scan(&home); err != nil {
				return nil, translate(tx.db.dialect, err)
			}
			break
		}
	}
	type key struct{ county, day string }
	county := func(t *gridline.Ticket) string {
		if t.CountyCode == "" {
			return home
		}
		return t.CountyCode
	}
	dayOf := func(t *gridline.Ticket) string { return t.Timeline[0].At.In(gridline.ChinaTime).Format("20060102") }
	count := map[key]int{}
	var keys []key
	for _, i := range order {
		k := key{county(ts[i]), dayOf(ts[i])}
		if count[k] == 0 {
			keys = append(keys, k)
		}
		count[k]++
	}
	last := make(map[key]int, len(keys))
	batch := tx.db.dialect.bulkRows
	for start := 0; start < len(keys); start += batch {
		part := keys[start:min(start+batch, len(keys))]
		args := make([]any, 0, 3*len(part))
		var sb strings.Builder
		sb.WriteString(`INSERT INTO ticket_counters (county_code, day, seq) VALUES `)
		for j, k := range part {
			if j > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(" + placeholders(3*j+1, 3) + ")")
			args = append(args, k.county, k.day, count[k])
		}
		sb.WriteString(` ON CONFLICT (county_code, day) DO UPDATE SET seq = ticket_counters.seq + excluded.seq
			RETURNING county_code, day, seq`)
		rows, err := tx.QueryContext(ctx, sb.String(), args...)
		if err != nil {
			return nil, translate(tx.db.dialect, err)
		}
		for rows.Next() {
			var k key
			var seq int
			if err := rows.Scan(&k.county, &k.day, &seq); err != nil {
				rows.Close()
				return nil, err
			}
			last[k] = seq
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(tx.db.dialect, err)
		}
	}
	next := make(map[key]int, len(keys))
	for k, n := range count {
		next[k] = last[k] - n + 1
	}
	numbers := make([]string, len(ts))
	for _, i := range order {
		t := ts[i]
		k := key{county(t), dayOf(t)}
		numbers[i] = gridline.TicketNumber(k.county, t.Timeline[0].At, next[k])
		next[k]++
	}
	return numbers, nil
}
