#!/usr/bin/env bash
# scripts/demo-start.sh BIN[:BIN2…] DSN [runs] times `gridline demo` from an
# empty database to serving.
#
#   scripts/demo-start.sh /tmp/base/gridline:bin/gridline postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable 3
#   scripts/demo-start.sh /tmp/base/gridline:bin/gridline sqlite 3
#
# Each run gets a fresh empty database: on PostgreSQL a database named
# gridline_pgdemo_N (created, and dropped after the run; the DSN names the
# server, its database name is replaced), on SQLite a fresh directory
# (DSN "sqlite"). With several binaries (colon-separated) the runs
# alternate between them, run by run, so that each pair shares the hour.
#
# For each run it prints: the wall seconds from the start to the first 200
# of /healthz; the gridline process's CPU seconds (user+system, /proc) at
# that moment; on PostgreSQL the CPU seconds of the server's backends for
# that database (their /proc entries, read every 50 ms while they live);
# the number of cases the API reports (GET /api/v1/tickets as admin), which
# must be the whole generated year (the log's count): nothing may be left
# for after /healthz; the load average; the phases the demo logs.
#
# Environment: PORT (default 18220); KEEP=1 keeps the logs in $TMPDIR;
# PGLOG=ms has the server log each statement slower than ms.
set -euo pipefail
if [ $# -lt 2 ]; then
	sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi
IFS=: read -r -a bins <<<"$1"
dsn=$2
runs=${3:-3}
port=${PORT:-18220}
tick=$(getconf CLK_TCK)
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ "${KEEP:-}" = 1 ] && echo "logs kept in $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT

# cpu PID: the process's user+system CPU in clock ticks, or nothing.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || true; }

secs() { echo "scale=2; $1 / $tick" | bc; }

pg=false
case $dsn in postgres://* | postgresql://*) pg=true ;; esac

printf '%-4s %-28s %8s %8s %9s %7s %s\n' run binary wall_s cpu_s pg_be_s cases "load phases"
for ((run = 1; run <= runs * ${#bins[@]}; run++)); do
	bin=${bins[$(((run - 1) % ${#bins[@]}))]}
	log=$tmp/run$run.log
	if $pg; then
		db=gridline_pgdemo_$run
		server=${dsn%%\?*}
		server=${server%/*}
		query=
		[[ $dsn == *\?* ]] && query="?${dsn#*\?}"
		PGOPTIONS="-c client_min_messages=warning" psql -q "$server/postgres$query" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
		rundsn="$server/$db$query"
		# PGLOG=ms logs the statements slower than ms in the server's log.
		[ -n "${PGLOG:-}" ] && psql -q "$server/postgres$query" -c "ALTER DATABASE $db SET log_min_duration_statement = $PGLOG"
	else
		mkdir -p "$tmp/db$run"
		rundsn="sqlite:$tmp/db$run/gridline.db"
	fi
	load=$(cut -d' ' -f1 /proc/loadavg)
	declare -A backend=()
	start=$(date +%s.%N)
	GRIDLINE_ANON_RATE=-1 "$bin" demo -addr "127.0.0.1:$port" -db "$rundsn" >"$log" 2>&1 &
	pid=$!
	until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "run $run: $bin exited before serving:" >&2
			tail -5 "$log" >&2
			exit 1
		fi
		if $pg; then
			# Backends are read while they live: the last reading counts.
			for p in $(pgrep -f "^postgres: .*[ :]$db " || true); do
				c=$(cpu "$p")
				[ -n "$c" ] && backend[$p]=$c
			done
		fi
		sleep 0.05
	done
	end=$(date +%s.%N)
	wall=$(echo "$end - $start" | bc)
	own=$(cpu "$pid")
	be=-
	if $pg; then
		for p in $(pgrep -f "^postgres: .*[ :]$db " || true); do
			c=$(cpu "$p")
			[ -n "$c" ] && backend[$p]=$c
		done
		t=0
		for p in "${!backend[@]}"; do t=$((t + backend[$p])); done
		be=$(secs $t)
	fi
	token=$(curl -sf -H 'Content-Type: application/json' -d '{"username":"admin","password":"demo1234"}' \
		"http://127.0.0.1:$port/api/v1/auth/login" | sed -E 's/.*"token":"([^"]+)".*/\1/')
	cases=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/tickets?limit=1" |
		grep -o '"total":[0-9]*' | head -1 | cut -d: -f2)
	want=$(grep -o 'cases=[0-9]*' "$log" | head -1 | cut -d= -f2)
	[ "$cases" = "$want" ] || cases="$cases≠$want!"
	phases=$(grep -h 'msg="demo: phases"' "$log" | sed -E 's/.*msg="demo: phases" //' || true)
	open=$(grep -ho 'msg="database open".* took=[^ ]*' "$log" | sed -E 's/.*took=/open=/' || true)
	serve=$(grep -ho 'msg=serving .*startup=[^ ]*' "$log" | sed -E 's/.*startup=/startup=/' || true)
	phases="$open $phases $serve"
	name=$bin
	[ ${#name} -gt 28 ] && name=…${name: -27}
	printf '%-4s %-28s %8.2f %8s %9s %7s %s %s\n' "$run" "$name" "$wall" "$(secs "$own")" "$be" "$cases" \
		"$load" "$phases"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	unset backend
	if $pg; then
		psql -q "$server/postgres$query" -c "DROP DATABASE IF EXISTS $db"
	else
		rm -rf "$tmp/db$run"
	fi
done
