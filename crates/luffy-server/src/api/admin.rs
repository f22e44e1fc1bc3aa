//! The staff's catalog API under `/api/v1/admin/`: create (`POST /{kind}`), update
//! (`PATCH`/`PUT /{kind}/{id}`), hide and show (`POST /{kind}/{id}/hide`, `…/show`) and soft
//! delete (`DELETE /{kind}/{id}`) for teachers, categories, courses, chapters, sections and
//! the home page's banners.

use super::params::json_body;
use super::{ApiError, POST, allow, envelope};
use crate::auth::StaffUser;
use crate::service::admin::{self, Edit, Editable};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use luffy_db::banner::BannerRow;
use luffy_db::catalog::{CategoryRow, ChapterRow, CourseRow, SectionRow, TeacherRow};
use serde_json::Value;

async fn create<E: Editable>(
    _staff: StaffUser,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: Value = json_body(&body)?;
    let row = web::block(move || admin::create::<E>(&state, &body)).await??;
    Ok(envelope::ok_data("ok", row))
}

async fn update<E: Editable>(
    _staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: Value = json_body(&body)?;
    let patch = E::parse(&body)?;
    let id = id.into_inner();
    let row = web::block(move || admin::apply::<E>(&state, id, patch, Edit::Update)).await??;
    Ok(envelope::ok_data("ok", row))
}

async fn set_visibility<E: Editable>(
    state: web::Data<AppState>,
    id: i64,
    is_show: bool,
) -> Result<HttpResponse, ApiError> {
    let patch = E::visibility(is_show);
    let row = web::block(move || admin::apply::<E>(&state, id, patch, Edit::Update)).await??;
    Ok(envelope::ok_data("ok", row))
}

async fn hide<E: Editable>(
    _staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    set_visibility::<E>(state, id.into_inner(), false).await
}

async fn show<E: Editable>(
    _staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    set_visibility::<E>(state, id.into_inner(), true).await
}

async fn delete<E: Editable>(
    _staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = E::Patch::default();
    let row = web::block(move || admin::apply::<E>(&state, id, patch, Edit::Delete)).await??;
    Ok(envelope::ok_data("ok", row))
}

fn routes<E: Editable>(cfg: &mut web::ServiceConfig, kind: &str) {
    // A scope per kind: other requests skip these patterns after one prefix comparison.
    cfg.service(
        web::scope(&format!("/api/v1/admin/{kind}"))
            .service(allow(
                web::resource("").route(web::post().to(create::<E>)),
                POST,
            ))
            .service(allow(
                web::resource("/{id:\\d+}")
                    .route(web::patch().to(update::<E>))
                    .route(web::put().to(update::<E>))
                    .route(web::delete().to(delete::<E>)),
                "PATCH, PUT, DELETE",
            ))
            .service(allow(
                web::resource("/{id:\\d+}/hide").route(web::post().to(hide::<E>)),
                POST,
            ))
            .service(allow(
                web::resource("/{id:\\d+}/show").route(web::post().to(show::<E>)),
                POST,
            )),
    );
}

/// Registers the staff routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::<TeacherRow>(cfg, "teachers");
    routes::<CategoryRow>(cfg, "categories");
    routes::<CourseRow>(cfg, "courses");
    routes::<ChapterRow>(cfg, "chapters");
    routes::<SectionRow>(cfg, "sections");
    routes::<BannerRow>(cfg, "banners");
}
