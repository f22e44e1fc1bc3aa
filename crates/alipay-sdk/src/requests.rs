//! Typed requests. Each struct is the `biz_content` of one API; field order is the JSON key order
//! (python-alipay-sdk 3.4.0 insertion order, so signatures match it byte for byte).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::amount::Amount;
use crate::model::OutTradeNo;
use crate::responses::{
    BillDownloadUrlResponse, PrecreateResponse, RefundQueryResponse, TradeCloseResponse,
    TradeQueryResponse, TradeRefundResponse,
};

/// One Alipay API call: its `method`, its `biz_content` (the struct itself) and its response type.
pub trait BizRequest: Serialize {
    /// The `method` parameter, e.g. `alipay.trade.query`.
    const METHOD: &'static str;
    /// Whether the configured default `notify_url` is sent (pay and create methods only).
    const SENDS_NOTIFY_URL: bool = false;
    /// Whether the configured default `return_url` is sent (page and wap pay only).
    const SENDS_RETURN_URL: bool = false;
    /// The typed body of `<method>_response`.
    type Response: DeserializeOwned;

    /// A per-request `notify_url` overriding the configured one.
    fn notify_url(&self) -> Option<&str> {
        None
    }

    /// A per-request `return_url` overriding the configured one.
    fn return_url(&self) -> Option<&str> {
        None
    }
}

macro_rules! pay_request {
    ($(#[$doc:meta])* $name:ident, $method:literal, $product:literal, return_url: $ret:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize)]
        pub struct $name {
            /// Order title shown to the buyer.
            pub subject: String,
            /// Merchant order number.
            pub out_trade_no: OutTradeNo,
            /// Amount to pay, [0.01, 100000000.00].
            pub total_amount: Amount,
            /// Product code.
            pub product_code: String,
            /// Order description.
            #[serde(skip_serializing_if = "Option::is_none")]
            pub body: Option<String>,
            /// Relative timeout such as `15m`, `2h`, `1d` (the trade closes after it).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub timeout_express: Option<String>,
            /// Absolute deadline `yyyy-MM-dd HH:mm:ss` (China time).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub time_expire: Option<String>,
            /// Echoed back in the notify (URL-encode it yourself if it has special characters).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub passback_params: Option<String>,
            /// Any other documented `biz_content` keys, written after the fields above in insertion order.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
            /// `notify_url` for this order only.
            #[serde(skip)]
            pub notify_url: Option<String>,
            /// `return_url` for this order only.
            #[serde(skip)]
            pub return_url: Option<String>,
        }

        impl $name {
            /// A request with the mandatory fields; the amount must be in [0.01, 100000000.00].
            pub fn new(subject: impl Into<String>, out_trade_no: OutTradeNo, total_amount: Amount) -> crate::Result<Self> {
                Ok($name {
                    subject: subject.into(),
                    out_trade_no,
                    total_amount: total_amount.for_payment()?,
                    product_code: $product.to_owned(),
                    body: None,
                    timeout_express: None,
                    time_expire: None,
                    passback_params: None,
                    extra: Map::new(),
                    notify_url: None,
                    return_url: None,
                })
            }

            /// Sets `timeout_express` (e.g. `"15m"`).
            pub fn timeout_express(mut self, value: impl Into<String>) -> Self {
                self.timeout_express = Some(value.into());
                self
            }

            /// Sets `time_expire` (`yyyy-MM-dd HH:mm:ss`, China time).
            pub fn time_expire(mut self, value: impl Into<String>) -> Self {
                self.time_expire = Some(value.into());
                self
            }

            /// Sets the order description.
            pub fn body(mut self, value: impl Into<String>) -> Self {
                self.body = Some(value.into());
                self
            }

            /// Sets `passback_params`.
            pub fn passback_params(mut self, value: impl Into<String>) -> Self {
                self.passback_params = Some(value.into());
                self
            }

            /// Adds another `biz_content` key.
            pub fn extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
                self.extra.insert(key.into(), value.into());
                self
            }

            /// Overrides `product_code`.
            pub fn product_code(mut self, value: impl Into<String>) -> Self {
                self.product_code = value.into();
                self
            }

            /// Overrides the configured `notify_url` for this order.
            pub fn notify_url(mut self, value: impl Into<String>) -> Self {
                self.notify_url = Some(value.into());
                self
            }

            /// Overrides the configured `return_url` for this order.
            pub fn return_url(mut self, value: impl Into<String>) -> Self {
                self.return_url = Some(value.into());
                self
            }
        }

        impl BizRequest for $name {
            const METHOD: &'static str = $method;
            const SENDS_NOTIFY_URL: bool = true;
            const SENDS_RETURN_URL: bool = $ret;
            type Response = Value;

            fn notify_url(&self) -> Option<&str> {
                self.notify_url.as_deref()
            }

            fn return_url(&self) -> Option<&str> {
                self.return_url.as_deref()
            }
        }
    };
}

