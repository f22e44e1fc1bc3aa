//! Qiniu etag (qetag): v1 over 4 MiB blocks, and the v2 variant for multipart uploads whose
//! parts are not all 4 MiB. Streaming, and parallel over blocks for files.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use sha1::{Digest, Sha1};

use crate::credentials::urlsafe_base64;

/// The etag block size: 4 MiB.
pub const BLOCK_SIZE: u64 = 4 * 1024 * 1024;

const READ_CHUNK: usize = 1024 * 1024;

fn sha1_bytes(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

fn encode(prefix: u8, digest: &[u8; 20]) -> String {
    let mut raw = [0u8; 21];
    raw[0] = prefix;
    raw[1..].copy_from_slice(digest);
    urlsafe_base64(&raw)
}

/// v1 etag from the SHA-1 of each 4 MiB block.
fn etag_from_blocks(blocks: &[[u8; 20]]) -> String {
    match blocks {
        [] => encode(0x16, &sha1_bytes(b"")),
        [only] => encode(0x16, only),
        many => {
            let mut outer = Sha1::new();
            for block in many {
                outer.update(block);
            }
            encode(0x96, &outer.finalize().into())
        }
    }
}

/// Streaming v1 etag; feed bytes with [`EtagHasher::update`] (or `io::Write`).
#[derive(Debug, Clone, Default)]
pub struct EtagHasher {
    current: Sha1,
    in_block: u64,
    blocks: Vec<[u8; 20]>,
}

impl EtagHasher {
    /// An empty hasher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds more bytes.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let room = usize::try_from(BLOCK_SIZE - self.in_block).unwrap_or(usize::MAX);
            let (head, tail) = data.split_at(room.min(data.len()));
            self.current.update(head);
            self.in_block += head.len() as u64;
            data = tail;
            if self.in_block == BLOCK_SIZE {
                let done = std::mem::take(&mut self.current);
                self.blocks.push(done.finalize().into());
                self.in_block = 0;
            }
        }
    }

    /// The etag of everything fed so far.
    pub fn finish(mut self) -> String {
        if self.in_block > 0 || self.blocks.is_empty() {
            self.blocks.push(self.current.finalize().into());
        }
        etag_from_blocks(&self.blocks)
    }
}

impl io::Write for EtagHasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The per-part digest a multipart etag is built from: `SHA1(part)` for parts of at most
/// 4 MiB, else `SHA1` of the concatenated SHA-1s of its 4 MiB blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartDigest {
    /// Part size in bytes.
    pub size: u64,
    /// The 20-byte inner digest.
    pub digest: [u8; 20],
}

/// Streaming [`PartDigest`] computation for one part.
#[derive(Debug, Clone, Default)]
pub struct PartHasher {
    inner: EtagHasher,
    size: u64,
}

impl PartHasher {
    /// An empty part hasher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds more bytes of the part.
    pub fn update(&mut self, data: &[u8]) {
        self.size += data.len() as u64;
        self.inner.update(data);
    }

    /// The part's digest.
    pub fn finish(self) -> PartDigest {
        let mut inner = self.inner;
        if inner.in_block > 0 || inner.blocks.is_empty() {
            inner.blocks.push(inner.current.finalize().into());
        }
        let digest = match inner.blocks.as_slice() {
            [only] => *only,
            many => {
                let mut outer = Sha1::new();
                for block in many {
                    outer.update(block);
                }
                outer.finalize().into()
            }
        };
        PartDigest {
            size: self.size,
            digest,
        }
    }
}

/// The [`PartDigest`] of an in-memory part.
pub fn part_digest(data: &[u8]) -> PartDigest {
    let mut hasher = PartHasher::new();
    hasher.update(data);
    hasher.finish()
}

/// The etag of a multipart upload from its parts in order: v1 when every part but the last is
/// exactly 4 MiB and the last is at most 4 MiB, the v2 (`n…`) form otherwise.
pub fn etag_from_parts(parts: &[PartDigest]) -> String {
    let v1_layout = parts.split_last().is_none_or(|(last, rest)| {
        last.size <= BLOCK_SIZE && rest.iter().all(|p| p.size == BLOCK_SIZE)
    });
    if v1_layout {
        let blocks: Vec<[u8; 20]> = parts.iter().map(|p| p.digest).collect();
        return etag_from_blocks(&blocks);
    }
    let mut outer = Sha1::new();
    for part in parts {
        outer.update(part.digest);
    }
    encode(0x9e, &outer.finalize().into())
}

/// The etag of in-memory parts (v1 or v2 by layout, see [`etag_from_parts`]).
pub fn etag_of_parts(parts: &[&[u8]]) -> String {
    let digests: Vec<PartDigest> = parts.iter().map(|p| part_digest(p)).collect();
    etag_from_parts(&digests)
}

/// The v1 etag of bytes in memory.
pub fn etag_of_bytes(data: &[u8]) -> String {
    let mut hasher = EtagHasher::new();
    hasher.update(data);
    hasher.finish()
}

/// The v1 etag of a reader, streamed 1 MiB at a time.
pub fn etag_of_reader(mut reader: impl Read) -> io::Result<String> {
    let mut hasher = EtagHasher::new();
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hasher.finish())
}

/// The v1 etag of a file, hashing 4 MiB blocks on all available cores.
pub fn etag_of_file(path: impl AsRef<Path>) -> io::Result<String> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    etag_of_file_with_threads(path, threads)
}

/// The v1 etag of a file using `threads` worker threads (each holds one 1 MiB buffer).
pub fn etag_of_file_with_threads(path: impl AsRef<Path>, threads: usize) -> io::Result<String> {
    let path = path.as_ref();
    let size = std::fs::metadata(path)?.len();
    let block_count = usize::try_from(size.div_ceil(BLOCK_SIZE))
        .map_err(|_| io::Error::other("file too large"))?;
    let threads = threads.clamp(1, block_count.max(1));
    if threads == 1 {
        return etag_of_reader(File::open(path)?);
    }
    let results: Vec<io::Result<Vec<BlockDigest>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|first| scope.spawn(move || hash_blocks(path, size, first, threads, block_count)))
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(io::Error::other("hash worker died")))
            })
            .collect()
    });
    let mut blocks = vec![[0u8; 20]; block_count];
    for result in results {
        for (index, digest) in result? {
            if let Some(slot) = blocks.get_mut(index) {
                *slot = digest;
            }
        }
    }
    Ok(etag_from_blocks(&blocks))
}

/// A block index and the SHA-1 of that block.
type BlockDigest = (usize, [u8; 20]);

fn hash_blocks(
    path: &Path,
    size: u64,
    first: usize,
    step: usize,
    count: usize,
) -> io::Result<Vec<BlockDigest>> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; READ_CHUNK];
    let mut out = Vec::with_capacity(count / step + 1);
    for index in (first..count).step_by(step) {
        let start = index as u64 * BLOCK_SIZE;
        let len = BLOCK_SIZE.min(size - start);
        file.seek(SeekFrom::Start(start))?;
        let mut block = Sha1::new();
        let mut remaining = len;
        while remaining > 0 {
            let want = usize::try_from(remaining.min(READ_CHUNK as u64)).unwrap_or(READ_CHUNK);
            let chunk = buf.get_mut(..want).unwrap_or_default();
            file.read_exact(chunk)?;
            block.update(&*chunk);
            remaining -= want as u64;
        }
        out.push((index, block.finalize().into()));
    }
    Ok(out)
}
