//! Error answers in Qiniu's shape: `{"error": "...", "code": N}` with Qiniu's status codes.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

/// A refusal, rendered as Qiniu's JSON error body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {message}")]
pub struct SimError {
    /// HTTP status (Qiniu uses 579, 612, 614, …).
    pub status: u16,
    /// The `error` text.
    pub message: String,
}

impl SimError {
    /// A new error.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
    /// 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }
    /// 401 `bad token`.
    pub fn bad_token() -> Self {
        Self::new(401, "bad token")
    }
    /// 612 with a message.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(612, message)
    }
    /// 500 for local failures (disk).
    pub fn internal(err: impl std::fmt::Display) -> Self {
        Self::new(500, format!("internal error: {err}"))
    }
}

impl From<std::io::Error> for SimError {
    fn from(err: std::io::Error) -> Self {
        Self::internal(err)
    }
}

impl ResponseError for SimError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .json(serde_json::json!({"error": self.message, "code": self.status}))
    }
}
