//! Embedded migrations, one directory per backend, run before the server takes traffic.

use crate::{DatabaseUrl, DbConnection, DbError};
use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// The key of the PostgreSQL advisory lock held while migrating, so that replicas starting
/// together migrate one at a time (the others wait, then find nothing pending).
pub const MIGRATION_LOCK_KEY: i64 = 0x4c55_4646_5900_0001;

/// The embedded migrations of `backend`.
pub fn migrations_for(backend: crate::Backend) -> EmbeddedMigrations {
    match backend {
        crate::Backend::Sqlite => SQLITE_MIGRATIONS,
        crate::Backend::Postgres => POSTGRES_MIGRATIONS,
    }
}

/// Runs every pending migration and returns the names of those applied.
///
/// SQLite is also switched to WAL here, once: the journal mode is a property of the file.
pub fn run_migrations(url: &DatabaseUrl) -> Result<Vec<String>, DbError> {
    let applied = match DbConnection::open(url)? {
        DbConnection::Sqlite(mut conn) => {
            conn.batch_execute("PRAGMA journal_mode = WAL;")?;
            apply(&mut conn, SQLITE_MIGRATIONS)?
        }
        DbConnection::Postgres(mut conn) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let result = apply(&mut conn, POSTGRES_MIGRATIONS);
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            result?
        }
    };
    Ok(applied)
}

fn apply<C>(conn: &mut C, migrations: EmbeddedMigrations) -> Result<Vec<String>, DbError>
where
    C: MigrationHarness<C::Backend> + diesel::Connection,
{
    let applied = conn
        .run_pending_migrations(migrations)
        .map_err(|err| DbError::Migration(err.to_string()))?;
    Ok(applied
        .into_iter()
        .map(|version| version.to_string())
        .collect())
}
