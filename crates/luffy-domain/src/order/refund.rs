//! Refunds: what may still be refunded, and where an order stands once its refunds are answered.

use super::OrderStatus;
use crate::Money;

/// What may still be refunded of a paid order: its total, less what Alipay has refunded, less
/// what is asked and not answered yet (a pending refund may still succeed).
pub fn refundable(total: Money, refunded: Money, pending: Money) -> Money {
    total
        .checked_sub(refunded)
        .and_then(|left| left.checked_sub(pending))
        .unwrap_or(Money::ZERO)
}

/// Where a paid order stands from its refunds: refunding while any is unanswered, otherwise
/// paid, partially refunded or refunded by what Alipay refunded.
pub fn status_after_refunds(total: Money, refunded: Money, any_pending: bool) -> OrderStatus {
    if any_pending {
        OrderStatus::Refunding
    } else if refunded.is_zero() {
        OrderStatus::Paid
    } else if refunded >= total {
        OrderStatus::Refunded
    } else {
        OrderStatus::PartiallyRefunded
    }
}

/// The `out_request_no` of the automatic refund of an order: one per order, so a retried
/// refund can never be paid out twice.
pub fn automatic_refund_no(out_trade_no: &str) -> String {
    format!("{out_trade_no}_auto")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn pending_refunds_count_against_what_is_left() {
        assert_eq!(
            refundable(yuan("299.50"), yuan("100.83"), yuan("100.83")),
            yuan("97.84")
        );
        assert_eq!(
            refundable(yuan("10"), yuan("5"), yuan("6")),
            Money::ZERO,
            "never negative"
        );
    }

    #[test]
    fn status_follows_what_alipay_refunded() {
        let total = yuan("299.50");
        assert_eq!(
            status_after_refunds(total, Money::ZERO, true),
            OrderStatus::Refunding
        );
        assert_eq!(
            status_after_refunds(total, Money::ZERO, false),
            OrderStatus::Paid
        );
        assert_eq!(
            status_after_refunds(total, yuan("201.66"), false),
            OrderStatus::PartiallyRefunded
        );
        assert_eq!(
            status_after_refunds(total, total, false),
            OrderStatus::Refunded
        );
    }

    #[test]
    fn automatic_refund_numbers_are_deterministic_and_valid() {
        let no = automatic_refund_no("20261201123456789_12345678");
        assert_eq!(no, automatic_refund_no("20261201123456789_12345678"));
        assert!(no.len() <= 64);
        assert!(no.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    }
}
