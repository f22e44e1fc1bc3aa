//! The resumable v2 flow: init, concurrent parts with retry, complete, resume and restart.

use std::collections::BTreeMap;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::client::{Client, UploadParams, UploadResponse, check_hash, read_json};
use crate::credentials::{decode_base64_any, urlsafe_base64};
use crate::etag::{PartDigest, etag_from_parts};
use crate::progress::Progress;
use crate::resumable::part::{PreparedPart, prepare_part};
use crate::resumable::part_size::{choose_part_size, part_count, validate_part_size};
use crate::resumable::record::{self, FileIdentity, RECORD_VERSION, RecordedPart, UploadRecord};
use crate::retry::with_failover;
use crate::token::UploadToken;
use crate::{Error, Result};

/// Records whose upload id expires within this many seconds are not resumed.
const EXPIRY_MARGIN_SECS: u64 = 3600;

/// `b64url(key)` with padding, or `~` for no key.
pub(crate) fn encoded_object_key(key: Option<&str>) -> String {
    match key {
        Some(k) if !k.is_empty() => urlsafe_base64(k.as_bytes()),
        _ => "~".to_owned(),
    }
}

struct Job {
    client: Client,
    token: String,
    path: PathBuf,
    file_size: u64,
    part_size: u64,
    uploads_path: String,
}

impl Job {
    fn authorization(&self) -> String {
        format!("UpToken {}", self.token)
    }
}

fn join_error(e: tokio::task::JoinError) -> Error {
    Error::Io(std::io::Error::other(e))
}

pub(crate) async fn upload_file(
    client: &Client,
    token: &str,
    path: &Path,
    params: UploadParams,
) -> Result<UploadResponse> {
    let parsed = UploadToken::parse(token)?;
    let file = {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || FileIdentity::of(&path))
            .await
            .map_err(join_error)??
    };
    let config = &client.inner.upload;
    let part_size = match config.part_size {
        Some(size) => validate_part_size(size, file.size)?,
        None => choose_part_size(file.size)?,
    };
    let key = params.key.clone();
    let record_path = config.record_dir.as_ref().map(|dir| {
        record::record_path(
            dir,
            parsed.access_key(),
            parsed.bucket(),
            key.as_deref(),
            &file.path,
        )
    });
    let job = Arc::new(Job {
        client: client.clone(),
        token: token.to_owned(),
        path: PathBuf::from(&file.path),
        file_size: file.size,
        part_size,
        uploads_path: format!(
            "/buckets/{}/objects/{}/uploads",
            parsed.bucket(),
            encoded_object_key(key.as_deref())
        ),
    });
    let now = client.inner.clock.unix_secs();
    let resumable = record_path.as_deref().and_then(record::load).filter(|r| {
        r.file == file
            && r.part_size == part_size
            && r.bucket == parsed.bucket()
            && r.key == key
            && r.expire_at > now + EXPIRY_MARGIN_SECS
    });
    let resumed = match resumable {
        Some(mut record) => match keep_parts_the_server_has(&job, &mut record).await {
            Ok(()) => Some(record),
            Err(Error::NotFound(api)) => {
                log::info!("recorded upload id is gone ({api}); starting over");
                None
            }
            Err(err) => return Err(err),
        },
        None => None,
    };
    let mut state = match resumed {
        Some(record) => record,
        None => new_upload(&job, parsed.bucket(), key.clone(), file.clone()).await?,
    };
    let mut restarted = false;
    loop {
        if let Some(path) = &record_path {
            save_record(path, &state).await?;
        }
        match run(&job, &mut state, record_path.as_deref(), &params).await {
            Err(Error::NotFound(api)) if !restarted => {
                log::warn!(
                    "upload id {} unknown or expired ({api}); restarting",
                    state.upload_id
                );
                restarted = true;
                state = new_upload(&job, parsed.bucket(), key.clone(), file.clone()).await?;
            }
            Err(err) => return Err(err),
            Ok(response) => {
                if let Some(path) = &record_path {
                    record::remove(path)?;
                }
                return Ok(response);
            }
        }
    }
}

async fn save_record(path: &Path, state: &UploadRecord) -> Result<()> {
    let path = path.to_path_buf();
    let state = state.clone();
    tokio::task::spawn_blocking(move || record::save(&path, &state))
        .await
        .map_err(join_error)??;
    Ok(())
}

