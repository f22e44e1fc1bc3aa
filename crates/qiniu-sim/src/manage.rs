//! rs/rsf endpoints: stat, delete, move, copy, list.

use actix_web::{HttpRequest, HttpResponse, web};
use qiniu_sdk::credentials::decode_base64_any;
use qiniu_sdk::urlsafe_base64;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::verify_management;
use crate::error::SimError;
use crate::state::{SimState, StoredObject, lock};

fn decode_entry(state: &SimState, entry: &str) -> Result<(String, String), SimError> {
    let raw = decode_base64_any(entry).ok_or_else(|| SimError::bad_request("invalid entry"))?;
    let text = String::from_utf8(raw).map_err(|_| SimError::bad_request("invalid entry"))?;
    let (bucket, key) = text
        .split_once(':')
        .ok_or_else(|| SimError::bad_request("entry has no key"))?;
    if !state.bucket_exists(bucket) {
        return Err(SimError::new(631, "no such bucket"));
    }
    Ok((bucket.to_owned(), key.to_owned()))
}

fn object_json(o: &StoredObject) -> Value {
    json!({"fsize": o.fsize, "hash": o.hash, "mimeType": o.mime_type, "putTime": o.put_time, "type": 0})
}

/// `POST /stat/{entry}`.
pub async fn stat(
    state: web::Data<SimState>,
    req: HttpRequest,
    entry: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, SimError> {
    verify_management(&state, &req, &body)?;
    let (bucket, key) = decode_entry(&state, &entry)?;
    let object = state
        .object(&bucket, &key)
        .ok_or_else(|| SimError::not_found("no such file or directory"))?;
    Ok(HttpResponse::Ok().json(object_json(&object)))
}

/// `POST /delete/{entry}`.
pub async fn delete(
    state: web::Data<SimState>,
    req: HttpRequest,
    entry: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, SimError> {
    verify_management(&state, &req, &body)?;
    let (bucket, key) = decode_entry(&state, &entry)?;
    let removed = lock(&state.objects).remove(&(bucket, key));
    let object = removed.ok_or_else(|| SimError::not_found("no such file or directory"))?;
    let _ = std::fs::remove_file(&object.path);
    Ok(HttpResponse::Ok().json(json!({})))
}

fn transfer(
    state: &SimState,
    src: &str,
    dst: &str,
    force: bool,
    keep_source: bool,
) -> Result<HttpResponse, SimError> {
    let (src_bucket, src_key) = decode_entry(state, src)?;
    let (dst_bucket, dst_key) = decode_entry(state, dst)?;
    let mut objects = lock(&state.objects);
    let source = objects
        .get(&(src_bucket.clone(), src_key.clone()))
        .cloned()
        .ok_or_else(|| SimError::not_found("no such file or directory"))?;
    let dst_id = (dst_bucket.clone(), dst_key.clone());
    if (src_bucket.as_str(), src_key.as_str()) == (dst_bucket.as_str(), dst_key.as_str()) {
        return Ok(HttpResponse::Ok().json(json!({})));
    }
    if objects.contains_key(&dst_id) && !force {
        return Err(SimError::new(614, "file exists"));
    }
    let path = state.object_path(&dst_bucket, &dst_key);
    if keep_source {
        std::fs::copy(&source.path, &path)?;
    } else {
        std::fs::rename(&source.path, &path)?;
        objects.remove(&(src_bucket, src_key));
    }
    objects.insert(
        dst_id,
        StoredObject {
            bucket: dst_bucket,
            key: dst_key,
            path,
            put_time: state.now_put_time(),
            ..source
        },
    );
    Ok(HttpResponse::Ok().json(json!({})))
}

fn parse_force(force: Option<&str>) -> bool {
    force.is_some_and(|f| f == "true" || f == "1")
}

/// `POST /move/{src}/{dst}[/force/{bool}]`.
pub async fn move_object(
    state: web::Data<SimState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, SimError> {
    verify_management(&state, &req, &body)?;
    let info = req.match_info();
    let (src, dst) = (info.get("src").unwrap_or(""), info.get("dst").unwrap_or(""));
    transfer(&state, src, dst, parse_force(info.get("force")), false)
}

/// `POST /copy/{src}/{dst}[/force/{bool}]`.
pub async fn copy_object(
    state: web::Data<SimState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, SimError> {
    verify_management(&state, &req, &body)?;
    let info = req.match_info();
    let (src, dst) = (info.get("src").unwrap_or(""), info.get("dst").unwrap_or(""));
    transfer(&state, src, dst, parse_force(info.get("force")), true)
}

/// Query of `GET /list`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    bucket: String,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    marker: String,
    limit: Option<usize>,
    #[serde(default)]
    delimiter: String,
}

/// `GET|POST /list?bucket=&prefix=&marker=&limit=&delimiter=`.
pub async fn list(
    state: web::Data<SimState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, SimError> {
    verify_management(&state, &req, &body)?;
    if !state.bucket_exists(&query.bucket) {
        return Err(SimError::new(631, "no such bucket"));
    }
    let after = if query.marker.is_empty() {
        None
    } else {
        let raw = decode_base64_any(&query.marker)
            .ok_or_else(|| SimError::bad_request("invalid marker"))?;
        Some(String::from_utf8(raw).map_err(|_| SimError::bad_request("invalid marker"))?)
    };
    let limit = query.limit.unwrap_or(1000).clamp(1, 1000);
    let objects = lock(&state.objects);
    let mut items = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    let mut last_key = None;
    let mut more = false;
    let candidates = objects
        .values()
        .filter(|o| o.bucket == query.bucket && o.key.starts_with(&query.prefix))
        .filter(|o| after.as_ref().is_none_or(|a| o.key.as_str() > a.as_str()));
    for object in candidates {
        if items.len() + prefixes.len() >= limit {
            more = true;
            break;
        }
        last_key = Some(object.key.clone());
        let rest = object.key.get(query.prefix.len()..).unwrap_or("");
        if !query.delimiter.is_empty()
            && let Some(pos) = rest.find(&query.delimiter)
        {
            let common = format!(
                "{}{}",
                query.prefix,
                rest.get(..pos + query.delimiter.len()).unwrap_or("")
            );
            if !prefixes.contains(&common) {
                prefixes.push(common);
            }
            continue;
        }
        items.push(json!({
            "key": object.key, "hash": object.hash, "fsize": object.fsize,
            "mimeType": object.mime_type, "putTime": object.put_time, "type": 0,
        }));
    }
    let marker = match (more, last_key) {
        (true, Some(key)) => urlsafe_base64(key.as_bytes()),
        _ => String::new(),
    };
    Ok(HttpResponse::Ok()
        .json(json!({"marker": marker, "items": items, "commonPrefixes": prefixes})))
}
