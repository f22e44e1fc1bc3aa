#!/usr/bin/env bash
# Order creation and notifies under load, against a fresh release server:
#   scripts/load-orders.sh [sqlite|postgres] [CONCURRENCY] [SECONDS]
# Seeds a demo catalog in a temporary folder (or a fresh PostgreSQL database `luffy_load` on
# LUFFY_LOAD_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432), starts `luffy serve` on
# 127.0.0.1:8000 with the built-in Alipay simulator, runs `luffy-load-orders`, stops the server.
set -euo pipefail

backend=${1:-sqlite}
concurrency=${2:-32}
seconds=${3:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release -q -p luffy-server -p luffy-load
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target/release"

work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

case "$backend" in
    sqlite) database_url="sqlite://$work/luffy.db" ;;
    postgres)
        server_url=${LUFFY_LOAD_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
        psql "$server_url/postgres" -q -c 'DROP DATABASE IF EXISTS luffy_load' -c 'CREATE DATABASE luffy_load'
        # Loopback needs no TLS; it would only add encryption to every round trip.
        database_url="$server_url/luffy_load?sslmode=disable"
        ;;
    *) echo "usage: $0 [sqlite|postgres] [CONCURRENCY] [SECONDS]" >&2; exit 2 ;;
esac
export LUFFY_DATABASE_URL="$database_url" LUFFY_DATA_DIR="$work/data" LUFFY_MEDIA_DIR="$work/media"

password=$("$bin/luffy" seed-demo --courses 200 | grep -oP 'password \K\S+' | head -1)
# The harness logs its buyers in as clients of their own, through X-Forwarded-For.
RUST_LOG=warn LUFFY_SWEEPER_INTERVAL_SECS=0 LUFFY_TRUSTED_PROXIES=127.0.0.1 LUFFY_BIND=127.0.0.1:8000 "$bin/luffy" serve > server.log 2>&1 &
server=$!
for _ in $(seq 100); do
    curl -sf http://127.0.0.1:8000/healthz > /dev/null && break
    sleep 0.1
done
"$bin/luffy-load-orders" --base http://127.0.0.1:8000 --data-dir "$work/data" \
    --database-url "$database_url" --username demo --password "$password" \
    --concurrency "$concurrency" --duration "$seconds" --server-pid "$server"
