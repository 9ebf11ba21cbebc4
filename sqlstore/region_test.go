package sqlstore_test

import (
	"os"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// mustImportYanzhou loads the shipped Yanzhou extract.
func mustImportYanzhou(tb testing.TB, db *sqlstore.DB) {
	tb.Helper()
	rows, err := demo.Regions()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := sqlstore.NewRegionService(db).ImportRegions(ctx, rows); err != nil {
		tb.Fatal(err)
	}
}

func TestImportRegions(t *testing.T) {
	db := storetest.Open(t)
	s := sqlstore.NewRegionService(db)
	rows, err := demo.Regions()
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.ImportRegions(ctx, rows)
	if err != nil {
		t.Fatal(err)
	}
	if res != (gridline.RegionImport{Rows: 360, Inserted: 360}) {
		t.Fatalf("first import = %+v", res)
	}
	// A second import upserts: nothing new, every row updated.
	rows[5].Name = "改名街道"
	res, err = s.ImportRegions(ctx, rows)
	if err != nil {
		t.Fatal(err)
	}
	if res != (gridline.RegionImport{Rows: 360, Updated: 360}) {
		t.Fatalf("re-import = %+v", res)
	}
	if r, err := s.FindRegionByCode(ctx, rows[5].Code); err != nil || r.Name != "改名街道" {
		t.Fatalf("renamed region = %+v, %v", r, err)
	}

	county := "370812"
	children, n, err := s.FindRegions(ctx, gridline.RegionFilter{ParentCode: &county})
	if err != nil || n != 10 || len(children) != 10 {
		t.Fatalf("children of %s: %d/%d, %v", county, len(children), n, err)
	}
	if children[0].Code != "370812001" || children[0].Level != gridline.LevelTown {
		t.Fatalf("first child = %+v", children[0])
	}
	_, n, err = s.FindRegions(ctx, gridline.RegionFilter{Within: &county})
	if err != nil || n != 357 {
		t.Fatalf("subtree of %s = %d, %v; want 357", county, n, err)
	}
	village := gridline.LevelVillage
	town := "370812001"
	_, n, err = s.FindRegions(ctx, gridline.RegionFilter{Within: &town, Level: &village})
	if err != nil || n != 23 {
		t.Fatalf("villages in %s = %d, %v; want 23", town, n, err)
	}
	anc, _, err := s.FindRegions(ctx, gridline.RegionFilter{Codes: gridline.AncestorCodes("370812001002")})
	if err != nil || len(anc) != 4 || anc[0].Name != "山东省" || anc[3].Code != "370812001" {
		t.Fatalf("ancestors = %v, %v", anc, err)
	}
	if _, err := s.FindRegionByCode(ctx, "999999"); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Fatalf("missing region: %v", err)
	}
}

func TestImportRegionsAllOrNothing(t *testing.T) {
	db := storetest.Open(t)
	s := sqlstore.NewRegionService(db)
	csv := "code,name,level,parent_code\n37,山东省,province,\n3708,济宁市,city,37\n379901,不存在区,county,3799\n"
	rows, err := gridline.ParseRegionsCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.ImportRegions(ctx, rows)
	if gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(gridline.ErrorMessage(err), "line 4") {
		t.Fatalf("err = %v", err)
	}
	if _, n, _ := s.FindRegions(ctx, gridline.RegionFilter{}); n != 0 {
		t.Fatalf("%d regions written by a failed import", n)
	}
	// A parent already stored satisfies a later file.
	if _, err := s.ImportRegions(ctx, rows[:1]); err != nil {
		t.Fatal(err)
	}
	more, _ := gridline.ParseRegionsCSV(strings.NewReader("code,name,level,parent_code\n3708,济宁市,city,37\n"))
	if _, err := s.ImportRegions(ctx, more); err != nil {
		t.Fatalf("child of stored parent: %v", err)
	}
}

func TestRegionGeometry(t *testing.T) {
	db := storetest.Open(t)
	mustImportYanzhou(t, db)
	s := sqlstore.NewRegionService(db)
	sq := square(116.8, 35.5, 0.01)
	if err := s.SetRegionGeometry(ctx, "370812001", sq); err != nil {
		t.Fatal(err)
	}
	r, err := s.FindRegionByCode(ctx, "370812001")
	if err != nil || len(r.Geometry) != 1 || len(r.Geometry[0]) != 5 {
		t.Fatalf("geometry = %v, %v", r, err)
	}
	if err := s.SetRegionGeometry(ctx, "370812999", sq); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Fatalf("unknown region: %v", err)
	}
}

// BenchmarkImportNationalRegions imports all 665,276 regions of China into
// an empty database per iteration (target: under 15 s on SQLite).
func BenchmarkImportNationalRegions(b *testing.B) {
	f, err := os.Open("../testdata/regions/china-2023.csv.gz")
	if err != nil {
		b.Fatal(err)
	}
	rows, err := gridline.ParseRegionsCSV(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	if len(rows) != 665276 {
		b.Fatalf("rows = %d", len(rows))
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := storetest.Open(b)
		b.StartTimer()
		res, err := sqlstore.NewRegionService(db).ImportRegions(ctx, rows)
		if err != nil || res.Inserted != len(rows) {
			b.Fatalf("import: %+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestRegionPageTotals checks that a page past the end still reports the
// total, and that a negative offset is refused on both databases.
func TestRegionPageTotals(t *testing.T) {
	db := storetest.Open(t)
	mustImportYanzhou(t, db)
	s := sqlstore.NewRegionService(db)
	rs, n, err := s.FindRegions(ctx, gridline.RegionFilter{Offset: 1000, Limit: 10})
	if err != nil || len(rs) != 0 || n != 360 {
		t.Fatalf("past the end: %d rows, total %d, %v", len(rs), n, err)
	}
	if _, _, err := s.FindRegions(ctx, gridline.RegionFilter{Offset: -1}); gridline.ErrorFields(err)["offset"] == "" {
		t.Fatalf("negative offset: %v", err)
	}
	if _, n, err := sqlstore.NewGridService(db).FindGrids(ctx, gridline.GridFilter{Offset: 5}); err != nil || n != 0 {
		t.Fatalf("grids past the end of nothing: %d, %v", n, err)
	}
}
