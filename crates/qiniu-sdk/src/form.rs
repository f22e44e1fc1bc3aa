//! Form upload: one `multipart/form-data` POST, streamed from disk, with CRC32 and progress.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream};
use reqwest::multipart::{Form, Part};
use tokio_util::io::ReaderStream;

use crate::client::{Client, UploadParams, UploadResponse, check_hash, read_json};
use crate::etag::EtagHasher;
use crate::progress::Progress;
use crate::retry::with_failover;
use crate::{Error, Result};

const CHUNK: usize = 64 * 1024;

/// What a form upload sends.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    File(PathBuf),
    Bytes(Bytes),
}

struct Summary {
    size: u64,
    crc32: u32,
    etag: String,
}

fn summarize_reader(mut reader: impl Read) -> std::io::Result<Summary> {
    let mut crc = crc32fast::Hasher::new();
    let mut etag = EtagHasher::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 1024 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        crc.update(chunk);
        etag.update(chunk);
        size += n as u64;
    }
    Ok(Summary {
        size,
        crc32: crc.finalize(),
        etag: etag.finish(),
    })
}

async fn summarize(source: &Source) -> Result<Summary> {
    match source {
        Source::Bytes(data) => Ok(summarize_reader(&data[..])?),
        Source::File(path) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || summarize_reader(std::fs::File::open(path)?))
                .await
                .map_err(|e| Error::Io(std::io::Error::other(e)))?
                .map_err(Error::from)
        }
    }
}

/// Shared progress state across attempts: reports stay monotonic and cancellation sticks.
struct Tracker {
    params: UploadParams,
    total: u64,
    reported: AtomicU64,
    cancelled: AtomicBool,
}

impl Tracker {
    fn advance(&self, sent_in_attempt: u64) -> bool {
        let previous = self.reported.fetch_max(sent_in_attempt, Ordering::SeqCst);
        if sent_in_attempt > previous {
            let progress = Progress {
                uploaded: sent_in_attempt,
                total: self.total,
                completed_part: None,
            };
            if self.params.report(progress).is_err() {
                self.cancelled.store(true, Ordering::SeqCst);
                return false;
            }
        }
        true
    }
}

async fn open_stream(
    source: &Source,
) -> Result<std::pin::Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>> {
    Ok(match source {
        Source::Bytes(data) => {
            let data = data.clone();
            let chunks: Vec<Bytes> = (0..data.len())
                .step_by(CHUNK)
                .map(|start| data.slice(start..(start + CHUNK).min(data.len())))
                .collect();
            Box::pin(stream::iter(chunks.into_iter().map(Ok)))
        }
        Source::File(path) => {
            let file = tokio::fs::File::open(path).await?;
            Box::pin(ReaderStream::with_capacity(file, CHUNK))
        }
    })
}

fn with_progress(
    inner: std::pin::Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>,
    tracker: Arc<Tracker>,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send {
    let mut sent = 0u64;
    inner.map(move |chunk| {
        let chunk = chunk?;
        sent += chunk.len() as u64;
        if tracker.advance(sent) {
            Ok(chunk)
        } else {
            Err(std::io::Error::other("upload cancelled"))
        }
    })
}

pub(crate) async fn upload(
    client: &Client,
    token: &str,
    source: Source,
    params: UploadParams,
) -> Result<UploadResponse> {
    let summary = summarize(&source).await?;
    let file_name = params.file_name.clone().unwrap_or_else(|| match &source {
        Source::File(path) => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        Source::Bytes(_) => params.key.clone().unwrap_or_else(|| "blob".into()),
    });
    let mime = params
        .mime_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let tracker = Arc::new(Tracker {
        params: params.clone(),
        total: summary.size,
        reported: AtomicU64::new(0),
        cancelled: AtomicBool::new(false),
    });
    let inner = &client.inner;
    let result = with_failover(inner.region.up_hosts(), &inner.retry, |host| {
        let source = source.clone();
        let tracker = tracker.clone();
        let params = &params;
        let file_name = file_name.clone();
        let mime = mime.clone();
        let token = token.to_owned();
        let crc32 = summary.crc32;
        let size = summary.size;
        async move {
            if tracker.cancelled.load(Ordering::SeqCst) {
                return Err(Error::Cancelled);
            }
            let mut form = Form::new().text("token", token);
            if let Some(key) = &params.key {
                form = form.text("key", key.clone());
            }
            if size > 0 {
                form = form.text("crc32", crc32.to_string());
            }
            for (name, value) in params.custom_vars.iter().chain(&params.metadata) {
                form = form.text(name.clone(), value.clone());
            }
            let body = reqwest::Body::wrap_stream(with_progress(
                open_stream(&source).await?,
                tracker.clone(),
            ));
            let part = Part::stream_with_length(body, size)
                .file_name(file_name)
                .mime_str(&mime)?;
            form = form.part("file", part);
            let response = client
                .inner
                .http
                .post(format!("{host}/"))
                .multipart(form)
                .send()
                .await;
            match response {
                Err(_) if tracker.cancelled.load(Ordering::SeqCst) => Err(Error::Cancelled),
                response => read_json(response?).await,
            }
        }
    })
    .await;
    if tracker.cancelled.load(Ordering::SeqCst) {
        return Err(Error::Cancelled);
    }
    let (body, request_id) = result?;
    if summary.size == 0 {
        params.report(Progress {
            uploaded: 0,
            total: 0,
            completed_part: None,
        })?;
    }
    let response = UploadResponse { body, request_id };
    check_hash(client, &response, &summary.etag)?;
    Ok(response)
}
