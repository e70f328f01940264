#!/usr/bin/env bash
# PostgreSQL for the store tests (test/store/store.test.ts), on this machine, as root:
# installs Debian's postgresql if it is missing, starts its cluster, and creates
# the role `pulsing` (password `pulsing`) and the database `pulsing_test` it owns,
# each only if it is not there yet. Safe to run again.
#
#   scripts/postgres-for-tests.sh              # set up, then print the variable to export
#   scripts/postgres-for-tests.sh bun test     # set up, then run the command with PULSING_TEST_POSTGRES set
#
# The tests read PULSING_TEST_POSTGRES (postgres://pulsing:pulsing@127.0.0.1:5432/pulsing_test)
# and fail, never skip, when it is unset.
set -euo pipefail

ROLE=pulsing
PASSWORD=pulsing
DATABASE=pulsing_test

# Only the export line goes to stdout (callers eval it): whatever apt-get,
# pg_ctlcluster ("Removed stale pid file.") or psql print goes to stderr. A
# function, not a subshell, so that the server pg_ctlcluster forks holds no pipe
# of the caller's open.
prepare() {
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi

  # The cluster: the first one pg_lsclusters lists (Debian's package makes `main`
  # of the installed version); one is made when there is none.
  cluster="$(pg_lsclusters --no-header | awk 'NR == 1 { print $1 " " $2 }')"
  if [ -z "$cluster" ]; then
    version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
    pg_createcluster "$version" main >/dev/null
    cluster="$version main"
  fi
  read -r version name <<<"$cluster"
  port="$(pg_lsclusters --no-header | awk -v v="$version" -v n="$name" '$1 == v && $2 == n { print $3 }')"
  status="$(pg_lsclusters --no-header | awk -v v="$version" -v n="$name" '$1 == v && $2 == n { print $4 }')"
  if [ "$status" != "online" ]; then
    pg_ctlcluster "$version" "$name" start
  fi

  # As the superuser postgres, over the local socket, whatever PG* variables this shell has.
  as_postgres() { env -u PGDATABASE -u PGHOST -u PGHOSTADDR -u PGPORT -u PGUSER -u PGPASSWORD -u PGSERVICE -u PGOPTIONS su postgres -s /bin/sh -c "$1"; }
  # Up to 30 s for the server to take connections.
  for _ in $(seq 1 60); do
    as_postgres "psql -p $port -d postgres -qtAc 'SELECT 1'" >/dev/null 2>&1 && break
    sleep 0.5
  done
  as_postgres "psql -p $port -d postgres -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'\"" | grep -q 1 ||
    as_postgres "psql -p $port -d postgres -qc \"CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'\""
  as_postgres "psql -p $port -d postgres -qtAc \"SELECT 1 FROM pg_database WHERE datname = '$DATABASE'\"" | grep -q 1 ||
    as_postgres "createdb -p $port -O $ROLE $DATABASE"
}
prepare >&2

url="postgres://$ROLE:$PASSWORD@127.0.0.1:$port/$DATABASE"
echo "postgresql $version/$name is up on port $port; database $DATABASE, owned by $ROLE" >&2
if [ $# -gt 0 ]; then
  export PULSING_TEST_POSTGRES="$url"
  exec "$@"
fi
echo "export PULSING_TEST_POSTGRES=$url"
