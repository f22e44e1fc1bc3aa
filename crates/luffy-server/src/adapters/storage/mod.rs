//! The media storage adapters: local disk (the default) and Qiniu.

mod local;
mod qiniu;

pub use local::LocalStorage;
pub use qiniu::QiniuStorage;

use crate::config::{Config, StorageKind};
use luffy_domain::media::{
    CallbackRequest, MediaKey, MediaStorage, StoredObject, TransferProgress, UploadGrant,
    UploadRules,
};
use luffy_domain::{Clock, DomainError};
use std::path::Path;
use std::sync::Arc;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The input breaks a media rule (key, type, size); the error names the field.
    #[error(transparent)]
    Refused(#[from] DomainError),
    /// A callback whose signature does not verify.
    #[error("the callback is not signed by the storage")]
    Forged,
    /// A callback body that is not what the upload policy asked for.
    #[error("malformed callback: {0}")]
    MalformedCallback(String),
    /// An upload token that is missing, forged, expired or for another key.
    #[error("upload token refused: {0}")]
    BadToken(&'static str),
    /// The key is taken by different content (uploads never overwrite).
    #[error("{0} already exists with other content")]
    Exists(String),
    /// The stored bytes do not hash to what was sent.
    #[error("stored object {key} has etag {actual}, expected {expected}")]
    HashMismatch {
        /// The key.
        key: String,
        /// The hash of the local file.
        expected: String,
        /// The hash of the stored object.
        actual: String,
    },
    /// This storage does not do that (local storage takes no callbacks).
    #[error("{0}")]
    Unsupported(&'static str),
    /// The settings cannot be used.
    #[error("storage settings: {0}")]
    Settings(String),
    /// The client stopped sending the upload (disconnected, aborted, or too slow).
    #[error("the upload did not arrive: {0}")]
    Aborted(String),
    /// A path of the media folder is a symbolic link, which could lead out of it.
    #[error("media path {0} goes through a symbolic link")]
    Symlink(String),
    /// A local file operation failed.
    #[error("media file: {0}")]
    Io(#[from] std::io::Error),
    /// Qiniu answered with an error or could not be reached.
    #[error("qiniu: {0}")]
    Qiniu(#[from] qiniu_sdk::Error),
}

/// The configured storage.
#[derive(Debug)]
pub enum Storage {
    /// Files under the media folder, served by Luffy.
    Local(LocalStorage),
    /// A Qiniu bucket.
    Qiniu(QiniuStorage),
}

impl Storage {
    /// The storage `config` asks for; `public_url` is Luffy's own base URL (media links and
    /// callbacks point there).
    pub fn from_config(
        config: &Config,
        public_url: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StorageError> {
        Ok(match config.storage {
            StorageKind::Local => Self::Local(LocalStorage::from_config(config, public_url)?),
            StorageKind::Qiniu => {
                Self::Qiniu(QiniuStorage::from_config(config, public_url, clock)?)
            }
        })
    }

    /// The local adapter, when that is the one in use.
    pub fn local(&self) -> Option<&LocalStorage> {
        match self {
            Self::Local(local) => Some(local),
            Self::Qiniu(_) => None,
        }
    }
}

impl MediaStorage for Storage {
    type Error = StorageError;

    fn name(&self) -> &'static str {
        match self {
            Self::Local(s) => s.name(),
            Self::Qiniu(s) => s.name(),
        }
    }

    fn is_private(&self) -> bool {
        match self {
            Self::Local(s) => s.is_private(),
            Self::Qiniu(s) => s.is_private(),
        }
    }

    fn url(&self, key: &MediaKey, deadline: i64) -> String {
        match self {
            Self::Local(s) => s.url(key, deadline),
            Self::Qiniu(s) => s.url(key, deadline),
        }
    }

    fn grant_upload(
        &self,
        key: &MediaKey,
        rules: &UploadRules,
        deadline: i64,
    ) -> Result<UploadGrant, StorageError> {
        match self {
            Self::Local(s) => s.grant_upload(key, rules, deadline),
            Self::Qiniu(s) => s.grant_upload(key, rules, deadline),
        }
    }

    fn verify_callback(&self, request: &CallbackRequest<'_>) -> Result<StoredObject, StorageError> {
        match self {
            Self::Local(s) => s.verify_callback(request),
            Self::Qiniu(s) => s.verify_callback(request),
        }
    }

    async fn stat(&self, key: &MediaKey) -> Result<Option<StoredObject>, StorageError> {
        match self {
            Self::Local(s) => s.stat(key).await,
            Self::Qiniu(s) => s.stat(key).await,
        }
    }

    async fn put_file(
        &self,
        key: &MediaKey,
        path: &Path,
        mime: &str,
        progress: TransferProgress,
    ) -> Result<StoredObject, StorageError> {
        match self {
            Self::Local(s) => s.put_file(key, path, mime, progress).await,
            Self::Qiniu(s) => s.put_file(key, path, mime, progress).await,
        }
    }
}

/// Hex of a hash of `label` and the size and modification time of a file: the same file gives
/// the same fingerprint until it changes. `bytes` of the hash are kept.
pub fn fingerprint(label: &str, file: &std::fs::Metadata, bytes: usize) -> String {
    use sha2::{Digest, Sha256};
    let modified = file
        .modified()
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos());
    let digest = Sha256::digest(format!("{label}\n{}\n{modified}", file.len()));
    digest
        .iter()
        .take(bytes)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `bytes` random bytes as hex, for keys and temporary file names.
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buffer = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buffer);
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// The MIME type of a key from its extension, for objects whose type was not recorded.
pub fn mime_of_key(key: &MediaKey) -> &'static str {
    use luffy_domain::media::MediaKind;
    [MediaKind::Video, MediaKind::Image]
        .into_iter()
        .find_map(|kind| kind.file_type(key.as_str()).ok())
        .map_or("application/octet-stream", |(_, mime)| mime)
}
