#!/usr/bin/env bash
# scripts/deps.sh installs what the tests need on a Debian machine when run
# as root: Chromium and CJK fonts for the browser test, Node.js/npm and
# make if missing, PostgreSQL if missing; then starts the PostgreSQL
# cluster if it is installed and stopped and makes sure a "test" database
# exists. As another user it only reports what is missing.
set -euo pipefail

need=()
command -v chromium >/dev/null || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v node >/dev/null || need+=(nodejs npm)
command -v make >/dev/null || need+=(make)
command -v curl >/dev/null || need+=(curl)
[ -d /etc/postgresql ] || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		echo "deps: missing ${need[*]}; install them (Debian: apt-get install ${need[*]})" >&2
		exit 1
	fi
	echo "deps: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && [ "$(id -u)" = 0 ] && [ -d /etc/postgresql ]; then
	ver=$(ls /etc/postgresql | sort -V | tail -1)
	echo "deps: starting PostgreSQL $ver"
	pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
	for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && [ "$(id -u)" = 0 ]; then
	# A fresh Debian cluster trusts only the local socket's postgres user:
	# create the test database and let tests log in over TCP as postgres.
	if ! psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
		su postgres -c "createdb test" 2>/dev/null || true
		su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
	fi
fi
