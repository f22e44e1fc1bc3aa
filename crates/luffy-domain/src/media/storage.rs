//! The storage port: what Luffy needs of wherever media files live.

use super::{MediaKey, UploadRules};
use std::future::Future;
use std::path::Path;
use std::sync::Arc;

/// An object as the storage reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// Its key.
    pub key: MediaKey,
    /// Size in bytes.
    pub size: u64,
    /// Qiniu's etag (qetag) of the bytes; local storage computes the same hash.
    pub etag: String,
    /// The MIME type.
    pub mime: String,
}

/// What a browser needs to upload one object straight to the storage: a multipart form POST
/// to `upload_url` with the fields `token`, `key` and `file`, as Qiniu's form upload takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadGrant {
    /// Where to POST the form.
    pub upload_url: String,
    /// The upload token (key, size and type limits, deadline and callback are signed in).
    pub token: String,
    /// The key the object must be stored under.
    pub key: MediaKey,
    /// When the token stops working (Unix seconds).
    pub deadline: i64,
    /// The limits signed into the token.
    pub rules: UploadRules,
}

/// An HTTP request that claims to come from the storage, as received.
#[derive(Debug, Clone, Copy)]
pub struct CallbackRequest<'a> {
    /// The method, e.g. `POST`. (The URL is the storage's own callback URL: an adapter signs
    /// and checks that, whatever path normalisation the request went through.)
    pub method: &'a str,
    /// The headers, by name.
    pub headers: &'a [(&'a str, &'a str)],
    /// The raw body.
    pub body: &'a [u8],
}

/// Reports `(done, total)` bytes of a transfer.
pub type TransferProgress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Where media files live. Implemented by the local-disk and Qiniu adapters; every method
/// without a future is pure computation (signatures, URLs).
pub trait MediaStorage: Send + Sync + 'static {
    /// The adapter's failures.
    type Error: std::error::Error + Send + Sync + 'static;

    /// `local` or `qiniu`.
    fn name(&self) -> &'static str;

    /// Whether objects are only reachable through signed, expiring URLs.
    fn is_private(&self) -> bool;

    /// The absolute URL of `key`; when private, signed to stop working at `deadline`.
    fn url(&self, key: &MediaKey, deadline: i64) -> String;

    /// Grants one direct upload of `key` within `rules` until `deadline`.
    fn grant_upload(
        &self,
        key: &MediaKey,
        rules: &UploadRules,
        deadline: i64,
    ) -> Result<UploadGrant, Self::Error>;

    /// Checks that a callback really comes from the storage and reads the object it announces.
    fn verify_callback(&self, request: &CallbackRequest<'_>) -> Result<StoredObject, Self::Error>;

    /// The object under `key`, or `None` when there is none.
    fn stat(
        &self,
        key: &MediaKey,
    ) -> impl Future<Output = Result<Option<StoredObject>, Self::Error>> + Send;

    /// Stores the file at `path` under `key` (resuming an interrupted transfer of the same file)
    /// and checks the stored hash against the file's.
    fn put_file(
        &self,
        key: &MediaKey,
        path: &Path,
        mime: &str,
        progress: TransferProgress,
    ) -> impl Future<Output = Result<StoredObject, Self::Error>> + Send;
}
