#!/usr/bin/env bash
# Run the whole test suite on SQLite and PostgreSQL (a throw-away server is started when
# the PostgreSQL binaries are installed and SALESMIND_TEST_POSTGRES_URL is not already set).
set -uo pipefail
cd "$(dirname "$0")/.."
started_pg=0
if [ -z "${SALESMIND_TEST_POSTGRES_URL:-}" ] && ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  pgdir=$(mktemp -d /tmp/salesmind-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if url=$(bash scripts/postgres-server.sh start "$pgdir" "$port"); then
    export SALESMIND_TEST_POSTGRES_URL="$url"
    started_pg=1
  else
    echo "warning: could not start PostgreSQL; its tests will be skipped" >&2
  fi
fi
.venv/bin/python -m pytest "$@"
status=$?
if [ "$started_pg" = 1 ]; then
  bash scripts/postgres-server.sh stop "$pgdir"
  rm -rf "$pgdir"
fi
exit $status
