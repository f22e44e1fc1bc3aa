//! The crate's error type.

use std::fmt;

/// Everything that can go wrong in this crate.
///
/// Transport failures, signature failures and business failures (`code` ≠ `10000`)
/// are distinct variants, so callers can decide what to retry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key could not be used for the role it was given.
    #[error("{role}: {problem} (seen: {seen}; expected: {expected})")]
    Key {
        /// Which slot the key was given for.
        role: KeyRole,
        /// What was detected in the input.
        seen: String,
        /// What this slot accepts.
        expected: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The Alipay public key slot holds the public half of the app's own private key.
    #[error(
        "the configured Alipay public key is the public half of the app private key \
         (fingerprint {fingerprint}); use the key labelled \"支付宝公钥\" (Alipay public key) \
         from the open-platform console, not the app public key (\"应用公钥\")"
    )]
    AppKeyInAlipaySlot {
        /// Fingerprint of the key that was given twice.
        fingerprint: String,
    },
    /// An amount string could not be parsed or is out of range.
    #[error("invalid amount {input:?}: {reason}")]
    InvalidAmount {
        /// The rejected input.
        input: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// An `out_trade_no` was empty, too long or had characters Alipay rejects.
    #[error("invalid out_trade_no {input:?}: {reason}")]
    InvalidOutTradeNo {
        /// The rejected input.
        input: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A request could not be built (bad argument or configuration).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The RSA operation failed while signing.
    #[error("signing failed: {0}")]
    Signing(String),
    /// A signature did not verify, or was missing or malformed.
    #[error("signature check failed: {reason}; signed content checked: {content:?}")]
    Signature {
        /// Why the check failed.
        reason: SignatureFailure,
        /// The exact text the signature was checked against (empty when none could be built).
        content: String,
    },
    /// A form body or query string could not be decoded.
    #[error("malformed form data: {0}")]
    Form(String),
    /// The same parameter appeared twice in a signed form.
    #[error("duplicate parameter {0:?}: a signed form must not repeat a key")]
    DuplicateParameter(String),
    /// A required parameter is missing.
    #[error("missing parameter {0:?}")]
    MissingParameter(String),
    /// A parameter has a value this crate does not accept.
    #[error("invalid value for {field}: {value:?}")]
    InvalidField {
        /// Parameter or JSON field name.
        field: String,
        /// The rejected value.
        value: String,
    },
    /// A synchronous response could not be understood.
    #[error("malformed response: {0}")]
    MalformedResponse(String),
    /// Alipay answered with a business failure (`code` ≠ `10000`).
    #[error(transparent)]
    Business(Box<BusinessError>),
    /// A certificate could not be parsed or used.
    #[error("certificate: {0}")]
    Certificate(String),
    /// JSON (de)serialisation failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// The HTTP request failed (connect, timeout, TLS, body read).
    #[cfg(feature = "client")]
    #[error("http transport: {0}")]
    Transport(#[from] reqwest::Error),
    /// The gateway answered with a non-success HTTP status.
    #[error("gateway answered HTTP {status}: {body_start:?}")]
    HttpStatus {
        /// The HTTP status code.
        status: u16,
        /// The first bytes of the body, for logs.
        body_start: String,
    },
}

impl From<BusinessError> for Error {
    fn from(business: BusinessError) -> Self {
        Error::Business(Box::new(business))
    }
}

impl Error {
    /// Whether trying the same call again later may succeed.
    ///
    /// True for timeouts and connection failures, HTTP 5xx, and the business codes that
    /// Alipay documents as "outcome unknown / try again" (see [`BusinessError::is_retryable`]).
    /// For `alipay.trade.refund`, retry with the **same** `out_request_no`.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Business(business) => business.is_retryable(),
            Error::HttpStatus { status, .. } => *status >= 500 || *status == 429,
            #[cfg(feature = "client")]
            Error::Transport(error) => {
                error.is_timeout() || error.is_connect() || error.is_request() || error.is_body()
            }
            _ => false,
        }
    }

    /// The business error, when Alipay answered with `code` ≠ `10000`.
    pub fn as_business(&self) -> Option<&BusinessError> {
        match self {
            Error::Business(business) => Some(business),
            _ => None,
        }
    }

    pub(crate) fn signature(reason: SignatureFailure, content: impl Into<String>) -> Self {
        Error::Signature {
            reason,
            content: content.into(),
        }
    }
}

