#!/usr/bin/env bash
# Browser test of the embedded web UI against a real server with the demo.
#
#   scripts/browser-test.sh [path/to/gridline]      (default ./bin/gridline)
#
# Starts `gridline demo` on a free local port with a throwaway SQLite
# database, waits for /healthz, runs `node --test web/e2e/` against it in
# headless Chromium, stops the server and exits with the tests' status.
#
# Needs: a binary built after the UI (npm ci --prefix web && npm run build --prefix web,
# then go build -o bin/gridline ./cmd/gridline), Node.js, and Chromium with
# CJK fonts (Debian: apt-get install chromium fonts-noto-cjk).
#
# Environment:
#   GRIDLINE_TEST_PORT   port to listen on (default: a free one)
#   GRIDLINE_TEST_WAIT   seconds to wait for /healthz (default 60; the demo loads in ~30 s)
#   GRIDLINE_ARTIFACTS   where screenshots go (default web/e2e/artifacts)
#   CHROMIUM_PATH        browser executable (default /usr/bin/chromium)
#   GRIDLINE_KEEP_TMP=1  keep the temporary directory (database, server log)
#   GRIDLINE_WHISTLE_REPORT_WITHIN, GRIDLINE_SUPERVISE_INTERVAL
#                        the server's whistle report time (default here 90s)
#                        and scheduler interval (5s): docs/operations.md
set -euo pipefail

bin=${1:-./bin/gridline}
case $bin in
/*) ;;
*) bin=$PWD/${bin#./} ;;
esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [[ ! -x $bin ]]; then
	echo "browser-test: no executable at $bin (build it: go build -o bin/gridline ./cmd/gridline)" >&2
	exit 2
fi
if ! command -v node >/dev/null; then
	echo "browser-test: node is not installed" >&2
	exit 2
fi
if [[ ! -d web/node_modules/playwright-core ]]; then
	echo "browser-test: web/node_modules is missing (run: npm ci --prefix web)" >&2
	exit 2
fi

port=${GRIDLINE_TEST_PORT:-$(node -e '
const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')}
url=http://127.0.0.1:$port
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gridline-browser-test.XXXXXX")
log=$tmp/server.log
pid=

cleanup() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [[ ${GRIDLINE_KEEP_TMP:-} == 1 ]]; then
		echo "browser-test: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "browser-test: starting $bin demo on $url"
# The browser and the test's own API checks share one address; a higher
# per-client rate keeps them clear of the anonymous limit (which has its
# own Go test).
# The whistle journey (web/e2e/whistle.test.mjs) watches a unit turn
# overdue: a 90-second report time and a 5-second scheduler instead of 30
# minutes and one. The overdue journey (web/e2e/overdue.test.mjs) needs the
# 5-second scheduler too: a case due 40 s after dispatch turns yellow, then
# red, within its wait.
GRIDLINE_WHISTLE_REPORT_WITHIN=${GRIDLINE_WHISTLE_REPORT_WITHIN:-90s} GRIDLINE_SUPERVISE_INTERVAL=${GRIDLINE_SUPERVISE_INTERVAL:-5s} \
GRIDLINE_ANON_RATE=1000 "$bin" demo --addr "127.0.0.1:$port" --db "sqlite:$tmp/demo.db" >"$log" 2>&1 &
pid=$!

# Wait for /healthz to answer 200; loading the demo takes a while.
wait=${GRIDLINE_TEST_WAIT:-60}
if ! node -e '
const [url, pid, wait] = process.argv.slice(1);
const deadline = Date.now() + Number(wait) * 1000;
const alive = () => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
(async () => {
  while (Date.now() < deadline) {
    if (!alive()) { console.error("browser-test: the server exited"); process.exit(1); }
    try {
      const res = await fetch(url + "/healthz");
      if (res.status === 200) process.exit(0);
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  console.error("browser-test: no 200 from " + url + "/healthz within " + wait + " s");
  process.exit(1);
})();' "$url" "$pid" "$wait"; then
	echo "---- server log ----" >&2
	tail -n 50 "$log" >&2
	exit 1
fi
echo "browser-test: server is up"

status=0
GRIDLINE_URL=$url node --test web/e2e/ || status=$?
if [[ $status -ne 0 ]]; then
	echo "---- server log (last 50 lines) ----" >&2
	tail -n 50 "$log" >&2
fi
exit $status
