package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// KPI rollups (issue 7, "Speed"): GET /api/v1/kpis over a year of a
// million cases reads a few thousand rolled-up rows instead of every case
// and every timeline event of the period.
//
// What a case counts for in a period [F, T) (kpi.go's direct query, which
// stays the reference) depends on F and T only through comparisons of
// instants with them. For periods that start and end at midnight in China
// (every period the KPI page asks for), each comparison is one of days,
// and every count a case makes is a sum of cells: a cell (lo, hi, v) adds
// the counts v when F ≤ lo and hi < T (days since 1970-01-01, China time).
// A step on day d is the cell (d, d); "received in the period and closed
// by its end" is (day received, day closed); the last callback in the
// period is +(its day, its day) −(its day, the next callback's day); the
// case filter of the direct query (received before T; closed or due on or
// after F) narrows lo and widens hi. "Open and overdue at the end" does
// not depend on F: it holds while lo < T ≤ hi, from the later of receipt
// and deadline to closure.
//
// The store keeps, per grouping (dim), key and day, the sum of the cells
// starting that day (kpi_days), and, per (lo, hi) with lo < hi, what to
// take back when the end falls inside (lo, hi] (kpi_spans). A report is
// then the days of the period plus the spans the end falls in: the cases
// in progress at the end, found through the class of their length. Every
// write to a case marks it (Tx.record of a "ticket" change, and imports);
// before commit its cells are computed afresh from the case and its
// timeline, compared with those stored in kpi_facts, and the difference is
// added to the rollups, in the same transaction.
//
// Scope: a reader scoped to regions asking by town, community or grid,
// and a unit scope asking by unit, are served from the rollups (their
// keys are the scope's); other scoped readers, and periods that do not
// start and end at midnight in China, get the direct query.

// kpiCols are the rollup columns, in the order of kvec.
var kpiCols = []string{"received", "received_closed", "closed", "closed_on_time", "open_overdue", "due", "reworks",
	"dispatches", "returns", "signs", "signed_on_time", "handling_us", "handling_working_us", "callbacks", "contacted",
	"resolved", "satisfied", "basic"}

const (
	kReceived = iota
	kReceivedClosed
	kClosed
	kClosedOnTime
	kOpenOverdue
	kDue
	kReworks
	kDispatches
	kReturns
	kSigns
	kSignedOnTime
	kHandlingUS
	kHandlingWorkingUS
	kCallbacks
	kContacted
	kResolved
	kSatisfied
	kBasic
	kN
)

// kvec is a vector of counts in the order of kpiCols. Handling times are
// sums of microseconds, so they add up exactly in any order.
type kvec [kN]int64

func (v *kvec) add(o *kvec, sign int64) {
	for i := range v {
		v[i] += sign * o[i]
	}
}

func (v *kvec) zero() bool { return *v == kvec{} }

// kpiFactCols, kpiDayCols and kpiSpanCols are the columns of kpi_facts,
// kpi_days and kpi_spans the writers fill, in the order of factRow,
// dayRow and spanRow.
var (
	kpiFactCols = []string{"ticket_id", "unit_key", "grid", "community", "town", "category", "channel", "cells"}
	kpiDayCols  = append([]string{"dim", "day", "key"}, kpiCols...)
	kpiSpanCols = append([]string{"dim", "key", "lo", "hi", "cls"}, kpiCols...)
)

// kpiAddSet is the SET list that adds a row's counts to table's stored row.
func kpiAddSet(table string) string {
	set := make([]string, len(kpiCols))
	for i, c := range kpiCols {
		set[i] = c + " = " + table + "." + c + " + excluded." + c
	}
	return strings.Join(set, ", ")
}

// kpiDims are the groupings in the order of the dim column.
var kpiDims = []string{"unit", "grid", "community", "town", "category", "channel"}

func kpiDim(by string) int { return slices.Index(kpiDims, by) }

const (
	kpiInf     = 1 << 30 // a day after every day: not closed, no bound
	kpiOpenCls = 31      // the class of open-ended spans
	kpiMaxCls  = 17      // spans up to 2^17 days
)

const cstSeconds = 8 * 3600

