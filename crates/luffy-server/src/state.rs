//! What every handler can reach.

use crate::config::Config;
use luffy_db::DbPool;
use std::sync::Arc;

/// Shared, immutable application state. The server keeps no other state: everything that
/// changes lives in the database, so replicas can run side by side.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The connection pool.
    pub pool: DbPool,
    /// The resolved configuration.
    pub config: Arc<Config>,
    /// The base of absolute URLs, without a trailing slash.
    pub public_url: String,
}
