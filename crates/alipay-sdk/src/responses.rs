//! Typed bodies of `<method>_response`. Unknown fields are ignored; `code`/`msg` are checked
//! before these are built (a non-10000 code becomes [`crate::BusinessError`]).

use serde::{Deserialize, Deserializer};

use crate::amount::Amount;
use crate::model::TradeStatus;

fn optional_amount<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Amount>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    match text.as_deref() {
        None | Some("") => Ok(None),
        Some(value) => value.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// `alipay.trade.precreate` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PrecreateResponse {
    /// Merchant order number.
    pub out_trade_no: String,
    /// Content of the QR code to show.
    pub qr_code: String,
}

/// `alipay.trade.query` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TradeQueryResponse {
    /// Alipay trade number.
    pub trade_no: String,
    /// Merchant order number.
    pub out_trade_no: String,
    /// Trade state.
    pub trade_status: TradeStatus,
    /// Order amount.
    pub total_amount: Amount,
    /// Masked buyer account.
    #[serde(default)]
    pub buyer_logon_id: Option<String>,
    /// What the buyer paid.
    #[serde(default, deserialize_with = "optional_amount")]
    pub buyer_pay_amount: Option<Amount>,
    /// What the merchant received.
    #[serde(default, deserialize_with = "optional_amount")]
    pub receipt_amount: Option<Amount>,
    /// Payment time (China time).
    #[serde(default)]
    pub send_pay_date: Option<String>,
    /// Buyer's Alipay user id.
    #[serde(default)]
    pub buyer_user_id: Option<String>,
}

/// `alipay.trade.close` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TradeCloseResponse {
    /// Alipay trade number.
    #[serde(default)]
    pub trade_no: Option<String>,
    /// Merchant order number.
    #[serde(default)]
    pub out_trade_no: Option<String>,
}

/// `alipay.trade.refund` result. Success is `fund_change == "Y"` (see [`Self::is_fund_changed`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TradeRefundResponse {
    /// Alipay trade number.
    pub trade_no: String,
    /// Merchant order number.
    pub out_trade_no: String,
    /// `Y` when money moved in this call; `N` for an idempotent retry of a finished refund.
    #[serde(default)]
    pub fund_change: Option<String>,
    /// Total refunded so far on this trade.
    #[serde(default, deserialize_with = "optional_amount")]
    pub refund_fee: Option<Amount>,
    /// Masked buyer account.
    #[serde(default)]
    pub buyer_logon_id: Option<String>,
    /// Refund time.
    #[serde(default)]
    pub gmt_refund_pay: Option<String>,
}

impl TradeRefundResponse {
    /// `fund_change == "Y"`. When `N`, confirm with `alipay.trade.fastpay.refund.query`.
    pub fn is_fund_changed(&self) -> bool {
        self.fund_change.as_deref() == Some("Y")
    }
}

/// `alipay.trade.fastpay.refund.query` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RefundQueryResponse {
    /// Alipay trade number.
    #[serde(default)]
    pub trade_no: Option<String>,
    /// Merchant order number.
    #[serde(default)]
    pub out_trade_no: Option<String>,
    /// The refund's request number.
    #[serde(default)]
    pub out_request_no: Option<String>,
    /// Amount of this refund (absent when the refund did not happen).
    #[serde(default, deserialize_with = "optional_amount")]
    pub refund_amount: Option<Amount>,
    /// Order amount.
    #[serde(default, deserialize_with = "optional_amount")]
    pub total_amount: Option<Amount>,
    /// `REFUND_SUCCESS` when asked for via `query_options`.
    #[serde(default)]
    pub refund_status: Option<String>,
}

impl RefundQueryResponse {
    /// The refund happened: `refund_status == REFUND_SUCCESS`, or (without a status) a refund amount is present.
    pub fn is_refund_success(&self) -> bool {
        match self.refund_status.as_deref() {
            Some(status) => status == "REFUND_SUCCESS",
            None => self.refund_amount.is_some(),
        }
    }
}

/// `alipay.data.dataservice.bill.downloadurl.query` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct BillDownloadUrlResponse {
    /// Link valid for about 30 seconds.
    pub bill_download_url: String,
}
