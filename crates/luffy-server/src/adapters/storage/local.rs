//! Local disk: objects are files under the media folder, served by Luffy at `/media/`.
//!
//! The adapter speaks Qiniu's formats so that clients do not care which storage is in use:
//! upload tokens are Qiniu upload tokens (signed with a secret kept in the data dir), a direct
//! upload is Qiniu's multipart form POST, and private links carry `e=<deadline>&token=…`.

use super::{StorageError, fingerprint, mime_of_key, random_hex};
use crate::config::Config;
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use luffy_domain::media::{
    CallbackRequest, MediaKey, MediaKind, MediaTarget, StoredObject, TransferProgress, UploadGrant,
    UploadRules,
};
use qiniu_sdk::{Credentials, PutPolicy, UploadToken, etag::EtagHasher, public_download_url};
use secrecy::ExposeSecret;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// The bucket name local upload tokens are scoped to.
const BUCKET: &str = "local";
/// Access key of local upload tokens and links.
const ACCESS_KEY: &str = "luffy-local";
/// Uploads in progress, renamed into place when complete.
const TEMP_DIR: &str = ".tmp";
/// Interrupted server-side copies, resumed by the next run.
const PARTIAL_DIR: &str = ".partial";

/// Media files on local disk.
#[derive(Debug, Clone)]
pub struct LocalStorage {
    root: PathBuf,
    media_url: String,
    upload_url: String,
    credentials: Credentials,
    private: bool,
}

/// What a verified upload token allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPermit {
    /// The key the upload must be stored under.
    pub key: MediaKey,
    /// The kind of media the key is for.
    pub kind: MediaKind,
    /// The largest object allowed.
    pub max_size: u64,
}

impl LocalStorage {
    /// Files under `root`, linked from `public_url/media/`, signed with `secret`.
    pub fn new(root: PathBuf, public_url: &str, secret: &str, private: bool) -> Self {
        let public_url = public_url.trim_end_matches('/');
        Self {
            root,
            media_url: format!("{public_url}/media"),
            upload_url: format!("{public_url}/api/v1/media/upload/"),
            credentials: Credentials::new(ACCESS_KEY, secret),
            private,
        }
    }

    pub(super) fn from_config(config: &Config, public_url: &str) -> Result<Self, StorageError> {
        let secret = crate::secrets::load_or_create(&config.data_dir, "media_secret")?;
        Ok(Self::new(
            config.media_dir.clone(),
            public_url,
            secret.expose_secret(),
            config.media_private,
        ))
    }

    /// The media folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of `key`.
    pub fn path_of(&self, key: &MediaKey) -> PathBuf {
        key.segments()
            .fold(self.root.clone(), |path, segment| path.join(segment))
    }

    /// The file of `key`, when neither it nor a folder on the way to it (below the media
    /// folder) is a symbolic link: a link could lead out of the media folder. Parts that do not
    /// exist yet are fine (an upload creates them).
    pub fn contained_path(&self, key: &MediaKey) -> Result<PathBuf, StorageError> {
        let path = self.path_of(key);
        no_symlink_below(&self.root, &path)?;
        Ok(path)
    }

