//! Course media: object keys, what may be uploaded where, and the storage port.
//!
//! Files live in a [`MediaStorage`]: local disk by default, a Qiniu bucket in production. The
//! database keeps only object keys; URLs are made by the storage when a response is built, so a
//! private bucket can hand out signed, expiring links, and only to those allowed to watch.

mod access;
mod key;
mod request;
mod storage;
mod target;

pub use access::{link_allowed, url_deadline};
pub use key::MediaKey;
pub use request::UploadRequest;
pub use storage::{CallbackRequest, MediaStorage, StoredObject, TransferProgress, UploadGrant};
pub use target::{MediaKind, MediaTarget, UploadRules};
