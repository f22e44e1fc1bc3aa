//! Resume records: one JSON file per (account, bucket, key, canonical path), written atomically
//! (temp file, fsync, rename). The record stores the file identity (size, mtime) and part size;
//! an upload resumes only when they all still match, and otherwise overwrites the record.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

/// What identifies the local file; a change in any field means the file changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileIdentity {
    /// Canonical path.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, whole seconds since the epoch.
    pub mtime_secs: u64,
    /// Sub-second part of the modification time.
    pub mtime_nanos: u32,
}

impl FileIdentity {
    /// Reads the identity of a file.
    pub fn of(path: &Path) -> std::io::Result<Self> {
        let canonical = std::fs::canonicalize(path)?;
        let meta = std::fs::metadata(&canonical)?;
        let mtime = meta
            .modified()?
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Ok(Self {
            path: canonical.to_string_lossy().into_owned(),
            size: meta.len(),
            mtime_secs: mtime.as_secs(),
            mtime_nanos: mtime.subsec_nanos(),
        })
    }
}

/// One uploaded part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedPart {
    /// 1-based part number.
    pub part_number: u32,
    /// Size in bytes.
    pub size: u64,
    /// The etag the server returned for the part.
    pub etag: String,
    /// Hex MD5 of the part.
    pub md5: String,
    /// URL-safe base64 of the part's etag digest (see [`crate::etag::PartDigest`]).
    pub digest: String,
}

/// The state of an interrupted multipart upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    /// Format version.
    pub version: u32,
    /// Target bucket.
    pub bucket: String,
    /// Target key, if any.
    pub key: Option<String>,
    /// The file this record belongs to.
    pub file: FileIdentity,
    /// Part size in bytes.
    pub part_size: u64,
    /// Server upload id.
    pub upload_id: String,
    /// When the upload id expires (Unix seconds).
    pub expire_at: u64,
    /// Parts already uploaded, in completion order.
    pub parts: Vec<RecordedPart>,
}

/// Current record format version.
pub const RECORD_VERSION: u32 = 1;

/// The record file for an upload: `qiniu-v2-<sha1 of account, bucket, key, path>.json` in `dir`.
pub fn record_path(
    dir: &Path,
    access_key: &str,
    bucket: &str,
    key: Option<&str>,
    canonical_path: &str,
) -> PathBuf {
    let mut hasher = Sha1::new();
    for field in [
        "qiniu-v2",
        access_key,
        bucket,
        key.unwrap_or("\u{0}none"),
        canonical_path,
    ] {
        hasher.update(field.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("qiniu-v2-{hex}.json"))
}

/// Loads a record; `None` if missing, unreadable, or from another version.
pub fn load(path: &Path) -> Option<UploadRecord> {
    let text = std::fs::read(path).ok()?;
    let record: UploadRecord = serde_json::from_slice(&text).ok()?;
    (record.version == RECORD_VERSION).then_some(record)
}

/// Writes a record atomically: a crash leaves either the old or the new record, never a torn one.
pub fn save(path: &Path, record: &UploadRecord) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_vec(record).map_err(std::io::Error::other)?;
    let tmp = path.with_extension(format!(
        "tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&json)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Deletes a record (missing is fine).
pub fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_load_remove_and_identity_in_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"abc").unwrap();
        let id = FileIdentity::of(&file).unwrap();
        assert_eq!(id.size, 3);
        let path = record_path(dir.path(), "ak", "b", Some("k"), &id.path);
        assert_ne!(path, record_path(dir.path(), "ak", "b", Some(""), &id.path));
        assert_ne!(path, record_path(dir.path(), "ak", "b", None, &id.path));
        assert_ne!(
            path,
            record_path(dir.path(), "ak2", "b", Some("k"), &id.path)
        );
        let record = UploadRecord {
            version: RECORD_VERSION,
            bucket: "b".into(),
            key: Some("k".into()),
            file: id,
            part_size: 4,
            upload_id: "u".into(),
            expire_at: 9,
            parts: vec![],
        };
        save(&path, &record).unwrap();
        assert_eq!(load(&path), Some(record));
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 2, "only the file and the record remain");
        std::fs::write(&path, b"{torn").unwrap();
        assert_eq!(load(&path), None);
        remove(&path).unwrap();
        remove(&path).unwrap();
    }
}
