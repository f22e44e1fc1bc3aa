//! Streaming a request body to disk while hashing it.

use std::io::Write;
use std::path::Path;

use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use md5::{Digest, Md5};
use qiniu_sdk::etag::{EtagHasher, PartDigest, PartHasher};

use crate::error::SimError;

/// What was received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Size in bytes.
    pub size: u64,
    /// Hex MD5.
    pub md5: String,
    /// CRC32 (IEEE).
    pub crc32: u32,
    /// Multipart digest of the bytes (as one part).
    pub part: PartDigest,
    /// v1 etag of the bytes, when asked for.
    pub etag: Option<String>,
}

/// Writes `stream` to `path`, hashing as it goes; fails with 413 past `limit` bytes.
pub async fn receive_to_file<S, E>(
    mut stream: S,
    path: &Path,
    limit: u64,
    want_etag: bool,
) -> Result<Received, SimError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut file = std::io::BufWriter::with_capacity(256 * 1024, std::fs::File::create(path)?);
    let mut md5 = Md5::new();
    let mut crc = crc32fast::Hasher::new();
    let mut part = PartHasher::new();
    let mut etag = want_etag.then(EtagHasher::new);
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| SimError::bad_request(format!("body read failed: {e}")))?;
        size += chunk.len() as u64;
        if size > limit {
            drop(file);
            let _ = std::fs::remove_file(path);
            return Err(SimError::new(413, "request entity too large"));
        }
        file.write_all(&chunk)?;
        md5.update(&chunk);
        crc.update(&chunk);
        part.update(&chunk);
        if let Some(etag) = etag.as_mut() {
            etag.update(&chunk);
        }
    }
    file.flush()?;
    let md5: String = md5.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Received {
        size,
        md5,
        crc32: crc.finalize(),
        part: part.finish(),
        etag: etag.map(EtagHasher::finish),
    })
}

/// Reads and discards a body (so a refused request still leaves the connection usable).
pub async fn drain<S, E>(mut stream: S)
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    while let Some(Ok(_)) = stream.next().await {}
}
