//! Sending SMS verification codes: a port, so the provider can change without touching the rules.

use super::{Mobile, SmsCode};

/// How long a code stays valid, in seconds.
pub const SMS_CODE_TTL_SECS: i64 = 300;

/// Wrong guesses after which a code is void.
pub const SMS_CODE_ATTEMPTS: i32 = 5;

/// The provider refused or could not be reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sms not sent: {0}")]
pub struct SmsError(pub String);

/// Delivers a verification code to a phone. Called from blocking code, outside any transaction.
pub trait SmsSender: Send + Sync + std::fmt::Debug {
    /// Sends `code` to `mobile`.
    fn send(&self, mobile: &Mobile, code: &SmsCode) -> Result<(), SmsError>;
}
