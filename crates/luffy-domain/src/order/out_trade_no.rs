//! Merchant order numbers: letters, digits and underscore, at most 64, roughly time-ordered.

use crate::DomainError;
use chrono::{DateTime, Utc};
use std::fmt;

/// A validated merchant order number (`out_trade_no`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OutTradeNo(String);

impl OutTradeNo {
    /// Accepts 1–64 characters of `[A-Za-z0-9_]`, Alipay's rule.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let valid = !text.is_empty()
            && text.len() <= 64
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::invalid(
                "out_trade_no",
                "must be 1 to 64 letters, digits or underscores",
            ))
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OutTradeNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new order number: the UTC time to the millisecond, then 8 random digits, e.g.
/// `20240101120000123_04718265` (26 characters). Sorting by it sorts by creation time; the
/// database's unique index catches the (1 in 10⁸ per millisecond) collision, and the caller
/// retries.
pub fn new_out_trade_no(now: DateTime<Utc>, random: u32) -> OutTradeNo {
    OutTradeNo(format!(
        "{}_{:08}",
        now.format("%Y%m%d%H%M%S%3f"),
        random % 100_000_000
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_numbers_follow_alipays_rule_and_sort_by_time() {
        let early = DateTime::from_timestamp(1_704_110_400, 5_000_000).unwrap();
        let late = early + chrono::Duration::milliseconds(1);
        let a = new_out_trade_no(early, 999_999_999);
        let b = new_out_trade_no(late, 0);
        assert_eq!(a.as_str(), "20240101120000005_99999999");
        assert!(OutTradeNo::parse(a.as_str()).is_ok());
        assert!(a < b);
    }

    #[test]
    fn the_rule_is_enforced() {
        assert!(OutTradeNo::parse("abc_123").is_ok());
        for bad in ["", "a-b", "订单", "a b", &"x".repeat(65)] {
            assert!(OutTradeNo::parse(bad).is_err(), "{bad:?}");
        }
    }
}
