package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// BenchmarkTextSearchMillion times the case list's text filter and a
// town's closed cases of a month over about a million cases, without the
// hour the cached million-case database (BenchmarkScaleTicketList) takes
// to build on a busy machine: the demo's year (66,539 cases) is imported
// as `gridline demo` does, its cases copied 14 times in SQL (new ids,
// numbers and external ids; no timelines, which these filters do not
// read), and the text index rebuilt over all of them as migration 0019
// does (its time is reported). Each query is a page of 100 and its exact
// total, run -benchtime times; "before" is the filter as it was, the LIKE
// alone, and the town's cases without the index (town_code, created_at).
//
//	go test -run '^$' -bench TextSearchMillion -benchtime 10x -timeout 1h ./sqlstore/
func BenchmarkTextSearchMillion(b *testing.B) {
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "demo"})
	db := storetest.Open(b)
	s := storetest.Services(b, db)
	d, err := demo.Generate(1)
	if err != nil {
		b.Fatal(err)
	}
	h, err := demo.GenerateHistory(d, demo.HistoryOptions{Scale: 1})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := db.InTx(ctx, func(ctx context.Context) error { return demo.Load(ctx, d, s) }); err != nil {
		b.Fatal(err)
	}
	if err := db.InTx(ctx, func(ctx context.Context) error { return demo.LoadHistory(ctx, d, h, s) }); err != nil {
		b.Fatal(err)
	}
	b.Logf("demo year of %d cases loaded in %v", len(h.Cases), time.Since(start))
	var maxID int64
	if err := db.QueryRowForTest(ctx, `SELECT MAX(id) FROM tickets`).Scan(&maxID); err != nil {
		b.Fatal(err)
	}
	cols := "number, channel, external_id, text, category, status, version, lon, lat, address, county_code, town_code, " +
		"community_code, grid_code, reporter_name, reporter_phone, reporter_confidential, reported_at, lead_unit_id, deadline, " +
		"base_deadline, merged_into, closed_at, warning, warn_at, escalated_to, created_at, updated_at, compound_id, place_cell"
	start = time.Now()
	for k := 1; k <= 14; k++ {
		sel := strings.Replace(strings.Replace(cols, "number,", fmt.Sprintf("number || '-%d',", k), 1),
			"external_id,", fmt.Sprintf("CASE WHEN external_id = '' THEN external_id ELSE external_id || '-%d' END,", k), 1)
		if err := db.ExecForTest(ctx, fmt.Sprintf(`INSERT INTO tickets (id, %s) SELECT id + %d, %s FROM tickets WHERE id <= %d`,
			cols, int64(k)*(maxID+1000), sel, maxID)); err != nil {
			b.Fatal(err)
		}
	}
	analyze := `ANALYZE`
	if storetest.Postgres() {
		analyze = `VACUUM ANALYZE` // the visibility map, as autovacuum would leave it
	}
	if err := db.ExecForTest(ctx, analyze); err != nil {
		b.Fatal(err)
	}
	if err := db.RebuildTicketTotalsForTest(ctx); err != nil { // the copies bypass the kept counts
		b.Fatal(err)
	}
	b.Logf("copied to %d cases in %v", 15*len(h.Cases), time.Since(start))
	start = time.Now()
	if err := db.RebuildTextIndexForTest(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("text index rebuilt over all cases in %v (migration 0019's backfill)", time.Since(start))
	if storetest.Postgres() {
		if err := db.ExecForTest(ctx, `VACUUM ANALYZE ticket_grams`); err != nil {
			b.Fatal(err)
		}
	}

	ts, total, err := s.Tickets.FindTickets(ctx, gridline.TicketFilter{Limit: 1})
	if err != nil || len(ts) == 0 {
		b.Fatal(err)
	}
	b.Logf("%d cases", total)
	town := ts[0].TownCode
	closed := gridline.StatusClosed
	month := demo.HistoryEnd.AddDate(0, -1, 0)
	end := demo.HistoryEnd
	page := func(f gridline.TicketFilter) func() (int, error) {
		return func() (int, error) {
			f.Limit = 100
			_, n, err := s.Tickets.FindTickets(ctx, f)
			return n, err
		}
	}
	// The filter as it was: the page's ids, then the count, by LIKE alone.
	like := func(q string) func() (int, error) {
		return func() (int, error) {
			p := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
			var n int
			if err := db.QueryRowForTest(ctx, `SELECT COUNT(*) FROM (SELECT t.id FROM tickets t WHERE lower(t.text) LIKE lower($1) ESCAPE '\'
				ORDER BY t.id DESC LIMIT 100) p`, p).Scan(&n); err != nil {
				return 0, err
			}
			err := db.QueryRowForTest(ctx, `SELECT COUNT(*) FROM tickets t WHERE lower(t.text) LIKE lower($1) ESCAPE '\'`, p).Scan(&n)
			return n, err
		}
	}
	run := func(name string, f func() (int, error)) {
		b.Run(name, func(b *testing.B) {
			var n int
			latencies(b, b.N, func() (err error) {
				n, err = f()
				return err
			})
			b.ReportMetric(float64(n), "total")
		})
	}
	for _, q := range []string{"噪音", "占道经营", "井盖", "灯", "1391", "小区门口"} {
		q := q
		run("text="+q, page(gridline.TicketFilter{Query: &q}))
		run("text="+q+"/before", like(q))
	}
	townMonth := gridline.TicketFilter{Within: &town, Status: &closed, From: &month, To: &end}
	run("town+closed+month", page(townMonth))
	if err := db.ExecForTest(ctx, `DROP INDEX tickets_town_created_idx`); err != nil {
		b.Fatal(err)
	}
	run("town+closed+month/before", page(townMonth))
	run("all", page(gridline.TicketFilter{}))
	channel := ts[0].Channel
	run("channel", page(gridline.TicketFilter{Channel: &channel}))
}

// BenchmarkTextIndexWrite times what the text index adds to ImportTickets
// for the demo's year: its 66,539 texts split into terms and written in
// one transaction (ids that no case has: the table has no foreign key).
//
//	go test -run '^$' -bench TextIndexWrite -benchtime 3x ./sqlstore/
func BenchmarkTextIndexWrite(b *testing.B) {
	d, err := demo.Generate(1)
	if err != nil {
		b.Fatal(err)
	}
	h, err := demo.GenerateHistory(d, demo.HistoryOptions{Scale: 1})
	if err != nil {
		b.Fatal(err)
	}
	texts := make([]string, len(h.Cases))
	for i, c := range h.Cases {
		texts[i] = c.Ticket.Text
	}
	db := storetest.Open(b)
	ids := make([]int64, len(texts))
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	before := cpu()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i := range ids {
			ids[i] = int64(n*len(ids) + i + 1)
		}
		if err := db.WriteTextIndexForTest(context.Background(), ids, texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/import")
	// This process's CPU time: on a busy machine it says more than the
	// elapsed time (on PostgreSQL the server's share is not in it).
	b.ReportMetric(float64((cpu()-before).Milliseconds())/float64(b.N), "cpu-ms/import")
}
