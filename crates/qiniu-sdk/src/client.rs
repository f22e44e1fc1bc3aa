//! The async client: configuration, upload entry points and shared HTTP helpers.

use std::fmt;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

use crate::clock::{Clock, SystemClock};
use crate::credentials::Credentials;
use crate::progress::{Progress, ProgressCallback};
use crate::region::Region;
use crate::retry::RetryPolicy;
use crate::{Error, Result};

/// Upload behaviour shared by all uploads of a client.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// Files up to this size use a form upload; larger ones use resumable v2. Default 4 MiB.
    pub form_threshold: u64,
    /// Fixed part size for resumable uploads; `None` picks one from the file size.
    pub part_size: Option<u64>,
    /// Parts uploaded at the same time. Default 4.
    pub concurrency: usize,
    /// Where resume records live; `None` disables resuming.
    pub record_dir: Option<PathBuf>,
    /// Parts up to this size are read once into memory; larger parts are streamed from disk.
    pub max_buffered_part: u64,
    /// Compare the server's `hash` with the local etag. Default true.
    pub verify_hash: bool,
}

impl Default for UploadConfig {
    fn default() -> Self {
        Self {
            form_threshold: 4 * 1024 * 1024,
            part_size: None,
            concurrency: 4,
            record_dir: Some(std::env::temp_dir().join("qiniu-upload-records")),
            max_buffered_part: 16 * 1024 * 1024,
            verify_hash: true,
        }
    }
}

/// Per-upload parameters.
#[derive(Clone, Default)]
pub struct UploadParams {
    pub(crate) key: Option<String>,
    pub(crate) file_name: Option<String>,
    pub(crate) mime_type: Option<String>,
    pub(crate) custom_vars: Vec<(String, String)>,
    pub(crate) metadata: Vec<(String, String)>,
    pub(crate) progress: Option<ProgressCallback>,
}

impl fmt::Debug for UploadParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadParams")
            .field("key", &self.key)
            .field("file_name", &self.file_name)
            .field("mime_type", &self.mime_type)
            .field("custom_vars", &self.custom_vars)
            .field("metadata", &self.metadata)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl UploadParams {
    /// Empty parameters: no key (the server uses `saveKey`, the scope key or the hash).
    pub fn new() -> Self {
        Self::default()
    }
    /// The object key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
    /// The original file name (`$(fname)`); defaults to the file's base name.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }
    /// The MIME type; defaults to `application/octet-stream`.
    pub fn mime_type(mut self, mime: impl Into<String>) -> Self {
        self.mime_type = Some(mime.into());
        self
    }
    /// A custom variable `x:name` (the `x:` prefix is added when missing), usable as `$(x:name)`.
    pub fn custom_var(mut self, name: &str, value: impl Into<String>) -> Self {
        let name = if name.starts_with("x:") {
            name.to_owned()
        } else {
            format!("x:{name}")
        };
        self.custom_vars.push((name, value.into()));
        self
    }
    /// Object metadata `x-qn-meta-name` (the prefix is added when missing).
    pub fn metadata(mut self, name: &str, value: impl Into<String>) -> Self {
        let name = if name.starts_with("x-qn-meta-") {
            name.to_owned()
        } else {
            format!("x-qn-meta-{name}")
        };
        self.metadata.push((name, value.into()));
        self
    }
    /// Progress callback; return `ControlFlow::Break(())` to cancel.
    pub fn on_progress<F>(mut self, callback: F) -> Self
    where
        F: Fn(&Progress) -> ControlFlow<()> + Send + Sync + 'static,
    {
        self.progress = Some(Arc::new(callback));
        self
    }

    pub(crate) fn report(&self, progress: Progress) -> Result<()> {
        match &self.progress {
            Some(cb) if cb(&progress).is_break() => Err(Error::Cancelled),
            _ => Ok(()),
        }
    }
}

/// A successful upload: the server's JSON (`{"hash","key"}`, the `returnBody`, or the callback's answer).
#[derive(Debug, Clone, PartialEq)]
pub struct UploadResponse {
    /// The response body.
    pub body: Value,
    /// The `X-Reqid` header.
    pub request_id: Option<String>,
}

impl UploadResponse {
    /// The `hash` field, if present.
    pub fn hash(&self) -> Option<&str> {
        self.body.get("hash").and_then(Value::as_str)
    }
    /// The `key` field, if present.
    pub fn key(&self) -> Option<&str> {
        self.body.get("key").and_then(Value::as_str)
    }
}

pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    pub(crate) region: Region,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) retry: RetryPolicy,
    pub(crate) upload: UploadConfig,
    pub(crate) clock: Arc<dyn Clock>,
}

