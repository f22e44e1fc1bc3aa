//! The public catalog: categories, the course list and search, course detail, chapters.

use super::ApiError;
use super::course_json::{CategoryJson, ChapterJson, CourseJson};
use super::envelope;
use super::params::{QueryParams, page_response};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use luffy_db::catalog::{CategoryRow, ChapterListing, CourseRow};
use luffy_domain::DomainError;
use luffy_domain::catalog::CourseQuery;
use luffy_domain::catalog::query::INVALID_CHOICE;

/// `GET /course/category/`: published categories in display order.
pub async fn categories(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.clone();
    let rows =
        web::block(move || CategoryRow::visible(&mut *luffy_db::connection(&pool)?)).await??;
    let data: Vec<CategoryJson> = rows.into_iter().map(CategoryJson::from).collect();
    Ok(envelope::ok_data("ok", data))
}

/// `GET /course/actual/` and `GET /course/search/`: one page of published courses, filtered,
/// searched and ordered.
pub async fn courses(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::of(&req);
    let query = CourseQuery::parse(|name| params.get(name))?;
    let pool = state.pool.clone();
    let page =
        web::block(move || CourseRow::page(&mut *luffy_db::connection(&pool)?, &query)).await??;
    let results: Vec<CourseJson> = page
        .items
        .into_iter()
        .map(|listing| CourseJson::new(&state, listing))
        .collect();
    Ok(page_response(
        &state.public_url,
        &req,
        &params,
        page.count,
        page.window,
        &results,
    ))
}

/// `GET /course/actual/{id}/`: the bare course; 404 when unknown, hidden or deleted.
pub async fn course(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let pool = state.pool.clone();
    let listing =
        web::block(move || CourseRow::visible_listing(&mut *luffy_db::connection(&pool)?, id))
            .await??
            .ok_or_else(|| ApiError::NotFound(format!("course {id}")))?;
    Ok(HttpResponse::Ok().json(CourseJson::new(&state, listing)))
}

/// `GET /course/chapter/?course_id=` (or `course=`): the bare list of the course's chapters.
pub async fn chapters(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::of(&req);
    let course_id = match params.get("course_id").or_else(|| params.get("course")) {
        None | Some("") => {
            return Err(DomainError::invalid("course_id", "This field is required.").into());
        }
        Some(text) => text
            .trim()
            .parse::<i64>()
            .map_err(|_| DomainError::invalid("course_id", INVALID_CHOICE))?,
    };
    let pool = state.pool.clone();
    let chapters = web::block(move || {
        ChapterListing::for_course(&mut *luffy_db::connection(&pool)?, course_id)
    })
    .await??;
    let data: Vec<ChapterJson> = chapters.into_iter().map(ChapterJson::from).collect();
    Ok(HttpResponse::Ok().json(data))
}
