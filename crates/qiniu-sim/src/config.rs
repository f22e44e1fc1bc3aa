//! Simulator configuration.

use std::path::PathBuf;
use std::time::Duration;

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Access key that tokens and signatures must use.
    pub access_key: String,
    /// Secret key that tokens and signatures must verify against.
    pub secret_key: String,
    /// Where objects, parts and temporary files are stored.
    pub data_dir: PathBuf,
    /// Known buckets; empty means every bucket exists.
    pub buckets: Vec<String>,
    /// Lifetime of a multipart upload id (Qiniu: 7 days).
    pub upload_id_ttl: Duration,
    /// Require `e`/`token` on downloads (private buckets).
    pub private_downloads: bool,
    /// Largest accepted skew of `X-Qiniu-Date` (Qiniu: 15 minutes).
    pub max_clock_skew: Duration,
    /// Actix worker threads.
    pub workers: usize,
}

impl SimConfig {
    /// A configuration with Qiniu's defaults for the given keys and data directory.
    pub fn new(
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
        data_dir: impl Into<PathBuf>,
    ) -> Self {
        Self {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            data_dir: data_dir.into(),
            buckets: Vec::new(),
            upload_id_ttl: Duration::from_secs(7 * 24 * 3600),
            private_downloads: true,
            max_clock_skew: Duration::from_secs(15 * 60),
            workers: 2,
        }
    }

    /// Restricts the simulator to these buckets (others give 631).
    pub fn with_buckets<I: IntoIterator<Item = S>, S: Into<String>>(mut self, buckets: I) -> Self {
        self.buckets = buckets.into_iter().map(Into::into).collect();
        self
    }
}