async fn new_upload(
    job: &Job,
    bucket: &str,
    key: Option<String>,
    file: FileIdentity,
) -> Result<UploadRecord> {
    let inner = &job.client.inner;
    let (body, _) = with_failover(inner.region.up_hosts(), &inner.retry, |host| async move {
        let response = inner
            .http
            .post(format!("{host}{}", job.uploads_path))
            .header("Authorization", job.authorization())
            .header("Content-Length", "0")
            .send()
            .await?;
        read_json(response).await
    })
    .await?;
    let upload_id = body
        .get("uploadId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Error::UnexpectedResponse(format!("init without uploadId: {body}")))?;
    Ok(UploadRecord {
        version: RECORD_VERSION,
        bucket: bucket.to_owned(),
        key,
        file,
        part_size: job.part_size,
        upload_id: upload_id.to_owned(),
        expire_at: body.get("expireAt").and_then(Value::as_u64).unwrap_or(0),
        parts: Vec::new(),
    })
}

/// Lists the parts the server holds for a recorded upload and forgets recorded parts it does
/// not have (or has with another etag). A 612 means the upload id is gone.
async fn keep_parts_the_server_has(job: &Job, record: &mut UploadRecord) -> Result<()> {
    let inner = &job.client.inner;
    let mut on_server = std::collections::HashMap::new();
    let mut marker = 0u64;
    loop {
        let url_path = format!(
            "{}/{}?max-parts=1000&part-number-marker={marker}",
            job.uploads_path, record.upload_id
        );
        let (page, _) = with_failover(inner.region.up_hosts(), &inner.retry, |host| {
            let url = format!("{host}{url_path}");
            async move {
                let response = inner
                    .http
                    .get(url)
                    .header("Authorization", job.authorization())
                    .send()
                    .await?;
                read_json(response).await
            }
        })
        .await?;
        for part in page
            .get("parts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let number = part.get("partNumber").and_then(Value::as_u64);
            let etag = part.get("etag").and_then(Value::as_str);
            if let (Some(number), Some(etag)) = (number, etag) {
                on_server.insert(number, etag.to_owned());
            }
        }
        let next = page
            .get("partNumberMarker")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if next <= marker {
            break;
        }
        marker = next;
    }
    record
        .parts
        .retain(|p| on_server.get(&u64::from(p.part_number)) == Some(&p.etag));
    Ok(())
}

async fn run(
    job: &Arc<Job>,
    state: &mut UploadRecord,
    record_path: Option<&Path>,
    params: &UploadParams,
) -> Result<UploadResponse> {
    let total_parts = u32::try_from(part_count(job.file_size, job.part_size))
        .map_err(|_| Error::InvalidArgument("too many parts".into()))?;
    let done: std::collections::BTreeSet<u32> = state.parts.iter().map(|p| p.part_number).collect();
    let mut uploaded: u64 = state.parts.iter().map(|p| p.size).sum();
    params.report(Progress {
        uploaded,
        total: job.file_size,
        completed_part: None,
    })?;
    let missing: Vec<u32> = (1..=total_parts).filter(|n| !done.contains(n)).collect();
    let upload_id = state.upload_id.clone();
    let concurrency = job.client.inner.upload.concurrency;
    let mut parts = stream::iter(missing)
        .map(|number| upload_part(job.clone(), upload_id.clone(), number))
        .buffer_unordered(concurrency);
    while let Some(part) = parts.next().await {
        let part = part?;
        uploaded += part.size;
        let number = part.part_number;
        state.parts.push(part);
        if let Some(path) = record_path {
            save_record(path, state).await?;
        }
        params.report(Progress {
            uploaded,
            total: job.file_size,
            completed_part: Some(number),
        })?;
    }
    drop(parts);
    complete(job, state, params).await
}

async fn part_body(job: &Job, prepared: &PreparedPart, offset: u64) -> Result<reqwest::Body> {
    if let Some(data) = &prepared.data {
        return Ok(reqwest::Body::from(data.clone()));
    }
    let mut file = tokio::fs::File::open(&job.path).await?;
    file.seek(SeekFrom::Start(offset)).await?;
    let limited = file.take(prepared.size);
    Ok(reqwest::Body::wrap_stream(ReaderStream::with_capacity(
        limited,
        64 * 1024,
    )))
}

async fn upload_part(job: Arc<Job>, upload_id: String, number: u32) -> Result<RecordedPart> {
    let offset = u64::from(number - 1) * job.part_size;
    let size = job.part_size.min(job.file_size.saturating_sub(offset));
    let buffer = size <= job.client.inner.upload.max_buffered_part;
    let prepared = {
        let path = job.path.clone();
        tokio::task::spawn_blocking(move || prepare_part(&path, offset, size, buffer))
            .await
            .map_err(join_error)??
    };
    let inner = &job.client.inner;
    let url_path = format!("{}/{upload_id}/{number}", job.uploads_path);
    let (body, _) = with_failover(inner.region.up_hosts(), &inner.retry, |host| {
        let job = &job;
        let prepared = &prepared;
        let url = format!("{host}{url_path}");
        async move {
            let response = inner
                .http
                .put(url)
                .header("Authorization", job.authorization())
                .header("Content-Type", "application/octet-stream")
                .header("Content-MD5", &prepared.md5)
                .header("Content-Length", prepared.size.to_string())
                .body(part_body(job, prepared, offset).await?)
                .send()
                .await?;
            read_json(response).await
        }
    })
    .await?;
    let etag = body
        .get("etag")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| Error::UnexpectedResponse(format!("part {number} without etag: {body}")))?;
    if let Some(server_md5) = body.get("md5").and_then(Value::as_str)
        && !server_md5.eq_ignore_ascii_case(&prepared.md5)
    {
        return Err(Error::UnexpectedResponse(format!(
            "part {number}: server md5 {server_md5} != local {}",
            prepared.md5
        )));
    }
    Ok(RecordedPart {
        part_number: number,
        size: prepared.size,
        etag: etag.to_owned(),
        md5: prepared.md5,
        digest: urlsafe_base64(&prepared.digest.digest),
    })
}

