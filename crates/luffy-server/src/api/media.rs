//! Course media over HTTP: the staff's direct-upload grant, Qiniu's upload callback, the local
//! storage's upload endpoint (Qiniu's form upload, so browsers need not care) and `/media/`
//! files with range requests.

use super::params::json_body;
use super::{ApiError, GET, POST, allow, envelope};
use crate::auth::StaffUser;
use crate::service::media::{self, upload_error};
use crate::state::AppState;
use actix_files::NamedFile;
use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use luffy_domain::media::{CallbackRequest, MediaKey, MediaStorage, UploadRequest};
use serde_json::{Value, json};

/// The largest callback body read.
const CALLBACK_LIMIT: usize = 64 * 1024;
/// The largest text field of an upload form.
const FIELD_LIMIT: usize = 1024;
/// The most fields an upload form may send before its file.
const MAX_FIELDS: usize = 4;

/// `POST /api/v1/admin/media/upload-token/`: a signed grant to upload one file straight to the
/// storage, for a section's video or a course's or teacher's image.
async fn upload_token(
    _staff: StaffUser,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: Value = json_body(&body)?;
    let request = UploadRequest::parse(&body)?;
    let grant = media::grant_upload(&state, request).await?;
    let fields = json!({
        "token": grant.token,
        "key": grant.key.as_str(),
        "upload_url": grant.upload_url,
        "deadline": grant.deadline,
        "max_size": grant.rules.max_size,
        "mime_limit": grant.rules.mime_limit,
        "storage": state.storage.name(),
    });
    let Value::Object(fields) = fields else {
        return Err(ApiError::Internal("grant is not an object".into()));
    };
    Ok(envelope::ok_with("ok", fields))
}

/// `POST /api/v1/media/callback/`: Qiniu announces a finished direct upload. Verified by its
/// signature, then attached; Qiniu relays the answer to the uploader (and reports a failure
/// as 579).
async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    if body.len() > CALLBACK_LIMIT {
        return Err(ApiError::Status {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            msg: "callback body too large".into(),
        });
    }
    let headers: Vec<(&str, &str)> = req
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let request = CallbackRequest {
        method: req.method().as_str(),
        headers: &headers,
        body: &body,
    };
    let object = state.storage.verify_callback(&request).map_err(|err| {
        log::warn!("media callback refused: {err}");
        upload_error(err)
    })?;
    let attached = media::attach(&state, object).await?;
    Ok(HttpResponse::Ok().json(attached))
}

/// `POST /api/v1/media/upload/`: the local storage's form upload (fields `token`, `key`, then
/// `file`). The token is checked before a byte of the file is stored; the file goes to a
/// temporary file and is moved into place only when complete and within the limits.
async fn upload(state: web::Data<AppState>, mut form: Multipart) -> Result<HttpResponse, ApiError> {
    let local = state
        .storage
        .local()
        .ok_or_else(|| ApiError::NotFound("uploads go to the bucket".into()))?;
    let mut token: Option<String> = None;
    let mut key: Option<String> = None;
    let mut fields = 0;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(form_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" {
            fields += 1;
            if fields > MAX_FIELDS {
                return Err(bad_form(format!(
                    "at most {MAX_FIELDS} form fields may come before the file"
                )));
            }
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(form_error)?;
                if value.len() + chunk.len() > FIELD_LIMIT {
                    return Err(bad_form(format!("form field {name} is too long")));
                }
                value.extend_from_slice(&chunk);
            }
            let value = String::from_utf8(value)
                .map_err(|_| bad_form(format!("form field {name} is not text")))?;
            match name.as_str() {
                "token" => token = Some(value),
                "key" => key = Some(value),
                _ => {}
            }
            continue;
        }
        let raw_token = token.as_deref().ok_or_else(|| {
            upload_error(crate::adapters::storage::StorageError::BadToken(
                "the token must come before the file",
            ))
        })?;
        let now = state.clock.now().timestamp();
        let permit = local
            .check_upload_token(raw_token, key.as_deref(), now)
            .map_err(upload_error)?;
        let mime = field.content_type().map_or_else(
            || "application/octet-stream".to_owned(),
            ToString::to_string,
        );
        let object = local
            .store_stream(&permit, &mime, &mut field)
            .await
            .map_err(upload_error)?;
        let attached = media::attach(&state, object).await?;
        return Ok(HttpResponse::Ok().json(attached));
    }
    Err(bad_form("file is not specified in multipart".into()))
}

/// A form that could not be read: a client that stopped sending is a client abort (logged as
/// a warning), anything else a malformed form.
fn form_error(err: actix_multipart::MultipartError) -> ApiError {
    match err {
        actix_multipart::MultipartError::Payload(err) => upload_error(
            crate::adapters::storage::StorageError::Aborted(err.to_string()),
        ),
        other => bad_form(other.to_string()),
    }
}

fn bad_form(msg: String) -> ApiError {
    ApiError::Status {
        status: StatusCode::BAD_REQUEST,
        msg,
    }
}

/// `GET /media/{key}`: a local file, with range requests (videos seek), ETag and
/// Last-Modified. Keys that could leave the media folder, hidden files and folders are 404;
/// private storage also wants a valid, unexpired signature.
async fn file(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let missing = || ApiError::NotFound("no such file".into());
    let local = state.storage.local().ok_or_else(missing)?;
    let encoded = req
        .uri()
        .path()
        .strip_prefix("/media/")
        .ok_or_else(missing)?;
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .map_err(|_| missing())?;
    let key = MediaKey::parse(&decoded).map_err(|_| missing())?;
    if local.is_private() {
        let now = state.clock.now().timestamp();
        local
            .check_link(encoded, req.query_string(), now)
            .map_err(|err| ApiError::Status {
                status: StatusCode::FORBIDDEN,
                msg: err.to_string(),
            })?;
    }
    let path = local.contained_path(&key).map_err(|err| {
        log::warn!("media file refused: {err}");
        missing()
    })?;
    let file = NamedFile::open_async(&path).await.map_err(|_| missing())?;
    if file.metadata().is_dir() {
        return Err(missing());
    }
    let mut response = file
        .use_etag(true)
        .use_last_modified(true)
        .into_response(&req);
    let cache = if local.is_private() {
        "private, max-age=300"
    } else {
        "public, max-age=86400"
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(cache),
    );
    Ok(response)
}

/// Registers the media routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(allow(
        web::resource("/api/v1/admin/media/upload-token").route(web::post().to(upload_token)),
        POST,
    ))
    .service(allow(
        web::resource("/api/v1/media/callback").route(web::post().to(callback)),
        POST,
    ))
    .service(allow(
        web::resource("/api/v1/media/upload").route(web::post().to(upload)),
        POST,
    ))
    .service(allow(
        web::resource("/media/{key:.+}")
            .route(web::get().to(file))
            .route(web::head().to(file)),
        GET,
    ));
}
