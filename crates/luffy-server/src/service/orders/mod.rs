//! Orders and Alipay: creating an order, the async notify, the second check, the sweeper's
//! reconciliation and timeouts, and refunds.
//!
//! Database work runs in one blocking unit per step; Alipay calls happen between those units,
//! never inside a transaction.

pub mod create;
pub mod notify;
pub mod payment;
pub mod reconcile;
pub mod refund;
pub mod view;

use crate::api::ApiError;
use crate::state::AppState;
use actix_web::web;
use luffy_db::DbConnection;

/// Like [`with_db`], in one write transaction: a state change and its audit row are committed
/// together or not at all (a crash in between can no longer leave a transition unaudited).
pub async fn with_db_tx<T, F>(state: &web::Data<AppState>, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &AppState) -> Result<T, ApiError> + Send + 'static,
{
    with_db(state, move |conn, state| {
        luffy_db::write_transaction(conn, |conn| work(conn, state))
    })
    .await
}

/// Runs `work` with a pooled connection on the blocking pool.
pub async fn with_db<T, F>(state: &web::Data<AppState>, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &AppState) -> Result<T, ApiError> + Send + 'static,
{
    let state = state.clone();
    web::block(move || {
        let mut conn = luffy_db::connection(&state.pool)?;
        work(&mut conn, &state)
    })
    .await?
}
