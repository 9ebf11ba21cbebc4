package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// scaleVersion keys the cached million-case database: bump it when the
// generator or the import changes what the database holds. A schema
// change alone does not need a bump: opening the cached database
// migrates it.
const scaleVersion = "v1"

// scaleFactor multiplies the demo's year (66,539 cases) to about a
// million cases and 7.5 million timeline events.
const scaleFactor = 15

// scaleDB opens the cached million-case database, building it on first
// use: the demo district and a year of cases generated as demo does, 15
// times the seed's volume, imported through TicketService.ImportTickets.
// SQLite: a file under os.TempDir(); PostgreSQL (GRIDLINE_TEST_POSTGRES_DSN):
// a database of its own on that server. Both are named by scaleVersion,
// so a re-run takes seconds; delete them to rebuild.
func scaleDB(b *testing.B) (*sqlstore.DB, gridline.Services, *demo.History) {
	b.Helper()
	var dsn string
	name := "gridline_bench_1m_" + scaleVersion
	if base := os.Getenv(storetest.EnvPostgresDSN); base != "" {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			b.Fatal(err)
		}
		var n int
		admin.QueryRow(`SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n)
		if n == 0 {
			if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
				b.Fatal(err)
			}
		}
		admin.Close()
		u, err := url.Parse(base)
		if err != nil {
			b.Fatal(err)
		}
		u.Path = "/" + name
		dsn = u.String()
	} else {
		dir := filepath.Join(os.TempDir(), name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		dsn = "sqlite:" + filepath.Join(dir, "g.db")
	}
	start := time.Now()
	db := storetest.OpenAt(b, dsn)
	b.Logf("opened %s in %v (migrations included)", dsn, time.Since(start))
	s := storetest.Services(b, db)
	one := gridline.TicketFilter{Limit: 1}
	_, n, err := s.Tickets.FindTickets(context.Background(), one)
	if err != nil {
		b.Fatal(err)
	}
	if n > 0 {
		// Built: the history is loaded in one transaction, so a database
		// holding cases holds all of them. Its period is all the
		// benchmarks need of it; generating it again takes minutes.
		b.Logf("%s holds %d cases", dsn, n)
		return db, s, &demo.History{Start: demo.HistoryEnd.AddDate(-1, 0, 0), End: demo.HistoryEnd}
	}
	d, err := demo.Generate(1)
	if err != nil {
		b.Fatal(err)
	}
	start = time.Now()
	h, err := demo.GenerateHistory(d, demo.HistoryOptions{Scale: scaleFactor})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d cases in %v", len(h.Cases), time.Since(start))
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "demo"})
	start = time.Now()
	if err := db.InTx(ctx, func(ctx context.Context) error { return demo.Load(ctx, d, s) }); err != nil {
		b.Fatal(err)
	}
	if err := db.InTx(ctx, func(ctx context.Context) error { return demo.LoadHistory(ctx, d, h, s) }); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %s with %d cases in %v", dsn, len(h.Cases), time.Since(start))
	if storetest.Postgres() {
		// What autovacuum would do soon after a load this size: the
		// visibility map, which index-only scans need, and the statistics.
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.Exec(`VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	return db, s, h
}

// latencies runs f n times and reports its p50 and p99 in ms, and the
// process's CPU time per run (on a busy machine it says more than the
// elapsed time; on PostgreSQL the server's share is not in it).
func latencies(b *testing.B, n int, f func() error) {
	b.Helper()
	d := make([]time.Duration, 0, n)
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	before := cpu()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(float64((cpu()-before).Microseconds())/1000/float64(n), "cpu-ms/op")
	slices.Sort(d)
	ms := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	b.ReportMetric(ms(1), "max-ms")
}

// BenchmarkScaleKPIs times GET /api/v1/kpis's query for the whole year
// over a million cases, by town and by unit. Each sub-benchmark runs the
// query -benchtime times (use -benchtime 20x) and reports p50 and p99.
//
//	go test -run '^$' -bench Scale -benchtime 20x -timeout 1h ./sqlstore/
func BenchmarkScaleKPIs(b *testing.B) {
	_, s, h := scaleDB(b)
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "bench"})
	for _, by := range []string{"town", "unit"} {
		b.Run("by="+by, func(b *testing.B) {
			var rows int
			latencies(b, b.N, func() error {
				r, err := s.KPIs.KPIs(ctx, gridline.KPIFilter{From: h.Start, To: h.End, By: by})
				if err == nil {
					rows = len(r.Rows)
					if r.Total.Counts.Received == 0 {
						err = fmt.Errorf("nothing received")
					}
				}
				return err
			})
			b.ReportMetric(float64(rows), "rows")
		})
	}
}

