#!/usr/bin/env bash
# Side-by-side cold loads of the command centre for two builds, alternating:
#
#   scripts/command-fmp-ab.sh BASE_BIN NEW_BIN [rounds=3] [loads=3]
#
# Loads the demo once into a database of its own (kept in $GRIDLINE_AB_DIR,
# default /tmp/gridline-fmp-ab: `gridline demo` with BASE_BIN, ~1 min), then
# for each round and each build in turn (base, new, base, new, …): copies
# that database, starts `BIN serve` on it (so every run starts with the
# server's caches cold and the same data), runs
# `scripts/command-fmp.mjs LOADS` against it with the server's pid (CPU
# seconds of Chromium and of the server per load) and stops the server.
# Prints each run's summary with the load average before and after, then
# the medians of every load per build.
#
# Environment: GRIDLINE_AB_PORT (default 18250), GRIDLINE_AB_DIR,
# CHROMIUM_PATH. Needs web/node_modules (playwright-core) and Chromium.
set -euo pipefail

base=$(realpath "${1:?usage: command-fmp-ab.sh BASE_BIN NEW_BIN [rounds] [loads]}")
new=$(realpath "${2:?usage: command-fmp-ab.sh BASE_BIN NEW_BIN [rounds] [loads]}")
rounds=${3:-3}
loads=${4:-3}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${GRIDLINE_AB_DIR:-/tmp/gridline-fmp-ab}
port=${GRIDLINE_AB_PORT:-18250}
url=http://127.0.0.1:$port
mkdir -p "$dir"
pid=

stop() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	pid=
}
trap stop EXIT
trap 'exit 130' INT TERM

healthy() {
	for _ in $(seq 600); do
		curl -fs "$url/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

if [[ ! -f $dir/demo.db ]]; then
	echo "command-fmp-ab: loading the demo into $dir/demo.db"
	"$base" demo --addr "127.0.0.1:$port" --db "sqlite:$dir/demo.db" >"$dir/demo.log" 2>&1 &
	pid=$!
	healthy || { tail -n 20 "$dir/demo.log" >&2; exit 1; }
	stop
fi

: >"$dir/loads.txt"
for r in $(seq "$rounds"); do
	for build in base new; do
		bin=$base
		[[ $build == new ]] && bin=$new
		rm -f "$dir/run.db" "$dir/run.db-wal" "$dir/run.db-shm"
		cp "$dir/demo.db" "$dir/run.db"
		if [[ -f $dir/demo.db-wal ]]; then cp "$dir/demo.db-wal" "$dir/run.db-wal"; fi
		"$bin" serve --addr "127.0.0.1:$port" --db "sqlite:$dir/run.db" >"$dir/serve-$build.log" 2>&1 &
		pid=$!
		healthy || { tail -n 20 "$dir/serve-$build.log" >&2; exit 1; }
		sleep 2 # the server's start-up work (indexes, deadline pass) out of the way
		before=$(cut -d' ' -f1-3 /proc/loadavg)
		out=$(GRIDLINE_URL=$url GRIDLINE_PID=$pid node "$root/scripts/command-fmp.mjs" "$loads")
		after=$(cut -d' ' -f1-3 /proc/loadavg)
		stop
		echo "round $r $build (load $before → $after): $(echo "$out" | tail -n 1)"
		echo "$out" | grep '^load ' | sed -E "s/^load [0-9]+: first meaningful paint ([0-9]+) ms.*CPU s browser ([0-9.]+), server ([0-9.—]+).*/$build \1 \2 \3/" >>"$dir/loads.txt"
	done
done
echo "medians over every load (FMP ms, Chromium CPU s, server CPU s):"
for build in base new; do
	grep "^$build " "$dir/loads.txt" | awk -v b="$build" '
		{ f[NR] = $2; c[NR] = $3; s[NR] = $4 }
		function med(a, n,   i, j, t) {
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return a[int((n + 1) / 2)]
		}
		END { printf "%s: %d loads, FMP %d ms (min %d, max %d), Chromium %.2f CPU s, server %.2f CPU s\n", b, NR, med(f, NR), f[1], f[NR], med(c, NR), med(s, NR) }'
done
