//! Migrations: replicas starting together migrate once, and every migration can be undone and
//! redone on both backends.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use diesel::connection::SimpleConnection;
use diesel_migrations::MigrationHarness;
use luffy_db::{DatabaseUrl, DbConnection, run_migrations};

/// A fresh PostgreSQL database, dropped afterwards; `None` (with a notice) without a server.
struct PgDatabase {
    admin: DatabaseUrl,
    name: String,
    url: DatabaseUrl,
}

impl PgDatabase {
    fn create() -> Option<Self> {
        let Ok(server) = std::env::var("LUFFY_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var_os("LUFFY_TEST_REQUIRE_POSTGRES").is_none(),
                "LUFFY_TEST_REQUIRE_POSTGRES is set but LUFFY_TEST_POSTGRES_URL is not"
            );
            println!(
                "skipped: LUFFY_TEST_POSTGRES_URL is not set, so this PostgreSQL test did not run"
            );
            return None;
        };
        let admin = DatabaseUrl::parse(&server).unwrap();
        let name = format!(
            "luffy_migrate_{}",
            std::process::id() as u64 * 1000 + rand_suffix()
        );
        DbConnection::open(&admin)
            .unwrap()
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        let url = admin.with_postgres_database(&name).unwrap();
        Some(Self { admin, name, url })
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
        % 1000
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = DbConnection::open(&self.admin) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

#[test]
fn replicas_starting_together_migrate_once() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let url = db.url.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                run_migrations(&url)
            })
        })
        .collect();
    let mut applied: Vec<usize> = runs
        .into_iter()
        .map(|run| run.join().unwrap().unwrap().len())
        .collect();
    applied.sort_unstable();
    let total = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/postgres"
    ))
    .unwrap()
    .count();
    assert_eq!(
        applied,
        vec![0, total],
        "one replica applied every migration, the other found none pending"
    );
}

fn up_down_up(url: &DatabaseUrl) {
    run_migrations(url).unwrap();
    let reverted = {
        let mut conn = DbConnection::open(url).unwrap();
        let reverted: Vec<String> = conn
            .revert_all_migrations(luffy_db::migrations_for(url.backend()))
            .unwrap()
            .into_iter()
            .map(|version| version.to_string())
            .collect();
        reverted
    };
    assert!(!reverted.is_empty());
    let reapplied = run_migrations(url).unwrap();
    assert_eq!(
        reapplied.len(),
        reverted.len(),
        "every migration reverts and applies again"
    );
}

#[test]
fn every_migration_reverts_and_reapplies_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url =
        DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("m.db").display())).unwrap();
    up_down_up(&url);
}

#[test]
fn every_migration_reverts_and_reapplies_on_postgres() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    up_down_up(&db.url);
}
