//! One connection type for both backends, and the write transaction that suits each.

use crate::{DatabaseUrl, DbError, database_url::Backend};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;

/// A connection to SQLite or PostgreSQL, chosen at run time.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// An embedded SQLite database file.
    Sqlite(diesel::SqliteConnection),
    /// A PostgreSQL server.
    Postgres(diesel::PgConnection),
}

impl std::fmt::Debug for DbConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DbConnection::Sqlite(_) => "DbConnection::Sqlite",
            DbConnection::Postgres(_) => "DbConnection::Postgres",
        })
    }
}

/// The backend type of [`DbConnection`], for boxed queries.
pub type DbBackend = <DbConnection as Connection>::Backend;

/// Settings applied to every SQLite connection: foreign keys enforced, a busy timeout so that
/// writers queue instead of failing, `synchronous = NORMAL`, which is safe under WAL, and reads
/// through a memory map with a 16 MiB page cache, so that hot pages cost no system calls.
const SQLITE_CONNECTION_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
     PRAGMA synchronous = NORMAL; PRAGMA mmap_size = 268435456; PRAGMA cache_size = -16384; \
     PRAGMA wal_autocheckpoint = 8000;";

impl DbConnection {
    /// Opens a connection of the backend the URL names. Never guesses: SQLite would accept any
    /// text as a file name, so the scheme decides.
    pub fn open(url: &DatabaseUrl) -> Result<Self, DbError> {
        let target = url.connection_target();
        match url.backend() {
            Backend::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(target).map_err(|err| {
                    DbError::Connect {
                        backend: "sqlite",
                        reason: err.to_string(),
                    }
                })?;
                conn.batch_execute(SQLITE_CONNECTION_PRAGMAS)?;
                Ok(DbConnection::Sqlite(conn))
            }
            Backend::Postgres => diesel::PgConnection::establish(target)
                .map(DbConnection::Postgres)
                .map_err(|err| DbError::Connect {
                    backend: "postgres",
                    reason: strip_password(&err.to_string()),
                }),
        }
    }

    /// The backend of this connection.
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Postgres(_) => Backend::Postgres,
        }
    }
}

/// libpq error texts do not contain the password, but be certain no URL slips through.
fn strip_password(text: &str) -> String {
    text.split_whitespace()
        .map(|word| {
            if word.contains("://") && word.contains('@') {
                "<url redacted>"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `work` in a transaction that will write; called inside another, it is a savepoint of it.
///
/// On SQLite the transaction starts with `BEGIN IMMEDIATE`, taking the write lock up front: a
/// deferred transaction that reads and then writes can fail with `SQLITE_BUSY` when two
/// writers race, whatever the busy timeout. On PostgreSQL it is an ordinary transaction; the
/// callers make racing state changes safe with conditional updates or row locks.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    let nested = Manager::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .is_some();
    match conn {
        // Inside a transaction already (it holds the write lock): a savepoint.
        DbConnection::Sqlite(inner) if !nested => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?
        }
        _ => Manager::begin_transaction(conn)?,
    }
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(err) => {
            Manager::rollback_transaction(conn)?;
            Err(err)
        }
    }
}

/// The id of the row the last `INSERT` on this connection created (`last_insert_rowid()` on
/// SQLite, `lastval()` on PostgreSQL; both are per connection, so concurrent inserts elsewhere do
/// not interfere).
pub fn last_insert_id(conn: &mut DbConnection) -> Result<i64, DbError> {
    let function = match conn.backend() {
        Backend::Sqlite => "last_insert_rowid()",
        Backend::Postgres => "lastval()",
    };
    Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(function)).get_result(conn)?)
}
