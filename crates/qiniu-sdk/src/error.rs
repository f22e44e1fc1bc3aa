//! The one error type of the crate, mapping Qiniu's status codes to variants.

use std::fmt;

/// What the server said when it refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code (Qiniu uses non-standard codes such as 579, 612, 614).
    pub status: u16,
    /// The `error` field of the JSON body, or the raw body when it is not JSON.
    pub message: String,
    /// The `X-Reqid` response header, useful when asking Qiniu support.
    pub request_id: Option<String>,
}

impl ApiError {
    /// Builds an error from a status code and a raw response body.
    pub fn from_body(status: u16, body: &[u8], request_id: Option<String>) -> Self {
        let message = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
        Self {
            status,
            message,
            request_id,
        }
    }

    /// For `incorrect region, please use up-z1.qiniup.com`, the host the server suggests.
    pub fn suggested_host(&self) -> Option<&str> {
        let (_, rest) = self.message.split_once("please use ")?;
        let host = rest.split([' ', ',', ';']).next()?.trim();
        (!host.is_empty()).then_some(host)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (reqid {id})")?;
        }
        Ok(())
    }
}

/// Every failure this crate can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller-supplied value is invalid (empty bucket, part size out of range, …).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// An upload token could not be parsed.
    #[error("malformed upload token: {0}")]
    MalformedToken(String),
    /// Reading a local file or writing a resume record failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The connection failed or timed out before the server answered.
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// 400: the request was malformed or sent to the wrong region.
    #[error("bad request: {0}")]
    BadRequest(ApiError),
    /// 401: bad, expired or missing token or signature.
    #[error("unauthorized: {0}")]
    Unauthorized(ApiError),
    /// 403: the key does not match the token's scope, or a policy limit (mime type) refused the file.
    #[error("forbidden: {0}")]
    Forbidden(ApiError),
    /// 406: CRC32 or Content-MD5 mismatch.
    #[error("checksum mismatch: {0}")]
    ChecksumMismatch(ApiError),
    /// 413: the file exceeds `fsizeLimit` (or is below `fsizeMin`).
    #[error("file size refused: {0}")]
    SizeRefused(ApiError),
    /// 419: the account is frozen.
    #[error("account frozen: {0}")]
    AccountFrozen(ApiError),
    /// 573: rate limited.
    #[error("rate limited: {0}")]
    RateLimited(ApiError),
    /// 579: the upload callback failed; the file is stored anyway.
    #[error("callback failed (file stored): {0}")]
    CallbackFailed(ApiError),
    /// 612: no such object, or the upload id is unknown or expired.
    #[error("not found: {0}")]
    NotFound(ApiError),
    /// 614: the object already exists (`insertOnly`).
    #[error("object exists: {0}")]
    AlreadyExists(ApiError),
    /// 631: the bucket does not exist.
    #[error("no such bucket: {0}")]
    NoSuchBucket(ApiError),
    /// 701: a resumable v1 context expired.
    #[error("upload context expired: {0}")]
    ContextExpired(ApiError),
    /// 5xx and 599: a server error that survived every retry and host.
    #[error("server error: {0}")]
    Server(ApiError),
    /// Any other non-success status.
    #[error("api error: {0}")]
    Api(ApiError),
    /// The server answered 2xx with a body this crate cannot understand.
    #[error("unexpected response: {0}")]
    UnexpectedResponse(String),
    /// The hash the server computed differs from the local etag of the file.
    #[error("hash mismatch: local {local}, server {server}")]
    HashMismatch {
        /// Etag computed locally.
        local: String,
        /// Hash reported by the server.
        server: String,
    },
    /// A progress callback asked to stop; the resume record (if any) is kept.
    #[error("upload cancelled")]
    Cancelled,
    /// A callback request's signature did not verify.
    #[error("callback signature invalid")]
    CallbackSignatureInvalid,
    /// A callback used the QBox scheme with a body QBox does not sign, and signed bodies were required.
    #[error("callback body is not covered by its signature")]
    CallbackBodyUnsigned,
}

impl Error {
    /// Maps an HTTP status and response body to the matching variant.
    pub fn from_status(status: u16, body: &[u8], request_id: Option<String>) -> Self {
        let api = ApiError::from_body(status, body, request_id);
        match status {
            400 => Error::BadRequest(api),
            401 => Error::Unauthorized(api),
            403 => Error::Forbidden(api),
            406 => Error::ChecksumMismatch(api),
            413 => Error::SizeRefused(api),
            419 => Error::AccountFrozen(api),
            573 => Error::RateLimited(api),
            579 => Error::CallbackFailed(api),
            612 => Error::NotFound(api),
            614 => Error::AlreadyExists(api),
            631 => Error::NoSuchBucket(api),
            701 => Error::ContextExpired(api),
            500..=599 => Error::Server(api),
            _ => Error::Api(api),
        }
    }

    /// The server's answer, when the error came from one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::BadRequest(a)
            | Error::Unauthorized(a)
            | Error::Forbidden(a)
            | Error::ChecksumMismatch(a)
            | Error::SizeRefused(a)
            | Error::AccountFrozen(a)
            | Error::RateLimited(a)
            | Error::CallbackFailed(a)
            | Error::NotFound(a)
            | Error::AlreadyExists(a)
            | Error::NoSuchBucket(a)
            | Error::ContextExpired(a)
            | Error::Server(a)
            | Error::Api(a) => Some(a),
            _ => None,
        }
    }

    /// The HTTP status code, when the error came from the server.
    pub fn status(&self) -> Option<u16> {
        self.api_error().map(|a| a.status)
    }

    /// Whether retrying (on the same or another host) may help: network errors and 5xx
    /// outside Qiniu's list of terminal codes.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(e) => !e.is_builder(),
            _ => self.status().is_some_and(is_retryable_status),
        }
    }
}

/// Qiniu's retry rule: status ≥ 500, except the codes that mean a definite answer.
pub fn is_retryable_status(status: u16) -> bool {
    const TERMINAL: [u16; 14] = [
        501, 509, 573, 579, 608, 612, 614, 616, 618, 630, 631, 632, 640, 701,
    ];
    status >= 500 && !TERMINAL.contains(&status)
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
