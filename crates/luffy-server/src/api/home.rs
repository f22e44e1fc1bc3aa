//! The home page: `GET /api/v1/home/banner/`.

use super::ApiError;
use super::error::code;
use crate::service::media::MediaLinks;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::json;

/// A banner as the original client reads it.
#[derive(Debug, Serialize)]
struct BannerJson {
    id: i64,
    title: String,
    image: Option<String>,
    link: String,
    info: String,
}

/// `GET /home/banner/`: `{"code":100,"msg","result":[{id,title,image,link,info}]}`, at most
/// `LUFFY_BANNER_COUNT` shown banners in display order (`result` is the key the original
/// client reads).
pub async fn banners(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let shared = state.clone();
    let rows = web::block(move || {
        let mut conn = luffy_db::connection(&shared.pool)?;
        Ok::<_, ApiError>(
            shared
                .banners
                .shown(&mut conn, shared.config.banner_count)?,
        )
    })
    .await??;
    let links = MediaLinks::new(&state, Default::default());
    let result: Vec<BannerJson> = rows
        .iter()
        .map(|row| BannerJson {
            id: row.id,
            title: row.title.clone(),
            image: links.file(Some(&row.image)),
            link: row.link.clone(),
            info: row.info.clone(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "code": code::OK, "msg": "ok", "result": result })))
}