/// Qiniu Kodo client. Cheap to clone; holds no global state, so several accounts can coexist.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("region", &self.inner.region)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .field("upload", &self.inner.upload)
            .finish()
    }
}

/// Builds a [`Client`].
#[derive(Debug, Default)]
pub struct ClientBuilder {
    region: Option<Region>,
    credentials: Option<Credentials>,
    retry: RetryPolicy,
    upload: UploadConfig,
    http: Option<reqwest::Client>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
}

impl ClientBuilder {
    /// Hosts to use; defaults to region `z0` over HTTPS.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }
    /// Credentials, needed for object management (uploads only need a token).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }
    /// Retry and failover policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
    /// Upload behaviour.
    pub fn upload_config(mut self, upload: UploadConfig) -> Self {
        self.upload = upload;
        self
    }
    /// A preconfigured `reqwest::Client` (timeouts below are then ignored).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
    /// Connection timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }
    /// Timeout for each read from the server (default 60 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }
    /// Time source for signatures (`X-Qiniu-Date`).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        if self.upload.concurrency == 0 {
            return Err(Error::InvalidArgument(
                "concurrency must be at least 1".into(),
            ));
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
                .read_timeout(self.read_timeout.unwrap_or(Duration::from_secs(60)))
                .user_agent(concat!("qiniu-sdk-rust/", env!("CARGO_PKG_VERSION")))
                .build()?,
        };
        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                region: self.region.unwrap_or_default(),
                credentials: self.credentials,
                retry: self.retry,
                upload: self.upload,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            }),
        })
    }
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The configured hosts.
    pub fn region(&self) -> &Region {
        &self.inner.region
    }

    /// The upload configuration.
    pub fn upload_config(&self) -> &UploadConfig {
        &self.inner.upload
    }

    /// Uploads a file: a form upload up to `form_threshold`, resumable v2 above.
    pub async fn upload_file(
        &self,
        token: &str,
        path: impl AsRef<Path>,
        params: UploadParams,
    ) -> Result<UploadResponse> {
        let path = path.as_ref();
        let size = tokio::fs::metadata(path).await?.len();
        if size <= self.inner.upload.form_threshold {
            self.form_upload_file(token, path, params).await
        } else {
            self.resumable_upload_file(token, path, params).await
        }
    }

    /// Uploads bytes in memory with a form upload.
    pub async fn upload_bytes(
        &self,
        token: &str,
        data: impl Into<Bytes>,
        params: UploadParams,
    ) -> Result<UploadResponse> {
        crate::form::upload(self, token, crate::form::Source::Bytes(data.into()), params).await
    }

    /// Uploads a file with a single multipart/form-data request (streamed from disk).
    pub async fn form_upload_file(
        &self,
        token: &str,
        path: impl AsRef<Path>,
        params: UploadParams,
    ) -> Result<UploadResponse> {
        let source = crate::form::Source::File(path.as_ref().to_path_buf());
        crate::form::upload(self, token, source, params).await
    }

    /// Uploads a file with resumable v2 (multipart) upload, resuming from a record if one matches.
    pub async fn resumable_upload_file(
        &self,
        token: &str,
        path: impl AsRef<Path>,
        params: UploadParams,
    ) -> Result<UploadResponse> {
        crate::resumable::upload::upload_file(self, token, path.as_ref(), params).await
    }

    pub(crate) fn credentials(&self) -> Result<&Credentials> {
        self.inner
            .credentials
            .as_ref()
            .ok_or_else(|| Error::InvalidArgument("this call needs credentials".into()))
    }
}

/// Reads a response: an error for non-2xx statuses, the JSON body otherwise.
pub(crate) async fn read_json(response: reqwest::Response) -> Result<(Value, Option<String>)> {
    let status = response.status().as_u16();
    let request_id = response
        .headers()
        .get("X-Reqid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.bytes().await?;
    if !(200..300).contains(&status) {
        return Err(Error::from_status(status, &body, request_id));
    }
    if body.is_empty() {
        return Ok((Value::Null, request_id));
    }
    let value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    Ok((value, request_id))
}

/// Checks the server's `hash` (when it sent one) against the local etag.
pub(crate) fn check_hash(client: &Client, response: &UploadResponse, local: &str) -> Result<()> {
    if !client.inner.upload.verify_hash {
        return Ok(());
    }
    match response.hash() {
        Some(server) if server != local => Err(Error::HashMismatch {
            local: local.to_owned(),
            server: server.to_owned(),
        }),
        _ => Ok(()),
    }
}
