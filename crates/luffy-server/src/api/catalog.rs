//! The public catalog: categories, the course list and search, course detail, chapters.

use super::ApiError;
use super::course_json::{CategoryJson, ChapterJson, CourseJson};
use super::params::{QueryParams, page_response};
use crate::auth::Viewer;
use crate::service::media::MediaLinks;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use luffy_db::DbConnection;
use luffy_db::catalog::{CategoryRow, ChapterListing, CourseRow};
use luffy_db::orders::Orders;
use luffy_domain::DomainError;
use luffy_domain::catalog::CourseQuery;
use luffy_domain::catalog::query::INVALID_CHOICE;
use std::collections::HashSet;

/// `GET /course/category/`: published categories in display order, under `data` and, for the
/// edition of the client that reads it, `result`.
pub async fn categories(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.clone();
    let rows =
        web::block(move || CategoryRow::visible(&mut *luffy_db::connection(&pool)?)).await??;
    let data: Vec<CategoryJson> = rows.into_iter().map(CategoryJson::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "code": super::error::code::OK, "msg": "ok", "data": &data, "result": &data,
    })))
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
    let viewer = viewer_of(&state, &req);
    let (page, owned) = web::block(move || {
        let mut conn = luffy_db::connection(&pool)?;
        let page = CourseRow::page(&mut conn, &query)?;
        let ids: Vec<i64> = page.items.iter().map(|item| item.course.id).collect();
        let owned = owned_among(&mut conn, viewer, &ids)?;
        Ok::<_, ApiError>((page, owned))
    })
    .await??;
    let links = MediaLinks::new(&state, owned);
    let results: Vec<CourseJson> = page
        .items
        .into_iter()
        .map(|listing| CourseJson::new(&links, listing))
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
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let pool = state.pool.clone();
    let viewer = viewer_of(&state, &req);
    let (listing, owned) = web::block(move || {
        let mut conn = luffy_db::connection(&pool)?;
        let listing = CourseRow::visible_listing(&mut conn, id)?;
        let owned = owned_among(&mut conn, viewer, &[id])?;
        Ok::<_, ApiError>((listing, owned))
    })
    .await??;
    let listing = listing.ok_or_else(|| ApiError::NotFound(format!("course {id}")))?;
    let links = MediaLinks::new(&state, owned);
    Ok(HttpResponse::Ok().json(CourseJson::new(&links, listing)))
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
    let viewer = viewer_of(&state, &req);
    let (chapters, owned) = web::block(move || {
        let mut conn = luffy_db::connection(&pool)?;
        let chapters = ChapterListing::for_course(&mut conn, course_id)?;
        let owned = owned_among(&mut conn, viewer, &[course_id])?;
        Ok::<_, ApiError>((chapters, owned))
    })
    .await??;
    let links = MediaLinks::new(&state, owned);
    let data: Vec<ChapterJson> = chapters
        .into_iter()
        .map(|listing| ChapterJson::new(&links, listing))
        .collect();
    Ok(HttpResponse::Ok().json(data))
}

/// The logged-in viewer, when the media links depend on who is looking.
fn viewer_of(state: &AppState, req: &HttpRequest) -> Option<Viewer> {
    if MediaLinks::depend_on_viewer(state) {
        crate::auth::viewer(state, req)
    } else {
        None
    }
}

/// Which of `ids` the viewer owns: none without a viewer or with a revoked token.
fn owned_among(
    conn: &mut DbConnection,
    viewer: Option<Viewer>,
    ids: &[i64],
) -> Result<HashSet<i64>, ApiError> {
    match viewer {
        Some(viewer) if !ids.is_empty() && viewer.is_current(conn)? => {
            Ok(Orders::owned_courses(conn, viewer.user_id, ids)?)
        }
        _ => Ok(HashSet::new()),
    }
}