// BenchmarkScaleTicketList times a page of GET /api/v1/tickets (100 cases,
// and the true total) over a million cases with the list's filters.
func BenchmarkScaleTicketList(b *testing.B) {
	db, s, h := scaleDB(b)
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "bench"})
	ts, _, err := s.Tickets.FindTickets(ctx, gridline.TicketFilter{Limit: 1})
	if err != nil || len(ts) == 0 {
		b.Fatal(err)
	}
	last := ts[0]
	status := gridline.StatusClosed
	open := gridline.StatusDispatched
	channel := last.Channel
	town := last.TownCode
	community := last.CommunityCode
	grid := last.GridCode
	// The community with the most cases (31,717 of the million): a range of
	// the grid index sorted by id for its page (migration 0031).
	var largest string
	if err := db.QueryRowForTest(ctx, `SELECT community_code FROM tickets WHERE community_code <> ''
		GROUP BY community_code ORDER BY COUNT(*) DESC LIMIT 1`).Scan(&largest); err != nil {
		b.Fatal(err)
	}
	cat := last.Category[:2]
	month := h.End.AddDate(0, -1, 0)
	end := h.End
	word := "噪音"
	var unit *int64
	for _, t := range ts {
		unit = t.LeadUnitID
	}
	if unit == nil {
		us, _, _ := s.Units.FindUnits(ctx, gridline.UnitFilter{Limit: 1})
		unit = &us[0].ID
	}
	filters := []struct {
		name string
		f    gridline.TicketFilter
	}{
		{"all", gridline.TicketFilter{}},
		{"all/page50", gridline.TicketFilter{Offset: 1000}},
		{"status=closed", gridline.TicketFilter{Status: &status}},
		{"status=dispatched", gridline.TicketFilter{Status: &open}},
		{"channel", gridline.TicketFilter{Channel: &channel}},
		{"within=town", gridline.TicketFilter{Within: &town}},
		{"within=community", gridline.TicketFilter{Within: &community}},
		{"within=largest-community", gridline.TicketFilter{Within: &largest}},
		{"grid", gridline.TicketFilter{GridCode: &grid}},
		{"unit", gridline.TicketFilter{UnitID: unit}},
		{"category", gridline.TicketFilter{Category: &cat}},
		{"overdue", gridline.TicketFilter{Overdue: true}},
		{"last-month", gridline.TicketFilter{From: &month, To: &end}},
		{"town+closed+month", gridline.TicketFilter{Within: &town, Status: &status, From: &month, To: &end}},
		{"text", gridline.TicketFilter{Query: &word}},
	}
	// BenchmarkTextSearchMillion's other queries, on the real million:
	// common (井盖, one rune 灯), absent (占道经营, 1391), rare (小区门口),
	// and the most common word (小区, 88,023 cases: its count stops at
	// gridline.TextTotalBound), alone and within a town.
	for _, q := range []string{"占道经营", "井盖", "灯", "1391", "小区门口", "小区"} {
		filters = append(filters, struct {
			name string
			f    gridline.TicketFilter
		}{"text=" + q, gridline.TicketFilter{Query: &q}})
	}
	common := "小区"
	filters = append(filters, struct {
		name string
		f    gridline.TicketFilter
	}{"town+text=小区", gridline.TicketFilter{Within: &town, Query: &common}})
	for _, c := range filters {
		b.Run(strings.ReplaceAll(c.name, "/", "-"), func(b *testing.B) {
			f := c.f
			if f.Limit == 0 {
				f.Limit = 100 // the API's default page
			}
			var total int
			latencies(b, b.N, func() error {
				_, n, err := s.Tickets.FindTickets(ctx, f)
				total = n
				return err
			})
			b.ReportMetric(float64(total), "total")
		})
	}
}
