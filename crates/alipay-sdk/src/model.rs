//! Small validated types shared by requests, responses and notifications.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// A merchant order number: 1 to 64 ASCII letters, digits or underscores (Alipay's rule for new
/// orders). Once you hold one, it is valid.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutTradeNo(String);

impl OutTradeNo {
    /// Validates and wraps.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        let reason = if value.is_empty() {
            Some("must not be empty")
        } else if value.len() > 64 {
            Some("at most 64 characters")
        } else if !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            Some("only ASCII letters, digits and '_' are allowed")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(Error::InvalidOutTradeNo {
                input: value,
                reason,
            }),
            None => Ok(OutTradeNo(value)),
        }
    }

    /// The order number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for OutTradeNo {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        OutTradeNo::new(value)
    }
}

impl fmt::Display for OutTradeNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for OutTradeNo {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for OutTradeNo {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OutTradeNo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        OutTradeNo::new(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// `trade_status` of a trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TradeStatus {
    /// Created, waiting for the buyer to pay.
    WaitBuyerPay,
    /// Unpaid and closed (timed out or closed), or fully refunded.
    TradeClosed,
    /// Paid; refunds are possible.
    TradeSuccess,
    /// Paid; no more refunds possible.
    TradeFinished,
}

impl TradeStatus {
    /// The wire value, e.g. `TRADE_SUCCESS`.
    pub fn as_str(self) -> &'static str {
        match self {
            TradeStatus::WaitBuyerPay => "WAIT_BUYER_PAY",
            TradeStatus::TradeClosed => "TRADE_CLOSED",
            TradeStatus::TradeSuccess => "TRADE_SUCCESS",
            TradeStatus::TradeFinished => "TRADE_FINISHED",
        }
    }

    /// Only `TRADE_SUCCESS` and `TRADE_FINISHED` mean the buyer paid.
    pub fn is_paid(self) -> bool {
        matches!(self, TradeStatus::TradeSuccess | TradeStatus::TradeFinished)
    }

    /// Whether Alipay can still move the trade from `self` to `next`
    /// (`WAIT_BUYER_PAY → TRADE_SUCCESS → TRADE_FINISHED/TRADE_CLOSED`, `WAIT_BUYER_PAY → TRADE_CLOSED`).
    pub fn can_become(self, next: TradeStatus) -> bool {
        use TradeStatus::*;
        matches!(
            (self, next),
            (WaitBuyerPay, TradeSuccess | TradeFinished | TradeClosed)
                | (TradeSuccess, TradeFinished | TradeClosed)
        )
    }
}

impl FromStr for TradeStatus {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        Ok(match value {
            "WAIT_BUYER_PAY" => TradeStatus::WaitBuyerPay,
            "TRADE_CLOSED" => TradeStatus::TradeClosed,
            "TRADE_SUCCESS" => TradeStatus::TradeSuccess,
            "TRADE_FINISHED" => TradeStatus::TradeFinished,
            other => {
                return Err(Error::InvalidField {
                    field: "trade_status".to_owned(),
                    value: other.to_owned(),
                });
            }
        })
    }
}

impl fmt::Display for TradeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
