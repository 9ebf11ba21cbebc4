package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
	"github.com/paulmach/orb"
)

func square(lon, lat, d float64) gridline.Polygon {
	return gridline.Polygon{orb.Ring{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}
}

func TestGridCRUD(t *testing.T) {
	db := storetest.Open(t)
	mustImportYanzhou(t, db)
	s := sqlstore.NewGridService(db)
	g := &gridline.Grid{Name: "韦园社区第1网格", Layer: gridline.LayerParty, CommunityCode: "370812001002", Geometry: square(116.80, 35.55, 0.005)}
	if err := s.CreateGrid(ctx, g); err != nil {
		t.Fatal(err)
	}
	if g.Code != "370812001002001" || g.ID == 0 || g.TownCode != "370812001" || g.AreaM2 < 250000 || g.AreaM2 > 260000 {
		t.Fatalf("created grid = %+v", g)
	}
	// Overlap within the layer is refused; the same place on another layer is fine.
	g2 := &gridline.Grid{Name: "重叠", Layer: gridline.LayerParty, CommunityCode: "370812001002", Geometry: square(116.803, 35.553, 0.005)}
	err := s.CreateGrid(ctx, g2)
	if gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(gridline.ErrorMessage(err), "overlaps grid 370812001002001") {
		t.Fatalf("overlap: %v", err)
	}
	g2.Layer = gridline.LayerComprehensive
	if err := s.CreateGrid(ctx, g2); err != nil {
		t.Fatal(err)
	}
	if g2.Code != "370812001002002" {
		t.Fatalf("second code = %s", g2.Code)
	}
	// Touching neighbours share a border without overlapping.
	g3 := &gridline.Grid{Name: "邻居", Layer: gridline.LayerParty, CommunityCode: "370812001002", Geometry: square(116.805, 35.55, 0.005)}
	if err := s.CreateGrid(ctx, g3); err != nil {
		t.Fatalf("neighbour: %v", err)
	}
	// Unknown community and layer are named.
	bad := &gridline.Grid{Name: "x", Layer: gridline.LayerParty, CommunityCode: "370812001999", Geometry: square(117, 35, 0.001)}
	if err := s.CreateGrid(ctx, bad); gridline.ErrorFields(err)["community_code"] == "" {
		t.Fatalf("unknown community: %v", err)
	}
	bad = &gridline.Grid{Name: "x", Layer: "nope", CommunityCode: "370812001002", Geometry: square(117, 35, 0.001)}
	if err := s.CreateGrid(ctx, bad); gridline.ErrorFields(err)["layer"] == "" {
		t.Fatalf("unknown layer: %v", err)
	}

	name := "新名字"
	moved := square(116.80, 35.54, 0.004)
	up, err := s.UpdateGrid(ctx, g.Code, gridline.GridUpdate{Name: &name, Geometry: &moved})
	if err != nil || up.Name != name || up.AreaM2 > 170000 {
		t.Fatalf("update = %+v, %v", up, err)
	}
	clash := square(116.806, 35.551, 0.001)
	if _, err := s.UpdateGrid(ctx, g.Code, gridline.GridUpdate{Geometry: &clash}); gridline.ErrorCode(err) != gridline.EINVALID {
		t.Fatalf("update into neighbour: %v", err)
	}
	layer := gridline.LayerParty
	gs, n, err := s.FindGrids(ctx, gridline.GridFilter{Layer: &layer})
	if err != nil || n != 2 || len(gs) != 2 {
		t.Fatalf("party grids = %d, %v", n, err)
	}
	if err := s.DeleteGrid(ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindGridByCode(ctx, g.Code); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Fatalf("deleted grid: %v", err)
	}
}

func TestImportGridsAllOrNothing(t *testing.T) {
	db := storetest.Open(t)
	mustImportYanzhou(t, db)
	s := sqlstore.NewGridService(db)
	var grids []*gridline.Grid
	for i := 0; i < 4; i++ {
		// A 2×2 block read in order: NW, NE, SW, SE → 001..004.
		lon := 116.80 + float64(i%2)*0.01
		lat := 35.56 - float64(i/2)*0.01
		grids = append(grids, &gridline.Grid{Name: "g", Layer: gridline.LayerParty, CommunityCode: "370812001003", Geometry: square(lon, lat, 0.01)})
	}
	// Shuffle so the codes come from geography, not input order.
	grids[0], grids[3] = grids[3], grids[0]
	overlapping := &gridline.Grid{Name: "bad", Layer: gridline.LayerParty, CommunityCode: "370812001003", Geometry: square(116.805, 35.565, 0.002)}
	err := s.ImportGrids(ctx, append(append([]*gridline.Grid{}, grids...), overlapping))
	if gridline.ErrorFields(err)["feature"] != "4" {
		t.Fatalf("bad import: %v", err)
	}
	if _, n, _ := s.FindGrids(ctx, gridline.GridFilter{}); n != 0 {
		t.Fatalf("%d grids written by a failed import", n)
	}
	for _, g := range grids {
		g.Code = ""
	}
	if err := s.ImportGrids(ctx, grids); err != nil {
		t.Fatal(err)
	}
	if grids[3].Code != "370812001003001" || grids[0].Code != "370812001003004" {
		t.Fatalf("codes not in reading order: %s %s %s %s", grids[0].Code, grids[1].Code, grids[2].Code, grids[3].Code)
	}
}

// raceCreateGrids creates n party grids of one community at once, the
// i-th shifted east by i×step degrees, and returns how many succeeded and
// how many grids are stored. Other errors than EINVALID/ECONFLICT fail t.
func raceCreateGrids(t *testing.T, n int, step float64) (ok, stored int) {
	db := storetest.Open(t)
	mustImportYanzhou(t, db)
	s := sqlstore.NewGridService(db)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			g := &gridline.Grid{Name: "并发", Layer: gridline.LayerParty, CommunityCode: "370812001002",
				Geometry: square(116.80+float64(i)*step, 35.55, 0.01)}
			errs <- s.CreateGrid(ctx, g)
		}(i)
	}
	for i := 0; i < n; i++ {
		switch err := <-errs; gridline.ErrorCode(err) {
		case "":
			ok++
		case gridline.EINVALID, gridline.ECONFLICT:
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	_, stored, err := s.FindGrids(ctx, gridline.GridFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return ok, stored
}

// TestCreateGridConcurrent races overlapping grids of one layer: the
// overlap check and the insert must be atomic, so exactly one wins.
func TestCreateGridConcurrent(t *testing.T) {
	if ok, stored := raceCreateGrids(t, 8, 0.001); ok != 1 || stored != 1 {
		t.Fatalf("%d creates succeeded, %d grids stored; want exactly 1", ok, stored)
	}
}

// TestCreateGridConcurrentCodes creates disjoint grids of one community at
// once: every one must get its own code, none a spurious conflict.
func TestCreateGridConcurrentCodes(t *testing.T) {
	if ok, stored := raceCreateGrids(t, 8, 0.01); ok != 8 || stored != 8 {
		t.Fatalf("%d creates succeeded, %d grids stored; want 8", ok, stored)
	}
}

// TestUpdateGridConcurrent patches different fields of one grid at once:
// no update may be lost (read-modify-write runs under a row lock).
func TestUpdateGridConcurrent(t *testing.T) {
	db := storetest.Open(t)
	mustImportYanzhou(t, db)
	s := sqlstore.NewGridService(db)
	g := &gridline.Grid{Name: "原名", Layer: gridline.LayerParty, CommunityCode: "370812001002", Geometry: square(116.80, 35.55, 0.01)}
	if err := s.CreateGrid(ctx, g); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 5; round++ {
		name, note := fmt.Sprintf("名%d", round), fmt.Sprintf("注%d", round)
		errs := make(chan error, 2)
		go func() { _, err := s.UpdateGrid(ctx, g.Code, gridline.GridUpdate{Name: &name}); errs <- err }()
		go func() { _, err := s.UpdateGrid(ctx, g.Code, gridline.GridUpdate{Note: &note}); errs <- err }()
		for i := 0; i < 2; i++ {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.FindGridByCode(ctx, g.Code)
		if err != nil || got.Name != name || got.Note != note {
			t.Fatalf("round %d: name %q note %q (want %q, %q): an update was lost", round, got.Name, got.Note, name, note)
		}
	}
}

// TestGridCheckStopsWhenTheClientLeaves: validating a large polygon for a
// client that has gone gives up with the context's error, not a verdict
// on the polygon, and writes nothing.
func TestGridCheckStopsWhenTheClientLeaves(t *testing.T) {
	db := storetest.Open(t)
	mustImportYanzhou(t, db)
	s := sqlstore.NewGridService(db)
	ring := orb.Ring{}
	const n = 50000
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / n
		ring = append(ring, orb.Point{116.8 + 0.01*math.Cos(a), 35.55 + 0.01*math.Sin(a)})
	}
	ring = append(ring, ring[0])
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err := s.CreateGrid(cctx, &gridline.Grid{Name: "大网格", CommunityCode: "370812001002", Geometry: gridline.Polygon{ring}})
	if !errors.Is(err, context.Canceled) || gridline.ErrorCode(err) == gridline.EINVALID {
		t.Fatalf("err = %v, want the context's cancellation", err)
	}
	if _, n, _ := s.FindGrids(ctx, gridline.GridFilter{}); n != 0 {
		t.Fatalf("%d grids written", n)
	}
	// The same polygon with a live context is a valid grid.
	if err := s.CreateGrid(ctx, &gridline.Grid{Name: "大网格", CommunityCode: "370812001002", Geometry: gridline.Polygon{ring}}); err != nil {
		t.Fatal(err)
	}
}
