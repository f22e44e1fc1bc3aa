//! `GET /healthz`: answers 200 when the database answers.

use super::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// The `/healthz` resource.
pub fn resource() -> actix_web::Resource {
    super::allow(
        web::resource("/healthz").route(web::get().to(healthz)),
        super::GET,
    )
}

/// Runs `SELECT 1` on a pooled connection.
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.clone();
    web::block(move || luffy_db::check_health(&pool)).await??;
    Ok(HttpResponse::Ok().json(json!({
        "status": "ok",
        "database": state.config.database_url.backend().name(),
    })))
}