async fn complete(
    job: &Job,
    state: &UploadRecord,
    params: &UploadParams,
) -> Result<UploadResponse> {
    let sorted: BTreeMap<u32, &RecordedPart> =
        state.parts.iter().map(|p| (p.part_number, p)).collect();
    let mut digests = Vec::with_capacity(sorted.len());
    for part in sorted.values() {
        let raw = decode_base64_any(&part.digest).unwrap_or_default();
        let digest: [u8; 20] = raw
            .try_into()
            .map_err(|_| Error::UnexpectedResponse("corrupt part digest in record".into()))?;
        digests.push(PartDigest {
            size: part.size,
            digest,
        });
    }
    let local_etag = etag_from_parts(&digests);
    let file_name = params.file_name.clone().unwrap_or_else(|| {
        job.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let vars = |pairs: &[(String, String)]| -> Value {
        if pairs.is_empty() {
            Value::Null
        } else {
            Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            )
        }
    };
    let body = json!({
        "parts": sorted.values().map(|p| json!({"etag": p.etag, "partNumber": p.part_number})).collect::<Vec<_>>(),
        "fname": file_name,
        "mimeType": params.mime_type,
        "customVars": vars(&params.custom_vars),
        "metadata": vars(&params.metadata),
    });
    let body = serde_json::to_vec(&body).map_err(|e| Error::UnexpectedResponse(e.to_string()))?;
    let inner = &job.client.inner;
    let url_path = format!("{}/{}", job.uploads_path, state.upload_id);
    let (value, request_id) = with_failover(inner.region.up_hosts(), &inner.retry, |host| {
        let body = body.clone();
        let url = format!("{host}{url_path}");
        async move {
            let response = inner
                .http
                .post(url)
                .header("Authorization", job.authorization())
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await?;
            read_json(response).await
        }
    })
    .await?;
    let response = UploadResponse {
        body: value,
        request_id,
    };
    check_hash(&job.client, &response, &local_etag)?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_keys() {
        assert_eq!(encoded_object_key(Some("k")), "aw==");
        assert_eq!(
            encoded_object_key(Some("v/大视频.mp4")),
            "di_lpKfop4bpopEubXA0"
        );
        assert_eq!(encoded_object_key(Some("")), "~");
        assert_eq!(encoded_object_key(None), "~");
    }
}
