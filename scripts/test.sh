#!/usr/bin/env bash
# scripts/test.sh runs every test: go vet, the Go suite on SQLite, the same
# suite on PostgreSQL, and the browser test in headless Chromium against the
# real binary serving the Yanzhou demo.
#
# PostgreSQL: GRIDLINE_TEST_POSTGRES_DSN names the server. When it is unset
# and a server answers on 127.0.0.1:5432, that server's "test" database is
# used; otherwise the PostgreSQL run is skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
scripts/deps.sh

step "build the web UI and bin/gridline"
make build

step "go vet"
go vet ./...

step "go test on SQLite"
env -u GRIDLINE_TEST_POSTGRES_DSN go test -count=1 ./...

if [ -z "${GRIDLINE_TEST_POSTGRES_DSN:-}" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
	export GRIDLINE_TEST_POSTGRES_DSN="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	if ! psql "$GRIDLINE_TEST_POSTGRES_DSN" -c 'select 1' >/dev/null 2>&1; then
		export GRIDLINE_TEST_POSTGRES_DSN="postgres://postgres:postgres@127.0.0.1:5432/test?sslmode=disable"
	fi
fi
if [ -n "${GRIDLINE_TEST_POSTGRES_DSN:-}" ]; then
	step "go test on PostgreSQL"
	go test -count=1 ./...
else
	step "go test on PostgreSQL: SKIPPED (set GRIDLINE_TEST_POSTGRES_DSN or run PostgreSQL on 127.0.0.1:5432)"
fi

step "browser test (headless Chromium against bin/gridline demo)"
scripts/browser-test.sh bin/gridline
