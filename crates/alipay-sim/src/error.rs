//! The simulator's errors: Alipay's own error codes, so merchants see what production sends.

/// A failure answered to the merchant in Alipay's shape (`code`, `msg`, `sub_code`, `sub_msg`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} {msg}: {sub_code} {sub_msg}")]
pub struct GatewayError {
    /// `40002`, `40004`, …
    pub code: &'static str,
    /// `Invalid Arguments`, `Business Failed`, …
    pub msg: &'static str,
    /// `isv.invalid-signature`, `ACQ.TRADE_NOT_EXIST`, …
    pub sub_code: String,
    /// A human-readable explanation.
    pub sub_msg: String,
}

impl GatewayError {
    /// A `40002 Invalid Arguments` error.
    pub fn invalid(sub_code: &str, sub_msg: impl Into<String>) -> Self {
        Self {
            code: "40002",
            msg: "Invalid Arguments",
            sub_code: sub_code.to_owned(),
            sub_msg: sub_msg.into(),
        }
    }

    /// A `40001 Missing Required Arguments` error.
    pub fn missing(parameter: &str) -> Self {
        Self {
            code: "40001",
            msg: "Missing Required Arguments",
            sub_code: format!("isv.missing-{}", parameter.replace('_', "-")),
            sub_msg: format!("缺少必选参数 {parameter}"),
        }
    }

    /// A `40004 Business Failed` error.
    pub fn business(sub_code: &str, sub_msg: impl Into<String>) -> Self {
        Self {
            code: "40004",
            msg: "Business Failed",
            sub_code: sub_code.to_owned(),
            sub_msg: sub_msg.into(),
        }
    }

    /// `ACQ.TRADE_NOT_EXIST`.
    pub fn trade_not_exist() -> Self {
        Self::business("ACQ.TRADE_NOT_EXIST", "交易不存在")
    }

    /// `ACQ.TRADE_STATUS_ERROR`.
    pub fn trade_status_error() -> Self {
        Self::business("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
    }

    /// `ACQ.TRADE_HAS_SUCCESS`.
    pub fn trade_has_success() -> Self {
        Self::business("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
    }

    /// `ACQ.TRADE_HAS_CLOSE`.
    pub fn trade_has_close() -> Self {
        Self::business("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
    }
}

/// Why the simulator could not start or act.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A key could not be read, generated or parsed.
    #[error("key: {0}")]
    Key(String),
    /// A file or socket operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The SDK refused an operation (signing, parsing).
    #[error(transparent)]
    Sdk(#[from] alipay_sdk::Error),
    /// The gateway refused a control action.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// Building the HTTP client failed.
    #[error("http client: {0}")]
    Http(String),
}
