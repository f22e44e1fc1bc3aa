//! Qiniu Kodo: browsers upload straight to the bucket and Qiniu calls back; the server uploads
//! large files with resumable v2; private buckets get signed, expiring links.

use super::StorageError;
use crate::config::Config;
use luffy_domain::media::{
    CallbackRequest, MediaKey, StoredObject, TransferProgress, UploadGrant, UploadRules,
};
use qiniu_sdk::{
    CallbackVerifyOptions, Client, Credentials, PutPolicy, Region, UploadConfig, UploadParams,
    public_download_url,
};
use secrecy::ExposeSecret;
use serde::Deserialize;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The callback body Qiniu fills in and signs (a form body: both signature schemes cover it).
const CALLBACK_BODY: &str = "key=$(key)&hash=$(etag)&fsize=$(fsize)&mimeType=$(mimeType)";

/// A Qiniu bucket.
#[derive(Debug, Clone)]
pub struct QiniuStorage {
    credentials: Credentials,
    bucket: String,
    domain: String,
    private: bool,
    callback_url: String,
    client: Client,
    clock: Arc<dyn luffy_domain::Clock>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallbackBody {
    key: String,
    hash: String,
    fsize: u64,
    mime_type: String,
}

impl QiniuStorage {
    /// A bucket reached through `client`; callbacks go to `callback_url`.
    pub fn new(
        credentials: Credentials,
        bucket: &str,
        domain: &str,
        private: bool,
        callback_url: &str,
        client: Client,
        clock: Arc<dyn luffy_domain::Clock>,
    ) -> Self {
        Self {
            credentials,
            bucket: bucket.to_owned(),
            domain: domain.trim_end_matches('/').to_owned(),
            private,
            callback_url: callback_url.to_owned(),
            client,
            clock,
        }
    }

    pub(super) fn from_config(
        config: &Config,
        public_url: &str,
        clock: Arc<dyn luffy_domain::Clock>,
    ) -> Result<Self, StorageError> {
        let settings = &config.qiniu;
        let missing = |name: &str| StorageError::Settings(format!("{name} is not set"));
        let access_key = settings
            .access_key
            .as_deref()
            .ok_or_else(|| missing("LUFFY_QINIU_ACCESS_KEY"))?;
        let secret_key = settings
            .secret_key
            .as_ref()
            .ok_or_else(|| missing("LUFFY_QINIU_SECRET_KEY"))?;
        let bucket = settings
            .bucket
            .as_deref()
            .ok_or_else(|| missing("LUFFY_QINIU_BUCKET"))?;
        let domain = settings
            .domain
            .as_deref()
            .ok_or_else(|| missing("LUFFY_QINIU_DOMAIN"))?;
        let credentials = Credentials::new(access_key, secret_key.expose_secret());
        let mut region = match &settings.api_host {
            Some(host) => Region::single_host(host),
            None => Region::from_id(&settings.region),
        };
        if let Some(up_host) = &settings.up_host {
            region = region.with_up_hosts([up_host]);
        }
        let upload = UploadConfig {
            record_dir: Some(config.data_dir.join("upload-records")),
            concurrency: settings.upload_concurrency,
            ..UploadConfig::default()
        };
        let client = Client::builder()
            .region(region)
            .credentials(credentials.clone())
            .upload_config(upload)
            .clock(Arc::new(ClockBridge(Arc::clone(&clock))))
            .build()?;
        let callback_url = format!(
            "{}/api/v1/media/callback/",
            public_url.trim_end_matches('/')
        );
        Ok(Self::new(
            credentials,
            bucket,
            domain,
            settings.private,
            &callback_url,
            client,
            Arc::clone(&clock),
        ))
    }