/// Why a signature check failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureFailure {
    /// No `sign` parameter or field was present.
    Missing,
    /// The `sign` value is not valid base64.
    NotBase64,
    /// `sign_type` names an algorithm this crate does not know.
    UnknownSignType(String),
    /// `sign_type` differs from the configured one.
    SignTypeMismatch {
        /// The configured sign type.
        expected: String,
        /// The sign type that was received.
        received: String,
    },
    /// The RSA check itself failed: wrong key, or the content differs from what was signed.
    Mismatch,
}

impl fmt::Display for SignatureFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureFailure::Missing => f.write_str("no signature present"),
            SignatureFailure::NotBase64 => f.write_str("signature is not valid base64"),
            SignatureFailure::UnknownSignType(value) => write!(f, "unknown sign_type {value:?}"),
            SignatureFailure::SignTypeMismatch { expected, received } => {
                write!(f, "sign_type is {received:?}, configured {expected:?}")
            }
            SignatureFailure::Mismatch => f.write_str(
                "signature does not match (wrong key, or content differs from what was signed; \
                 see alipay_sdk::doctor)",
            ),
        }
    }
}

/// Which key slot a key was given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// A private key used to sign (the app private key, or Alipay's key in a simulator).
    PrivateKey,
    /// A public key used to verify (Alipay's public key, or an app public key in a simulator).
    PublicKey,
}

impl fmt::Display for KeyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyRole::PrivateKey => f.write_str("private key"),
            KeyRole::PublicKey => f.write_str("public key"),
        }
    }
}

/// A business failure reported by Alipay: `code` ≠ `10000`, or an `error_response`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Alipay {method} failed: code {code} ({msg}), sub_code {sub_code:?}: {sub_msg:?}")]
pub struct BusinessError {
    /// The response key the error came from, e.g. `alipay_trade_query_response` or `error_response`.
    pub method: String,
    /// Gateway code, e.g. `40004`.
    pub code: String,
    /// Gateway message, e.g. `Business Failed`.
    pub msg: String,
    /// Detailed code, e.g. `ACQ.TRADE_NOT_EXIST`.
    pub sub_code: Option<String>,
    /// Detailed message.
    pub sub_msg: Option<String>,
    /// Whether the response carried a signature that verified with the Alipay public key.
    pub signature_verified: bool,
}

impl BusinessError {
    /// `code == 20000` (`isp.unknow-error`, `ACQ.SYSTEM_ERROR`), `40005` (rate limited) or
    /// `10003` (payment in progress): the outcome is unknown or temporary; query or retry.
    pub fn is_retryable(&self) -> bool {
        matches!(self.code.as_str(), "20000" | "40005" | "10003")
            || matches!(
                self.sub_code.as_deref(),
                Some("ACQ.SYSTEM_ERROR" | "isp.unknow-error" | "aop.ACQ.SYSTEM_ERROR")
            )
    }

    /// `ACQ.TRADE_NOT_EXIST`: for page pay this is normal until the buyer opens the cashier.
    pub fn is_trade_not_exist(&self) -> bool {
        self.sub_code.as_deref() == Some("ACQ.TRADE_NOT_EXIST")
    }

    /// `ACQ.TRADE_STATUS_ERROR`: the trade is in a state that does not allow the operation.
    pub fn is_trade_status_error(&self) -> bool {
        self.sub_code.as_deref() == Some("ACQ.TRADE_STATUS_ERROR")
    }

    /// `ACQ.TRADE_HAS_SUCCESS` or `ACQ.TRADE_HAS_FINISHED`: already paid.
    pub fn is_trade_already_paid(&self) -> bool {
        matches!(
            self.sub_code.as_deref(),
            Some("ACQ.TRADE_HAS_SUCCESS" | "ACQ.TRADE_HAS_FINISHED")
        )
    }

    /// `isv.invalid-signature`: the gateway could not verify our request signature.
    pub fn is_invalid_signature(&self) -> bool {
        self.sub_code.as_deref() == Some("isv.invalid-signature")
    }

    /// For `isv.invalid-signature`, the string the gateway verified, taken from `sub_msg`
    /// (the text after `验签字符串为：`). Compare it with the string this crate signed.
    pub fn gateway_signed_string(&self) -> Option<&str> {
        if !self.is_invalid_signature() {
            return None;
        }
        let sub_msg = self.sub_msg.as_deref()?;
        ["验签字符串为：", "验签字符串为:"]
            .iter()
            .find_map(|marker| sub_msg.find(marker).map(|at| (at, marker.len())))
            .and_then(|(at, len)| sub_msg.get(at + len..))
    }
}

/// Shorthand for `Result<T, alipay_sdk::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