// kpiDay returns the day of t in China, counted from 1970-01-01.
func kpiDay(t time.Time) int64 {
	s := t.Unix() + cstSeconds
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

// kpiMidnight reports whether t is a midnight in China.
func kpiMidnight(t time.Time) bool {
	return t.Nanosecond() == 0 && (t.Unix()+cstSeconds)%86400 == 0
}

// kpiCase is what the KPIs read of a case.
type kpiCase struct {
	id                        int64
	channel, category, status string
	unit                      sql.NullInt64
	town, community, grid     string
	created                   time.Time
	deadline, closed          sql.NullTime
}

const kpiCaseColumns = `t.id, t.channel, t.category, t.status, t.lead_unit_id, t.town_code, t.community_code,
	t.grid_code, t.created_at, t.deadline, t.closed_at`

func (t *kpiCase) scan(rows *sql.Rows) error {
	return rows.Scan(&t.id, &t.channel, &t.category, &t.status, &t.unit, &t.town, &t.community, &t.grid,
		&t.created, &t.deadline, &t.closed)
}

// keys returns the case's key per dim.
func (t *kpiCase) keys() [6]string {
	u := ""
	if t.unit.Valid {
		u = strconv.FormatInt(t.unit.Int64, 10)
	}
	return [6]string{u, t.grid, t.community, t.town, t.category, t.channel}
}

// kpiEvent is what the KPIs read of a timeline event.
type kpiEvent struct {
	action, outcome, from, to string
	at                        time.Time
	con, res                  *bool
}

const kpiEventColumns = `ticket_id, action, outcome, at, contacted, resolved, from_status, to_status`

func scanKPIEvent(rows *sql.Rows) (int64, kpiEvent, error) {
	var id int64
	var e kpiEvent
	err := rows.Scan(&id, &e.action, &e.outcome, &e.at, &e.con, &e.res, &e.from, &e.to)
	return id, e, err
}

// kpiCells is a case's contribution: the sums of its cells by first day,
// and what its spans take back (or, open_overdue, add).
type kpiCells struct {
	days  map[int64]*kvec
	spans map[[2]int64]*kvec
}

func (c *kpiCells) day(d int64) *kvec {
	if c.days == nil {
		c.days = map[int64]*kvec{}
	}
	v := c.days[d]
	if v == nil {
		v = &kvec{}
		c.days[d] = v
	}
	return v
}

func (c *kpiCells) span(lo, hi int64) *kvec {
	if c.spans == nil {
		c.spans = map[[2]int64]*kvec{}
	}
	k := [2]int64{lo, hi}
	v := c.spans[k]
	if v == nil {
		v = &kvec{}
		c.spans[k] = v
	}
	return v
}

// cell adds v (times sign) when F ≤ lo and hi < T.
func (c *kpiCells) cell(lo, hi int64, v *kvec, sign int64) {
	c.day(lo).add(v, sign)
	if hi > lo {
		c.span(lo, hi).add(v, -sign)
	}
}

// computeKPICells returns case t's contribution from its timeline evs (in
// order), by the rules of KPIService's direct query.
func computeKPICells(cal *gridline.Calendar, t *kpiCase, evs []kpiEvent) kpiCells {
	var c kpiCells
	cday := kpiDay(t.created)
	k := int64(kpiInf)
	if t.closed.Valid {
		k = kpiDay(t.closed.Time)
	}
	dl := int64(-kpiInf)
	if t.deadline.Valid {
		dl = kpiDay(t.deadline.Time)
	}
	// The direct query reads only the cases received before T and not
	// closed before F unless due on or after F: a cell counts only if
	// F ≤ z and cday < T as well.
	z := max(k, dl)
	emit := func(d int64, v *kvec, sign int64) { c.cell(min(d, z), max(d, cday), v, sign) }
	one := func(i int) *kvec { var v kvec; v[i] = 1; return &v }

	gone := t.status == string(gridline.StatusMerged) || t.status == string(gridline.StatusVoided)
	if !gone {
		emit(cday, one(kReceived), 1)
		if t.closed.Valid {
			c.cell(min(cday, z), max(cday, k), one(kReceivedClosed), 1)
		}
	}
	if t.closed.Valid && t.status == string(gridline.StatusClosed) {
		var v kvec
		v[kClosed] = 1
		if !t.deadline.Valid || !t.closed.Time.After(t.deadline.Time) {
			v[kClosedOnTime] = 1
		}
		v[kHandlingUS] = t.closed.Time.Sub(t.created).Microseconds()
		v[kHandlingWorkingUS] = cal.WorkingDuration(t.created, t.closed.Time).Microseconds()
		emit(k, &v, 1)
	}
	if !gone && t.status != string(gridline.StatusRejected) && t.deadline.Valid {
		// Open and overdue at T: max(received, due) < T ≤ closed.
		if a := max(cday, dl); a < k {
			c.span(a, k)[kOpenOverdue]++
		}
	}
	if t.deadline.Valid {
		emit(dl, one(kDue), 1)
	}

	var dispatched time.Time
	type callback struct {
		day int64
		v   kvec
	}
	var callbacks []callback
	for _, e := range evs {
		a, o := gridline.TicketAction(e.action), gridline.Outcome(e.outcome)
		d := kpiDay(e.at)
		switch {
		case a == gridline.ActionDispatch || a == gridline.ActionRedispatch:
			dispatched = e.at
			emit(d, one(kDispatches), 1)
		case a == gridline.ActionReturn:
			emit(d, one(kReturns), 1)
		case a == gridline.ActionSign && e.from == e.to:
			// A co-unit's sign-off: the case counts for its lead.
		case a == gridline.ActionSign:
			v := one(kSigns)
			if limit, err := cal.AddWorkingHours(dispatched, gridline.SignWithin); !dispatched.IsZero() && err == nil && !e.at.After(limit) {
				v[kSignedOnTime] = 1
			}
			emit(d, v, 1)
		case gridline.IsRework(a, o, gridline.TicketStatus(e.from), gridline.TicketStatus(e.to)):
			emit(d, one(kReworks), 1)
		}
		if a == gridline.ActionCallback {
			var v kvec
			v[kCallbacks] = 1
			contacted, resolved := gridline.CallbackAnswers(o, e.con, e.res)
			if contacted {
				v[kContacted] = 1
			}
			if resolved {
				v[kResolved] = 1
			}
			switch o {
			case gridline.OutcomeSatisfied:
				v[kSatisfied] = 1
			case gridline.OutcomeBasic:
				v[kBasic] = 1
			}
			// The last callback of a day stands for the day.
			if n := len(callbacks); n > 0 && callbacks[n-1].day == d {
				callbacks[n-1].v = v
			} else {
				callbacks = append(callbacks, callback{d, v})
			}
		}
	}
	// One callback per case: the last in the period. The one of day e
	// counts when F ≤ e < T and the next callback's day is T or later.
	for i := range callbacks {
		cb := &callbacks[i]
		emit(cb.day, &cb.v, 1)
		if i+1 < len(callbacks) {
			c.cell(min(cb.day, z), max(callbacks[i+1].day, cday), &cb.v, -1)
		}
	}
	return c
}

// encode writes c as text for kpi_facts: "d<day>:<i>=<v>,…;" and
// "s<lo>,<hi>:<i>=<v>,…;", zero vectors left out.
func (c *kpiCells) encode() string {
	var b strings.Builder
	vec := func(v *kvec) {
		first := true
		for i, x := range v {
			if x == 0 {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(strconv.Itoa(i))
			b.WriteByte('=')
			b.WriteString(strconv.FormatInt(x, 10))
		}
		b.WriteByte(';')
	}
	days := make([]int64, 0, len(c.days))
	for d, v := range c.days {
		if !v.zero() {
			days = append(days, d)
		}
	}
	slices.Sort(days)
	for _, d := range days {
		b.WriteByte('d')
		b.WriteString(strconv.FormatInt(d, 10))
		b.WriteByte(':')
		vec(c.days[d])
	}
	spans := make([][2]int64, 0, len(c.spans))
	for s, v := range c.spans {
		if !v.zero() {
			spans = append(spans, s)
		}
	}
	slices.SortFunc(spans, func(a, b [2]int64) int {
		if a[0] != b[0] {
			return int(a[0] - b[0])
		}
		return int(a[1] - b[1])
	})
	for _, s := range spans {
		b.WriteByte('s')
		b.WriteString(strconv.FormatInt(s[0], 10))
		b.WriteByte(',')
		b.WriteString(strconv.FormatInt(s[1], 10))
		b.WriteByte(':')
		vec(c.spans[s])
	}
	return b.String()
}

// decodeKPICells reads what encode wrote.
func decodeKPICells(s string) (kpiCells, error) {
	var c kpiCells
	for s != "" {
		end := strings.IndexByte(s, ';')
		if end < 0 {
			return c, fmt.Errorf("kpi cells: no ';' in %q", s)
		}
		item := s[:end]
		s = s[end+1:]
		head, body, ok := strings.Cut(item, ":")
		if !ok || head == "" {
			return c, fmt.Errorf("kpi cells: bad item %q", item)
		}
		var v *kvec
		switch head[0] {
		case 'd':
			d, err := strconv.ParseInt(head[1:], 10, 64)
			if err != nil {
				return c, err
			}
			v = c.day(d)
		case 's':
			a, b, _ := strings.Cut(head[1:], ",")
			lo, err1 := strconv.ParseInt(a, 10, 64)
			hi, err2 := strconv.ParseInt(b, 10, 64)
			if err1 != nil || err2 != nil {
				return c, fmt.Errorf("kpi cells: bad span %q", head)
			}
			v = c.span(lo, hi)
		default:
			return c, fmt.Errorf("kpi cells: bad item %q", item)
		}
		for _, f := range strings.Split(body, ",") {
			if f == "" {
				continue
			}
			i, x, _ := strings.Cut(f, "=")
			n, err1 := strconv.Atoi(i)
			val, err2 := strconv.ParseInt(x, 10, 64)
			if err1 != nil || err2 != nil || n < 0 || n >= kN {
				return c, fmt.Errorf("kpi cells: bad value %q", f)
			}
			v[n] += val
		}
	}
	return c, nil
}

// spanClass returns the class of span (lo, hi]: the bit length of its
// length, or kpiOpenCls when it has no end.
func spanClass(lo, hi int64) int {
	if hi >= kpiInf {
		return kpiOpenCls
	}
	return bits.Len64(uint64(hi - lo))
}

type kpiDayKey struct {
	dim int
	key string
	day int64
}

type kpiSpanKey struct {
	dim    int
	key    string
	lo, hi int64
}

// kpiDelta gathers changes to the rollups.
type kpiDelta struct {
	days  map[kpiDayKey]*kvec
	spans map[kpiSpanKey]*kvec
}

func newKPIDelta() *kpiDelta {
	return &kpiDelta{days: map[kpiDayKey]*kvec{}, spans: map[kpiSpanKey]*kvec{}}
}

// add adds contribution c under keys, times sign.
func (d *kpiDelta) add(keys [6]string, c *kpiCells, sign int64) {
	for dim, key := range keys {
		for day, v := range c.days {
			bump(d.days, kpiDayKey{dim, key, day}, v, sign)
		}
		for s, v := range c.spans {
			bump(d.spans, kpiSpanKey{dim, key, s[0], s[1]}, v, sign)
		}
	}
}

// bump adds v times sign to m[k], making it when missing.
func bump[K comparable](m map[K]*kvec, k K, v *kvec, sign int64) {
	x := m[k]
	if x == nil {
		x = &kvec{}
		m[k] = x
	}
	x.add(v, sign)
}

// nonZero returns the keys of m whose change is not zero, ordered by
// compare (so that two PostgreSQL transactions lock the rows they share
// in the same order).
func nonZero[K comparable](m map[K]*kvec, compare func(a, b K) int) []K {
	ks := make([]K, 0, len(m))
	for k, v := range m {
		if !v.zero() {
			ks = append(ks, k)
		}
	}
	slices.SortFunc(ks, compare)
	return ks
}

// sortedDays returns the non-zero day changes by dimension, day and key.
func (d *kpiDelta) sortedDays() []kpiDayKey {
	return nonZero(d.days, func(a, b kpiDayKey) int {
		return cmp.Or(cmp.Compare(a.dim, b.dim), cmp.Compare(a.day, b.day), strings.Compare(a.key, b.key))
	})
}

// sortedSpans returns the non-zero span changes by dimension, key and span.
func (d *kpiDelta) sortedSpans() []kpiSpanKey {
	return nonZero(d.spans, func(a, b kpiSpanKey) int {
		return cmp.Or(cmp.Compare(a.dim, b.dim), strings.Compare(a.key, b.key), cmp.Compare(a.lo, b.lo), cmp.Compare(a.hi, b.hi))
	})
}

// dayRow appends the row of kpi_days for k to dst.
func (d *kpiDelta) dayRow(k kpiDayKey, dst []any) []any {
	dst = append(dst, k.dim, k.day, k.key)
	for _, x := range d.days[k] {
		dst = append(dst, x)
	}
	return dst
}

// spanRow appends the row of kpi_spans for k to dst.
func (d *kpiDelta) spanRow(k kpiSpanKey, dst []any) []any {
	dst = append(dst, k.dim, k.key, k.lo, k.hi, spanClass(k.lo, k.hi))
	for _, x := range d.spans[k] {
		dst = append(dst, x)
	}
	return dst
}

// apply adds the delta to the rollups, a multi-row upsert per batch.
func (d *kpiDelta) apply(ctx context.Context, tx *Tx) error {
	days := d.sortedDays()
	if err := upsertBatches(ctx, tx, "kpi_days", kpiDayCols, "dim, day, key", kpiAddSet("kpi_days"),
		len(days), func(i int, dst []any) []any { return d.dayRow(days[i], dst) }); err != nil {
		return fmt.Errorf("kpi_days: %w", err)
	}
	spans := d.sortedSpans()
	if err := upsertBatches(ctx, tx, "kpi_spans", kpiSpanCols, "dim, key, lo, hi", kpiAddSet("kpi_spans"),
		len(spans), func(i int, dst []any) []any { return d.spanRow(spans[i], dst) }); err != nil {
		return fmt.Errorf("kpi_spans: %w", err)
	}
	return nil
}

// applyBulk is apply for a large delta (an import's): addRows, COPY on
// PostgreSQL, in the same row order.
func (d *kpiDelta) applyBulk(ctx context.Context, tx *Tx) error {
	days := d.sortedDays()
	if err := addRows(ctx, tx, "kpi_days", kpiDayCols, "dim, day, key", kpiAddSet("kpi_days"), `dim, day, key COLLATE "C"`,
		len(days), func(i int, dst []any) []any { return d.dayRow(days[i], dst) }); err != nil {
		return fmt.Errorf("kpi_days: %w", err)
	}
	spans := d.sortedSpans()
	if err := addRows(ctx, tx, "kpi_spans", kpiSpanCols, "dim, key, lo, hi", kpiAddSet("kpi_spans"), `dim, key COLLATE "C", lo, hi`,
		len(spans), func(i int, dst []any) []any { return d.spanRow(spans[i], dst) }); err != nil {
		return fmt.Errorf("kpi_spans: %w", err)
	}
	return nil
}

// upsertBatches inserts n rows, or on a conflict over conflict runs set.
func upsertBatches(ctx context.Context, tx *Tx, table string, cols []string, conflict, set string, n int,
	row func(i int, dst []any) []any) error {
	const batch = 64
	var args []any
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		q := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES ` + tx.db.dialect.valueRows(end-start, len(cols)) +
			` ON CONFLICT (` + conflict + `) DO UPDATE SET ` + set
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return translate(tx.db.dialect, err)
		}
	}
	return nil
}

// touchKPIs marks cases whose KPI contribution may have changed; their
// rollups are brought up to date just before the commit.
func (tx *Tx) touchKPIs(ids ...int64) {
	if tx.kpiDirty == nil {
		return
	}
	for _, id := range ids {
		if _, ok := (*tx.kpiDirty)[id]; !ok {
			(*tx.kpiDirty)[id] = false
		}
		if tx.kpiWritten != nil {
			delete(*tx.kpiWritten, id) // changed since it was written: read it
		}
	}
}

// kpiWritten is what the KPIs read of a case just taken in.
type kpiWritten struct {
	c   kpiCase
	evs []kpiEvent
}

// writtenKPICase keeps what the KPIs read of case t, just taken in with
// its first event first, as written: refreshKPIs uses it instead of
// reading the case back, unless the transaction touches the case again.
func (tx *Tx) writtenKPICase(t *gridline.Ticket, first *gridline.TicketEvent) {
	if tx.kpiWritten == nil {
		return
	}
	c := kpiCase{id: t.ID, channel: string(t.Channel), category: t.Category, status: string(t.Status),
		town: t.TownCode, community: t.CommunityCode, grid: t.GridCode, created: t.CreatedAt}
	if t.LeadUnitID != nil {
		c.unit = sql.NullInt64{Int64: *t.LeadUnitID, Valid: true}
	}
	if t.Deadline != nil {
		c.deadline = sql.NullTime{Time: *t.Deadline, Valid: true}
	}
	if t.ClosedAt != nil {
		c.closed = sql.NullTime{Time: *t.ClosedAt, Valid: true}
	}
	e := kpiEvent{action: string(first.Action), outcome: string(first.Outcome), from: string(first.From),
		to: string(first.To), at: first.At, con: first.Contacted, res: first.Resolved}
	(*tx.kpiWritten)[t.ID] = &kpiWritten{c: c, evs: []kpiEvent{e}}
}

// newKPICase marks a case this transaction takes in: it has no stored
// contribution to read.
func (tx *Tx) newKPICase(id int64) {
	if tx.kpiDirty != nil {
		(*tx.kpiDirty)[id] = true
	}
}

// refreshKPIs recomputes the marked cases' contributions and adds the
// differences to the rollups.
func (tx *Tx) refreshKPIs(ctx context.Context) error {
	if tx.kpiDirty == nil || len(*tx.kpiDirty) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(*tx.kpiDirty))
	for id := range *tx.kpiDirty {
		ids = append(ids, id)
	}
	dirty := maps.Clone(*tx.kpiDirty)
	clear(*tx.kpiDirty)
	var written map[int64]*kpiWritten
	if tx.kpiWritten != nil {
		written = maps.Clone(*tx.kpiWritten)
		clear(*tx.kpiWritten)
	}
	slices.Sort(ids)
	cal := tx.kpiCalendar()
	delta := newKPIDelta()
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		if err := tx.refreshKPIChunk(ctx, cal, part, dirty, written, delta); err != nil {
			return fmt.Errorf("kpi rollups: %w", err)
		}
	}
	return delta.apply(ctx, tx)
}

// kpiCalendar is the working calendar the transaction's rollups are
// computed on.
func (tx *Tx) kpiCalendar() *gridline.Calendar {
	if tx.kpiCal != nil {
		return tx.kpiCal
	}
	return tx.db.calendar()
}

// addImportedKPIs adds to the rollups the contributions of cases the
// transaction imports, computed from cases and their timelines evs as
// written (see [importRow.kpiCase]) rather than read back, and writes
// their facts, all in bulk. The cases are new: there is nothing to take
// back, and nothing for refreshKPIs to do for them unless the
// transaction changes them again (then it finds their facts). The rules
// are computeKPICells', as for every other change.
func (tx *Tx) addImportedKPIs(ctx context.Context, cases []kpiCase, evs [][]kpiEvent) error {
	cal := tx.kpiCalendar()
	delta := newKPIDelta()
	facts := make([]string, len(cases))
	for i := range cases {
		c := computeKPICells(cal, &cases[i], evs[i])
		facts[i] = c.encode()
		delta.add(cases[i].keys(), &c, 1)
	}
	if err := copyRows(ctx, tx, "kpi_facts", kpiFactCols, len(cases), func(i int, dst []any) []any {
		return cases[i].factRow(facts[i], dst)
	}); err != nil {
		return fmt.Errorf("kpi_facts: %w", err)
	}
	return delta.applyBulk(ctx, tx)
}

// factRow appends the row of kpi_facts for t with cells to dst.
func (t *kpiCase) factRow(cells string, dst []any) []any {
	k := t.keys()
	return append(dst, t.id, k[0], k[1], k[2], k[3], k[4], k[5], cells)
}

func (tx *Tx) refreshKPIChunk(ctx context.Context, cal *gridline.Calendar, ids []int64, dirty map[int64]bool,
	written map[int64]*kpiWritten, delta *kpiDelta) error {
	cases := map[int64]*kpiCase{}
	evs := map[int64][]kpiEvent{}
	// The cases taken in and not touched since are as they were written;
	// the others are read.
	read := ids
	if len(written) > 0 {
		read = nil
		for _, id := range ids {
			if w, ok := written[id]; ok && dirty[id] {
				cases[id], evs[id] = &w.c, w.evs
			} else {
				read = append(read, id)
			}
		}
	}
	args := make([]any, len(read))
	for i, id := range read {
		args[i] = id
	}
	in := tx.db.dialect.params(len(read))
	if len(read) > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT `+kpiCaseColumns+` FROM tickets t WHERE t.id IN (`+in+`)`, args...)
		if err != nil {
			return translate(tx.db.dialect, err)
		}
		for rows.Next() {
			t := &kpiCase{}
			if err := t.scan(rows); err != nil {
				rows.Close()
				return err
			}
			cases[t.id] = t
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+kpiEventColumns+` FROM ticket_events WHERE ticket_id IN (`+in+`) ORDER BY ticket_id, id`, args...)
		if err != nil {
			return translate(tx.db.dialect, err)
		}
		for rows.Next() {
			id, e, err := scanKPIEvent(rows)
			if err != nil {
				rows.Close()
				return err
			}
			evs[id] = append(evs[id], e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	type fact struct {
		keys  [6]string
		cells string
	}
	old := map[int64]fact{}
	if slices.ContainsFunc(read, func(id int64) bool { return !dirty[id] }) {
		rows, err := tx.QueryContext(ctx, `SELECT ticket_id, unit_key, grid, community, town, category, channel, cells FROM kpi_facts
			WHERE ticket_id IN (`+in+`)`, args...)
		if err != nil {
			return translate(tx.db.dialect, err)
		}
		for rows.Next() {
			var id int64
			var f fact
			if err := rows.Scan(&id, &f.keys[0], &f.keys[1], &f.keys[2], &f.keys[3], &f.keys[4], &f.keys[5], &f.cells); err != nil {
				rows.Close()
				return err
			}
			old[id] = f
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	var changed []int64
	news := map[int64]fact{}
	for _, id := range ids {
		t := cases[id]
		if t == nil {
			continue // not a case (a key of another kind), or gone
		}
		c := computeKPICells(cal, t, evs[id])
		nf := fact{keys: t.keys(), cells: c.encode()}
		of, had := old[id]
		if had && of == nf {
			continue
		}
		if had {
			oc, err := decodeKPICells(of.cells)
			if err != nil {
				return err
			}
			delta.add(of.keys, &oc, -1)
		}
		delta.add(nf.keys, &c, 1)
		news[id] = nf
		changed = append(changed, id)
	}
	return upsertBatches(ctx, tx, "kpi_facts", kpiFactCols, "ticket_id",
		"unit_key = excluded.unit_key, grid = excluded.grid, community = excluded.community, town = excluded.town, "+
			"category = excluded.category, channel = excluded.channel, cells = excluded.cells",
		len(changed), func(i int, dst []any) []any {
			f := news[changed[i]]
			return append(dst, changed[i], f.keys[0], f.keys[1], f.keys[2], f.keys[3], f.keys[4], f.keys[5], f.cells)
		})
}

// params returns n parameters for an IN list: $1 … $n on PostgreSQL, ?
// on SQLite (which looks $n up by name, see valueRows).
func (d dialect) params(n int) string {
	if d.isPostgres() {
		return placeholders(1, n)
	}
	return qmarks(n)
}

// touchKPIsOnDay marks, for an edit of the working calendar on date
// (YYYY-MM-DD, China), the cases open at some moment of that day: their
// working time and timely sign-offs may change. The rollups are computed
// on the calendar as the transaction leaves it.
func (tx *Tx) touchKPIsOnDay(ctx context.Context, date string) error {
	day, err := time.ParseInLocation(time.DateOnly, date, gridline.ChinaTime)
	if err != nil {
		return gridline.FieldErrorf("date", "must be YYYY-MM-DD, got %q", date)
	}
	edits, err := calendarEdits(ctx, tx, tx.db.dialect)
	if err != nil {
		return err
	}
	if tx.kpiCal, err = calendarWith(edits); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM tickets WHERE created_at < $1 AND (closed_at IS NULL OR closed_at >= $2)`,
		day.AddDate(0, 0, 1).UTC(), day.UTC())
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		tx.touchKPIs(id)
	}
	return rows.Err()
}

// backfillKPIRollups fills the rollups from every case and timeline:
// migration 0018's Go part, on a database whose rollup tables are empty.
func backfillKPIRollups(ctx context.Context, tx *Tx) error {
	cal := tx.db.calendar()
	var cases []kpiCase
	rows, err := tx.QueryContext(ctx, `SELECT `+kpiCaseColumns+` FROM tickets t ORDER BY t.id`)
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	for rows.Next() {
		var t kpiCase
		if err := t.scan(rows); err != nil {
			rows.Close()
			return err
		}
		cases = append(cases, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(cases) == 0 {
		return nil
	}
	facts := make([]string, len(cases))
	delta := newKPIDelta()
	i := 0
	var evs []kpiEvent
	done := func() {
		t := &cases[i]
		c := computeKPICells(cal, t, evs)
		facts[i] = c.encode()
		delta.add(t.keys(), &c, 1)
		evs = evs[:0]
		i++
	}
	rows, err = tx.QueryContext(ctx, `SELECT `+kpiEventColumns+` FROM ticket_events ORDER BY ticket_id, id`)
	if err != nil {
		return translate(tx.db.dialect, err)
	}
	for rows.Next() {
		id, e, err := scanKPIEvent(rows)
		if err != nil {
			rows.Close()
			return err
		}
		for i < len(cases) && cases[i].id < id {
			done()
		}
		if i < len(cases) && cases[i].id == id {
			evs = append(evs, e)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i < len(cases) {
		done()
	}
	if err := copyRows(ctx, tx, "kpi_facts", kpiFactCols, len(cases), func(i int, dst []any) []any {
		return cases[i].factRow(facts[i], dst)
	}); err != nil {
		return fmt.Errorf("kpi_facts: %w", err)
	}
	days := delta.sortedDays()
	if err := copyRows(ctx, tx, "kpi_days", kpiDayCols, len(days),
		func(i int, dst []any) []any { return delta.dayRow(days[i], dst) }); err != nil {
		return fmt.Errorf("kpi_days: %w", err)
	}
	spans := delta.sortedSpans()
	if err := copyRows(ctx, tx, "kpi_spans", kpiSpanCols, len(spans),
		func(i int, dst []any) []any { return delta.spanRow(spans[i], dst) }); err != nil {
		return fmt.Errorf("kpi_spans: %w", err)
	}
	if tx.db.dialect.isPostgres() {
		// Statistics now, not when autovacuum comes by: without them the
		// planner takes a year's rows for ten and sorts them to group
		// (230 ms against 84 ms by hash on the million-case database).
		if _, err := tx.ExecContext(ctx, `ANALYZE kpi_days, kpi_spans, kpi_facts`); err != nil {
			return translate(tx.db.dialect, err)
		}
	}
	return nil
}

// rollupKPIs answers the counts of f from the rollups, or ok false when
// they cannot serve it (a period not from midnight to midnight in China,
// a scope whose cases are not a set of keys of f.By).
func (s *KPIService) rollupKPIs(ctx context.Context, tx *Tx, f gridline.KPIFilter) (map[string]*gridline.KPICounts, bool, error) {
	if !kpiMidnight(f.From) || !kpiMidnight(f.To) {
		return nil, false, nil
	}
	keep := func(string) bool { return true }
	if sc, ok := scopeFor(ctx, gridline.ResourceKPIs, gridline.ActRead); ok {
		if keep, ok = rollupScope(sc, f.By); !ok {
			return nil, false, nil
		}
	}
	dim := kpiDim(f.By)
	F, T := kpiDay(f.From), kpiDay(f.To)
	sums := map[string]*kvec{}
	row := func(key string) *kvec {
		v := sums[key]
		if v == nil {
			v = &kvec{}
			sums[key] = v
		}
		return v
	}
	if tx.db.dialect.isPostgres() {
		// A few thousand rows by index: starting parallel workers cost
		// more than the work (the spans' query took 180 ms with two
		// workers on a busy 2-core machine, 25 ms without).
		if _, err := tx.ExecContext(ctx, `SET LOCAL max_parallel_workers_per_gather = 0`); err != nil {
			return nil, false, translate(tx.db.dialect, err)
		}
	}
	sel := make([]string, len(kpiCols))
	for i, c := range kpiCols {
		sel[i] = "SUM(" + c + ")"
	}
	rows, err := tx.QueryContext(ctx, `SELECT key, `+strings.Join(sel, ", ")+` FROM kpi_days
		WHERE dim = $1 AND day >= $2 AND day < $3 GROUP BY key`, dim, F, T)
	if err != nil {
		return nil, false, translate(tx.db.dialect, err)
	}
	dst := make([]any, 1+kN)
	for rows.Next() {
		var key string
		var v kvec
		dst[0] = &key
		for i := range v {
			dst[1+i] = &v[i]
		}
		if err := rows.Scan(dst...); err != nil {
			rows.Close()
			return nil, false, err
		}
		row(key).add(&v, 1)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}

	// The spans the end T falls in (lo < T ≤ hi), by class: a span of
	// class c is shorter than 2^c days, so its lo is above T − 2^c.
	var parts []string
	args := []any{dim, T}
	for c := 1; c <= kpiMaxCls; c++ {
		args = append(args, c, T-(1<<c)+1)
		parts = append(parts, fmt.Sprintf(`SELECT key, lo, %s FROM kpi_spans WHERE dim = $1 AND cls = $%d AND lo >= $%d AND lo < $2 AND hi >= $2`,
			strings.Join(kpiCols, ", "), len(args)-1, len(args)))
	}
	args = append(args, kpiOpenCls)
	parts = append(parts, fmt.Sprintf(`SELECT key, lo, %s FROM kpi_spans WHERE dim = $1 AND cls = $%d AND lo < $2`,
		strings.Join(kpiCols, ", "), len(args)))
	rows, err = tx.QueryContext(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, false, translate(tx.db.dialect, err)
	}
	dst = make([]any, 2+kN)
	for rows.Next() {
		var key string
		var lo int64
		var v kvec
		dst[0], dst[1] = &key, &lo
		for i := range v {
			dst[2+i] = &v[i]
		}
		if err := rows.Scan(dst...); err != nil {
			rows.Close()
			return nil, false, err
		}
		r := row(key)
		r[kOpenOverdue] += v[kOpenOverdue]
		if lo >= F {
			v[kOpenOverdue] = 0
			r.add(&v, 1)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}

	perDayUS := float64(s.db.calendar().HoursPerDay().Microseconds())
	counts := map[string]*gridline.KPICounts{}
	for key, v := range sums {
		if !keep(key) {
			continue
		}
		counts[key] = &gridline.KPICounts{
			Received: int(v[kReceived]), ReceivedClosed: int(v[kReceivedClosed]),
			Closed: int(v[kClosed]), ClosedOnTime: int(v[kClosedOnTime]), OpenOverdue: int(v[kOpenOverdue]),
			Due: int(v[kDue]), Reworks: int(v[kReworks]), Dispatches: int(v[kDispatches]), Returns: int(v[kReturns]),
			Signs: int(v[kSigns]), SignedOnTime: int(v[kSignedOnTime]),
			HandlingDays:        float64(v[kHandlingUS]) / 86400e6,
			HandlingWorkingDays: float64(v[kHandlingWorkingUS]) / perDayUS,
			Callbacks:           int(v[kCallbacks]), Contacted: int(v[kContacted]), Resolved: int(v[kResolved]),
			Satisfied: int(v[kSatisfied]), Basic: int(v[kBasic]),
		}
	}
	return counts, true, nil
}

// rollupScope returns which keys of grouping by a scoped reader may see,
// when the scope is a set of such keys: regions for a grouping by a
// region at their level or below, units for a grouping by unit.
func rollupScope(sc gridline.Scope, by string) (func(string) bool, bool) {
	if len(sc.PropertyUnits) > 0 || sc.Creator != 0 {
		return nil, false
	}
	switch {
	case len(sc.Units) > 0 && len(sc.Regions) == 0 && by == "unit":
		units := map[string]bool{}
		for _, u := range sc.Units {
			units[strconv.FormatInt(u, 10)] = true
		}
		return func(k string) bool { return units[k] }, true
	case len(sc.Units) == 0 && len(sc.Regions) > 0:
		level := map[string]int{"town": 9, "community": 12, "grid": gridline.GridCodeLen}[by]
		if level == 0 {
			return nil, false
		}
		for _, r := range sc.Regions {
			if len(r) > level {
				return nil, false
			}
		}
		regions := sc.Regions
		return func(k string) bool {
			for _, r := range regions {
				if k != "" && strings.HasPrefix(k, r) {
					return true
				}
			}
			return false
		}, true
	}
	return nil, false
}
