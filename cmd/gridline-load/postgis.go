package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/locate"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// lookup is the query measured: the grid chosen by gridline.GridPrecedes
// (layer order, then the lowest code) among those that contain the point,
// boundary included, as the locate index answers.
const lookup = `SELECT code FROM gl_bench_grids
WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))
ORDER BY layer_order, code LIMIT 1`

// runPostGIS (`gridline-load postgis`) is the PostGIS side of the locate benchmark in
// scripts/bench.sh: it loads the demo's grids into a PostGIS table with a
// GiST index, checks that PostGIS answers as the locate index does on the
// given points, then measures prepared ST_Intersects lookups, one point
// each, from a pgx client over N connections.
//
//	gridline-load postgis --dsn postgres://…/scratch --points FILE.csv [--conns 4,16] [--duration 10s] [--client std|lean]
//
// The database must have the postgis extension; the table gl_bench_grids
// is dropped and made anew. Loopback only, like gridline-load.
func runPostGIS(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("gridline-load postgis", flag.ContinueOnError)
	dsn := fs.String("dsn", "", "scratch PostgreSQL database with PostGIS (loopback only)")
	pointsFile := fs.String("points", "", "CSV of lon,lat points (a header line allowed)")
	connsFlag := fs.String("conns", "4,16", "connection counts to measure")
	duration := fs.Duration("duration", 10*time.Second, "how long to measure each count (at most 5m)")
	clientKind := fs.String("client", "std", "std (pgx QueryRow and Scan) or lean (pgconn, parameters made beforehand; see lean.go)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clientKind != "std" && *clientKind != "lean" {
		return errors.New("--client: want std or lean")
	}
	if *dsn == "" || *pointsFile == "" || *duration <= 0 || *duration > 5*time.Minute {
		return errors.New("want --dsn, --points and 0 < --duration ≤ 5m")
	}
	cfg, err := pgx.ParseConfig(*dsn)
	if err != nil {
		return err
	}
	if err := loopbackOnly(cfg.Host); err != nil {
		return err
	}
	pts, err := readPoints(*pointsFile)
	if err != nil {
		return err
	}
	ctx := context.Background()
	idx, grids, err := load(ctx, cfg)
	if err != nil {
		return err
	}
	// Boundaries are compared apart: every grid's first vertex and first
	// edge's midpoint, shared with neighbours, where only the tie-break
	// decides — and, at a vertex of one grid that lies on another's edge
	// or at a midpoint that floating point puts a hair off its edge, the
	// boundary test: Gridline's crossing test counts such a point on the
	// edge, GEOS's exact predicates may not.
	var edges [][2]float64
	for _, g := range grids {
		a, b := g.Geometry[0][0], g.Geometry[0][1]
		edges = append(edges, a, [2]float64{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2})
	}
	if err := compare(ctx, cfg, idx, pts, "given points", out); err != nil {
		return err
	}
	if err := compare(ctx, cfg, idx, edges, "grid vertices and edge midpoints", out); err != nil {
		return err
	}
	for _, s := range strings.Split(*connsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 256 {
			return fmt.Errorf("--conns: %q is not 1–256", s)
		}
		m := measure
		if *clientKind == "lean" {
			m = measureLean
		}
		done, took, err := m(ctx, cfg, pts, n, *duration)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "postgis      %d conns: %.0f lookups/s (%d in %s)\n", n, float64(done)/took.Seconds(), done, took.Round(time.Millisecond))
	}
	return nil
}

// load writes the demo's grids into gl_bench_grids and returns them and
// the locate index over them.
func load(ctx context.Context, cfg *pgx.ConnConfig) (*locate.Index, []*gridline.Grid, error) {
	d, err := demo.Generate(1)
	if err != nil {
		return nil, nil, err
	}
	// A fresh database's layer order: comprehensive, then party.
	layers := []*gridline.GridLayer{{Code: gridline.LayerComprehensive, SortOrder: 1}, {Code: gridline.LayerParty, SortOrder: 2}}
	order := map[string]int{gridline.LayerComprehensive: 0, gridline.LayerParty: 1}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`DROP TABLE IF EXISTS gl_bench_grids`,
		`CREATE TABLE gl_bench_grids (code text PRIMARY KEY, layer_order int NOT NULL, geom geometry(Polygon, 4326) NOT NULL)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	grids := make([]*gridline.Grid, len(d.Grids))
	b := &pgx.Batch{}
	for i := range d.Grids {
		g := &d.Grids[i].Grid
		grids[i] = g
		gj, err := geojson.NewGeometry(orb.Polygon(g.Geometry)).MarshalJSON()
		if err != nil {
			return nil, nil, err
		}
		b.Queue(`INSERT INTO gl_bench_grids VALUES ($1, $2, ST_SetSRID(ST_GeomFromGeoJSON($3), 4326))`, g.Code, order[g.Layer], string(gj))
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return nil, nil, fmt.Errorf("insert grids: %w", err)
	}
	for _, q := range []string{`CREATE INDEX ON gl_bench_grids USING GIST (geom)`, `ANALYZE gl_bench_grids`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	return locate.NewIndex(grids, layers, nil), grids, nil
}

// compare asks PostGIS for every point and counts the answers that differ
// from the locate index's: the two must be measuring the same question.
func compare(ctx context.Context, cfg *pgx.ConnConfig, idx *locate.Index, pts [][2]float64, what string, out io.Writer) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Prepare(ctx, "lookup", lookup); err != nil {
		return err
	}
	differ, hits := 0, 0
	for _, p := range pts {
		var code string
		if err := conn.QueryRow(ctx, "lookup", p[0], p[1]).Scan(&code); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		want := ""
		if l, err := idx.Locate(p[0], p[1], ""); err == nil {
			want = l.Grid.Code
			hits++
		}
		if code != want {
			differ++
		}
	}
	fmt.Fprintf(out, "postgis      answers differ from the locate index on %d of %d %s (%d in a grid)\n", differ, len(pts), what, hits)
	return nil
}

// measure sends lookups over n connections, each prepared, for d, taking
// the points in turn, and returns how many were answered and the time.
func measure(ctx context.Context, cfg *pgx.ConnConfig, pts [][2]float64, n int, d time.Duration) (int64, time.Duration, error) {
	conns, err := lookupConns(ctx, cfg, n)
	defer closeConns(ctx, conns)
	if err != nil {
		return 0, 0, err
	}
	var next, done atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for _, c := range conns {
		wg.Go(func() {
			var code string
			for time.Now().Before(deadline) {
				p := pts[int(next.Add(1)-1)%len(pts)]
				if err := c.QueryRow(ctx, "lookup", p[0], p[1]).Scan(&code); err != nil && !errors.Is(err, pgx.ErrNoRows) {
					failed.Store(err)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	if err, _ := failed.Load().(error); err != nil {
		return 0, 0, err
	}
	return done.Load(), took, nil
}

// lookupConns opens n connections, each with the lookup prepared; close
// them with closeConns, also after an error.
func lookupConns(ctx context.Context, cfg *pgx.ConnConfig, n int) ([]*pgx.Conn, error) {
	var conns []*pgx.Conn
	for range n {
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return conns, err
		}
		conns = append(conns, c)
		if _, err := c.Prepare(ctx, "lookup", lookup); err != nil {
			return conns, err
		}
	}
	return conns, nil
}

func closeConns(ctx context.Context, conns []*pgx.Conn) {
	for _, c := range conns {
		c.Close(ctx)
	}
}
