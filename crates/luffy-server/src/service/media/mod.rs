//! Course media: links for responses, direct-upload grants, attaching uploaded objects, and
//! the operator's upload and verify commands.

pub mod cli;
mod links;

pub use links::MediaLinks;

use crate::adapters::storage::{StorageError, random_hex};
use crate::api::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::web;
use luffy_db::media::Media;
use luffy_domain::DomainError;
use luffy_domain::media::{MediaStorage, MediaTarget, StoredObject, UploadGrant, UploadRequest};
use serde::Serialize;

/// How long a direct-upload token lives.
const GRANT_TTL_SECS: i64 = 3600;

/// Checks the request and the target, chooses the key, and signs the upload.
pub async fn grant_upload(
    state: &AppState,
    request: UploadRequest,
) -> Result<UploadGrant, ApiError> {
    let kind = request.target.kind();
    let rules = kind.rules();
    let (extension, mime) = kind.file_type(&request.file_name)?;
    if let Some(size) = request.size {
        rules.check(kind, size, mime)?;
    }
    let pool = state.pool.clone();
    let target = request.target;
    let exists =
        web::block(move || Media::target_exists(&mut *luffy_db::connection(&pool)?, target))
            .await??;
    if !exists {
        return Err(ApiError::NotFound(target.to_string()));
    }
    let key = target.key_for(&random_hex(8), extension)?;
    let deadline = state.clock.now().timestamp() + GRANT_TTL_SECS;
    state
        .storage
        .grant_upload(&key, &rules, deadline)
        .map_err(upload_error)
}

/// What the uploader is told once an object is attached (Qiniu relays a callback's answer).
#[derive(Debug, Serialize)]
pub struct Attached {
    code: u16,
    msg: &'static str,
    key: String,
    hash: String,
    fsize: u64,
    url: String,
}

/// Attaches a verified upload to the row its key names, idempotently.
pub async fn attach(state: &AppState, object: StoredObject) -> Result<Attached, ApiError> {
    let target = MediaTarget::of_key(&object.key).ok_or_else(|| ApiError::Status {
        status: StatusCode::BAD_REQUEST,
        msg: format!("{} is not a media key", object.key),
    })?;
    let kind = target.kind();
    kind.rules()
        .check(kind, object.size, &object.mime)
        .map_err(|err| upload_error(err.into()))?;
    let pool = state.pool.clone();
    let now = state.clock.now().naive_utc();
    let stored = object.clone();
    web::block(move || Media::attach(&mut *luffy_db::connection(&pool)?, target, &stored, now))
        .await??;
    log::info!(
        "media: {} attached to {target} ({} bytes)",
        object.key,
        object.size
    );
    let url = MediaLinks::new(state, Default::default())
        .file(Some(object.key.as_str()))
        .unwrap_or_default();
    Ok(Attached {
        code: crate::api::error::code::OK,
        msg: "ok",
        key: object.key.to_string(),
        hash: object.etag,
        fsize: object.size,
        url,
    })
}

/// The HTTP answer to a failed upload or callback: uploaders go by the status.
pub fn upload_error(err: StorageError) -> ApiError {
    let status = match &err {
        StorageError::Refused(DomainError::Invalid { field: "size", .. }) => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        StorageError::Refused(DomainError::Invalid {
            field: "mime" | "filename",
            ..
        }) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        StorageError::Refused(_) | StorageError::MalformedCallback(_) => StatusCode::BAD_REQUEST,
        StorageError::Forged | StorageError::BadToken(_) => StatusCode::UNAUTHORIZED,
        StorageError::Exists(_) => StatusCode::CONFLICT,
        StorageError::Unsupported(_) => StatusCode::NOT_FOUND,
        StorageError::Aborted(reason) => {
            log::warn!("upload aborted by the client: {reason}");
            StatusCode::BAD_REQUEST
        }
        StorageError::Symlink(path) => {
            log::warn!("media path {path} goes through a symbolic link: refused");
            StatusCode::FORBIDDEN
        }
        StorageError::HashMismatch { .. }
        | StorageError::Settings(_)
        | StorageError::Io(_)
        | StorageError::Qiniu(_) => return ApiError::Internal(err.to_string()),
    };
    ApiError::Status {
        status,
        msg: err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_abort_is_the_client_s_failure_not_a_server_fault() {
        let answer = upload_error(StorageError::Aborted("connection reset".into()));
        assert!(
            matches!(
                answer,
                ApiError::Status {
                    status: StatusCode::BAD_REQUEST,
                    ..
                }
            ),
            "{answer:?}"
        );
        let answer = upload_error(StorageError::Symlink("media/x".into()));
        assert!(matches!(
            answer,
            ApiError::Status {
                status: StatusCode::FORBIDDEN,
                ..
            }
        ));
        assert!(matches!(
            upload_error(StorageError::Io(std::io::Error::other("disk full"))),
            ApiError::Internal(_)
        ));
    }
}
