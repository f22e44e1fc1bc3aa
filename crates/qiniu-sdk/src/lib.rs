#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod callback;
pub mod client;
pub mod clock;
pub mod credentials;
pub mod download;
pub mod error;
pub mod etag;
mod form;
pub mod manage;
pub mod policy;
pub mod progress;
pub mod region;
pub mod resumable;
pub mod retry;
pub mod sign;
pub mod token;

pub use callback::{CallbackRequest, CallbackScheme, CallbackVerifyOptions};
pub use client::{Client, ClientBuilder, UploadConfig, UploadParams, UploadResponse};
pub use clock::{Clock, FixedClock, SystemClock};
pub use credentials::{Credentials, encoded_entry, urlsafe_base64};
pub use download::public_download_url;
pub use error::{ApiError, Error, Result};
pub use etag::{etag_of_bytes, etag_of_file, etag_of_reader};
pub use manage::{ListItem, ListOptions, ListPage, ObjectInfo};
pub use policy::{FileType, PolicyValue, PutPolicy};
pub use progress::{Progress, ProgressCallback};
pub use region::Region;
pub use retry::RetryPolicy;
pub use sign::SignableRequest;
pub use token::UploadToken;