    /// The policy of an upload of `key` within `rules`.
    fn policy(&self, key: &MediaKey, rules: &UploadRules) -> PutPolicy {
        PutPolicy::for_key(&self.bucket, key.as_str())
            .insert_only()
            .fsize_limit(i64::try_from(rules.max_size).unwrap_or(i64::MAX))
            .mime_limit(rules.mime_limit)
            .detect_mime()
    }
}

/// Luffy's clock as the SDK's, so request dates and token deadlines follow it.
#[derive(Debug)]
struct ClockBridge(Arc<dyn luffy_domain::Clock>);

impl qiniu_sdk::Clock for ClockBridge {
    fn now(&self) -> std::time::SystemTime {
        self.0.now().into()
    }
}

impl luffy_domain::media::MediaStorage for QiniuStorage {
    type Error = StorageError;

    fn name(&self) -> &'static str {
        "qiniu"
    }

    fn is_private(&self) -> bool {
        self.private
    }

    fn url(&self, key: &MediaKey, deadline: i64) -> String {
        let url = public_download_url(&self.domain, key.as_str());
        if self.private {
            self.credentials
                .private_download_url_with_deadline(&url, u64::try_from(deadline).unwrap_or(0))
        } else {
            url
        }
    }

    fn grant_upload(
        &self,
        key: &MediaKey,
        rules: &UploadRules,
        deadline: i64,
    ) -> Result<UploadGrant, StorageError> {
        let policy = self
            .policy(key, rules)
            .callback_url(&self.callback_url)
            .callback_body(CALLBACK_BODY);
        let token = self
            .credentials
            .upload_token_with_deadline(&policy, u64::try_from(deadline).unwrap_or(0))?;
        let upload_url = self
            .client
            .region()
            .up_hosts()
            .first()
            .cloned()
            .ok_or_else(|| StorageError::Settings("no upload host".into()))?;
        Ok(UploadGrant {
            upload_url,
            token,
            key: key.clone(),
            deadline,
            rules: *rules,
        })
    }

    fn verify_callback(&self, request: &CallbackRequest<'_>) -> Result<StoredObject, StorageError> {
        let signed = qiniu_sdk::CallbackRequest {
            method: request.method,
            url: &self.callback_url,
            headers: request.headers,
            body: request.body,
        };
        let options = CallbackVerifyOptions {
            require_signed_body: true,
        };
        self.credentials
            .verify_callback_with(&signed, options)
            .map_err(|_| StorageError::Forged)?;
        let body: CallbackBody = serde_urlencoded::from_bytes(request.body)
            .map_err(|err| StorageError::MalformedCallback(err.to_string()))?;
        Ok(StoredObject {
            key: MediaKey::parse(&body.key)?,
            size: body.fsize,
            etag: body.hash,
            mime: body.mime_type,
        })
    }

    async fn stat(&self, key: &MediaKey) -> Result<Option<StoredObject>, StorageError> {
        match self.client.stat(&self.bucket, key.as_str()).await {
            Ok(info) => Ok(Some(StoredObject {
                key: key.clone(),
                size: info.fsize,
                etag: info.hash,
                mime: info.mime_type,
            })),
            Err(qiniu_sdk::Error::NotFound(_)) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    async fn put_file(
        &self,
        key: &MediaKey,
        path: &Path,
        mime: &str,
        progress: TransferProgress,
    ) -> Result<StoredObject, StorageError> {
        // No insertOnly: the server's own upload of a key may replace an earlier attempt.
        let policy = PutPolicy::for_key(&self.bucket, key.as_str());
        let token = self.credentials.upload_token_with_clock(
            &policy,
            Duration::from_secs(24 * 3600),
            &ClockBridge(Arc::clone(&self.clock)),
        )?;
        let report = Arc::clone(&progress);
        let params = UploadParams::new()
            .key(key.as_str())
            .mime_type(mime)
            .on_progress(move |p| {
                report(p.uploaded, p.total);
                ControlFlow::Continue(())
            });
        let size = tokio::fs::metadata(path).await?.len();
        let response = self.client.upload_file(&token, path, params).await?;
        let etag = match response.hash() {
            Some(hash) => hash.to_owned(),
            None => qiniu_sdk::etag_of_file(path)?,
        };
        Ok(StoredObject {
            key: key.clone(),
            size,
            etag,
            mime: mime.to_owned(),
        })
    }
}
