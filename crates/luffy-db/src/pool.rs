//! The r2d2 connection pool.

use crate::{DatabaseUrl, DbConnection, DbError, database_url::Backend};
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use std::time::Duration;

/// A pool of database connections.
pub type DbPool = r2d2::Pool<ConnectionManager>;

/// A connection checked out of the pool.
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Opens connections of the backend the URL names.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = DbError;

    fn connect(&self) -> Result<DbConnection, DbError> {
        DbConnection::open(&self.url)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        conn.ping().map_err(DbError::Query)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// How large the pool is and how long a caller waits for a connection.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Most connections open at once (never below 2).
    pub max_size: u32,
    /// How long `get` waits before giving up; overload becomes a fast error, not a pile-up.
    pub connection_timeout: Duration,
}

impl PoolOptions {
    /// Sensible sizes per backend: SQLite serializes writers anyway, PostgreSQL replicas share
    /// the server's `max_connections`.
    pub fn for_backend(backend: Backend) -> Self {
        Self {
            max_size: match backend {
                // Readers run in parallel under WAL, but more connections than a few cores can
                // serve only add contention (measured with luffy-load on two cores).
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            },
            connection_timeout: Duration::from_secs(5),
        }
    }
}

/// Builds a pool and opens its first connection, so a wrong URL fails here and not on the
/// first request.
pub fn build_pool(url: &DatabaseUrl, options: PoolOptions) -> Result<DbPool, DbError> {
    // Open one connection directly first: r2d2 would only report a timeout, while this
    // reports the driver's reason (no such host, authentication failed, …).
    drop(DbConnection::open(url)?);
    r2d2::Pool::builder()
        .max_size(options.max_size.max(2))
        // A PostgreSQL connection can go stale (a server restart, a proxy's timeout): test it
        // on checkout. A SQLite connection is a file handle in this process and cannot.
        .test_on_check_out(url.backend() == Backend::Postgres)
        .min_idle(Some(1))
        .connection_timeout(options.connection_timeout)
        .build(ConnectionManager { url: url.clone() })
        .map_err(|err| DbError::Pool(err.to_string()))
}

/// Checks out a connection and runs a trivial query.
pub fn check_health(pool: &DbPool) -> Result<(), DbError> {
    let mut conn = pool.get().map_err(|err| DbError::Pool(err.to_string()))?;
    diesel::sql_query("SELECT 1").execute(&mut *conn)?;
    Ok(())
}

/// Checks out a connection; a timeout becomes [`DbError::Pool`].
pub fn connection(pool: &DbPool) -> Result<PooledConnection, DbError> {
    pool.get().map_err(|err| DbError::Pool(err.to_string()))
}
