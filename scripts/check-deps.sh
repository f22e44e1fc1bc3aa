#!/usr/bin/env bash
# The dependency rules of the architecture, checked on the resolved dependency graph.
set -euo pipefail
status=0

# check PACKAGE FORBIDDEN...: fails when PACKAGE's normal or build dependencies include any
# FORBIDDEN package, directly or transitively.
check() {
  local package=$1; shift
  [ -f "crates/$package/Cargo.toml" ] || return 0
  local tree
  tree=$(cargo tree -q -p "$package" -e normal,build --prefix none --no-dedupe | awk '{print $1}' | sort -u)
  for forbidden in "$@"; do
    if grep -qx -- "$forbidden" <<<"$tree"; then
      echo "dependency rule broken: $package depends on $forbidden"
      status=1
    fi
  done
}

check luffy-domain diesel actix-web reqwest tokio alipay-sdk qiniu-sdk luffy-db luffy-server
check luffy-db luffy-server actix-web alipay-sdk qiniu-sdk alipay-sim qiniu-sim
for sdk in alipay-sdk qiniu-sdk; do
  check "$sdk" luffy-domain luffy-db luffy-server actix-web diesel alipay-sim qiniu-sim
done
for sim in alipay-sim qiniu-sim; do
  check "$sim" luffy-domain luffy-db luffy-server diesel
done

# The server ships no harness.
check luffy-server luffy-load luffy-reliability

# The server reaches the simulators only through its `dev-sim` feature.
if cargo tree -q -p luffy-server --no-default-features -e normal,build --prefix none | awk '{print $1}' | grep -qx -- alipay-sim; then
  echo "dependency rule broken: luffy-server depends on alipay-sim without the dev-sim feature"
  status=1
fi

if [ "$status" -eq 0 ]; then echo "dependency rules hold"; fi
exit "$status"
