package main_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gridline/gridline"
	main "github.com/gridline/gridline/cmd/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// BenchmarkImport12345 measures the issue-8 figure: `gridline
// import-12345 FILE --db …` of a 100,000-row 12345 export with geocoding,
// run in-process through Main.Run as the command runs (opening the
// database, reading the CSV, building the gazetteer, checking and placing
// every row, the store's bulk import in one transaction). The demo
// district (seed 1) and its year of cases are loaded outside the timer;
// the export comes from gen12345Export, and each iteration imports it
// under fresh 工单编号, so every iteration takes in 100,000 new cases
// (the database grows by as many). It reports rows/s, the CPU time of the
// process, and how well the addresses were placed (placed_%: of all
// imported cases; std_placed_% and case_placed_%: of the rows naming a
// standard address and of those taken from demo hotline cases; right_grid_%:
// of the placed, in the grid the row truly is in, from the gazetteer on
// every row of the file outside the timer).
//
//	nice -n 10 go test -run '^$' -bench Import12345 -benchtime 1x ./cmd/gridline/
//
// On PostgreSQL, with GRIDLINE_TEST_POSTGRES_DSN set.
func BenchmarkImport12345(b *testing.B) {
	const rows = 100_000
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "demo"})
	d, err := demo.Generate(1)
	if err != nil {
		b.Fatal(err)
	}
	h, err := demo.GenerateHistory(d, demo.HistoryOptions{})
	if err != nil {
		b.Fatal(err)
	}
	dsn := storetest.DSN(b)
	db := storetest.OpenAt(b, dsn)
	s := storetest.Services(b, db)
	if err := db.InLoadTx(ctx, func(ctx context.Context) error {
		if err := demo.Load(ctx, d, s); err != nil {
			return err
		}
		return demo.LoadHistory(ctx, d, h, s)
	}); err != nil {
		b.Fatal(err)
	}
	addrs, err := allAddresses(ctx, s)
	if err != nil {
		b.Fatal(err)
	}
	cat, err := s.Reference.Catalogue(ctx)
	if err != nil {
		b.Fatal(err)
	}
	export := gen12345Export(1, rows, d, h, addrs, cat)
	// What the import should make of the rows: the gazetteer the command
	// builds, on every row, against where the row truly is.
	g, err := gridline.LoadGazetteer(ctx, s)
	if err != nil {
		b.Fatal(err)
	}
	var std, stdPlaced, cases, casesPlaced, placed, right int
	forms := map[string]int{}
	for _, r := range export {
		forms[r.form]++
		geo := g.Geocode(r.address)
		if r.form == "case" || r.form == "case+prefix" {
			cases++
		} else {
			std++
		}
		if !geo.Level.Placed() {
			continue
		}
		placed++
		if r.form == "case" || r.form == "case+prefix" {
			casesPlaced++
		} else {
			stdPlaced++
		}
		if geo.GridCode == r.grid {
			right++
		}
	}
	b.Logf("export: %d rows %v; gazetteer places %d of %d standard-address rows, %d of %d demo-case rows; %d in the right grid",
		len(export), forms, stdPlaced, std, casesPlaced, cases, right)
	db.Close()

	file := filepath.Join(b.TempDir(), "12345.csv")
	var elapsed, cpu time.Duration
	var imported, placedByImport int
	size := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		data := write12345CSV(b, export, fmt.Sprintf("BM%02d", i))
		size = len(data)
		if err := os.WriteFile(file, data, 0o600); err != nil {
			b.Fatal(err)
		}
		m := main.NewMain()
		var out, log bytes.Buffer
		m.Stdout, m.Stderr = &out, &log
		cpu0, t0 := cpuTime(), time.Now()
		b.StartTimer()
		err := m.Run(context.Background(), []string{"import-12345", "--db", dsn, file})
		b.StopTimer()
		elapsed += time.Since(t0)
		cpu += cpuTime() - cpu0
		if err != nil {
			b.Fatalf("import-12345: %v\n%s", err, log.String())
		}
		var rep gridline.Hotline12345Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			b.Fatalf("report: %v\n%.500s", err, out.String())
		}
		if rep.Imported != rows || rep.Failed != 0 {
			b.Fatalf("imported %d, existing %d, failed %d of %d rows; want all imported: %v", rep.Imported, rep.Existing,
				rep.Failed, rows, rep.Errors[:min(len(rep.Errors), 3)])
		}
		imported += rep.Imported
		placedByImport += rep.Placed[string(gridline.GeoBuilding)] + rep.Placed[string(gridline.GeoCompound)]
		b.StartTimer()
	}
	b.StopTimer()
	if placedByImport != placed*b.N {
		b.Errorf("the import placed %d cases, the gazetteer on the rows %d", placedByImport/b.N, placed)
	}
	b.ReportMetric(float64(imported)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(size)/(1<<20), "csv-MB")
	b.ReportMetric(100*float64(placedByImport)/float64(imported), "placed_%")
	b.ReportMetric(100*float64(stdPlaced)/float64(std), "std_placed_%")
	b.ReportMetric(100*float64(casesPlaced)/float64(cases), "case_placed_%")
	b.ReportMetric(100*float64(right)/float64(placed), "right_grid_%")
}

