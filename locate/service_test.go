package locate_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/locate"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

var ctx = context.Background()

// waitLocate polls loc until (lon, lat) is in grid want ("" for no grid)
// and returns how long that took, failing after limit.
func waitLocate(t *testing.T, loc gridline.LocateService, lon, lat float64, want string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		l, err := loc.Locate(lon, lat, "")
		got := l.Grid.Code
		if err != nil {
			got = ""
		}
		if got == want {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("after %s (%g, %g) is in %q (%v), want %q", limit, lon, lat, got, err, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFollowsAnotherProcess checks that grid changes made through another
// database handle — another process, e.g. `gridline import grids` while a
// server runs — reach a following locate service within one second, by
// the change feed alone.
func TestFollowsAnotherProcess(t *testing.T) {
	dsn := storetest.DSN(t)
	server, cli := storetest.OpenAt(t, dsn), storetest.OpenAt(t, dsn)
	rows, err := demo.Regions()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlstore.NewRegionService(cli).ImportRegions(ctx, rows); err != nil {
		t.Fatal(err)
	}
	loc := locate.New(sqlstore.NewServices(server, nil)) // no Committed hint: the feed alone
	// A shorter poll than the default 250 ms leaves room under a loaded
	// CI machine; the bound checked is still one second.
	loc.Interval = 100 * time.Millisecond
	if err := loc.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer loc.Close()
	waitLocate(t, loc, 116.805, 35.555, "", 0)

	grids := sqlstore.NewGridService(cli)
	g := &gridline.Grid{Name: "韦园第1网格", CommunityCode: "370812001002", Geometry: sq(116.80, 35.55, 0.01)}
	if err := grids.CreateGrid(ctx, g); err != nil {
		t.Fatal(err)
	}
	took := waitLocate(t, loc, 116.805, 35.555, g.Code, time.Second)
	t.Logf("create reached the index in %s", took)

	moved := sq(116.90, 35.60, 0.01)
	if _, err := grids.UpdateGrid(ctx, g.Code, gridline.GridUpdate{Geometry: &moved}); err != nil {
		t.Fatal(err)
	}
	waitLocate(t, loc, 116.905, 35.605, g.Code, time.Second)
	waitLocate(t, loc, 116.805, 35.555, "", time.Second)

	if err := grids.DeleteGrid(ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	waitLocate(t, loc, 116.905, 35.605, "", time.Second)
}

// TestReadsItsOwnWrites checks that with the Committed hint a lookup right
// after a grid write through the same process sees it, without waiting.
func TestReadsItsOwnWrites(t *testing.T) {
	db := storetest.Open(t)
	s := storetest.Services(t, db)
	rows, _ := demo.Regions()
	if _, err := s.Regions.ImportRegions(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if err := s.Locate.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	g := &gridline.Grid{Name: "韦园第1网格", CommunityCode: "370812001002", Geometry: sq(116.80, 35.55, 0.01)}
	if err := s.Grids.CreateGrid(ctx, g); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Locate.Locate(116.805, 35.555, ""); err != nil || l.Grid.Code != g.Code {
		t.Fatalf("located in %q (%v), want %s at once", l.Grid.Code, err, g.Code)
	}
	// Answers carry the region names.
	if l, _ := s.Locate.Locate(116.805, 35.555, ""); l.Community.Name == "" || l.Town.Name != "鼓楼街道" {
		t.Fatalf("names: %+v", l)
	}
}