pay_request!(
    /// `alipay.trade.page.pay`: the desktop cashier. Build the URL with [`crate::Alipay::page_pay_url`].
    PagePay, "alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY", return_url: true
);
pay_request!(
    /// `alipay.trade.wap.pay`: the mobile-web cashier. Build the URL with [`crate::Alipay::wap_pay_url`].
    /// The product code is `QUICK_WAP_WAY` (python-alipay-sdk sent `QUICK_WAP_PAY`; override with
    /// [`WapPay::product_code`] to reproduce it).
    WapPay, "alipay.trade.wap.pay", "QUICK_WAP_WAY", return_url: true
);
pay_request!(
    /// `alipay.trade.app.pay`: the order string handed to the Alipay mobile SDK.
    /// Build it with [`crate::Alipay::app_pay_order_string`].
    AppPay, "alipay.trade.app.pay", "QUICK_MSECURITY_PAY", return_url: false
);

/// `alipay.trade.precreate`: a QR code the buyer scans.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Precreate {
    /// Merchant order number.
    pub out_trade_no: OutTradeNo,
    /// Amount to pay.
    pub total_amount: Amount,
    /// Order title.
    pub subject: String,
    /// Relative timeout such as `15m`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_express: Option<String>,
    /// `notify_url` for this order only.
    #[serde(skip)]
    pub notify_url: Option<String>,
}

impl Precreate {
    /// A precreate request; the amount must be in [0.01, 100000000.00].
    pub fn new(
        subject: impl Into<String>,
        out_trade_no: OutTradeNo,
        total_amount: Amount,
    ) -> crate::Result<Self> {
        Ok(Precreate {
            out_trade_no,
            total_amount: total_amount.for_payment()?,
            subject: subject.into(),
            timeout_express: None,
            notify_url: None,
        })
    }
}

impl BizRequest for Precreate {
    const METHOD: &'static str = "alipay.trade.precreate";
    const SENDS_NOTIFY_URL: bool = true;
    type Response = PrecreateResponse;

    fn notify_url(&self) -> Option<&str> {
        self.notify_url.as_deref()
    }
}

/// `alipay.trade.query`: by merchant order number or by Alipay trade number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TradeQuery {
    /// Merchant order number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<OutTradeNo>,
    /// Alipay trade number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
}

impl TradeQuery {
    /// Query by merchant order number.
    pub fn by_out_trade_no(out_trade_no: OutTradeNo) -> Self {
        TradeQuery {
            out_trade_no: Some(out_trade_no),
            trade_no: None,
        }
    }

    /// Query by Alipay trade number.
    pub fn by_trade_no(trade_no: impl Into<String>) -> Self {
        TradeQuery {
            out_trade_no: None,
            trade_no: Some(trade_no.into()),
        }
    }
}

impl BizRequest for TradeQuery {
    const METHOD: &'static str = "alipay.trade.query";
    type Response = TradeQueryResponse;
}

/// `alipay.trade.close`: close an unpaid trade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TradeClose {
    /// Merchant order number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<OutTradeNo>,
    /// Alipay trade number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// Operator id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
}

