//! Resumable v2 (multipart) upload.

pub(crate) mod part;
pub mod part_size;
pub mod record;
pub(crate) mod upload;
