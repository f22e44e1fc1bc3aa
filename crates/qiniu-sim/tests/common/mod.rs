//! Shared set-up for tests that drive `qiniu-sdk` against the simulator.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use qiniu_sdk::{Client, Credentials, PutPolicy, Region, RetryPolicy, UploadConfig};
use qiniu_sim::{SimConfig, SimServer};

pub const AK: &str = "test-access-key";
pub const SK: &str = "test-secret-key";
pub const BUCKET: &str = "courses";
pub const MIB: u64 = 1024 * 1024;

pub struct Env {
    pub sim: SimServer,
    pub data: tempfile::TempDir,
    pub work: tempfile::TempDir,
}

impl Env {
    pub fn start() -> Self {
        Self::start_with(|c| c)
    }

    pub fn start_with(adjust: impl FnOnce(SimConfig) -> SimConfig) -> Self {
        let data = tempfile::tempdir().unwrap();
        let config = adjust(SimConfig::new(AK, SK, data.path()).with_buckets([BUCKET, "archive"]));
        let sim = SimServer::start(config).unwrap();
        Self {
            sim,
            data,
            work: tempfile::tempdir().unwrap(),
        }
    }

    pub fn credentials(&self) -> Credentials {
        Credentials::new(AK, SK)
    }

    pub fn upload_config(&self) -> UploadConfig {
        UploadConfig {
            record_dir: Some(self.work.path().join("records")),
            ..UploadConfig::default()
        }
    }

    pub fn client(&self) -> Client {
        self.client_with(self.upload_config())
    }

    pub fn client_with(&self, upload: UploadConfig) -> Client {
        self.client_for_region(Region::single_host(self.sim.base_url()), upload)
    }

    pub fn client_for_region(&self, region: Region, upload: UploadConfig) -> Client {
        Client::builder()
            .region(region)
            .credentials(self.credentials())
            .retry(RetryPolicy {
                attempts_per_host: 3,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(50),
            })
            .upload_config(upload)
            .build()
            .unwrap()
    }

    pub fn token(&self, policy: &PutPolicy) -> String {
        self.credentials()
            .upload_token(policy, Duration::from_secs(3600))
            .unwrap()
    }

    pub fn key_token(&self, key: &str) -> String {
        self.token(&PutPolicy::for_key(BUCKET, key))
    }

    pub fn file(&self, name: &str, size: u64, seed: u8) -> PathBuf {
        let path = self.work.path().join(name);
        write_pattern(&path, size, seed);
        path
    }

    pub fn records(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.work.path().join("records")) {
            Ok(dir) => dir.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Deterministic, non-repeating-per-MiB content, written in 1 MiB chunks.
pub fn write_pattern(path: &Path, size: u64, seed: u8) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut chunk: Vec<u8> = (0..MIB as usize)
        .map(|i| {
            (i as u32)
                .wrapping_mul(2_654_435_761)
                .rotate_left(u32::from(seed) % 31) as u8
                ^ seed
        })
        .collect();
    let mut written = 0u64;
    let mut index = 0u64;
    while written < size {
        chunk[..8].copy_from_slice(&index.to_le_bytes());
        let n = (size - written).min(MIB) as usize;
        file.write_all(&chunk[..n]).unwrap();
        written += n as u64;
        index += 1;
    }
    file.flush().unwrap();
}
