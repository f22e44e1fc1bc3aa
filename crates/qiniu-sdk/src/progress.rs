//! Upload progress reporting and cancellation.

use std::ops::ControlFlow;
use std::sync::Arc;

/// A progress event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes confirmed so far (monotonic).
    pub uploaded: u64,
    /// Total bytes to upload.
    pub total: u64,
    /// For resumable uploads, the part that just completed.
    pub completed_part: Option<u32>,
}

/// Called on progress; return `ControlFlow::Break(())` to cancel the upload
/// (a resumable upload keeps its record so it can resume later).
pub type ProgressCallback = Arc<dyn Fn(&Progress) -> ControlFlow<()> + Send + Sync>;
