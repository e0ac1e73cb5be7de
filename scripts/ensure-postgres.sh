#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the tests, installing and starting
# Debian's server if needed. Tests read PUPILMATCH_TEST_POSTGRES (default below).
set -euo pipefail
url="${PUPILMATCH_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }
if ready; then exit 0; fi
if ! ls /etc/postgresql >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  echo "ensure-postgres: installing PostgreSQL (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
version="$(ls /etc/postgresql | sort -V | tail -n 1)"
conf="/etc/postgresql/$version/main/pg_hba.conf"
if ! grep -q "pupilmatch-ci" "$conf" 2>/dev/null; then
  # Trust local TCP connections for the test database only (a CI machine, not production).
  sed -i '1i host all all 127.0.0.1/32 trust # pupilmatch-ci' "$conf"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do ready && break; sleep 1; done
ready || { echo "ensure-postgres: PostgreSQL did not start" >&2; exit 1; }
psql -h 127.0.0.1 -U postgres -tc "select 1 from pg_database where datname = 'test'" postgres | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -c "create database test" postgres >/dev/null
echo "ensure-postgres: ready at $url" >&2