impl TradeClose {
    /// Close by merchant order number.
    pub fn by_out_trade_no(out_trade_no: OutTradeNo) -> Self {
        TradeClose {
            out_trade_no: Some(out_trade_no),
            trade_no: None,
            operator_id: None,
        }
    }
}

impl BizRequest for TradeClose {
    const METHOD: &'static str = "alipay.trade.close";
    type Response = TradeCloseResponse;
}

/// `alipay.trade.refund`. Retrying with the same `out_request_no` is idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TradeRefund {
    /// Amount to refund.
    pub refund_amount: Amount,
    /// Identifies this (partial) refund; required for partial refunds and safe retries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_request_no: Option<String>,
    /// Reason shown to the buyer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_reason: Option<String>,
    /// Merchant order number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<OutTradeNo>,
    /// Alipay trade number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
}

impl TradeRefund {
    /// Refund `refund_amount` of the order, identified by `out_request_no`.
    pub fn new(
        out_trade_no: OutTradeNo,
        refund_amount: Amount,
        out_request_no: impl Into<String>,
    ) -> crate::Result<Self> {
        Ok(TradeRefund {
            refund_amount: refund_amount.for_payment()?,
            out_request_no: Some(out_request_no.into()),
            refund_reason: None,
            out_trade_no: Some(out_trade_no),
            trade_no: None,
        })
    }

    /// Sets the refund reason.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.refund_reason = Some(reason.into());
        self
    }
}

impl BizRequest for TradeRefund {
    const METHOD: &'static str = "alipay.trade.refund";
    type Response = TradeRefundResponse;
}

/// `alipay.trade.fastpay.refund.query`: did refund `out_request_no` happen?
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefundQuery {
    /// The refund's request number (for a full refund without one: the `out_trade_no`).
    pub out_request_no: String,
    /// Alipay trade number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// Merchant order number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<OutTradeNo>,
}

impl RefundQuery {
    /// Query refund `out_request_no` of order `out_trade_no`.
    pub fn new(out_trade_no: OutTradeNo, out_request_no: impl Into<String>) -> Self {
        RefundQuery {
            out_request_no: out_request_no.into(),
            trade_no: None,
            out_trade_no: Some(out_trade_no),
        }
    }
}

impl BizRequest for RefundQuery {
    const METHOD: &'static str = "alipay.trade.fastpay.refund.query";
    type Response = RefundQueryResponse;
}

/// `bill_type` of a bill download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BillType {
    /// Trade bill.
    Trade,
    /// Account (fund) bill.
    Signcustomer,
}

/// `alipay.data.dataservice.bill.downloadurl.query`: a short-lived (≈30 s) link to a GBK CSV zip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillDownloadUrlQuery {
    /// Which bill.
    pub bill_type: BillType,
    /// `yyyy-MM-dd` or `yyyy-MM`; only past days (T+1).
    pub bill_date: String,
}

impl BillDownloadUrlQuery {
    /// Checks the date shape (`yyyy-MM-dd` or `yyyy-MM`).
    pub fn new(bill_type: BillType, bill_date: impl Into<String>) -> crate::Result<Self> {
        let bill_date = bill_date.into();
        let shape_ok = match bill_date.len() {
            7 => chrono::NaiveDate::parse_from_str(&format!("{bill_date}-01"), "%Y-%m-%d").is_ok(),
            10 => chrono::NaiveDate::parse_from_str(&bill_date, "%Y-%m-%d").is_ok(),
            _ => false,
        };
        if !shape_ok {
            return Err(crate::Error::InvalidField {
                field: "bill_date".to_owned(),
                value: bill_date,
            });
        }
        Ok(BillDownloadUrlQuery {
            bill_type,
            bill_date,
        })
    }
}

impl BizRequest for BillDownloadUrlQuery {
    const METHOD: &'static str = "alipay.data.dataservice.bill.downloadurl.query";
    type Response = BillDownloadUrlResponse;
}
