#!/usr/bin/env sh
# The README's test command on both engines: starts a throwaway PostgreSQL cluster on 127.0.0.1 (as an
# unprivileged user when run as root: initdb refuses root), runs `sh scripts/test.sh "$@"` with
# HEARTH_TEST_DATABASE_URL pointing at it, then stops the cluster and deletes it. Needs PostgreSQL's server
# programs (Debian: apt-get install postgresql; .ci/run installs them when missing). Any arguments go to pytest.
set -eu
cd "$(dirname "$0")/.."

bindir=""
for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r) "$(dirname "$(command -v initdb 2>/dev/null || echo /none/initdb)")"; do
  if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then bindir=$dir; break; fi
done
if [ -z "$bindir" ]; then
  echo "test-postgres: no PostgreSQL server programs (initdb, pg_ctl) found; on Debian: apt-get install postgresql" >&2
  exit 1
fi

if [ "$(id -u)" = 0 ]; then
  cluster=$(mktemp -d /tmp/hearth-pg.XXXXXX)  # not $TMPDIR: it may sit where `nobody` cannot go
  # Root: the cluster belongs to `nobody`, which needs no account of its own on the machine.
  chown nobody:"$(id -gn nobody)" "$cluster"
  as_owner() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- "$@"; }
else
  cluster=$(mktemp -d "${TMPDIR:-/tmp}/hearth-pg.XXXXXX")
  as_owner() { "$@"; }
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  as_owner "$bindir/pg_ctl" -D "$cluster/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$cluster"
}
trap stop EXIT
trap 'exit 130' INT TERM

# Throwaway: no fsync, no locale (same sorting everywhere), trust on loopback only.
as_owner "$bindir/initdb" -D "$cluster/data" -U hearth --auth=trust -E UTF8 --no-locale --no-sync >"$cluster/initdb.log" 2>&1 || {
  cat "$cluster/initdb.log" >&2
  exit 1
}
as_owner "$bindir/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $cluster -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || {
  cat "$cluster/server.log" >&2
  exit 1
}
echo "test-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway)"

HEARTH_TEST_DATABASE_URL="postgresql+asyncpg://hearth@127.0.0.1:$port/postgres"
export HEARTH_TEST_DATABASE_URL
sh scripts/test.sh "$@"
