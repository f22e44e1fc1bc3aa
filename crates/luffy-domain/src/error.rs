//! The domain's error type.

/// What can go wrong when a value or a rule of the domain is violated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A money amount that is not a non-negative decimal with at most two places.
    #[error("invalid amount {input:?}: {reason}")]
    InvalidAmount {
        /// The text that was given.
        input: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A page number past the last page, below the first, or not a number.
    #[error("Invalid page.")]
    InvalidPage,
    /// A field that failed validation; `field` names it.
    #[error("{field}: {message}")]
    Invalid {
        /// The name of the offending field.
        field: &'static str,
        /// A human-readable explanation.
        message: String,
    },
    /// A coupon that cannot be used on this order; `field` names the request field that chose it.
    #[error("{field}: {reason}")]
    CouponUnusable {
        /// The name of the field that carried the coupon (`user_coupon_id`).
        field: &'static str,
        /// Why the coupon does not apply.
        reason: crate::pricing::CouponUnusable,
    },
}

impl DomainError {
    /// A validation error for `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}
