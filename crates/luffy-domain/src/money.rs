//! Money: an exact amount of yuan with two decimal places, held as integer fen (cents).

use crate::DomainError;
use bigdecimal::{BigDecimal, ToPrimitive};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// An exact, non-negative amount of money in yuan, stored as integer fen.
///
/// Parsed from decimal text (`"99"`, `"99.5"`, `"99.50"`) or a JSON number; more than two decimal
/// places, negatives and anything that is not a plain decimal are refused. Displayed and serialized
/// as a string with exactly two places (`"99.50"`), as the original client expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money {
    fen: i64,
}

/// The largest amount Luffy handles: 100,000,000.00 yuan, Alipay's upper bound for one trade.
pub const MAX_FEN: i64 = 10_000_000_000;

impl Money {
    /// Zero yuan.
    pub const ZERO: Money = Money { fen: 0 };

    /// An amount of `fen` hundredths of a yuan.
    pub fn from_fen(fen: i64) -> Result<Self, DomainError> {
        if !(0..=MAX_FEN).contains(&fen) {
            return Err(DomainError::InvalidAmount {
                input: fen.to_string(),
                reason: "out of range",
            });
        }
        Ok(Self { fen })
    }

    /// The amount in fen.
    pub fn fen(self) -> i64 {
        self.fen
    }

    /// The amount as an exact decimal number of yuan.
    pub fn to_decimal(self) -> BigDecimal {
        BigDecimal::new(self.fen.into(), 2)
    }

    /// Converts an exact decimal number of yuan; refuses sub-fen precision.
    pub fn from_decimal(value: &BigDecimal) -> Result<Self, DomainError> {
        let refuse = |reason| DomainError::InvalidAmount {
            input: value.to_string(),
            reason,
        };
        if value.sign() == bigdecimal::num_bigint::Sign::Minus {
            return Err(refuse("negative"));
        }
        let scaled = value * BigDecimal::from(100);
        if !scaled.is_integer() {
            return Err(refuse("more than two decimal places"));
        }
        let fen = scaled.to_i64().ok_or_else(|| refuse("out of range"))?;
        Self::from_fen(fen).map_err(|_| refuse("out of range"))
    }

    /// The sum of two amounts, or `None` past [`MAX_FEN`].
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.fen
            .checked_add(other.fen)
            .filter(|fen| *fen <= MAX_FEN)
            .map(|fen| Money { fen })
    }

    /// The difference, or `None` when it would be negative.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.fen
            .checked_sub(other.fen)
            .filter(|fen| *fen >= 0)
            .map(|fen| Money { fen })
    }

    /// An amount of `fen`, clamped into `0..=MAX_FEN`; for results already known to lie there.
    pub(crate) fn clamped(fen: i128) -> Money {
        let fen = fen.clamp(0, i128::from(MAX_FEN));
        Money {
            fen: i64::try_from(fen).unwrap_or(MAX_FEN),
        }
    }

    /// Whether the amount is zero.
    pub fn is_zero(self) -> bool {
        self.fen == 0
    }
}

impl FromStr for Money {
    type Err = DomainError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = input.trim();
        let plain = !text.is_empty()
            && text.chars().all(|c| c.is_ascii_digit() || c == '.')
            && text.chars().filter(|c| *c == '.').count() <= 1
            && !text.starts_with('.')
            && !text.ends_with('.');
        if !plain {
            return Err(DomainError::InvalidAmount {
                input: input.to_owned(),
                reason: "not a plain decimal number",
            });
        }
        let value = BigDecimal::from_str(text).map_err(|_| DomainError::InvalidAmount {
            input: input.to_owned(),
            reason: "not a plain decimal number",
        })?;
        Self::from_decimal(&value).map_err(|err| match err {
            DomainError::InvalidAmount { reason, .. } => DomainError::InvalidAmount {
                input: input.to_owned(),
                reason,
            },
            other => other,
        })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.fen / 100, self.fen % 100)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MoneyVisitor;

        impl serde::de::Visitor<'_> for MoneyVisitor {
            type Value = Money;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount of yuan with at most two decimal places")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
                v.parse().map_err(E::custom)
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Money, E> {
                v.to_string().parse().map_err(E::custom)
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Money, E> {
                v.to_string().parse().map_err(E::custom)
            }

            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Money, E> {
                // A JSON number such as 99.5 arrives as f64; its shortest round-trip text is
                // exactly what the client wrote, so it is parsed as decimal text, never rounded.
                v.to_string().parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_any(MoneyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_two_places() {
        for (input, fen, shown) in [
            ("99", 9900, "99.00"),
            ("99.5", 9950, "99.50"),
            ("99.50", 9950, "99.50"),
            ("0.01", 1, "0.01"),
            (" 12.30 ", 1230, "12.30"),
            ("0", 0, "0.00"),
        ] {
            let money: Money = input.parse().unwrap();
            assert_eq!(money.fen(), fen, "{input}");
            assert_eq!(money.to_string(), shown, "{input}");
        }
    }

    #[test]
    fn refuses_what_is_not_exact_money() {
        for input in [
            "",
            "-1",
            "1.001",
            "abc",
            "1e3",
            ".5",
            "5.",
            "1.2.3",
            "NaN",
            "+1",
            "1,00",
            "100000000.01",
        ] {
            assert!(
                input.parse::<Money>().is_err(),
                "{input:?} should be refused"
            );
        }
    }

    #[test]
    fn json_accepts_strings_and_numbers_and_writes_strings() {
        let from_str: Money = serde_json::from_str("\"99.00\"").unwrap();
        let from_int: Money = serde_json::from_str("99").unwrap();
        let from_float: Money = serde_json::from_str("99.5").unwrap();
        assert_eq!(from_str.fen(), 9900);
        assert_eq!(from_int.fen(), 9900);
        assert_eq!(from_float.fen(), 9950);
        assert!(serde_json::from_str::<Money>("0.001").is_err());
        assert_eq!(serde_json::to_string(&from_float).unwrap(), "\"99.50\"");
    }

    #[test]
    fn decimal_round_trip_is_exact() {
        let money: Money = "12.30".parse().unwrap();
        assert_eq!(money.to_decimal().to_string(), "12.30");
        assert_eq!(Money::from_decimal(&money.to_decimal()).unwrap(), money);
    }

    #[test]
    fn arithmetic_is_checked() {
        let a = Money::from_fen(150).unwrap();
        let b = Money::from_fen(50).unwrap();
        assert_eq!(a.checked_add(b).unwrap().fen(), 200);
        assert_eq!(a.checked_sub(b).unwrap().fen(), 100);
        assert!(b.checked_sub(a).is_none());
        assert!(Money::from_fen(MAX_FEN).unwrap().checked_add(b).is_none());
    }
}
