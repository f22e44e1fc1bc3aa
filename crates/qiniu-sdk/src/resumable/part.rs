//! Reading one part of a file once: its bytes (when small enough to buffer), MD5 and digest.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use bytes::Bytes;
use md5::{Digest, Md5};

use crate::etag::{PartDigest, PartHasher};

const READ_CHUNK: usize = 1024 * 1024;

/// One part, hashed; `data` holds its bytes when it was small enough to buffer.
pub(crate) struct PreparedPart {
    pub(crate) data: Option<Bytes>,
    pub(crate) size: u64,
    pub(crate) md5: String,
    pub(crate) digest: PartDigest,
}

/// Reads `size` bytes at `offset` once, computing MD5 and the etag digest; keeps the bytes
/// when `buffer` is set (otherwise they are streamed from disk again when sent).
pub(crate) fn prepare_part(
    path: &Path,
    offset: u64,
    size: u64,
    buffer: bool,
) -> std::io::Result<PreparedPart> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut md5 = Md5::new();
    let mut hasher = PartHasher::new();
    if buffer {
        let mut data = vec![0u8; usize::try_from(size).map_err(std::io::Error::other)?];
        file.read_exact(&mut data)?;
        md5.update(&data);
        hasher.update(&data);
        return Ok(PreparedPart {
            data: Some(Bytes::from(data)),
            size,
            md5: hex(&md5.finalize()),
            digest: hasher.finish(),
        });
    }
    let mut buf = vec![0u8; READ_CHUNK];
    let mut remaining = size;
    while remaining > 0 {
        let want = usize::try_from(remaining.min(READ_CHUNK as u64)).unwrap_or(READ_CHUNK);
        let chunk = buf.get_mut(..want).unwrap_or_default();
        file.read_exact(chunk)?;
        md5.update(&*chunk);
        hasher.update(chunk);
        remaining -= want as u64;
    }
    Ok(PreparedPart {
        data: None,
        size,
        md5: hex(&md5.finalize()),
        digest: hasher.finish(),
    })
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
