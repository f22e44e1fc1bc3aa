//! `luffy media upload` and `luffy media verify`: the operator's side of course media.

use crate::adapters::storage::{Storage, fingerprint};
use crate::commands::open;
use crate::config::Config;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use luffy_db::media::{Media, MediaReference};
use luffy_domain::media::{MediaKey, MediaStorage, MediaTarget, StoredObject};
use luffy_domain::{Clock, SystemClock};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Stats looked up at the same time by `verify`.
const VERIFY_CONCURRENCY: usize = 8;

/// The configured storage, for a one-shot command.
pub(crate) fn storage(config: &Config) -> Result<Storage, String> {
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.bind));
    Storage::from_config(config, &public_url, Arc::new(SystemClock)).map_err(|err| err.to_string())
}

/// A runtime for a one-shot command's storage calls.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| err.to_string())
}

/// The key part of a file uploaded for a target: the same file (path, size, modification time)
/// gets the same key, so a rerun after an interruption resumes instead of starting over.
fn nonce_of(file: &Path, target: MediaTarget, metadata: &std::fs::Metadata) -> String {
    let path = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned());
    fingerprint(&format!("{target}\n{}", path.display()), metadata, 8)
}

fn progress_bar(show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Uploads `file` for `target` (resumably, checking the stored hash) and attaches it.
pub fn upload(
    config: &Config,
    target: MediaTarget,
    file: &Path,
    show_progress: bool,
) -> Result<StoredObject, String> {
    let kind = target.kind();
    let file_name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (extension, mime) = kind.file_type(&file_name).map_err(|err| err.to_string())?;
    let metadata = std::fs::metadata(file).map_err(|err| format!("{}: {err}", file.display()))?;
    if !metadata.is_file() {
        return Err(format!("{} is not a file", file.display()));
    }
    kind.rules()
        .check(kind, metadata.len(), mime)
        .map_err(|err| err.to_string())?;
    let mut conn = open(config)?;
    if !Media::target_exists(&mut conn, target).map_err(|err| err.to_string())? {
        return Err(format!("{target} does not exist"));
    }
    let key = target
        .key_for(&nonce_of(file, target, &metadata), extension)
        .map_err(|err| err.to_string())?;
    let storage = storage(config)?;
    let bar = progress_bar(show_progress);
    let reporter = bar.clone();
    let progress = Arc::new(move |done: u64, total: u64| {
        reporter.set_length(total);
        reporter.set_position(done);
    });
    let object = runtime()?
        .block_on(storage.put_file(&key, file, mime, progress))
        .map_err(|err| err.to_string())?;
    bar.finish_and_clear();
    let now = SystemClock.now().naive_utc();
    Media::attach(&mut conn, target, &object, now).map_err(|err| err.to_string())?;
    Ok(object)
}

/// One problem `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The key is not in the storage.
    Missing(MediaReference),
    /// The stored object differs from what was attached.
    Changed {
        /// Where the key is used.
        reference: MediaReference,
        /// What the storage has now.
        stored: StoredObject,
    },
    /// The field holds text that is not a valid key.
    InvalidKey(MediaReference),
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing(r) => write!(f, "missing  {} ({})", r.key, r.target),
            Self::Changed { reference, stored } => write!(
                f,
                "changed  {} ({}): now {} bytes, etag {}",
                reference.key, reference.target, stored.size, stored.etag
            ),
            Self::InvalidKey(r) => write!(f, "invalid  {:?} ({})", r.key, r.target),
        }
    }
}

/// What `verify` saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Keys the catalog uses.
    pub checked: usize,
    /// Problems, in catalog order.
    pub findings: Vec<Finding>,
}

/// Checks every media key of the catalog against the storage.
pub fn verify(config: &Config) -> Result<VerifyReport, String> {
    let mut conn = open(config)?;
    let references = Media::references(&mut conn).map_err(|err| err.to_string())?;
    let keys: Vec<String> = references.iter().map(|r| r.key.clone()).collect();
    let recorded: HashMap<String, (i64, String)> = Media::recorded(&mut conn, &keys)
        .map_err(|err| err.to_string())?
        .into_iter()
        .map(|row| (row.key, (row.size, row.etag)))
        .collect();
    let storage = storage(config)?;
    let checked = references.len();
    let findings = runtime()?.block_on(async {
        let results: Vec<Result<Option<Finding>, String>> = futures_util::stream::iter(references)
            .map(|reference| check(&storage, &recorded, reference))
            .buffered(VERIFY_CONCURRENCY)
            .collect()
            .await;
        results
            .into_iter()
            .filter_map(Result::transpose)
            .collect::<Result<Vec<Finding>, String>>()
    })?;
    Ok(VerifyReport { checked, findings })
}

async fn check(
    storage: &Storage,
    recorded: &HashMap<String, (i64, String)>,
    reference: MediaReference,
) -> Result<Option<Finding>, String> {
    let Ok(key) = MediaKey::parse(&reference.key) else {
        return Ok(Some(Finding::InvalidKey(reference)));
    };
    let stored = storage.stat(&key).await.map_err(|err| err.to_string())?;
    Ok(match stored {
        None => Some(Finding::Missing(reference)),
        Some(stored) => match recorded.get(&reference.key) {
            Some((size, etag))
                if u64::try_from(*size).ok() != Some(stored.size) || *etag != stored.etag =>
            {
                Some(Finding::Changed { reference, stored })
            }
            _ => None,
        },
    })
}
