//! The background sweeper: every interval, one pass of
//! [`crate::service::orders::reconcile::sweep_once`]. Safe with several replicas: orders are
//! claimed with a lease, and every transition is a conditional update.

use crate::service::orders::reconcile::sweep_once;
use crate::state::AppState;
use actix_web::web;
use std::time::Duration;

/// Runs the sweeper on the current runtime until the process ends.
pub fn spawn(state: web::Data<AppState>, every: Duration) {
    actix_web::rt::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match sweep_once(&state).await {
                Ok(report) if report.examined > 0 => log::info!(
                    "sweeper: {} examined, {} paid, {} timed out, {} deferred",
                    report.examined,
                    report.paid,
                    report.timed_out,
                    report.deferred
                ),
                Ok(_) => {}
                Err(err) => log::warn!("sweeper: {err}"),
            }
        }
    });
}