    /// Checks the signature and deadline of a private link as it arrived: `encoded_key` is the
    /// request path after `/media/` (still percent-encoded), `query` its query string.
    pub fn check_link(&self, encoded_key: &str, query: &str, now: i64) -> Result<(), StorageError> {
        let (signed_query, token) = query
            .rsplit_once("&token=")
            .ok_or(StorageError::BadToken("the link is not signed"))?;
        let deadline: i64 = signed_query
            .split('&')
            .find_map(|pair| pair.strip_prefix("e="))
            .and_then(|text| text.parse().ok())
            .ok_or(StorageError::BadToken("the link has no deadline"))?;
        let expected = self
            .credentials
            .sign(format!("{encoded_key}?{signed_query}").as_bytes());
        let matches: bool =
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), token.as_bytes()).into();
        if !matches {
            return Err(StorageError::BadToken(
                "the link's signature does not match",
            ));
        }
        if deadline < now {
            return Err(StorageError::BadToken("the link has expired"));
        }
        Ok(())
    }

    /// Checks a direct upload's token for the key the form names.
    pub fn check_upload_token(
        &self,
        raw_token: &str,
        key: Option<&str>,
        now: i64,
    ) -> Result<UploadPermit, StorageError> {
        let token = UploadToken::parse(raw_token)
            .map_err(|_| StorageError::BadToken("malformed upload token"))?;
        if !token.is_signed_by(&self.credentials) || token.bucket() != BUCKET {
            return Err(StorageError::BadToken("the upload token is not ours"));
        }
        let deadline = token.deadline().unwrap_or(0);
        if i64::try_from(deadline).unwrap_or(i64::MAX) < now {
            return Err(StorageError::BadToken("the upload token has expired"));
        }
        let scope_key = token
            .scope_key()
            .ok_or(StorageError::BadToken("the upload token names no key"))?;
        if key.is_some_and(|key| key != scope_key) {
            return Err(StorageError::BadToken("the key is not the token's"));
        }
        let key = MediaKey::parse(scope_key)?;
        let kind = MediaTarget::of_key(&key)
            .ok_or(StorageError::BadToken("the token's key is not a media key"))?
            .kind();
        let max_size = token
            .int_field("fsizeLimit")
            .and_then(|limit| u64::try_from(limit).ok())
            .unwrap_or(kind.rules().max_size)
            .min(kind.rules().max_size);
        Ok(UploadPermit {
            key,
            kind,
            max_size,
        })
    }

    /// Streams an upload into a temporary file (refusing it past `permit.max_size`), then moves
    /// it into place. The key is never overwritten: storing the same bytes again succeeds, other
    /// bytes fail with [`StorageError::Exists`]. Nothing is left behind on failure.
    pub async fn store_stream<S, E>(
        &self,
        permit: &UploadPermit,
        mime: &str,
        mut stream: S,
    ) -> Result<StoredObject, StorageError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        UploadRules::check_mime(permit.kind, mime)?;
        let destination = self.contained_path(&permit.key)?;
        let extension = permit
            .key
            .as_str()
            .rsplit_once('.')
            .map_or("", |(_, ext)| ext)
            .to_owned();
        let temp = self.temp_path(TEMP_DIR, &random_hex(16))?;
        let received = async {
            let mut file = tokio::fs::File::create(&temp).await?;
            let mut hasher = EtagHasher::new();
            let mut size = 0u64;
            // The first bytes, until the content type is checked against the key's.
            let mut head: Option<Vec<u8>> = Some(Vec::new());
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|err| StorageError::Aborted(err.to_string()))?;
                if let Some(start) = head.as_mut() {
                    start.extend_from_slice(&chunk[..chunk.len().min(SNIFF_BYTES - start.len())]);
                    if start.len() >= SNIFF_BYTES {
                        permit.kind.check_content(&extension, start)?;
                        head = None;
                    }
                }
                size += chunk.len() as u64;
                if size > permit.max_size {
                    return Err(StorageError::Refused(luffy_domain::DomainError::invalid(
                        "size",
                        format!("The file has more than {} bytes.", permit.max_size),
                    )));
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await?;
            }
            if let Some(start) = head {
                permit.kind.check_content(&extension, &start)?;
            }
            file.sync_all().await?;
            permit.kind.rules().check_size(size)?;
            Ok((size, hasher.finish()))
        }
        .await;
        let stored = match received {
            Ok((size, etag)) => {
                let object = StoredObject {
                    key: permit.key.clone(),
                    size,
                    etag,
                    mime: mime.to_owned(),
                };
                let temp = temp.clone();
                let root = self.root.clone();
                blocking(move || place_within(&root, &temp, &destination, &object)).await
            }
            Err(err) => Err(err),
        };
        let _ = tokio::fs::remove_file(&temp).await;
        stored
    }

    /// Where an interrupted copy of `source` to `key` is kept until the next run resumes it.
    pub fn partial_path(&self, key: &MediaKey, source: &Path) -> std::io::Result<PathBuf> {
        let metadata = std::fs::metadata(source)?;
        self.temp_path(PARTIAL_DIR, &partial_name(key, &metadata))
    }

    fn temp_path(&self, folder: &str, name: &str) -> std::io::Result<PathBuf> {
        let dir = self.root.join(folder);
        if std::fs::symlink_metadata(&dir).is_ok_and(|meta| meta.file_type().is_symlink()) {
            return Err(std::io::Error::other(format!(
                "{} is a symbolic link",
                dir.display()
            )));
        }
        std::fs::create_dir_all(&dir)?;
        Ok(dir.join(name))
    }

    fn copy_resuming(
        &self,
        key: &MediaKey,
        source: &Path,
        mime: &str,
        progress: &TransferProgress,
    ) -> Result<StoredObject, StorageError> {
        let total = std::fs::metadata(source)?.len();
        let partial = self.partial_path(key, source)?;
        let mut output = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&partial)?;
        let mut done = output.metadata()?.len();
        if done > total {
            output.set_len(0)?;
            done = 0;
        }
        let mut input = std::fs::File::open(source)?;
        input.seek(SeekFrom::Start(done))?;
        progress(done, total);
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let read = input.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            output.write_all(&buffer[..read])?;
            done += read as u64;
            progress(done, total);
        }
        output.sync_all()?;
        drop(output);
        let expected = qiniu_sdk::etag_of_file(source)?;
        let actual = qiniu_sdk::etag_of_file(&partial)?;
        if expected != actual {
            let _ = std::fs::remove_file(&partial);
            return Err(StorageError::HashMismatch {
                key: key.to_string(),
                expected,
                actual,
            });
        }
        let object = StoredObject {
            key: key.clone(),
            size: total,
            etag: actual,
            mime: mime.to_owned(),
        };
        let placed = place_within(&self.root, &partial, &self.contained_path(key)?, &object);
        let _ = std::fs::remove_file(&partial);
        placed
    }
}

