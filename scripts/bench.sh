#!/usr/bin/env bash
# scripts/bench.sh measures the figures in docs/benchmarks.md on this
# machine: locate in-process, national region import (SQLite and, when
# reachable, PostgreSQL), `gridline demo` from empty to serving, and the
# HTTP locate endpoint under gridline-load. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
PG=${GRIDLINE_TEST_POSTGRES_DSN:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo || true; go version

echo "== locate, in-process (one core, then all)"
go test -run '^$' -bench 'BenchmarkLocate' -benchtime 3s -cpu 1,2 -count 3 .

echo "== national regions import, benchmark (import only, parsed rows in memory)"
go test -run '^$' -bench ImportNationalRegions -benchtime 1x -count 3 ./sqlstore/
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
	GRIDLINE_TEST_POSTGRES_DSN=$PG go test -run '^$' -bench ImportNationalRegions -benchtime 1x -count 3 ./sqlstore/
fi

CGO_ENABLED=0 go build -o "$tmp/gridline" ./cmd/gridline
CGO_ENABLED=0 go build -o "$tmp/gridline-load" ./cmd/gridline-load

echo "== gridline import regions (whole command: read gzip, parse, validate, write) into empty SQLite"
for i in 1 2 3; do
	/usr/bin/time -f "%e s wall, %M KB max RSS" "$tmp/gridline" import regions --db "sqlite:$tmp/national$i.db" testdata/regions/china-2023.csv.gz 2>&1 | grep -v '^time='
done

echo "== gridline demo: empty SQLite database to serving (3 runs)"
for i in 1 2 3; do
	start=$(date +%s.%N)
	# The load runs without a token from one address: no per-client limit.
	GRIDLINE_ANON_RATE=-1 "$tmp/gridline" demo --addr 127.0.0.1:18181 --db "sqlite:$tmp/demo$i.db" >"$tmp/demo$i.log" 2>&1 &
	pid=$!
	until curl -sf http://127.0.0.1:18181/healthz >/dev/null; do sleep 0.05; done
	end=$(date +%s.%N)
	echo "run $i: $(echo "$end - $start" | bc) s"
	[ "$i" = 3 ] || { kill $pid; wait $pid 2>/dev/null || true; }
done

echo "== HTTP GET /api/v1/locate against the demo (server and load on the same 2 cores)"
for c in 4 16; do
	"$tmp/gridline-load" --url http://127.0.0.1:18181 --duration 10s --concurrency $c
done
