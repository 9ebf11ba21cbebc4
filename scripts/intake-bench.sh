#!/usr/bin/env bash
# scripts/intake-bench.sh measures intake over HTTP (issue 7) for two
# builds of gridline, alternating them, so both see the same machine:
#
#	scripts/intake-bench.sh BASE_BINARY NEW_BINARY [ROUNDS]
#
# One demo database is made once (by BASE_BINARY); each run serves a fresh
# copy of it with `gridline serve`, waits for the duplicate index to be
# built, logs in as admin and runs
# `gridline-load intake --concurrency 64 --duration 10s --db … --pid …`:
# cases/s, p50/p99, the server's and the load's CPU per case, then the
# database's raw single-row insert rate and the ratio. The load average is
# printed beside each run. Rounds: base, new, base, new, … (default 3).
# At the end, each build's medians and how many rounds the new one led: on
# a VM whose speed drifts, many short rounds (DURATION=5s, 8 rounds) tell
# builds apart where a few long ones do not (docs/benchmarks.md).
#
# Environment: DB=sqlite (default) or DB=postgres (the demo database
# ${PG_DB}_demo and a copy per run, ${PG_DB}_run, both dropped at the
# end; PG_DB defaults to gridline_ibench, PG_BASE to
# postgres://postgres@127.0.0.1:5432); PORT (default
# 18200); LOAD, a gridline-load binary (default: built from this
# checkout); CONC (64), DURATION (10s) and RATE (cases a second in all,
# paced; 0, the default: as fast as the server answers); PROFILE, a
# directory: each run of the new binary serves Go's profiles
# (GRIDLINE_PPROF_ADDR) and writes an 8 s CPU profile taken during its
# load there (new-ROUND.pprof; `go tool pprof -top FILE`). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 BASE_BINARY NEW_BINARY [ROUNDS]" >&2; exit 2; }
base=$(realpath "$1")
new=$(realpath "$2")
rounds=${3:-3}
DB=${DB:-sqlite}
PORT=${PORT:-18200}
CONC=${CONC:-64}
DURATION=${DURATION:-10s}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
PG_DB=${PG_DB:-gridline_ibench}
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
	rm -rf "$tmp"
	if [ "$DB" = postgres ]; then
		psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS ${PG_DB}_run" \
			-c "DROP DATABASE IF EXISTS ${PG_DB}_demo" >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT
LOAD=${LOAD:-}
if [ -z "$LOAD" ]; then
	CGO_ENABLED=0 go build -o "$tmp/gridline-load" ./cmd/gridline-load
	LOAD=$tmp/gridline-load
fi
url=http://127.0.0.1:$PORT

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(date -u +%FT%TZ)"
echo "base: $base ($("$base" version 2>/dev/null | head -1 || true))"
echo "new:  $new ($("$new" version 2>/dev/null | head -1 || true))"

# start BINARY CMD DSN LOG: runs BINARY CMD on DSN in the background
# (pid) and waits until it answers and its duplicate index is built.
start() {
	"$1" "$2" --addr "127.0.0.1:$PORT" --db "$3" >"$4" 2>&1 &
	pid=$!
	for _ in $(seq 1 1800); do
		curl -sf "$url/healthz" >/dev/null && grep -q 'duplicate index built' "$4" && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$4" >&2; exit 1; }
		sleep 0.1
	done
	echo "not serving with its duplicate index after 180 s" >&2
	cat "$4" >&2
	exit 1
}
stop() {
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
}

if [ "$DB" = postgres ]; then
	psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS ${PG_DB}_demo" -c "CREATE DATABASE ${PG_DB}_demo"
	demo="$PG_BASE/${PG_DB}_demo?sslmode=disable"
else
	demo="sqlite:$tmp/demo.db"
fi
echo "== the demo database, once (by the base binary)"
start "$base" demo "$demo" "$tmp/demo.log"
stop
if [ "$DB" != postgres ] && [ -e "$tmp/demo.db-wal" ]; then
	# Each run starts from the same file, its log folded in (else every copy
	# would carry the demo's whole log and checkpoint it during the load).
	sqlite3 "$tmp/demo.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
