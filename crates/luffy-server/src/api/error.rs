//! The one place where failures become HTTP responses.
//!
//! Failures the original client handles answer HTTP 200 with `{"code":<not 100>,"msg":…}`;
//! a genuine server fault is HTTP 500 with code 888 and no internals in `msg` (they go to the log).

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde_json::json;

/// Codes of the response envelope.
pub mod code {
    /// Success.
    pub const OK: u16 = 100;
    /// Not paid yet, or the SMS could not be sent.
    pub const NOT_YET: u16 = 101;
    /// An invalid mobile number.
    pub const INVALID_MOBILE: u16 = 102;
    /// Validation, authentication and business-rule failures.
    pub const REJECTED: u16 = 999;
    /// An unexpected server fault.
    pub const SERVER_FAULT: u16 = 888;
}

/// A failure of an API call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// A failure the client shows to the user: HTTP 200 with `code` and `msg`.
    #[error("{msg}")]
    Rejected {
        /// The envelope code (never 100).
        code: u16,
        /// A human-readable message.
        msg: String,
    },
    /// The resource does not exist (or is hidden): HTTP 404.
    #[error("not found: {0}")]
    NotFound(String),
    /// A refusal that needs an HTTP status of its own (uploads and storage callbacks, whose
    /// clients go by the status): answered with code 999 and the message.
    #[error("{msg}")]
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// Why.
        msg: String,
    },
    /// The resource does not serve the request's method: HTTP 405 with an `Allow` header
    /// listing the methods it serves.
    #[error("method not allowed")]
    MethodNotAllowed(&'static str),
    /// Too many requests from this client: HTTP 429.
    #[error("throttled")]
    Throttled,
    /// The database is unreachable or overloaded: HTTP 503.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Anything unexpected: HTTP 500, details logged only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A code-999 rejection with `msg`.
    pub fn rejected(msg: impl Into<String>) -> Self {
        ApiError::Rejected {
            code: code::REJECTED,
            msg: msg.into(),
        }
    }

    /// A rejection with a specific envelope code.
    pub fn with_code(code: u16, msg: impl Into<String>) -> Self {
        ApiError::Rejected {
            code,
            msg: msg.into(),
        }
    }
}

impl From<luffy_db::DbError> for ApiError {
    fn from(err: luffy_db::DbError) -> Self {
        match err {
            luffy_db::DbError::Pool(reason) => ApiError::Unavailable(reason),
            luffy_db::DbError::Rejected(err) => err.into(),
            luffy_db::DbError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<luffy_domain::DomainError> for ApiError {
    fn from(err: luffy_domain::DomainError) -> Self {
        ApiError::rejected(err.to_string())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        luffy_db::DbError::from(err).into()
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task failed: {err}"))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Rejected { .. } => StatusCode::OK,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Status { status, .. } => *status,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (code, msg) = match self {
            ApiError::Rejected { code, msg } => (*code, msg.as_str()),
            ApiError::NotFound(_) => (code::REJECTED, "未找到"),
            ApiError::Status { msg, .. } => (code::REJECTED, msg.as_str()),
            ApiError::MethodNotAllowed(_) => (code::REJECTED, "不支持该请求方法"),
            ApiError::Throttled => (code::REJECTED, "请求过于频繁，请稍后再试"),
            ApiError::Unavailable(reason) => {
                log::warn!("service unavailable: {reason}");
                (code::SERVER_FAULT, "服务繁忙，请稍后再试")
            }
            ApiError::Internal(reason) => {
                log::error!("internal error: {reason}");
                (code::SERVER_FAULT, "服务器异常")
            }
        };
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::MethodNotAllowed(methods) = self {
            response.insert_header((actix_web::http::header::ALLOW, *methods));
        }
        response.json(json!({ "code": code, "msg": msg }))
    }
}
