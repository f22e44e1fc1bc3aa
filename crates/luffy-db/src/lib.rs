//! Luffy's persistence: diesel on SQLite and PostgreSQL in one binary.
//!
//! The backend is chosen at run time from the scheme of the database URL (`sqlite://…` or
//! `postgres://…`). [`DbConnection`] is a diesel `MultiConnection` over both; queries are written
//! once, in the SQL subset both backends share, and the few dialect gaps match on the variant.
//! See `docs/database.md` for why.

pub mod account;
pub mod banner;
pub mod catalog;
mod connection;
mod database_url;
mod error;
pub mod media;
mod migrate;
pub mod orders;
mod pool;
pub mod schema;
pub mod seed;
mod statement;

pub use connection::{DbBackend, DbConnection, last_insert_id, write_transaction};
pub use database_url::{Backend, DatabaseUrl};
pub use error::DbError;
pub use migrate::{migrations_for, run_migrations};
pub use pool::{DbPool, PoolOptions, PooledConnection, build_pool, check_health, connection};
