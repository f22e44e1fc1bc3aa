//! Everything the simulator remembers: objects, multipart uploads, faults and counters.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use qiniu_sdk::Credentials;
use qiniu_sdk::etag::PartDigest;
use sha1::{Digest, Sha1};

use crate::config::SimConfig;

/// A stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub fsize: u64,
    /// Etag.
    pub hash: String,
    /// MIME type.
    pub mime_type: String,
    /// Upload time in 100 ns units.
    pub put_time: i64,
    /// Original file name.
    pub fname: String,
    /// `x-qn-meta-*` metadata.
    pub metadata: BTreeMap<String, String>,
    /// Where the bytes live.
    pub path: PathBuf,
}

/// One received part of a multipart upload.
#[derive(Debug, Clone)]
pub struct StoredPart {
    /// Size in bytes.
    pub size: u64,
    /// Etag returned to the client.
    pub etag: String,
    /// Hex MD5.
    pub md5: String,
    /// Digest used to build the object's etag.
    pub digest: PartDigest,
    /// Where the bytes live.
    pub path: PathBuf,
    /// Upload time in 100 ns units.
    pub put_time: i64,
}

/// A multipart upload in progress.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Bucket.
    pub bucket: String,
    /// Key from the URL, if any.
    pub key: Option<String>,
    /// Expiry, Unix seconds.
    pub expire_at: u64,
    /// Forced expiry (fault injection).
    pub expired: bool,
    /// Received parts.
    pub parts: BTreeMap<u32, StoredPart>,
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub(crate) part_failures: HashMap<u32, (u32, u16)>,
    pub(crate) form_failures: Option<(u32, u16)>,
}

/// Shared simulator state.
#[derive(Debug)]
pub struct SimState {
    pub(crate) config: SimConfig,
    pub(crate) credentials: Credentials,
    pub(crate) objects: Mutex<BTreeMap<(String, String), StoredObject>>,
    pub(crate) uploads: Mutex<HashMap<String, Upload>>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) part_requests: AtomicU64,
    pub(crate) parts_stored: AtomicU64,
    pub(crate) form_requests: AtomicU64,
    pub(crate) callbacks_sent: AtomicU64,
    next_id: AtomicU64,
}

/// Locks a mutex, recovering the data if a holder panicked.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Unix seconds now.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Now in Qiniu's 100 ns units.
pub(crate) fn now_put_time() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos() / 100).unwrap_or(i64::MAX))
}

impl SimState {
    pub(crate) fn new(config: SimConfig) -> std::io::Result<Self> {
        for sub in ["objects", "parts", "tmp"] {
            std::fs::create_dir_all(config.data_dir.join(sub))?;
        }
        Ok(Self {
            credentials: Credentials::new(&config.access_key, &config.secret_key),
            config,
            objects: Mutex::default(),
            uploads: Mutex::default(),
            faults: Mutex::default(),
            part_requests: AtomicU64::new(0),
            parts_stored: AtomicU64::new(0),
            form_requests: AtomicU64::new(0),
            callbacks_sent: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
        })
    }

    /// A fresh id, unique within this simulator.
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// A fresh temporary file path.
    pub(crate) fn temp_path(&self) -> PathBuf {
        self.config
            .data_dir
            .join("tmp")
            .join(format!("{}-{}", std::process::id(), self.next_id()))
    }

    /// Where an object's bytes are kept.
    pub(crate) fn object_path(&self, bucket: &str, key: &str) -> PathBuf {
        let digest = Sha1::digest(format!("{bucket}\0{key}").as_bytes());
        let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.config.data_dir.join("objects").join(name)
    }

    /// Whether a bucket exists (every bucket does when none are configured).
    pub(crate) fn bucket_exists(&self, bucket: &str) -> bool {
        self.config.buckets.is_empty() || self.config.buckets.iter().any(|b| b == bucket)
    }

    /// A stored object's metadata.
    pub fn object(&self, bucket: &str, key: &str) -> Option<StoredObject> {
        lock(&self.objects)
            .get(&(bucket.to_owned(), key.to_owned()))
            .cloned()
    }

    /// All stored objects.
    pub fn objects(&self) -> Vec<StoredObject> {
        lock(&self.objects).values().cloned().collect()
    }

    /// The bytes of a stored object.
    pub fn object_bytes(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.object(bucket, key)?.path).ok()
    }

    /// Part upload requests received (including refused and failed ones).
    pub fn part_requests(&self) -> u64 {
        self.part_requests.load(Ordering::SeqCst)
    }

    /// Parts received and stored successfully.
    pub fn parts_stored(&self) -> u64 {
        self.parts_stored.load(Ordering::SeqCst)
    }

    /// Form upload requests received.
    pub fn form_requests(&self) -> u64 {
        self.form_requests.load(Ordering::SeqCst)
    }

    /// Upload callbacks attempted.
    pub fn callbacks_sent(&self) -> u64 {
        self.callbacks_sent.load(Ordering::SeqCst)
    }

    /// Sets every counter back to zero.
    pub fn reset_counters(&self) {
        for counter in [
            &self.part_requests,
            &self.parts_stored,
            &self.form_requests,
            &self.callbacks_sent,
        ] {
            counter.store(0, Ordering::SeqCst);
        }
    }

    /// Makes the next `times` uploads of part `part_number` (any upload) fail with `status`.
    pub fn fail_part(&self, part_number: u32, times: u32, status: u16) {
        lock(&self.faults)
            .part_failures
            .insert(part_number, (times, status));
    }

    /// Makes the next `times` form uploads fail with `status`.
    pub fn fail_form_uploads(&self, times: u32, status: u16) {
        lock(&self.faults).form_failures = Some((times, status));
    }

    /// Takes one injected failure for a part, if any is pending.
    pub(crate) fn take_part_failure(&self, part_number: u32) -> Option<u16> {
        let mut faults = lock(&self.faults);
        let entry = faults.part_failures.get_mut(&part_number)?;
        if entry.0 == 0 {
            return None;
        }
        entry.0 -= 1;
        Some(entry.1)
    }

    /// Takes one injected form failure, if any is pending.
    pub(crate) fn take_form_failure(&self) -> Option<u16> {
        let mut faults = lock(&self.faults);
        let (times, status) = faults.form_failures.as_mut()?;
        if *times == 0 {
            return None;
        }
        *times -= 1;
        Some(*status)
    }

    /// Expires one upload id (later calls with it get 612). Returns whether it existed.
    pub fn expire_upload(&self, upload_id: &str) -> bool {
        lock(&self.uploads)
            .get_mut(upload_id)
            .map(|u| u.expired = true)
            .is_some()
    }

    /// Expires every upload id in progress.
    pub fn expire_all_uploads(&self) {
        for upload in lock(&self.uploads).values_mut() {
            upload.expired = true;
        }
    }

    /// Forgets one received part of an upload, as if the server lost it. Returns whether it existed.
    pub fn drop_part(&self, upload_id: &str, part_number: u32) -> bool {
        lock(&self.uploads)
            .get_mut(upload_id)
            .and_then(|u| u.parts.remove(&part_number))
            .is_some()
    }

    /// Ids of multipart uploads in progress.
    pub fn upload_ids(&self) -> Vec<String> {
        lock(&self.uploads).keys().cloned().collect()
    }

    /// A snapshot of one upload in progress.
    pub fn upload(&self, upload_id: &str) -> Option<Upload> {
        lock(&self.uploads).get(upload_id).cloned()
    }
}
