//! `POST /`: form upload.

use std::collections::BTreeMap;

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;

use crate::auth::{resolve_key, verify_upload_token};
use crate::commit::{Incoming, commit};
use crate::error::SimError;
use crate::receive::{Received, drain, receive_to_file};
use crate::state::SimState;

/// Form uploads are capped at 1 GiB like Qiniu's.
const FORM_LIMIT: u64 = 1024 * 1024 * 1024;
const FIELD_LIMIT: usize = 64 * 1024;

struct FilePart {
    received: Received,
    file_name: String,
    content_type: Option<String>,
    temp_path: std::path::PathBuf,
}

/// Handles a multipart/form-data upload; fields may come in any order.
pub async fn upload(
    state: web::Data<SimState>,
    mut payload: Multipart,
) -> Result<HttpResponse, SimError> {
    state
        .form_requests
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if let Some(status) = state.take_form_failure() {
        while let Some(Ok(field)) = payload.next().await {
            drain(field).await;
        }
        return Err(SimError::new(status, "injected failure"));
    }
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut file: Option<FilePart> = None;
    let result = async {
        while let Some(field) = payload.next().await {
            let mut field = field.map_err(|e| SimError::bad_request(format!("bad form: {e}")))?;
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                let file_name = field
                    .content_disposition()
                    .and_then(|cd| cd.get_filename())
                    .unwrap_or_default()
                    .to_owned();
                let content_type = field.content_type().map(ToString::to_string);
                let temp_path = state.temp_path();
                let received = receive_to_file(&mut field, &temp_path, FORM_LIMIT, true).await?;
                file = Some(FilePart {
                    received,
                    file_name,
                    content_type,
                    temp_path,
                });
            } else {
                let mut value = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(|e| SimError::bad_request(e.to_string()))?;
                    if value.len() + chunk.len() > FIELD_LIMIT {
                        return Err(SimError::bad_request("form field too large"));
                    }
                    value.extend_from_slice(&chunk);
                }
                fields.insert(name, String::from_utf8_lossy(&value).into_owned());
            }
        }
        Ok(())
    }
    .await;
    let outcome = match result {
        Ok(()) => finish(&state, fields, file.as_ref()).await,
        Err(e) => Err(e),
    };
    if outcome.is_err()
        && let Some(file) = &file
    {
        let _ = std::fs::remove_file(&file.temp_path);
    }
    outcome
}

async fn finish(
    state: &SimState,
    fields: BTreeMap<String, String>,
    file: Option<&FilePart>,
) -> Result<HttpResponse, SimError> {
    let raw_token = fields
        .get("token")
        .ok_or_else(|| SimError::new(401, "token not specified"))?;
    let token = verify_upload_token(state, raw_token)?;
    let file = file.ok_or_else(|| SimError::bad_request("file is not specified in multipart"))?;
    if let Some(crc) = fields.get("crc32")
        && crc.trim() != file.received.crc32.to_string()
    {
        return Err(SimError::new(406, "crc32 not match"));
    }
    let key = resolve_key(&token, fields.get("key").map(String::as_str))?;
    let custom_vars = fields
        .iter()
        .filter(|(k, _)| k.starts_with("x:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let metadata = fields
        .iter()
        .filter(|(k, _)| k.starts_with("x-qn-meta-"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let incoming = Incoming {
        bucket: token.bucket().to_owned(),
        key,
        temp_path: file.temp_path.clone(),
        fsize: file.received.size,
        hash: file.received.etag.clone().unwrap_or_default(),
        mime_type: file
            .content_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".into()),
        fname: file.file_name.clone(),
        custom_vars,
        metadata,
    };
    commit(state, &token, incoming).await
}
