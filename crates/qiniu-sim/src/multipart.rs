//! Resumable v2: `/buckets/{bucket}/objects/{key}/uploads[/{id}[/{part}]]`.

use std::collections::BTreeMap;
use std::io::Write;

use actix_web::{HttpRequest, HttpResponse, web};
use qiniu_sdk::UploadToken;
use qiniu_sdk::credentials::decode_base64_any;
use qiniu_sdk::etag::etag_from_parts;
use qiniu_sdk::urlsafe_base64;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{check_deadline, resolve_key, up_token_from_header};
use crate::commit::{Incoming, commit};
use crate::error::SimError;
use crate::receive::{drain, receive_to_file};
use crate::state::{SimState, StoredPart, Upload, lock};

const MIN_PART: u64 = 1024 * 1024;
const MAX_PART: u64 = 1024 * 1024 * 1024;
const MAX_PART_NUMBER: u32 = 10_000;

fn decode_key(encoded: &str) -> Result<Option<String>, SimError> {
    if encoded == "~" {
        return Ok(None);
    }
    let raw =
        decode_base64_any(encoded).ok_or_else(|| SimError::bad_request("invalid object key"))?;
    String::from_utf8(raw)
        .map(Some)
        .map_err(|_| SimError::bad_request("invalid object key"))
}

/// Checks the token, the bucket against its scope and the key; returns token, bucket and key.
fn authorize(
    state: &SimState,
    req: &HttpRequest,
    bucket: &str,
    encoded_key: &str,
) -> Result<(UploadToken, Option<String>), SimError> {
    let token = up_token_from_header(state, req)?;
    if token.bucket() != bucket {
        return Err(SimError::new(403, "bucket doesn't match with scope"));
    }
    let key = decode_key(encoded_key)?;
    let key = resolve_key(&token, key.as_deref())?;
    Ok((token, key))
}

/// The upload `id` of `bucket`, unless it is unknown, expired (on the simulator's clock) or
/// forcibly expired (404 `no such uploadId`).
fn live_upload<'a>(
    uploads: &'a mut std::collections::HashMap<String, Upload>,
    id: &str,
    bucket: &str,
    now_secs: u64,
) -> Result<&'a mut Upload, SimError> {
    match uploads.get_mut(id) {
        Some(u) if !u.expired && u.expire_at >= now_secs && u.bucket == bucket => Ok(u),
        _ => Err(SimError::not_found("no such uploadId")),
    }
}

