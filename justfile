# Luffy's developer recipes. Install just with `cargo install just` (Debian 13: `apt-get install just`).
# Nothing here is needed for the two commands of the README; these are shortcuts.

pg_url := env_var_or_default("LUFFY_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")

# List the recipes.
default:
    @just --list

# Run Luffy (SQLite, local media, built-in Alipay simulator).
run *ARGS:
    cargo run --release -- {{ARGS}}

# Run the whole test suite on SQLite (PostgreSQL tests are skipped, and say so).
test *ARGS:
    cargo test --workspace {{ARGS}}

# Run the whole test suite on SQLite and PostgreSQL.
test-pg *ARGS:
    bash scripts/ensure-postgres.sh
    LUFFY_TEST_POSTGRES_URL={{pg_url}} LUFFY_TEST_REQUIRE_POSTGRES=1 cargo test --workspace {{ARGS}}

# Formatting, clippy with warnings as errors, and the dependency rules of the architecture.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    bash scripts/check-deps.sh

# Format the code.
fmt:
    cargo fmt --all

# Apply pending migrations to LUFFY_DATABASE_URL (default sqlite://luffy.db).
migrate:
    cargo run --release -- migrate

# Run the criterion benchmarks of every crate that has them.
bench *ARGS:
    cargo bench --workspace {{ARGS}}

# alipay-sdk's raw RSA-2048 signing on rsa, ring and aws-lc-rs side by side, then page pay and notify verification.
bench-signing *ARGS:
    cargo bench -p alipay-sdk --features ring,aws-lc-rs --bench signing -- --warm-up-time 1 --measurement-time 3 {{ARGS}}

# Order creation and notifies under load on a fresh release server (sqlite or postgres),
# compared with this machine's raw RSA signing rate; then the orders are counted.
load-orders BACKEND="sqlite" CONCURRENCY="32" SECONDS="10":
    bash scripts/load-orders.sh {{BACKEND}} {{CONCURRENCY}} {{SECONDS}}

# Start N replicas (default 3) on PostgreSQL behind nginx, with the Alipay simulator.
cluster N="3":
    bash scripts/cluster.sh start {{N}}

# Stop the cluster.
cluster-stop:
    bash scripts/cluster.sh stop

# Purchases through nginx while replicas are killed, PostgreSQL restarts and notifies are
# mangled; then every invariant is checked (exit status non-zero on a violation).
reliability SECONDS="60":
    cargo build --release -p luffy-server -p luffy-reliability --bins
    ./target/release/luffy-reliability --duration {{SECONDS}}

# Everything CI runs.
ci:
    bash .ci/run
