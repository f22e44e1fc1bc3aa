//! The HTTP API: the route table and the pieces every handler shares.

pub mod envelope;
pub mod error;
mod health;

pub use error::ApiError;

use actix_web::web;

/// Registers every route. Paths are declared without a trailing slash; the server strips one
/// from incoming requests, so `/x/` and `/x` are both served.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("no such route".into()))
}