/// Links `temp` to `destination` unless something is there already; the same bytes there
/// count as done.
/// How many first bytes of an upload are sniffed for its content type.
const SNIFF_BYTES: usize = 12;

/// Refuses `path` when it, or a folder between `root` and it, is a symbolic link. The root
/// itself may be one (an operator's choice); what does not exist yet is fine.
fn no_symlink_below(root: &Path, path: &Path) -> Result<(), StorageError> {
    let Ok(relative) = path.strip_prefix(root) else {
        return Err(StorageError::Symlink(path.display().to_string()));
    };
    let mut current = root.to_path_buf();
    for part in relative.components() {
        current.push(part);
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(StorageError::Symlink(current.display().to_string()));
            }
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

/// [`place`], once the folders of `destination` exist and none of them below `root` is a
/// symbolic link (checked again here, in case one was swapped in meanwhile).
fn place_within(
    root: &Path,
    temp: &Path,
    destination: &Path,
    object: &StoredObject,
) -> Result<StoredObject, StorageError> {
    if let Some(parent) = destination.parent() {
        std::fs::create_dir_all(parent)?;
    }
    no_symlink_below(root, destination)?;
    place(temp, destination, object)
}

fn place(
    temp: &Path,
    destination: &Path,
    object: &StoredObject,
) -> Result<StoredObject, StorageError> {
    if let Some(parent) = destination.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::hard_link(temp, destination) {
        Ok(()) => Ok(object.clone()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            if qiniu_sdk::etag_of_file(destination)? == object.etag {
                Ok(object.clone())
            } else {
                Err(StorageError::Exists(object.key.to_string()))
            }
        }
        Err(err) => Err(err.into()),
    }
}

/// Runs file work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| std::io::Error::other(err.to_string()))?
}

/// The partial file of one source file copied to one key: a changed source starts over.
fn partial_name(key: &MediaKey, source: &std::fs::Metadata) -> String {
    format!("{}.part", fingerprint(key.as_str(), source, 16))
}

impl luffy_domain::media::MediaStorage for LocalStorage {
    type Error = StorageError;

    fn name(&self) -> &'static str {
        "local"
    }

    fn is_private(&self) -> bool {
        self.private
    }

    fn url(&self, key: &MediaKey, deadline: i64) -> String {
        let url = public_download_url(&self.media_url, key.as_str());
        if !self.private {
            return url;
        }
        // Signed over the encoded key and the deadline only, so a proxy that moves the media
        // folder under another path prefix does not break links.
        let encoded_key = &url[self.media_url.len() + 1..];
        let signed = format!("{encoded_key}?e={deadline}");
        let token = self.credentials.sign(signed.as_bytes());
        format!("{url}?e={deadline}&token={token}")
    }

    fn grant_upload(
        &self,
        key: &MediaKey,
        rules: &UploadRules,
        deadline: i64,
    ) -> Result<UploadGrant, StorageError> {
        let policy = PutPolicy::for_key(BUCKET, key.as_str())
            .insert_only()
            .fsize_limit(i64::try_from(rules.max_size).unwrap_or(i64::MAX))
            .mime_limit(rules.mime_limit);
        let token = self
            .credentials
            .upload_token_with_deadline(&policy, u64::try_from(deadline).unwrap_or(0))?;
        Ok(UploadGrant {
            upload_url: self.upload_url.clone(),
            token,
            key: key.clone(),
            deadline,
            rules: *rules,
        })
    }

    fn verify_callback(&self, _: &CallbackRequest<'_>) -> Result<StoredObject, StorageError> {
        Err(StorageError::Unsupported(
            "local storage takes uploads directly; it sends no callbacks",
        ))
    }

    async fn stat(&self, key: &MediaKey) -> Result<Option<StoredObject>, StorageError> {
        let path = self.path_of(key);
        let key = key.clone();
        blocking(move || {
            let size = match std::fs::metadata(&path) {
                Ok(metadata) if metadata.is_file() => metadata.len(),
                Ok(_) => return Ok(None),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(err) => return Err(err.into()),
            };
            Ok(Some(StoredObject {
                etag: qiniu_sdk::etag_of_file(&path)?,
                mime: mime_of_key(&key).to_owned(),
                key,
                size,
            }))
        })
        .await
    }

    async fn put_file(
        &self,
        key: &MediaKey,
        path: &Path,
        mime: &str,
        progress: TransferProgress,
    ) -> Result<StoredObject, StorageError> {
        let storage = self.clone();
        let (key, path, mime) = (key.clone(), path.to_owned(), mime.to_owned());
        blocking(move || storage.copy_resuming(&key, &path, &mime, &progress)).await
    }
}
