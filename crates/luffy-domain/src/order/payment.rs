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

/// Why Luffy gives a payment back by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoRefundReason {
    /// The buyer cancelled the order (or a newer order replaced it) before paying.
    Cancelled,
    /// The buyer already owns a course of the order through another order.
    AlreadyOwned,
}

impl AutoRefundReason {
    /// The stored code, e.g. `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            AutoRefundReason::Cancelled => "cancelled",
            AutoRefundReason::AlreadyOwned => "already_owned",
        }
    }

    /// What the buyer is told.
    pub fn label(self) -> &'static str {
        match self {
            AutoRefundReason::Cancelled => "订单已取消，款项已原路退回",
            AutoRefundReason::AlreadyOwned => "已通过其他订单购买该课程，款项已原路退回",
        }
    }
}

/// What a matching paid report does to an order in `current` status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentSettlement {
    /// Move it to paid and grant the courses.
    Grant {
        /// The payment arrived after the order timed out: honoured, flagged.
        late: bool,
    },
    /// Keep none of the money: record the payment and refund it in full, granting nothing.
    Refund(AutoRefundReason),
    /// Already settled (a repeated or out-of-order report): nothing changes.
    AlreadyPaid,
    /// Not a payment (waiting or closed): nothing changes.
    NotPaid,
}

/// Decides how a report of `reported` status settles an order in `current` status, given
/// whether the buyer already owns one of its courses through another order.
///
/// Every payment becomes exactly one grant or goes back: a timed-out order is still honoured
/// when its courses are not owned yet, while a cancelled order, or one whose course the buyer
/// already has, is refunded.
pub fn settle_payment(
    current: OrderStatus,
    reported: ReportedTradeStatus,
    owned_elsewhere: bool,
) -> PaymentSettlement {
    if !reported.is_paid() {
        return PaymentSettlement::NotPaid;
    }
    match current {
        OrderStatus::Cancelled => PaymentSettlement::Refund(AutoRefundReason::Cancelled),
        OrderStatus::Unpaid | OrderStatus::TimedOut if owned_elsewhere => {
            PaymentSettlement::Refund(AutoRefundReason::AlreadyOwned)
        }
        OrderStatus::Unpaid => PaymentSettlement::Grant { late: false },
        OrderStatus::TimedOut => PaymentSettlement::Grant { late: true },
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
            settle_payment(OrderStatus::Unpaid, TradeSuccess, false),
            PaymentSettlement::Grant { late: false }
        );
        assert_eq!(
            settle_payment(OrderStatus::TimedOut, TradeFinished, false),
            PaymentSettlement::Grant { late: true }
        );
        assert_eq!(
            settle_payment(OrderStatus::Paid, TradeFinished, false),
            PaymentSettlement::AlreadyPaid
        );
        assert_eq!(
            settle_payment(OrderStatus::Refunded, TradeSuccess, true),
            PaymentSettlement::AlreadyPaid
        );
        assert_eq!(
            settle_payment(OrderStatus::Refunding, TradeSuccess, false),
            PaymentSettlement::AlreadyPaid
        );
        assert_eq!(
            settle_payment(OrderStatus::Unpaid, WaitBuyerPay, true),
            PaymentSettlement::NotPaid
        );
        assert_eq!(
            settle_payment(OrderStatus::Unpaid, TradeClosed, false),
            PaymentSettlement::NotPaid
        );
    }

    #[test]
    fn a_payment_that_cannot_become_a_grant_goes_back() {
        use ReportedTradeStatus::*;
        assert_eq!(
            settle_payment(OrderStatus::Cancelled, TradeSuccess, false),
            PaymentSettlement::Refund(AutoRefundReason::Cancelled)
        );
        assert_eq!(
            settle_payment(OrderStatus::Cancelled, TradeSuccess, true),
            PaymentSettlement::Refund(AutoRefundReason::Cancelled)
        );
        assert_eq!(
            settle_payment(OrderStatus::Unpaid, TradeSuccess, true),
            PaymentSettlement::Refund(AutoRefundReason::AlreadyOwned)
        );
        assert_eq!(
            settle_payment(OrderStatus::TimedOut, TradeFinished, true),
            PaymentSettlement::Refund(AutoRefundReason::AlreadyOwned)
        );
    }

    #[test]
    fn every_status_and_report_settles_to_at_most_one_grant_or_refund() {
        use ReportedTradeStatus::*;
        for status in OrderStatus::ALL {
            for reported in [WaitBuyerPay, TradeSuccess, TradeFinished, TradeClosed] {
                for owned in [false, true] {
                    match settle_payment(status, reported, owned) {
                        PaymentSettlement::Grant { .. } => {
                            assert!(!owned && reported.is_paid());
                            assert!(status.can_become(OrderStatus::Paid), "{status}");
                        }
                        PaymentSettlement::Refund(_) => {
                            assert!(reported.is_paid());
                            assert!(status.can_become(OrderStatus::Refunding), "{status}");
                        }
                        PaymentSettlement::AlreadyPaid => assert!(reported.is_paid()),
                        PaymentSettlement::NotPaid => assert!(!reported.is_paid()),
                    }
                }
            }
        }
    }
}
