//! Money: an exact amount in fen (1/100 yuan), never a float.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// An amount of CNY with exactly two decimal places, stored as integer fen.
///
/// Parses `"12.3"`, `"12.30"` and `"12"` to the same value and renders `"12.30"`; rejects more
/// than two decimals, signs, exponents, whitespace and anything else. Serialises as a JSON string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(u64);

impl Amount {
    /// The smallest amount Alipay accepts for a payment: 0.01.
    pub const MIN_PAYMENT: Amount = Amount(1);
    /// The largest amount Alipay accepts for a payment: 100000000.00.
    pub const MAX_PAYMENT: Amount = Amount(10_000_000_000);
    /// Zero.
    pub const ZERO: Amount = Amount(0);

    /// An amount from integer fen (`1230` → `12.30`).
    pub const fn from_fen(fen: u64) -> Self {
        Amount(fen)
    }

    /// The amount in fen.
    pub const fn fen(self) -> u64 {
        self.0
    }

    /// Checks the range Alipay accepts for `total_amount` / `refund_amount`: [0.01, 100000000.00].
    pub fn for_payment(self) -> Result<Self> {
        if self < Self::MIN_PAYMENT || self > Self::MAX_PAYMENT {
            return Err(Error::InvalidAmount {
                input: self.to_string(),
                reason: "Alipay accepts 0.01 to 100000000.00",
            });
        }
        Ok(self)
    }

    /// Parses and checks the payment range in one step.
    pub fn parse_payment(text: &str) -> Result<Self> {
        text.parse::<Amount>()?.for_payment()
    }
}

impl FromStr for Amount {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let invalid = |reason| Error::InvalidAmount {
            input: text.to_owned(),
            reason,
        };
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (text, None),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "expected digits, optionally followed by '.' and up to two decimals",
            ));
        }
        let fraction_fen = match fraction {
            None => 0,
            Some(digits) if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(invalid("expected one or two digits after '.'"));
            }
            Some(digits) if digits.len() > 2 => {
                return Err(invalid("more than two decimal places"));
            }
            Some(digits) => {
                let value: u64 = digits.parse().map_err(|_| invalid("bad decimals"))?;
                if digits.len() == 1 { value * 10 } else { value }
            }
        };
        let whole_yuan: u64 = whole.parse().map_err(|_| invalid("too large"))?;
        whole_yuan
            .checked_mul(100)
            .and_then(|fen| fen.checked_add(fraction_fen))
            .map(Amount)
            .ok_or_else(|| invalid("too large"))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
