#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432, starting the machine's cluster if
# it is installed but stopped. Prints the server version.
set -euo pipefail
host=127.0.0.1 port=5432
ready() { pg_isready -q -h "$host" -p "$port" 2>/dev/null; }
if ! ready; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    for version in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
  fi
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
if ! ready; then
  echo "PostgreSQL is not answering on $host:$port" >&2
  exit 1
fi
psql -h "$host" -p "$port" -U postgres -d postgres -Atc 'SELECT version()'
