//! Everything the simulator remembers: objects, multipart uploads, faults and counters.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
    /// Seconds added to the real clock to give the simulator's "now".
    clock_offset_secs: AtomicI64,
    /// Wait before each part upload is handled, in nanoseconds.
    part_delay_nanos: AtomicU64,
    next_id: AtomicU64,
}

/// How often a waiting part upload re-reads the part delay.
const PART_DELAY_RECHECK: Duration = Duration::from_millis(10);

/// Locks a mutex, recovering the data if a holder panicked.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
            clock_offset_secs: AtomicI64::new(0),
            part_delay_nanos: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
        })
    }

    /// The simulator's current time: the real clock shifted by the clock offset.
    ///
    /// Upload-token and download-URL deadlines, upload id expiry, `putTime` and the
    /// `X-Qiniu-Date` skew check all use this time.
    pub fn now(&self) -> SystemTime {
        let offset = self.clock_offset_secs();
        let shift = Duration::from_secs(offset.unsigned_abs());
        let real = SystemTime::now();
        let shifted = if offset >= 0 {
            real.checked_add(shift)
        } else {
            real.checked_sub(shift)
        };
        shifted.unwrap_or(real)
    }

    /// The simulator's current time in Unix seconds.
    pub fn now_secs(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// The simulator's current time in Qiniu's 100 ns units (as in `putTime`).
    pub(crate) fn now_put_time(&self) -> i64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos() / 100).unwrap_or(i64::MAX))
    }

    /// Shifts the simulator's clock `offset` seconds away from the real clock (negative: into
    /// the past; 0: back to real time). Replaces any earlier offset.
    ///
    /// Deadlines of upload tokens and private download URLs, upload id expiry, `putTime` and the
    /// `X-Qiniu-Date` skew check all follow the shifted clock, so a test can move time forward
    /// and watch a token or URL expire without waiting.
    pub fn set_clock_offset_secs(&self, offset: i64) {
        self.clock_offset_secs.store(offset, Ordering::SeqCst);
    }

    /// Moves the simulator's clock by `secs` seconds (negative: backwards), on top of the
    /// current offset.
    pub fn advance_clock(&self, secs: i64) {
        // `fetch_update` with a closure that always returns `Some` cannot fail.
        let _ =
            self.clock_offset_secs
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| {
                    Some(current.saturating_add(secs))
                });
    }

    /// The current clock offset in seconds (0: real time).
    pub fn clock_offset_secs(&self) -> i64 {
        self.clock_offset_secs.load(Ordering::SeqCst)
    }

    /// Makes every resumable-v2 part upload wait `delay` before its body is read, so the part
    /// is stored and answered only after the delay. The wait is measured on the real
    /// (monotonic) clock and does not block a worker thread, so other requests are served
    /// meanwhile. `Duration::ZERO` turns the delay off.
    ///
    /// Parts already waiting follow a change of the setting: each one goes on once the current
    /// delay has passed since it arrived, so turning the delay off releases them within a few
    /// milliseconds. A long delay therefore holds part uploads until the test releases them.
    ///
    /// With a delay, a multipart upload stays in flight long enough for a test to interrupt
    /// the client between parts. Part upload requests are counted in
    /// [`SimState::part_requests`] as they arrive, before the wait.
    pub fn delay_parts(&self, delay: Duration) {
        let nanos = u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX);
        self.part_delay_nanos.store(nanos, Ordering::SeqCst);
    }

    /// The wait set by [`SimState::delay_parts`] (zero when off).
    pub fn part_delay(&self) -> Duration {
        Duration::from_nanos(self.part_delay_nanos.load(Ordering::SeqCst))
    }

    /// Waits out the delay set by [`SimState::delay_parts`], measured from the call and
    /// re-reading the setting so that a changed delay applies to waiting parts.
    pub(crate) async fn wait_part_delay(&self) {
        let started = Instant::now();
        loop {
            let remaining = self.part_delay().saturating_sub(started.elapsed());
            if remaining.is_zero() {
                return;
            }
            actix_rt::time::sleep(remaining.min(PART_DELAY_RECHECK)).await;
        }
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
