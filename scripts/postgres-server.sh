#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on loopback for the test suite and print its URL.
# Usage: scripts/postgres-server.sh start|stop [DIR] [PORT]
set -euo pipefail
action=${1:-start}
dir=${2:-/tmp/salesmind-pg}
port=${3:-54329}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ]; then
  echo "PostgreSQL server binaries not found: install the 'postgresql' package" >&2
  exit 1
fi
as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = "0" ] && chown postgres "$dir"
      as_pg "$bindir/initdb" -D "$dir" -U salesmind --auth=trust -E UTF8 >/dev/null
    fi
    if ! as_pg "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_pg "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    fi
    psql -h 127.0.0.1 -p "$port" -U salesmind -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='salesmind_test'" | grep -q 1 ||
      psql -h 127.0.0.1 -p "$port" -U salesmind -d postgres -qc "CREATE DATABASE salesmind_test"
    echo "postgresql://salesmind@127.0.0.1:$port/salesmind_test"
    ;;
  stop)
    as_pg "$bindir/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop [DIR] [PORT]" >&2; exit 2 ;;
esac
