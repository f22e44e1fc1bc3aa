//! Asynchronous notifications (POST form) and return-URL parameters (GET query).
//!
//! Parse the **raw body bytes** (never a framework's merged query+form map): values are decoded
//! exactly once, a repeated key is rejected, `sign` and `sign_type` are left out of the signed
//! content (`rsaCheckV1`), empty values are skipped, and the signature is checked with the
//! **Alipay** public key. Answer a handled notify with [`NOTIFY_ACK`].

use crate::amount::Amount;
use crate::crypto::{self, SignType};
use crate::encode::FormParams;
use crate::error::{Error, Result, SignatureFailure};
use crate::keys::PublicKey;
use crate::model::{OutTradeNo, TradeStatus};
use crate::sign::{NOTIFY_EXCLUDED, REQUEST_EXCLUDED};

/// The body to answer a notify with once it is handled: exactly `success`.
pub const NOTIFY_ACK: &str = "success";

/// Which parameters the notify signature leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotifyRule {
    /// `sign` and `sign_type` left out: trade notifies (`trade_status_sync`) and return URLs.
    #[default]
    V1,
    /// Only `sign` left out: gateway messages such as `alipay.open.servicemarket.order.notify`.
    V2,
}

/// Verifies decoded form parameters and returns the content that was checked.
///
/// The algorithm comes from the form's `sign_type` (RSA2 when absent); when `expected` is given,
/// a different `sign_type` is refused.
pub fn verify_params(
    params: &FormParams,
    alipay_public_key: &PublicKey,
    rule: NotifyRule,
    expected: Option<SignType>,
) -> Result<String> {
    let excluded = match rule {
        NotifyRule::V1 => NOTIFY_EXCLUDED,
        NotifyRule::V2 => REQUEST_EXCLUDED,
    };
    let content = params.content_to_sign(true, excluded);
    let sign_type = match (params.get("sign_type"), expected) {
        (None, expected) => expected.unwrap_or_default(),
        (Some(received), expected) => {
            let received_type: SignType = received.parse().map_err(|_| {
                Error::signature(
                    SignatureFailure::UnknownSignType(received.to_owned()),
                    content.clone(),
                )
            })?;
            if let Some(expected) = expected.filter(|expected| *expected != received_type) {
                return Err(Error::signature(
                    SignatureFailure::SignTypeMismatch {
                        expected: expected.to_string(),
                        received: received.to_owned(),
                    },
                    content,
                ));
            }
            received_type
        }
    };
    let sign = params
        .get("sign")
        .ok_or_else(|| Error::signature(SignatureFailure::Missing, content.clone()))?;
    crypto::verify(alipay_public_key, sign_type, content.as_bytes(), sign)?;
    Ok(content)
}

/// Parses a raw form body and verifies it (see [`verify_params`]).
pub fn verify_form_body(
    body: &[u8],
    alipay_public_key: &PublicKey,
    rule: NotifyRule,
    expected: Option<SignType>,
) -> Result<FormParams> {
    let params = FormParams::parse(body)?;
    verify_params(&params, alipay_public_key, rule, expected)?;
    Ok(params)
}

/// Whether a notify reports a payment or a (partial) refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyKind {
    /// A state change of the trade (paid, closed, finished).
    Payment,
    /// A refund happened (`refund_fee`/`out_biz_no`/`gmt_refund` present); partial refunds keep
    /// `trade_status=TRADE_SUCCESS`.
    Refund,
}

/// Refund details carried by a refund notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundDetails {
    /// Total refunded so far.
    pub refund_fee: Amount,
    /// The refund's request number (`out_request_no` of the refund call).
    pub out_biz_no: Option<String>,
    /// Refund time.
    pub gmt_refund: Option<String>,
}

/// A verified trade notification (`trade_status_sync`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Notification {
    /// Same for every retry of one notification: use it as the idempotency key.
    pub notify_id: String,
    /// `trade_status_sync` for trade notifies.
    pub notify_type: String,
    /// When this attempt was sent (China time).
    pub notify_time: String,
    /// Your app id (check it).
    pub app_id: String,
    /// Your order number, as Alipay echoes it (check it against your order).
    pub out_trade_no: String,
    /// Alipay trade number.
    pub trade_no: String,
    /// Trade state.
    pub trade_status: TradeStatus,
    /// Order amount (check it against your order).
    pub total_amount: Amount,
    /// What the merchant received.
    pub receipt_amount: Option<Amount>,
    /// Merchant (seller) id (check it).
    pub seller_id: Option<String>,
    /// Buyer id.
    pub buyer_id: Option<String>,
    /// Payment time.
    pub gmt_payment: Option<String>,
    /// Echo of the request's `passback_params` (still URL-encoded once, as you sent it).
    pub passback_params: Option<String>,
    /// Present for refund notifies.
    pub refund: Option<RefundDetails>,
    params: FormParams,
}