// exportRow is a row of a generated 12345 export, with how its address
// was written (form) and the grid it truly is in.
type exportRow struct {
	at, name, phone, text, address, category, limit string
	form, grid                                      string
}

// gen12345Export generates n rows of a 12345 export over the demo
// district d and its year h, deterministically from seed: 75 % take the
// address, text and category of a random demo hotline case (a quarter of
// them with 山东省济宁市兖州区 before the address); 25 % name a standard
// address of addrs the way callers do, in four equal shares: its full
// name, 小区N号楼, the street and community before 小区N号楼M单元 in
// full-width digits, or 小区N栋附近 (with the text, time and category of a
// random demo hotline case). Categories are written as the sub-class's
// name, as 城市管理-名称, or left empty (the import suggests one from the
// text), a third each; the time limit is empty or N个工作日.
func gen12345Export(seed uint64, n int, d *demo.District, h *demo.History, addrs []*gridline.Address, cat *gridline.Catalogue) []exportRow {
	rng := rand.New(rand.NewPCG(seed, 12345))
	var hotline []*demo.Case
	for i := range h.Cases {
		if c := &h.Cases[i]; c.Ticket.Channel == gridline.ChannelHotline && c.Ticket.Address != "" {
			hotline = append(hotline, c)
		}
	}
	// Standard addresses of a building of a compound: "region 小区
	// N号楼M单元".
	type stdAddr struct {
		a                         *gridline.Address
		streetCommunity, compound string
		building, entrance        int
	}
	var std []stdAddr
	for _, a := range addrs {
		parts := strings.Fields(a.FullName)
		if len(parts) != 3 {
			continue
		}
		var bno, eno int
		if _, err := fmt.Sscanf(parts[2], "%d号楼%d单元", &bno, &eno); err != nil {
			continue
		}
		std = append(std, stdAddr{a, strings.TrimPrefix(parts[0], "山东省济宁市兖州区"), parts[1], bno, eno})
	}
	fullWidth := func(v int) string {
		return strings.Map(func(r rune) rune { return r - '0' + '０' }, fmt.Sprint(v))
	}
	out := make([]exportRow, n)
	for i := range out {
		c := hotline[rng.IntN(len(hotline))]
		t := &c.Ticket
		r := exportRow{at: t.ReportedAt.In(gridline.ChinaTime).Format("2006-01-02 15:04:05"), name: t.Reporter.Name,
			phone: t.Reporter.Phone, text: t.Text}
		if rng.IntN(4) < 3 {
			r.form, r.address = "case", t.Address
			if rng.IntN(4) == 0 {
				r.form, r.address = "case+prefix", "山东省济宁市兖州区"+t.Address
			}
			if c.Grid >= 0 {
				r.grid = d.Grids[c.Grid].Code
			}
		} else {
			a := std[rng.IntN(len(std))]
			r.grid = a.a.GridCode
			switch rng.IntN(4) {
			case 0:
				r.form, r.address = "full", a.a.FullName
			case 1:
				r.form, r.address = "building", fmt.Sprintf("%s%d号楼", a.compound, a.building)
			case 2:
				r.form, r.address = "street-fullwidth", a.streetCommunity+a.compound+fullWidth(a.building)+"号楼"+fullWidth(a.entrance)+"单元"
			default:
				r.form, r.address = "near", fmt.Sprintf("%s%d栋附近", a.compound, a.building)
			}
		}
		if sub, ok := cat.Category(t.Category); ok && !sub.IsMain() {
			switch rng.IntN(3) {
			case 0:
				r.category = sub.Name
			case 1:
				r.category = "城市管理-" + sub.Name
			}
		}
		if rng.IntN(2) == 0 {
			r.limit = fmt.Sprintf("%d个工作日", []int{3, 5, 10}[rng.IntN(3)])
		}
		out[i] = r
	}
	return out
}

// write12345CSV writes rows as the platform exports them, numbered
// prefix + line, so every call with a new prefix is a file of new cases.
func write12345CSV(tb testing.TB, rows []exportRow, prefix string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"工单编号", "来电时间", "来电人", "联系电话", "诉求内容", "诉求地址", "诉求类型", "办理时限"})
	for i, r := range rows {
		w.Write([]string{fmt.Sprintf("%s%08d", prefix, i+1), r.at, r.name, r.phone, r.text, r.address, r.category, r.limit})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// allAddresses reads every standard address, page by page.
func allAddresses(ctx context.Context, s gridline.Services) ([]*gridline.Address, error) {
	var out []*gridline.Address
	for off := 0; ; off += 10000 {
		as, total, err := s.Addresses.FindAddresses(ctx, gridline.PlaceFilter{Offset: off, Limit: 10000})
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
		if len(as) == 0 || off+len(as) >= total {
			return out, nil
		}
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