fi

for round in $(seq 1 "$rounds"); do
	for which in base new; do
		bin=$base
		[ "$which" = new ] && bin=$new
		if [ "$DB" = postgres ]; then
			psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS ${PG_DB}_run" \
				-c "CREATE DATABASE ${PG_DB}_run TEMPLATE ${PG_DB}_demo"
			dsn="$PG_BASE/${PG_DB}_run?sslmode=disable"
		else
			rm -f "$tmp"/run.db*
			cp "$tmp/demo.db" "$tmp/run.db"
			[ ! -e "$tmp/demo.db-wal" ] || cp "$tmp/demo.db-wal" "$tmp/run.db-wal"
			dsn="sqlite:$tmp/run.db"
		fi
		prof=
		if [ -n "${PROFILE:-}" ] && [ "$which" = new ]; then
			mkdir -p "$PROFILE"
			prof=$PROFILE/new-$round.pprof
		fi
		GRIDLINE_PPROF_ADDR=${prof:+127.0.0.1:$((PORT + 1))} start "$bin" serve "$dsn" "$tmp/serve.log"
		token=$(curl -sf "$url/api/v1/auth/login" -H 'Content-Type: application/json' \
			-d '{"username":"admin","password":"demo1234"}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
		echo "== round $round, $which ($DB), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
		if [ -n "$prof" ]; then
			(sleep 1 && curl -sf -o "$prof" "http://127.0.0.1:$((PORT + 1))/debug/pprof/profile?seconds=8") &
			profiler=$!
		fi
		"$LOAD" intake --url "$url" --token "$token" --concurrency "$CONC" --duration "$DURATION" \
			--rate "${RATE:-0}" --db "$dsn" --pid "$pid" | tee "$tmp/run.txt"
		[ -z "$prof" ] || wait "$profiler"
		echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
		stop
		# One line a run for the summary: cases/s, p99 ms, server µs a case,
		# raw inserts a second.
		awk -v w="$which" 'function ms(d) { return d ~ /µs$/ ? d / 1000 : d ~ /ms$/ ? d + 0 : d ~ /s$/ ? d * 1000 : d + 0 }
			/^throughput/ {r = $2} /^latency/ {for (i = 1; i < NF; i++) if ($i == "p99") p = ms($(i + 1))}
			/^cpu per case/ {c = $5} /^raw inserts/ {x = $3} END {print w, r, p, c, x}' "$tmp/run.txt" >>"$tmp/results"
	done
done

# The medians of each build's runs, and how many rounds the new one led:
# on a VM whose speed drifts, many short alternating rounds (DURATION=5s)
# say more than a few long ones, and the ratio to the raw inserts of the
# same run follows the VM's speed.
echo "== medians over $rounds rounds"
awk 'function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{ n[$1]++; k = n[$1]; rate[$1, k] = $2; p99[$1, k] = $3; cpu[$1, k] = $4; ratio[$1, k] = $5 ? $2 / $5 : 0 }
	$1 == "new" { if ($2 > last) led++ }
	$1 == "base" { last = $2 }
	END {
		split("base new", ws)
		for (iw = 1; iw <= 2; iw++) {
			w = ws[iw]
			delete a; for (k = 1; k <= n[w]; k++) a[k] = rate[w, k]; mr = median(a, n[w])
			delete a; for (k = 1; k <= n[w]; k++) a[k] = p99[w, k]; mp = median(a, n[w])
			delete a; for (k = 1; k <= n[w]; k++) a[k] = cpu[w, k]; mc = median(a, n[w])
			delete a; for (k = 1; k <= n[w]; k++) a[k] = ratio[w, k]; mx = median(a, n[w])
			printf "%-4s  cases/s %d  p99 %.1f ms  server %d µs a case  intake ÷ raw inserts %.3f\n", w, mr, mp, mc, mx
		}
		printf "new ahead in %d of %d rounds (cases a second)\n", led, n["new"]
	}' "$tmp/results"