/// `POST …/uploads`: starts an upload.
pub async fn init(
    state: web::Data<SimState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, SimError> {
    let (bucket, encoded_key) = path.into_inner();
    let (token, key) = authorize(&state, &req, &bucket, &encoded_key)?;
    check_deadline(&state, &token)?;
    let id = format!("sim{:08x}{:016x}", state.next_id(), state.now_put_time());
    let expire_at = state
        .now_secs()
        .saturating_add(state.config.upload_id_ttl.as_secs());
    std::fs::create_dir_all(state.config.data_dir.join("parts").join(&id))?;
    lock(&state.uploads).insert(
        id.clone(),
        Upload {
            bucket,
            key,
            expire_at,
            expired: false,
            parts: BTreeMap::new(),
        },
    );
    Ok(HttpResponse::Ok().json(json!({"uploadId": id, "expireAt": expire_at})))
}

/// `PUT …/uploads/{id}/{part}`: stores one part (after the delay set by
/// [`SimState::delay_parts`], if any).
pub async fn upload_part(
    state: web::Data<SimState>,
    req: HttpRequest,
    path: web::Path<(String, String, String, u32)>,
    payload: web::Payload,
) -> Result<HttpResponse, SimError> {
    state
        .part_requests
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    // The delay comes before the body is read, as if the part were still on its way.
    state.wait_part_delay().await;
    let (bucket, encoded_key, id, number) = path.into_inner();
    let checked = authorize(&state, &req, &bucket, &encoded_key).and_then(|_| {
        if !(1..=MAX_PART_NUMBER).contains(&number) {
            return Err(SimError::bad_request("invalid part number"));
        }
        live_upload(&mut lock(&state.uploads), &id, &bucket, state.now_secs()).map(|_| ())
    });
    if let Err(err) = checked {
        drain(payload).await;
        return Err(err);
    }
    if let Some(status) = state.take_part_failure(number) {
        drain(payload).await;
        return Err(SimError::new(
            status,
            format!("injected failure for part {number}"),
        ));
    }
    let part_dir = state.config.data_dir.join("parts").join(&id);
    let temp_path = state.temp_path();
    let received = receive_to_file(payload, &temp_path, MAX_PART, false).await?;
    let expected_md5 = req
        .headers()
        .get("Content-MD5")
        .and_then(|v| v.to_str().ok());
    if expected_md5.is_some_and(|md5| !md5.eq_ignore_ascii_case(&received.md5)) {
        let _ = std::fs::remove_file(&temp_path);
        return Err(SimError::new(406, "content md5 mismatch"));
    }
    let final_path = part_dir.join(number.to_string());
    let etag = urlsafe_base64(&received.part.digest);
    {
        let mut uploads = lock(&state.uploads);
        let upload = match live_upload(&mut uploads, &id, &bucket, state.now_secs()) {
            Ok(upload) => upload,
            Err(err) => {
                let _ = std::fs::remove_file(&temp_path);
                return Err(err);
            }
        };
        std::fs::rename(&temp_path, &final_path)?;
        upload.parts.insert(
            number,
            StoredPart {
                size: received.size,
                etag: etag.clone(),
                md5: received.md5.clone(),
                digest: received.part,
                path: final_path,
                put_time: state.now_put_time(),
            },
        );
    }
    state
        .parts_stored
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    Ok(HttpResponse::Ok().json(json!({"etag": etag, "md5": received.md5})))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompletePart {
    etag: String,
    part_number: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompleteBody {
    parts: Vec<CompletePart>,
    #[serde(default)]
    fname: Option<String>,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    custom_vars: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    metadata: Option<BTreeMap<String, Value>>,
}

fn stringify(map: Option<BTreeMap<String, Value>>) -> Vec<(String, String)> {
    map.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect()
}

/// `POST …/uploads/{id}`: assembles the listed parts into the object.
pub async fn complete(
    state: web::Data<SimState>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, SimError> {
    let (bucket, encoded_key, id) = path.into_inner();
    let (token, key) = authorize(&state, &req, &bucket, &encoded_key)?;
    let request: CompleteBody = serde_json::from_slice(&body)
        .map_err(|e| SimError::bad_request(format!("invalid complete body: {e}")))?;
    if request.parts.is_empty() {
        return Err(SimError::bad_request("no parts"));
    }
    let parts: Vec<StoredPart> = {
        let mut uploads = lock(&state.uploads);
        let upload = live_upload(&mut uploads, &id, &bucket, state.now_secs())?;
        let mut previous = 0;
        let mut chosen = Vec::with_capacity(request.parts.len());
        for wanted in &request.parts {
            if wanted.part_number <= previous {
                return Err(SimError::bad_request("parts must be in ascending order"));
            }
            previous = wanted.part_number;
            match upload.parts.get(&wanted.part_number) {
                Some(part) if part.etag == wanted.etag => chosen.push(part.clone()),
                _ => {
                    return Err(SimError::bad_request(format!(
                        "invalid part {}",
                        wanted.part_number
                    )));
                }
            }
        }
        if let Some((_, rest)) = chosen.split_last()
            && rest.iter().any(|p| p.size < MIN_PART)
        {
            return Err(SimError::bad_request(
                "part too small (non-last parts need 1 MiB)",
            ));
        }
        chosen
    };
    let temp_path = state.temp_path();
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&temp_path)?);
        for part in &parts {
            let mut input = std::fs::File::open(&part.path)?;
            std::io::copy(&mut input, &mut out)?;
        }
        out.flush()?;
    }
    let digests: Vec<_> = parts.iter().map(|p| p.digest).collect();
    let incoming = Incoming {
        bucket: bucket.clone(),
        key,
        temp_path,
        fsize: parts.iter().map(|p| p.size).sum(),
        hash: etag_from_parts(&digests),
        mime_type: request
            .mime_type
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "application/octet-stream".into()),
        fname: request.fname.unwrap_or_default(),
        custom_vars: stringify(request.custom_vars),
        metadata: stringify(request.metadata).into_iter().collect(),
    };
    let response = commit(&state, &token, incoming).await;
    let stored = response.is_ok() || matches!(&response, Err(e) if e.status == 579);
    if stored {
        remove_upload(&state, &id);
    }
    response
}

fn remove_upload(state: &SimState, id: &str) {
    lock(&state.uploads).remove(id);
    let _ = std::fs::remove_dir_all(state.config.data_dir.join("parts").join(id));
}

/// `DELETE …/uploads/{id}`: aborts an upload.
pub async fn abort(
    state: web::Data<SimState>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, SimError> {
    let (bucket, encoded_key, id) = path.into_inner();
    authorize(&state, &req, &bucket, &encoded_key)?;
    live_upload(&mut lock(&state.uploads), &id, &bucket, state.now_secs())?;
    remove_upload(&state, &id);
    Ok(HttpResponse::Ok().json(json!({})))
}

/// Query of the list-parts call.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(rename = "max-parts")]
    max_parts: Option<usize>,
    #[serde(rename = "part-number-marker")]
    part_number_marker: Option<u32>,
}

/// `GET …/uploads/{id}`: lists received parts.
pub async fn list_parts(
    state: web::Data<SimState>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, SimError> {
    let (bucket, encoded_key, id) = path.into_inner();
    authorize(&state, &req, &bucket, &encoded_key)?;
    let mut uploads = lock(&state.uploads);
    let upload = live_upload(&mut uploads, &id, &bucket, state.now_secs())?;
    let max = query.max_parts.unwrap_or(1000).clamp(1, 1000);
    let after = query.part_number_marker.unwrap_or(0);
    let page: Vec<(&u32, &StoredPart)> = upload.parts.range(after + 1..).take(max).collect();
    let has_more = upload.parts.range(after + 1..).nth(max).is_some();
    let marker = if has_more {
        page.last().map_or(0, |(n, _)| **n)
    } else {
        0
    };
    let parts: Vec<Value> = page
        .iter()
        .map(|(n, p)| json!({"size": p.size, "etag": p.etag, "partNumber": n, "putTime": p.put_time / 10_000_000}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "uploadId": id,
        "expireAt": upload.expire_at,
        "partNumberMarker": marker,
        "parts": parts,
    })))
}
