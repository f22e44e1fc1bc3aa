#!/usr/bin/env bash
# A local cluster: N Luffy replicas on PostgreSQL behind nginx, with the Alipay simulator as the
# gateway, all on loopback. `scripts/cluster.sh start [N]`, `scripts/cluster.sh stop`.
# Everything lives in .cluster/ (logs, keys, pids); nginx and PostgreSQL come from Debian's
# packages and are installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.cluster
front_port=${LUFFY_CLUSTER_PORT:-8080}
first_port=8001
database=${LUFFY_CLUSTER_DATABASE:-luffy_cluster}
pg_server=${LUFFY_CLUSTER_POSTGRES:-postgres://postgres@127.0.0.1:5432}

stop() {
  if [ -d "$state/pids" ]; then
    for pidfile in "$state"/pids/*; do
      [ -f "$pidfile" ] || continue
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    done
  fi
  echo "cluster stopped"
}

start() {
  local replicas=${1:-3}
  command -v nginx >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; }
  bash scripts/ensure-postgres.sh >/dev/null
  cargo build --release -p luffy-server -p alipay-sim --bins
  mkdir -p "$state/pids" "$state/logs" "$state/nginx/logs"
  stop >/dev/null

  psql "$pg_server/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 \
    || psql "$pg_server/postgres" -qc "CREATE DATABASE $database"

  target=${CARGO_TARGET_DIR:-target}/release
  "$target/alipay-sim" --bind 127.0.0.1:9800 --data-dir "$state/alipay-sim" --app-id 2021000000000001 \
    >"$state/logs/alipay-sim.log" 2>&1 &
  echo $! >"$state/pids/alipay-sim"
  for _ in $(seq 1 50); do [ -f "$state/alipay-sim/alipay_public_key.pem" ] && break; sleep 0.2; done

  export LUFFY_DATABASE_URL="$pg_server/$database"
  export LUFFY_PUBLIC_URL="http://127.0.0.1:$front_port"
  export LUFFY_JWT_SECRET=${LUFFY_JWT_SECRET:-cluster-secret-cluster-secret-cluster-1}
  export LUFFY_ALIPAY_APP_ID=2021000000000001
  export LUFFY_ALIPAY_APP_PRIVATE_KEY_FILE="$PWD/$state/alipay-sim/app_private_key.pem"
  export LUFFY_ALIPAY_PUBLIC_KEY_FILE="$PWD/$state/alipay-sim/alipay_public_key.pem"
  export LUFFY_ALIPAY_GATEWAY=http://127.0.0.1:9800/gateway.do
  export LUFFY_ALIPAY_SELLER_ID=2088102179075543
  export LUFFY_TRUSTED_PROXIES=127.0.0.1
  # Migrations run once, before any replica (replicas would also wait on the advisory lock).
  "$target/luffy" migrate

  upstreams=""
  for n in $(seq 1 "$replicas"); do
    port=$((first_port + n - 1))
    LUFFY_BIND="127.0.0.1:$port" LUFFY_DATA_DIR="$state/replica$n" \
      "$target/luffy" serve >"$state/logs/replica$n.log" 2>&1 &
    echo $! >"$state/pids/replica$n"
    upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;\n"
  done

  for n in $(seq 1 "$replicas"); do
    port=$((first_port + n - 1))
    for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  done

  sed -e "s|listen 80;|listen 127.0.0.1:$front_port;|" \
      -e "s|/var/log/nginx/|$PWD/$state/nginx/logs/|g" \
      -e "s|/run/nginx.pid|$PWD/$state/nginx/nginx.pid|" \
      -e "s|^user www-data;||" \
      -e "/server 127.0.0.1:800[1-9] /d" \
      -e "s|        least_conn;|        least_conn;\n$upstreams|" \
      deploy/nginx.conf >"$state/nginx/nginx.conf"
  nginx -p "$PWD/$state/nginx" -c "$PWD/$state/nginx/nginx.conf" -g "daemon off;" \
    >"$state/logs/nginx.log" 2>&1 &
  echo $! >"$state/pids/nginx"

  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$front_port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$front_port/healthz" && echo
  echo "cluster: $replicas replicas on ports $first_port.. behind http://127.0.0.1:$front_port (logs in $state/logs)"
}

case "${1:-start}" in
  start) start "${2:-3}" ;;
  stop) stop ;;
  *) echo "usage: $0 start [N] | stop" >&2; exit 2 ;;
esac
