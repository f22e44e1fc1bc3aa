//! What a payment report (an async notify or a `trade.query` answer) must prove before it
//! moves an order, and what it moves it to.

use super::OrderStatus;
use crate::Money;

/// Alipay's `trade_status`, as far as orders care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportedTradeStatus {
    /// Created, not paid.
    WaitBuyerPay,
    /// Paid, refundable.
    TradeSuccess,
    /// Paid, no longer refundable.
    TradeFinished,
    /// Closed unpaid, or fully refunded.
    TradeClosed,
}

impl ReportedTradeStatus {
    /// Only `TRADE_SUCCESS` and `TRADE_FINISHED` mean paid.
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            ReportedTradeStatus::TradeSuccess | ReportedTradeStatus::TradeFinished
        )
    }
}

/// The facts a verified payment report carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentEvidence {
    /// The app the trade belongs to.
    pub app_id: String,
    /// The trade's total.
    pub total_amount: Money,
    /// The seller, when reported.
    pub seller_id: Option<String>,
    /// The trade status.
    pub status: ReportedTradeStatus,
}

/// Why a signed report still does not match the order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentMismatch {
    /// Another app's trade.
    #[error("app_id {0:?} is not ours")]
    AppId(String),
    /// Another amount than the order's.
    #[error("total_amount {reported} differs from the order's {expected}")]
    Amount {
        /// The order's total.
        expected: Money,
        /// What Alipay reported.
        reported: Money,
    },
    /// Another seller than the configured one.
    #[error("seller_id {0:?} is not the configured seller")]
    Seller(Option<String>),
}

/// Alipay's merchant checks: the app is ours, the amount is the order's, and the seller is the
/// configured one (when one is configured).
pub fn check_payment(
    evidence: &PaymentEvidence,
    our_app_id: &str,
    order_total: Money,
    expected_seller: Option<&str>,
) -> Result<(), PaymentMismatch> {
    if evidence.app_id != our_app_id {
        return Err(PaymentMismatch::AppId(evidence.app_id.clone()));
    }
    if evidence.total_amount != order_total {
        return Err(PaymentMismatch::Amount {
            expected: order_total,
            reported: evidence.total_amount,
        });
    }
    if let Some(expected) = expected_seller
        && evidence.seller_id.as_deref() != Some(expected)
    {
        return Err(PaymentMismatch::Seller(evidence.seller_id.clone()));
    }
    Ok(())
}

/// What a matching paid report does to an order in `current` status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentSettlement {
    /// Move it to paid (and grant the courses).
    MarkPaid {
        /// The payment arrived after the order timed out or was cancelled: honoured, flagged.
        late: bool,
    },
    /// Already paid (a repeated or out-of-order report): nothing changes.
    AlreadyPaid,
    /// Not a payment (waiting or closed): nothing changes.
    NotPaid,
}

/// Decides how a report of `reported` status settles an order in `current` status.
pub fn settle_payment(current: OrderStatus, reported: ReportedTradeStatus) -> PaymentSettlement {
    if !reported.is_paid() {
        return PaymentSettlement::NotPaid;
    }
    match current {
        OrderStatus::Unpaid => PaymentSettlement::MarkPaid { late: false },
        OrderStatus::TimedOut | OrderStatus::Cancelled => {
            PaymentSettlement::MarkPaid { late: true }
        }
        _ => PaymentSettlement::AlreadyPaid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence() -> PaymentEvidence {
        PaymentEvidence {
            app_id: "app".into(),
            total_amount: "99.00".parse().unwrap(),
            seller_id: Some("2088".into()),
            status: ReportedTradeStatus::TradeSuccess,
        }
    }

    #[test]
    fn every_merchant_check_can_fail() {
        let total: Money = "99".parse().unwrap();
        assert!(check_payment(&evidence(), "app", total, Some("2088")).is_ok());
        assert!(check_payment(&evidence(), "app", total, None).is_ok());
        assert!(matches!(
            check_payment(&evidence(), "other", total, None),
            Err(PaymentMismatch::AppId(_))
        ));
        assert!(matches!(
            check_payment(&evidence(), "app", "98.99".parse().unwrap(), None),
            Err(PaymentMismatch::Amount { .. })
        ));
        assert!(matches!(
            check_payment(&evidence(), "app", total, Some("2099")),
            Err(PaymentMismatch::Seller(_))
        ));
    }

    #[test]
    fn settlement_follows_the_status_machine() {
        use ReportedTradeStatus::*;
        assert_eq!(
            settle_payment(OrderStatus::Unpaid, TradeSuccess),
            PaymentSettlement::MarkPaid { late: false }
        );
        assert_eq!(
            settle_payment(OrderStatus::TimedOut, TradeFinished),
            PaymentSettlement::MarkPaid { late: true }
        );
        assert_eq!(
            settle_payment(OrderStatus::Paid, TradeFinished),
            PaymentSettlement::AlreadyPaid
        );
        assert_eq!(
            settle_payment(OrderStatus::Refunded, TradeSuccess),
            PaymentSettlement::AlreadyPaid
        );
        assert_eq!(
            settle_payment(OrderStatus::Unpaid, WaitBuyerPay),
            PaymentSettlement::NotPaid
        );
        assert_eq!(
            settle_payment(OrderStatus::Unpaid, TradeClosed),
            PaymentSettlement::NotPaid
        );
    }
}
