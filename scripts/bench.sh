#!/usr/bin/env bash
# scripts/bench.sh measures the figures in docs/benchmarks.md on this
# machine: locate in-process, national region import (SQLite and, when
# reachable, PostgreSQL), the import of the demo's year of cases,
# `gridline demo` from empty to serving (SQLite and PostgreSQL), the HTTP
# locate endpoints (CPU per request, batches) under go test and
# gridline-load, `gridline locate` on 10 M rows and, when PostGIS is
# installed, prepared ST_Intersects lookups on the same points; intake
# over HTTP with the raw insert rate; with GRIDLINE_BENCH_SCALE=1 the case
# list and KPIs over a million cases. Loopback
# only.
set -euo pipefail
cd "$(dirname "$0")/.."
PG=${GRIDLINE_TEST_POSTGRES_DSN:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
tmp=$(mktemp -d)
scratch=gridline_bench_postgis
demodb=gridline_bench_demo
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"; psql -q "$PG" -c "DROP DATABASE IF EXISTS $scratch" -c "DROP DATABASE IF EXISTS $demodb" >/dev/null 2>&1 || true' EXIT

echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo || true; go version

echo "== locate, in-process (one core, then all)"
go test -run '^$' -bench 'BenchmarkLocate' -benchtime 3s -cpu 1,2 -count 3 .

echo "== national regions import, benchmark (import only, parsed rows in memory)"
go test -run '^$' -bench ImportNationalRegions -benchtime 1x -count 3 ./sqlstore/
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
	GRIDLINE_TEST_POSTGRES_DSN=$PG go test -run '^$' -bench ImportNationalRegions -benchtime 1x -count 3 ./sqlstore/
fi

echo "== the demo's year of cases imported into the demo district (one InTx)"
go test -run '^$' -bench ImportTickets -benchtime 1x -count 3 ./sqlstore/
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
	GRIDLINE_TEST_POSTGRES_DSN=$PG go test -run '^$' -bench ImportTickets -benchtime 1x -count 3 ./sqlstore/
fi

CGO_ENABLED=0 go build -o "$tmp/gridline" ./cmd/gridline
CGO_ENABLED=0 go build -o "$tmp/gridline-load" ./cmd/gridline-load

echo "== gridline import regions (whole command: read gzip, parse, validate, write) into empty SQLite"
for i in 1 2 3; do
	/usr/bin/time -f "%e s wall, %M KB max RSS" "$tmp/gridline" import regions --db "sqlite:$tmp/national$i.db" testdata/regions/china-2023.csv.gz 2>&1 | grep -v '^time='
done

if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
	echo "== gridline demo: empty PostgreSQL database to serving (3 runs)"
	for i in 1 2 3; do
		psql -q "$PG" -c "DROP DATABASE IF EXISTS $demodb" -c "CREATE DATABASE $demodb"
		start=$(date +%s.%N)
		"$tmp/gridline" demo --addr 127.0.0.1:18282 --db "${PG%/*}/$demodb?sslmode=disable" >"$tmp/demo-pg$i.log" 2>&1 &
		pid=$!
		until curl -sf http://127.0.0.1:18282/healthz >/dev/null; do sleep 0.05; done
		end=$(date +%s.%N)
		echo "run $i: $(echo "$end - $start" | bc) s"
		kill $pid; wait $pid 2>/dev/null || true
	done
	psql -q "$PG" -c "DROP DATABASE IF EXISTS $demodb"
fi

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

echo "== HTTP request cost: process CPU per request, bare net/http vs the full handler (go test, one process)"
go test -run '^$' -bench 'RequestCost' -benchtime 20000x -count 3 ./http/

echo "== HTTP POST /api/v1/locate batches (go test over loopback)"
go test -run '^$' -bench 'LocateBatch' -benchtime 2s ./http/

echo "== HTTP POST /api/v1/locate, 10,000 points a request, against the demo"
for c in 4 16; do
	"$tmp/gridline-load" --url http://127.0.0.1:18181 --duration 10s --concurrency $c --batch 10000
done

echo "== gridline locate: 10,000,000 random rows in the county's bounding box"
awk 'BEGIN { srand(1); print "lon,lat"; for (i = 0; i < 10000000; i++) printf "%.6f,%.6f\n", 116.62 + rand() * 0.37, 35.45 + rand() * 0.23 }' >"$tmp/points-10m.csv"
for i in 1 2 3; do
	/usr/bin/time -f "%e s wall, %U s user, %S s sys, %M KB max RSS" "$tmp/gridline" locate "$tmp/points-10m.csv" --db "sqlite:$tmp/demo3.db" 2>&1 >"$tmp/located.csv" | grep -v '^time='
done
echo "$(($(wc -l <"$tmp/located.csv") - 1)) rows, $(awk -F, 'NR > 1 && $3 == "" { n++ } END { print n + 0 }' "$tmp/located.csv") in no grid"
rm -f "$tmp/points-10m.csv" "$tmp/located.csv"

# PostGIS, when installed (Debian: apt-get install postgresql-15-postgis-3):
# the demo's grids in a PostGIS table with a GiST index, prepared
# ST_Intersects lookups from a pgx client, against the same 100,000 points
# as HTTP GET /api/v1/locate in this run.
psql -q "$PG" -c "DROP DATABASE IF EXISTS $scratch" -c "CREATE DATABASE $scratch" >/dev/null 2>&1 || true
SCRATCH=$(echo "$PG" | sed -E "s#/[^/?]+(\?|$)#/$scratch\1#")
if psql -q "$SCRATCH" -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null 2>&1; then
	echo "== PostGIS pairing: the same 100,000 points, PostGIS over pgx vs HTTP GET /api/v1/locate"
	awk 'BEGIN { srand(2); print "lon,lat"; for (i = 0; i < 100000; i++) printf "%.6f,%.6f\n", 116.62 + rand() * 0.37, 35.45 + rand() * 0.23 }' >"$tmp/points-100k.csv"
	# Each side with the standard client (pgx QueryRow, net/http) and with
	# the lean one (pgconn, raw keep-alive HTTP/1.1: cmd/gridline-load/lean.go);
	# the ratios pair like with like.
	for client in std lean; do
		"$tmp/gridline-load" postgis --client $client --dsn "$SCRATCH" --points "$tmp/points-100k.csv" --conns 4,16 --duration 10s | tee "$tmp/postgis-$client.txt"
	done
	for c in 4 16; do
		for client in std lean; do
			"$tmp/gridline-load" --client $client --url http://127.0.0.1:18181 --duration 10s --concurrency $c --points "$tmp/points-100k.csv" | tee "$tmp/http-$client-$c.txt"
			pg=$(awk -v c="$c" '$2 == c && $3 == "conns:" { print $4 }' "$tmp/postgis-$client.txt")
			http=$(awk '$1 == "throughput" { print $2 }' "$tmp/http-$client-$c.txt")
			echo "ratio at $c, $client clients: HTTP GET locate ÷ PostGIS = $(echo "scale=2; $http / $pg" | bc)"
		done
		pg=$(awk -v c="$c" '$2 == c && $3 == "conns:" { print $4 }' "$tmp/postgis-lean.txt")
		"$tmp/gridline-load" --url http://127.0.0.1:18181 --duration 10s --concurrency $c --points "$tmp/points-100k.csv" --batch 10000 | tee "$tmp/batch-$c.txt"
		batch=$(awk '$1 == "points" { print $2 }' "$tmp/batch-$c.txt")
		echo "ratio at $c: HTTP POST locate (10,000 a request) ÷ PostGIS (lean) = $(echo "scale=1; $batch / $pg" | bc)"
	done
else
	echo "== PostGIS pairing: SKIPPED (no PostGIS: apt-get install postgresql-<version>-postgis-3)"
fi

# Hostile load (issue 6): gzip bombs, a 200 MB CSV and 10,000 slow
# connections at once against a fresh demo server, while a separate process
# makes ordinary reads from another loopback address. Figures: the readers'
# p50/p99 and the server's peak RSS.
echo "== under attack: bombs, a 200 MB CSV and 10,000 slow connections; ordinary reads from another process"
"$tmp/gridline" demo --addr 127.0.0.1:18383 --db "sqlite:$tmp/attack.db" >"$tmp/attack-server.log" 2>&1 &
apid=$!
until curl -sf http://127.0.0.1:18383/healthz >/dev/null; do sleep 0.1; done
# The imports need a signed-in user: the demo's admin, by its session token.
token=$(curl -sf http://127.0.0.1:18383/api/v1/auth/login -H 'Content-Type: application/json' \
	-d '{"username":"admin","password":"demo1234"}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
"$tmp/gridline-load" attack --url http://127.0.0.1:18383 --token "$token" --duration 35s --slow 10000 --pid $apid --no-readers >"$tmp/attack.txt" 2>&1 &
lpid=$!
sleep 8 # the bomb is built and the flood is on
"$tmp/gridline-load" attack --url http://127.0.0.1:18383 --duration 25s --readers-only | grep ordinary
wait $lpid || true
grep -E "slow|imports|RSS" "$tmp/attack.txt"
kill $apid; wait $apid 2>/dev/null || true

# Intake over HTTP (issue 7): 64 clients post new cases for 10 s to a demo
# server on a copy of the first demo database, then the database's raw
# single-row insert rate in the same run (--db), and the ratio.
echo "== HTTP POST /api/v1/tickets, 64 clients, SQLite; then raw single-row inserts on the same file"
echo "load average: $(cat /proc/loadavg)"
cp "$tmp/demo1.db" "$tmp/intake.db"
"$tmp/gridline" demo --addr 127.0.0.1:18484 --db "sqlite:$tmp/intake.db" >"$tmp/intake.log" 2>&1 &
ipid=$!
until curl -sf http://127.0.0.1:18484/healthz >/dev/null; do sleep 0.1; done
token=$(curl -sf http://127.0.0.1:18484/api/v1/auth/login -H 'Content-Type: application/json' \
	-d '{"username":"admin","password":"demo1234"}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
"$tmp/gridline-load" intake --url http://127.0.0.1:18484 --token "$token" --concurrency 64 --duration 10s --db "sqlite:$tmp/intake.db" --pid $ipid
kill $ipid; wait $ipid 2>/dev/null || true

# A million cases (issue 7): KPIs for the year and the case list's filters.
# The first run builds and caches the database (about 12 min on SQLite, a
# database gridline_bench_1m_v1 on PostgreSQL); set GRIDLINE_BENCH_SCALE=1.
if [ "${GRIDLINE_BENCH_SCALE:-}" = 1 ]; then
	echo "== a million cases: the case list (page and true total) and the year's KPIs, SQLite"
	go test -run '^$' -bench 'ScaleTicketList|ScaleKPIs' -benchtime 10x -timeout 3h ./sqlstore/
	if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
		echo "== the same, PostgreSQL"
		GRIDLINE_TEST_POSTGRES_DSN=$PG go test -run '^$' -bench 'ScaleTicketList|ScaleKPIs' -benchtime 10x -timeout 3h ./sqlstore/
	fi
fi