fn required(params: &FormParams, key: &str) -> Result<String> {
    params
        .get(key)
        .map(str::to_owned)
        .ok_or_else(|| Error::MissingParameter(key.to_owned()))
}

fn optional(params: &FormParams, key: &str) -> Option<String> {
    params
        .get(key)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

fn optional_amount(params: &FormParams, key: &str) -> Result<Option<Amount>> {
    optional(params, key).map(|value| value.parse()).transpose()
}

impl Notification {
    /// Builds the typed view of parameters whose signature was already verified.
    pub fn from_verified_params(params: FormParams) -> Result<Self> {
        let refund = match optional_amount(&params, "refund_fee")? {
            Some(refund_fee) => Some(RefundDetails {
                refund_fee,
                out_biz_no: optional(&params, "out_biz_no"),
                gmt_refund: optional(&params, "gmt_refund"),
            }),
            None if params.get("out_biz_no").is_some() || params.get("gmt_refund").is_some() => {
                return Err(Error::MissingParameter("refund_fee".to_owned()));
            }
            None => None,
        };
        Ok(Notification {
            notify_id: required(&params, "notify_id")?,
            notify_type: required(&params, "notify_type")?,
            notify_time: required(&params, "notify_time")?,
            app_id: required(&params, "app_id")?,
            out_trade_no: required(&params, "out_trade_no")?,
            trade_no: required(&params, "trade_no")?,
            trade_status: required(&params, "trade_status")?.parse()?,
            total_amount: required(&params, "total_amount")?.parse()?,
            receipt_amount: optional_amount(&params, "receipt_amount")?,
            seller_id: optional(&params, "seller_id"),
            buyer_id: optional(&params, "buyer_id"),
            gmt_payment: optional(&params, "gmt_payment"),
            passback_params: optional(&params, "passback_params"),
            refund,
            params,
        })
    }

    /// Payment or refund notify.
    pub fn kind(&self) -> NotifyKind {
        if self.refund.is_some() {
            NotifyKind::Refund
        } else {
            NotifyKind::Payment
        }
    }

    /// `TRADE_SUCCESS` or `TRADE_FINISHED` (true for refund notifies of a paid trade too: check [`Self::kind`]).
    pub fn is_paid(&self) -> bool {
        self.trade_status.is_paid()
    }

    /// Any raw parameter, decoded once (e.g. `fund_bill_list`, `buyer_logon_id`).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key)
    }

    /// All raw parameters, including `sign` and `sign_type`.
    pub fn params(&self) -> &FormParams {
        &self.params
    }

    /// Alipay's required merchant checks: the order is yours, the amount matches, the seller and
    /// app are yours. Returns the first mismatch as [`Error::InvalidField`].
    pub fn check_order(
        &self,
        app_id: &str,
        out_trade_no: &OutTradeNo,
        total_amount: Amount,
        seller_id: Option<&str>,
    ) -> Result<()> {
        let mismatch = |field: &str, value: &str| {
            Err(Error::InvalidField {
                field: field.to_owned(),
                value: value.to_owned(),
            })
        };
        if self.app_id != app_id {
            return mismatch("app_id", &self.app_id);
        }
        if self.out_trade_no != out_trade_no.as_str() {
            return mismatch("out_trade_no", &self.out_trade_no);
        }
        if self.total_amount != total_amount {
            return mismatch("total_amount", &self.total_amount.to_string());
        }
        if seller_id.is_some_and(|expected| self.seller_id.as_deref() != Some(expected)) {
            return mismatch("seller_id", self.seller_id.as_deref().unwrap_or_default());
        }
        Ok(())
    }
}

/// Verified return-URL parameters. There is no trade status: the return is only a hint —
/// wait for the notify or call `alipay.trade.query`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReturnParams {
    /// Your order number.
    pub out_trade_no: String,
    /// Alipay trade number.
    pub trade_no: String,
    /// Order amount.
    pub total_amount: Amount,
    /// Your app id.
    pub app_id: String,
    /// Merchant id.
    pub seller_id: Option<String>,
    /// `alipay.trade.page.pay.return` or `alipay.trade.wap.pay.return`.
    pub method: Option<String>,
    /// Gateway timestamp.
    pub timestamp: Option<String>,
    params: FormParams,
}

impl ReturnParams {
    /// Builds the typed view of parameters whose signature was already verified.
    pub fn from_verified_params(params: FormParams) -> Result<Self> {
        Ok(ReturnParams {
            out_trade_no: required(&params, "out_trade_no")?,
            trade_no: required(&params, "trade_no")?,
            total_amount: required(&params, "total_amount")?.parse()?,
            app_id: required(&params, "app_id")?,
            seller_id: optional(&params, "seller_id"),
            method: optional(&params, "method"),
            timestamp: optional(&params, "timestamp"),
            params,
        })
    }

    /// Any raw parameter.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key)
    }

    /// All raw parameters.
    pub fn params(&self) -> &FormParams {
        &self.params
    }
}
